"""The KC extension installed from this checkout, once per test session, for the tests that run LibreOffice.

It runs the real command (``kc libreoffice-setup --profile DIR --no-check``), so the Basic wrappers go into
a throw-away profile: the tests never write into the user's profile or the installation's presets. A user
who is not root gets the engine's profile under a throw-away XDG_CACHE_HOME as well."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@functools.lru_cache(maxsize=None)
def _setup() -> tuple[Path, str]:
    from addin.libreoffice import SetupError
    from addin.libreoffice.programs import find_programs

    try:
        find_programs(need_compiler=True)
    except SetupError as missing:  # a package scripts/test installs as root: say which
        pytest.skip(str(missing))
    folder = Path(tempfile.mkdtemp(prefix="kc-test-libreoffice-"))
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        os.environ["XDG_CACHE_HOME"] = str(folder / "cache")
    profile = folder / "profile"
    done = subprocess.run([sys.executable, "-m", "workbook.commands", "libreoffice-setup", "--profile", str(profile),
                           "--no-check"], capture_output=True, text=True, cwd=ROOT, timeout=600, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    return profile, done.stdout


def kc_extension() -> tuple[Path, str]:
    """(the profile that holds the wrappers, the setup command's output)."""
    return _setup()
