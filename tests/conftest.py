import os

import pytest
from hypothesis import HealthCheck, settings

import badak

# scikit-learn's estimator checks include an array-API check that runs only when scipy was
# imported with this set; it must come before anything imports scipy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

settings.register_profile(
    "badak",
    deadline=None,
    derandomize=True,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("badak")


@pytest.fixture(autouse=True)
def grad_mode_restored():
    """A test that switches grad mode off cannot leave it off for the next one."""
    yield
    badak.set_grad_enabled(True)
