"""``kc libreoffice-setup``: build the extension from the project's files, install it, put the Basic wrappers
where Calc finds them, and say what went where.

* As root: ``unopkg add --shared`` (unopkg refuses a per-user install as root), and the wrappers go into
  the installation's presets, so every profile created from now on has them (existing profiles: pass
  ``--profile``); LibreOffice package upgrades replace the presets, so run the setup again after one.
* Otherwise: the extension goes into the user's own profile (or ``--profile DIR``), and into a private
  profile kept for headless recalculations (``profile.engine_template``); the wrappers into the same
  profile's Standard library, next to the user's own modules.

Running it again replaces the extension and the module (same identifier, same file): nothing piles up.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from addin.libreoffice import IDENTIFIER, SetupError, extension, profile
from addin.libreoffice.programs import Programs, current_python_version, find_programs, is_root


@dataclass
class SetupReport:
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def say(self, line: str) -> None:
        self.lines.append(line)


def check_python(programs: Programs, paths: list[str], compiled: bool) -> None:
    """numpy's compiled modules load only in the Python version they were built for."""
    theirs, ours = programs.python_version(), current_python_version()
    if compiled and theirs is not None and theirs != ours:
        raise SetupError(f"LibreOffice runs Python {theirs[0]}.{theirs[1]} and this kc runs {ours[0]}.{ours[1]}: "
                         f"numpy from {paths[-1]} cannot load in LibreOffice; run kc libreoffice-setup from a "
                         f"Python {theirs[0]}.{theirs[1]} environment")


def run(profile_dir: Path | None = None, *, root: bool | None = None) -> SetupReport:
    start = time.perf_counter()
    report = SetupReport()
    root = is_root() if root is None else root
    if profile_dir is not None:  # refused before anything is installed
        if profile_dir.exists() and not profile_dir.is_dir():
            raise SetupError(f"--profile {profile_dir}: not a folder (a LibreOffice profile is a folder)")
        profile.check_not_running(profile_dir)
    programs = find_programs(need_compiler=True)
    paths, compiled = extension.search_paths()
    check_python(programs, paths, compiled)
    with tempfile.TemporaryDirectory(prefix="kc-libreoffice-setup-") as work:
        oxt = extension.build(programs, Path(work) / "kc-addin.oxt", paths)
        if root:
            extension.install(programs, oxt, shared=True)
            report.say(f"extension {IDENTIFIER} installed for every user of {programs.base_dir} (unopkg --shared)")
        else:
            target = profile_dir or profile.default_user_profile()
            extension.install(programs, oxt, shared=False, profile=profile_dir)
            report.say(f"extension {IDENTIFIER} installed in the profile {target}")
            template = profile.engine_template()
            template.mkdir(parents=True, exist_ok=True)
            extension.install(programs, oxt, shared=False, profile=template)
            report.say(f"and in {template}, the profile kc copies for headless recalculations")
    report.say("its Python code comes from " + ", ".join(paths) + " (run the setup again if they move)")
    if profile_dir is not None:
        module = profile.add_wrappers_to_profile(programs, profile_dir)
        report.say(f"Basic wrappers written to {module} (Standard library of the profile {profile_dir})")
    elif root:
        module = profile.add_wrappers_to_presets(programs)
        report.say(f"Basic wrappers written to {module} (the installation's presets: every new profile starts with "
                   f"them; for an existing one run kc libreoffice-setup --profile DIR)")
    else:
        target = profile.default_user_profile()
        module = profile.add_wrappers_to_profile(programs, target)
        report.say(f"Basic wrappers written to {module} (Standard library of your LibreOffice profile)")
    report.seconds = time.perf_counter() - start
    return report
