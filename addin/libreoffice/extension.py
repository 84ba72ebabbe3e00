"""The LibreOffice extension (.oxt): its IDL interface, type library, component and manifest, built from
the project's files, and installed with ``unopkg``.

The extension holds no Basic (a Basic library inside an .oxt does not bind plain names on .xlsx import)
and no ``CalcAddIns.xcu``: the component is an ordinary UNO service that the Basic wrappers create, not a
Calc add-in, so no ``COM.ORG...`` function names appear beside the plain ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from addin.libreoffice import IDENTIFIER, INTERFACE, SetupError
from addin.libreoffice.programs import Programs, run

COMPONENT_FILE = "kc_component.py"
TYPES_FILE = "KcAddin.rdb"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # the same inputs give the same .oxt bytes

IDL = f"""// {INTERFACE}: the one method the Basic wrappers call (addin.libreoffice.basic).
// name: a KC_* function's name; args: its arguments as Basic hands them over; the result is a number,
// a text (a one-line message), or a sequence of rows for an array formula.
module org {{ module kc {{ module addin {{
  interface XKcAddin : com::sun::star::uno::XInterface
  {{
    any KCCALL([in] string name, [in] sequence< any > args);
  }};
}}; }}; }};
"""

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest">
 <manifest:file-entry manifest:full-path="{TYPES_FILE}" manifest:media-type="application/vnd.sun.star.uno-typelibrary;type=RDB"/>
 <manifest:file-entry manifest:full-path="{COMPONENT_FILE}" manifest:media-type="application/vnd.sun.star.uno-component;type=Python"/>
</manifest:manifest>
"""

DESCRIPTION = """<?xml version="1.0" encoding="UTF-8"?>
<description xmlns="http://openoffice.org/extensions/description/2006"
 xmlns:xlink="http://www.w3.org/1999/xlink">
 <identifier value="{identifier}"/>
 <version value="{version}"/>
 <display-name><name lang="en">KC valuation functions (KC_DCF, KC_SENSITIVITY, ...)</name></display-name>
</description>
"""

# Run by the Python that builds the extension: the sys.path folders the registry's imports come from.
_FIND_PATHS = r"""
import json, os, sys, sysconfig
import addin.registry
standard = {os.path.realpath(p) for k, p in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib")}
entries = [os.path.realpath(p) for p in sys.path if p]
found, compiled = [], False
for module in list(sys.modules.values()):
    where = os.path.realpath(getattr(module, "__file__", None) or "/")
    roots = [e for e in entries if where.startswith(e + os.sep)]
    if not roots:
        continue
    root = max(roots, key=len)
    if root in standard or os.path.basename(root) == "lib-dynload":
        continue
    if root not in found:
        found.append(root)
    compiled = compiled or where.endswith((".so", ".pyd"))
found.sort(key=entries.index)
print(json.dumps({"paths": found, "compiled": compiled}))
"""


def project_folder() -> Path:
    """The folder that holds the ``addin`` and ``kcfuncs`` packages (a checkout, or site-packages)."""
    return Path(__file__).resolve().parent.parent.parent


def search_paths(python: str = sys.executable) -> tuple[list[str], bool]:
    """(the folders LibreOffice's Python needs on its path to import ``addin.registry``, whether compiled
    modules such as numpy's come from them), asked of a fresh ``python`` so only those imports count."""
    try:
        done = subprocess.run([python, "-c", _FIND_PATHS], capture_output=True, text=True, timeout=120,
                              cwd=str(project_folder()))
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SetupError(f"could not ask {python} where the KC code lives ({error})") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SetupError(f"{python} cannot import addin.registry: {last}")
    found = json.loads(done.stdout)
    paths = found["paths"]
    code = str(project_folder())
    if code not in paths:
        paths.insert(0, code)
    return paths, bool(found["compiled"])


def component_source(paths: list[str]) -> str:
    """component.py's text with SEARCH_PATHS set."""
    source = (Path(__file__).parent / "component.py").read_text(encoding="utf-8")
    marker = "SEARCH_PATHS = []"
    if source.count(marker) != 1:
        raise SetupError(f"{Path(__file__).parent / 'component.py'}: the SEARCH_PATHS line the builder fills in is "
                         f"missing")
    return source.replace(marker, f"SEARCH_PATHS = {json.dumps(paths)}", 1)


def version() -> str:
    try:
        from importlib.metadata import version as package_version

        return package_version("kc-valuation")
    except Exception:  # noqa: BLE001 - running from a checkout that was never installed
        return "0.0.0"


def compile_types(programs: Programs, folder: Path) -> Path:
    """The IDL compiled against LibreOffice's own types into ``folder/KcAddin.rdb``."""
    if programs.unoidl_write is None:
        raise SetupError("unoidl-write is missing; install the Debian package libreoffice-dev")
    idl = folder / "XKcAddin.idl"
    idl.write_text(IDL, encoding="utf-8")
    target = folder / TYPES_FILE
    # unoidl-write takes the .idl file itself (given a folder it reads every .idl in it).
    run([programs.unoidl_write, programs.types_rdb, idl, target], what="unoidl-write (compiling the IDL)", timeout=120)
    if not target.exists():
        raise SetupError(f"unoidl-write did not write {target}")
    return target


def write_oxt(target: Path, types: bytes, component: str, version_text: str) -> Path:
    """The .oxt zip: manifest, description, type library, component (fixed timestamps)."""
    members = [
        ("META-INF/manifest.xml", MANIFEST.encode()),
        ("description.xml", DESCRIPTION.format(identifier=IDENTIFIER, version=version_text).encode()),
        (TYPES_FILE, types),
        (COMPONENT_FILE, component.encode()),
    ]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as oxt:
        for name, data in members:
            oxt.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return target


def build(programs: Programs, target: Path, paths: list[str]) -> Path:
    """Build the extension into ``target`` (an .oxt path)."""
    with tempfile.TemporaryDirectory(prefix="kc-oxt-") as work:
        types = compile_types(programs, Path(work)).read_bytes()
    return write_oxt(Path(target), types, component_source(paths), version())


def install(programs: Programs, oxt: Path, *, shared: bool, profile: Path | None = None) -> None:
    """``unopkg add -f``: for every user of this installation (``shared``, the only way as root), or into
    one profile (the user's own when ``profile`` is None). Replacing the same identifier makes it idempotent."""
    command = [programs.unopkg, "add", "-f"]
    if shared:
        command.append("--shared")
    elif profile is not None:
        command.append(f"-env:UserInstallation={Path(profile).resolve().as_uri()}")
    command.append(oxt)
    run(command, what=f"unopkg add {oxt.name}", timeout=300)


def remove(programs: Programs, identifier: str, *, shared: bool, profile: Path | None = None) -> bool:
    """``unopkg remove``; False when it was not installed."""
    command = [programs.unopkg, "remove"]
    if shared:
        command.append("--shared")
    elif profile is not None:
        command.append(f"-env:UserInstallation={Path(profile).resolve().as_uri()}")
    command.append(identifier)
    try:
        run(command, what=f"unopkg remove {identifier}", timeout=300)
    except SetupError:
        return False
    return True
