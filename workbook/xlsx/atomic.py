"""Files are written to a temporary name beside the destination and renamed into place only when
complete, so a failure at any point leaves the original untouched and no half-written file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_output(destination: str | Path):
    """Yields a temporary path; on success it replaces ``destination``, on failure it is removed."""
    destination = Path(destination)
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent or ".")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        if destination.exists():
            # Keep the original's permission bits on the replacement.
            os.chmod(temporary, destination.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, destination)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
