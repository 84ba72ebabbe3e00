"""LibreOffice Calc as an independent oracle: write native formulas, let Calc compute them, read the results.

The workbook is written with xlsxwriter (no cached values worth keeping), recalculated by a headless
LibreOffice whose private profile forces a full recalculation on load, saved back as .xlsx by
LibreOffice itself and read with openpyxl. Test helper only; nothing here is shipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FORCE_RECALCULATION = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def available() -> bool:
    return shutil.which("soffice") is not None


def calculate(sheets: dict[str, dict[str, object]], folder: Path) -> dict[str, dict[str, float]]:
    """``{sheet: {cell: number or '=formula'}}`` -> ``{sheet: {cell: value as Calc computed it}}``."""
    import openpyxl
    import xlsxwriter

    source = folder / "in" / "oracle.xlsx"
    source.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(source))
    for name, cells in sheets.items():
        sheet = book.add_worksheet(name)
        for ref, content in cells.items():
            if isinstance(content, str) and content.startswith("="):
                sheet.write_formula(ref, content)
            else:
                sheet.write(ref, content)
    book.close()
    profile = folder / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(FORCE_RECALCULATION, encoding="utf-8")
    out = folder / "out"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    computed = openpyxl.load_workbook(out / "oracle.xlsx", data_only=True)
    return {name: {ref: computed[name][ref].value for ref in cells} for name, cells in sheets.items()}
