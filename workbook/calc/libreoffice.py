"""LibreOffice headless: the independent spreadsheet program we check our workbooks against.

``convert`` exports a workbook (pdf, csv, xlsx) as LibreOffice shows it: with the cached values,
except array formulas, which it always recomputes. ``recalculated`` makes LibreOffice recalculate every
formula on load (a private profile with ``OOXMLRecalcMode`` = always) and saves its own .xlsx, whose
cached values are then LibreOffice's own results. LibreOffice never writes a deliverable (NOTES §4).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from workbook.errors import BookError

TIMEOUT_SECONDS = 180
_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def executable() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return executable() is not None


def convert(path: str | Path, fmt: str, outdir: str | Path, *, recalculate: bool = False) -> Path:
    """Export ``path`` to ``fmt`` (e.g. 'pdf', 'csv', 'xlsx') in ``outdir``; returns the new file."""
    program = executable()
    if program is None:
        raise BookError("LibreOffice (soffice) is not installed")
    path, outdir = Path(path).resolve(), Path(outdir).resolve()
    with tempfile.TemporaryDirectory(prefix="kc-lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        if recalculate:
            (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
        command = [program, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                   "--convert-to", fmt, "--outdir", str(outdir), str(path)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise BookError(f"LibreOffice did not finish converting {path.name} in {TIMEOUT_SECONDS} s") from None
    extension = fmt.split(":")[0]
    target = outdir / (path.stem + "." + extension)
    if not target.exists():  # one file per sheet (CSV of all sheets): Book-Sheet.csv
        target = next(iter(sorted(outdir.glob(f"{path.stem}-*.{extension}"))), target)
    if done.returncode != 0 or not target.exists():
        raise BookError(f"LibreOffice could not convert {path.name} to {fmt}: {done.stderr.strip()[:200]}")
    return target


def recalculated(path: str | Path, outdir: str | Path) -> Path:
    """LibreOffice's own full recalculation of ``path``, saved as .xlsx in ``outdir``."""
    outdir = Path(outdir)
    source = Path(path)
    if source.parent.resolve() == outdir.resolve():
        raise BookError("recalculated() needs an output folder other than the workbook's own")
    return convert(source, "xlsx", outdir, recalculate=True)
