"""Files the command line writes."""

import os
import tempfile
from pathlib import Path


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` readable by its owner only (0600) from its first byte, atomically.

    The bytes go to a new file that mkstemp creates 0600 beside ``path``, which then replaces it: an
    existing file's looser mode goes with it, nobody who had the old file open sees the new
    content, and a failed write leaves the previous file as it was.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
