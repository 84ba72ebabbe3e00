"""LibreOffice profiles: where the Basic wrappers go, and the private profile of a headless recalculation.

A profile is the folder ``-env:UserInstallation=file:///...`` names; its ``user/basic`` holds the
application's Basic libraries ("My Macros"), where the wrappers must be for Calc to bind plain names.
On its first start LibreOffice copies the installation's presets over ``user/basic`` unless the profile's
settings say it was set up already (``ooSetupInstCompleted``): a private profile written from scratch says
so, or our module would be replaced by the presets' empty Standard library.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from addin.libreoffice import SetupError, basic
from addin.libreoffice.programs import Programs, run

_ITEM = '<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>\n'
# Set up already (keep our user/basic), no first-start wizard, and every formula of an .xlsx or .ods
# recalculated on load (0 = always): cached values are never trusted, KC_* and native cells alike.
PRIVATE_SETTINGS = [
    ("/org.openoffice.Setup/Office", "ooSetupInstCompleted", "true"),
    ("/org.openoffice.Office.Common/Misc", "FirstRun", "false"),
    ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "0"),
    ("/org.openoffice.Office.Calc/Formula/Load", "ODFRecalcMode", "0"),
]


def settings_xml(settings=PRIVATE_SETTINGS) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            + "".join(_ITEM.format(path=p, name=n, value=v) for p, n, v in settings) + "</oor:items>\n")


def merged_settings(existing: str, settings=PRIVATE_SETTINGS) -> str:
    """``existing`` registrymodifications.xcu with our items added at the end (a later item wins)."""
    if "</oor:items>" not in existing:
        return settings_xml(settings)
    items = "".join(_ITEM.format(path=p, name=n, value=v) for p, n, v in settings)
    head, _, tail = existing.rpartition("</oor:items>")
    return head + items + "</oor:items>" + tail


def write_private_profile(folder: Path) -> Path:
    """A private profile for a headless recalculation: our settings and the wrappers. Anything already in
    ``folder`` (an extension installed into it) stays; returns the folder."""
    user = Path(folder) / "user"
    user.mkdir(parents=True, exist_ok=True)
    xcu = user / "registrymodifications.xcu"
    existing = xcu.read_text(encoding="utf-8") if xcu.exists() else ""
    xcu.write_text(merged_settings(existing) if existing else settings_xml(), encoding="utf-8")
    basic_folder = user / "basic"
    if (basic_folder / "Standard" / "script.xlb").exists():
        basic.add_module(basic_folder)
    else:
        basic.new_basic_folder(basic_folder)
    return Path(folder)


def default_user_profile() -> Path:
    """The profile LibreOffice uses when none is named (its documented default locations)."""
    if sys.platform.startswith("win"):
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "LibreOffice" / "4"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "LibreOffice" / "4"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "libreoffice" / "4"


def engine_template() -> Path:
    """Where a user who is not root keeps the extension for headless recalculations: a profile the
    recalculation copies (a per-user extension is visible only inside the profile it was added to)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "kc" / "libreoffice-engine-profile"


def check_not_running(profile: Path) -> None:
    """LibreOffice keeps a profile's Basic libraries in memory and writes them back on exit, which would
    drop a module added meanwhile: refuse while it runs (its lock file is there)."""
    lock = Path(profile) / ".lock"
    if lock.exists():
        raise SetupError(f"LibreOffice is running with the profile {profile} (lock file {lock}); close it and run "
                         f"kc libreoffice-setup again (if it is not running, delete the stale lock file)")


def initialised(programs: Programs, profile: Path) -> None:
    """Let LibreOffice create a profile that does not exist yet, so it is set up as LibreOffice sets up
    its own (presets copied), before our module is added to it."""
    if (Path(profile) / "user" / "basic" / "Standard" / "script.xlb").exists():
        return
    Path(profile).mkdir(parents=True, exist_ok=True)
    run([programs.soffice, f"-env:UserInstallation={Path(profile).resolve().as_uri()}", "--headless", "--norestore",
         "--terminate_after_init"], what=f"LibreOffice creating the profile {profile}", timeout=120)


def add_wrappers_to_profile(programs: Programs, profile: Path) -> Path:
    """Our Basic module in the Standard library of ``profile`` (created first if needed); the module file."""
    profile = Path(profile)
    check_not_running(profile)
    initialised(programs, profile)
    return basic.add_module(profile / "user" / "basic")


def add_wrappers_to_presets(programs: Programs) -> Path:
    """Our Basic module in the installation's presets: every profile created from now on starts with it."""
    presets = programs.presets_basic
    if not presets.is_dir():
        raise SetupError(f"{presets}: LibreOffice's preset Basic libraries are missing")
    return basic.add_module(presets)
