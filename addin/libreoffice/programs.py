"""Finding LibreOffice's programs and running them safely.

Every run has a timeout: headless LibreOffice can wait forever (a Basic error nobody handles, a dialog
nobody sees), and a command that never returns is worse than one that fails. The environment handed to
LibreOffice drops the variables that would point its own embedded Python at ours (PYTHONHOME,
PYTHONPATH): the component chooses its search path itself (``addin.libreoffice.component``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from addin.libreoffice import SetupError

DEFAULT_TIMEOUT = 180
# What to install on Debian/Ubuntu for each missing piece (the setup command says which).
DEBIAN_PACKAGES = {
    "soffice": "libreoffice-calc-nogui (or libreoffice-calc)",
    "unopkg": "libreoffice-calc-nogui (or libreoffice-calc)",
    "python": "python3-uno",
    "unoidl-write": "libreoffice-dev",
}


@dataclass(frozen=True)
class Programs:
    soffice: Path
    unopkg: Path
    program_dir: Path          # LibreOffice's program folder (types.rdb, pythonloader)
    unoidl_write: Path | None  # the IDL compiler (Debian: libreoffice-dev)

    @property
    def base_dir(self) -> Path:
        return self.program_dir.parent

    @property
    def types_rdb(self) -> Path:
        return self.program_dir / "types.rdb"

    @property
    def presets_basic(self) -> Path:
        """The Basic libraries a new profile starts with (copied on its first start)."""
        return self.base_dir / "presets" / "basic"

    @property
    def has_python(self) -> bool:
        """LibreOffice's Python UNO bridge (Debian: python3-uno) is installed."""
        return (self.program_dir / "pythonloader.py").exists()

    def python_version(self) -> tuple[int, int] | None:
        """The Python version LibreOffice embeds, from its loader's settings (PYTHONHOME=.../python3.11);
        None when it does not say (a bundled Python, as on Windows and macOS)."""
        unorc = self.program_dir / ("pythonloader.unorc" if os.name != "nt" else "pythonloader.ini")
        try:
            text = unorc.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        found = re.search(r"PYTHONHOME\s*=\s*\S*?python(\d+)\.(\d+)", text)
        return (int(found[1]), int(found[2])) if found else None


def _which(name: str, extra: list[Path]) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in extra:
        candidate = folder / name
        if candidate.exists() and os.access(candidate, os.X_OK):
            return candidate
    return None


def soffice_path() -> Path | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    return Path(found) if found else None


def find_programs(*, need_compiler: bool = False) -> Programs:
    """LibreOffice's programs, or a one-line SetupError saying which Debian package to install."""
    soffice = soffice_path()
    if soffice is None:
        raise SetupError(f"LibreOffice is not installed (no soffice on PATH); install the Debian package "
                         f"{DEBIAN_PACKAGES['soffice']}")
    program_dir = soffice.resolve().parent
    unopkg = _which("unopkg", [program_dir])
    if unopkg is None:
        raise SetupError(f"LibreOffice's unopkg is missing; install the Debian package {DEBIAN_PACKAGES['unopkg']}")
    compiler = _which("unoidl-write", [program_dir.parent / "sdk" / "bin", program_dir])
    programs = Programs(soffice, unopkg, program_dir, compiler)
    if not programs.has_python:
        raise SetupError(f"LibreOffice has no Python bridge ({program_dir / 'pythonloader.py'} is missing); "
                         f"install the Debian package {DEBIAN_PACKAGES['python']}")
    if need_compiler and compiler is None:
        raise SetupError(f"unoidl-write (LibreOffice's IDL compiler) is missing; install the Debian package "
                         f"{DEBIAN_PACKAGES['unoidl-write']}")
    return programs


def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP")}
    env.setdefault("HOME", os.path.expanduser("~"))
    return env


def run(command: list, *, what: str, timeout: int = DEFAULT_TIMEOUT) -> subprocess.CompletedProcess:
    """Run a LibreOffice program under a timeout; a SetupError in one line when it fails or hangs."""
    try:
        done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout,
                              env=clean_environment(), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SetupError(f"{what}: LibreOffice did not finish in {timeout} s") from None
    except OSError as error:
        raise SetupError(f"{what}: {error.strerror or error}") from None
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout or "").split())[:300]
        raise SetupError(f"{what} failed (exit {done.returncode}){': ' + detail if detail else ''}")
    return done


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def current_python_version() -> tuple[int, int]:
    return sys.version_info[:2]
