"""Files: atomic writes (a reader sees the old file or the new one, never half of one) and the
bytes of a file object held seekable under its name."""

import io
import os
from pathlib import Path


# ----------------------------------------------------------------------------------------------
def atomic_write(path, write, mode="wb"):
    """Call write(file) on `.NAME.tmp` beside `path`, then rename it over `path`.

    A reader (or a run killed at any moment) sees the old file or the new one, never half of
    one; on an exception the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, mode) as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path, text):
    """Write a text file atomically (UTF-8)."""
    atomic_write(path, lambda file: file.write(text.encode("utf-8")))


class NamedBytes(io.BytesIO):
    """The bytes read from a file object, seekable for zipfile, named for error messages."""

    def __init__(self, data, name):
        super().__init__(data)
        self.name = str(name)

    def __str__(self):
        return self.name
