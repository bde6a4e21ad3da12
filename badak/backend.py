"""The one place that names the array module.

Every badak module takes NumPy from here (`from badak.backend import np`), so a GPU array module
with NumPy's interface (CuPy) can later be chosen in this file alone.
"""

import numpy as np

__all__ = ["np"]
