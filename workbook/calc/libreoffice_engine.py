"""LibreOffice as a recalculation engine: a real spreadsheet program recomputes the whole book, native
formulas and KC_* cells alike, and we read its results back.

``recalculate_with_libreoffice(book)`` writes the book's bytes to a private folder, has headless LibreOffice
open it with a private profile (every formula recalculated on load, our Basic wrappers in its Standard
library, the KC extension installed by ``kc libreoffice-setup``) and save it as .xlsx, then reads the
computed values from that file with our own reader (``workbook.xlsx.book``) for every formula cell and
every cell an array or spilled formula covers. LibreOffice's file is thrown away: it never becomes a
deliverable (it renames functions it does not know and drops dynamic-array metadata, NOTES §4); the
caller stores the values in the original book with ``workbook.xlsx.cached_values.with_cached_values``.

Values come back as ``workbook.calc.recalculate`` gives them: float, str, bool, or an Excel error
(``XlError``). LibreOffice's .xlsx already spells its errors as Excel's (its own codes such as Err:502
"invalid argument" are written as #VALUE!, where Excel may say #NUM!, e.g. for SQRT(-1)); anything else
it might write is mapped to #VALUE!. Its .xlsx keeps 15 significant digits (what a cell can show), so a
value can differ from a full-precision computation by up to 5e-16 relative.

LibreOffice has no boolean cell value: a logical result is a number shown with a boolean format, and a
cell with a number format of its own (the template's ``"TRUE";"TRUE";"FALSE"`` check cells) comes back
as 1 or 0. Where the book stores a boolean for that formula cell (``t="b"``: Excel or our engine found a
logical result there) and LibreOffice gives 1 or 0, the value is returned as TRUE or FALSE.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from formulas.tokens.operand import Error

from addin.libreoffice import NOT_INSTALLED, SetupError
from addin.libreoffice.profile import engine_template, write_private_profile
from addin.libreoffice.programs import find_programs, run
from workbook.calc import formula_cells
from workbook.errors import BookError
from workbook.xlsx.book import KIND_OF_EXTENSION, Workbook
from workbook.xlsx.references import range_cells

TIMEOUT_SECONDS = 300
EXCEL_ERRORS = Error.errors  # {"#N/A": XlError, ...}: the type the cached-value writer stores as t="e"


def excel_value(cell_type: str | None, text: str | None, strings: list[str]):
    """One stored (t, text) of LibreOffice's .xlsx as the value an engine returns."""
    if cell_type == "e":
        return EXCEL_ERRORS.get((text or "").strip().upper(), EXCEL_ERRORS["#VALUE!"])
    if cell_type in ("str", "inlineStr"):
        return text or ""
    if cell_type == "s":
        return strings[int(text)]
    if cell_type == "b":
        return text == "1"
    if text is None or text == "":
        return 0.0  # a formula whose result is an empty cell shows 0, as in Excel
    return float(text)


def _stored(result: Workbook, sheet: str) -> dict[str, tuple]:
    if sheet not in result.sheet_parts:
        raise BookError(f"LibreOffice's copy of the workbook has no sheet {sheet!r}")
    return {c.ref: (c.cell_type, c.value_text) for c in result.cells(sheet)}


def _converted(book: Workbook, work: Path, timeout: int) -> Path:
    try:
        programs = find_programs()
    except SetupError as error:
        raise BookError(str(error)) from None
    profile = work / "profile"
    template = engine_template()
    if template.is_dir():  # a user who is not root keeps the extension in this profile (kc libreoffice-setup)
        shutil.copytree(template, profile, symlinks=True, ignore=shutil.ignore_patterns(".lock"))
    write_private_profile(profile)
    suffix = book.path.suffix.lower() if book.path.suffix.lower() in KIND_OF_EXTENSION else ".xlsx"
    source = work / "in" / ("book" + suffix)
    source.parent.mkdir()
    book.save(source)
    out = work / "out"
    try:
        done = run([programs.soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
                    "--norestore", "--nologo", "--convert-to", "xlsx", "--outdir", out, source],
                   what=f"LibreOffice recalculating {book.path.name}", timeout=timeout)
    except SetupError as error:
        raise BookError(str(error)) from None
    target = out / "book.xlsx"
    if not target.exists():
        detail = " ".join((done.stderr or done.stdout or "").split())[:200]
        raise BookError(f"LibreOffice did not recalculate {book.path.name}{': ' + detail if detail else ''}")
    return target


def recalculate_with_libreoffice(book: Workbook, *, timeout: int = TIMEOUT_SECONDS) -> dict[str, dict]:
    """{sheet: {cell: value}} for every formula cell and every cell of an array / spilled formula's range
    of ``book``, as headless LibreOffice computes them after a full recalculation. Raises a one-line
    ``BookError`` when LibreOffice or the KC extension is missing, fails or takes over ``timeout`` s."""
    cells = formula_cells(book)
    logical = {(sheet, c.ref) for sheet, found in book.sheets().items() for c in found if c.cell_type == "b"}
    with tempfile.TemporaryDirectory(prefix="kc-libreoffice-") as folder:
        result = Workbook.open(_converted(book, Path(folder), timeout))
        values: dict[str, dict] = {}
        stored_by_sheet: dict[str, dict] = {}
        for cell in cells:
            stored = stored_by_sheet.get(cell.sheet)
            if stored is None:
                stored = stored_by_sheet[cell.sheet] = _stored(result, cell.sheet)
            for ref in (range_cells(cell.spill) if cell.spill else [cell.ref]):
                if ref not in stored:  # LibreOffice writes every formula and array cell: never guess one
                    raise BookError(f"LibreOffice's recalculation of {book.path.name} has no value for "
                                    f"{cell.sheet}!{ref}")
                cell_type, text = stored[ref]
                try:
                    value = excel_value(cell_type, text, result.shared_strings)
                except (ValueError, IndexError):
                    raise BookError(f"LibreOffice stored {text!r} in {cell.sheet}!{ref}, which is not a value") from None
                if (cell.sheet, ref) in logical and cell_type in (None, "n") and value in (0.0, 1.0):
                    value = value == 1.0
                if isinstance(value, str) and value.endswith(NOT_INSTALLED):
                    raise BookError(f"{book.path.name}: {cell.sheet}!{ref}: {value}")
                values.setdefault(cell.sheet, {})[ref] = value
    return values
