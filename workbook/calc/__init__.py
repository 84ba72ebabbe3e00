"""Recompute every formula of a workbook headless: ``workbook.calc.fast_engine`` when it covers every
formula, otherwise the `formulas` engine.

The KC_* functions are registered from the objects Excel calls (``workbook.calc.formulas_engine``). Results come
back as {sheet name: {cell: value}} for every formula cell and every cell a spilled array covers, ready
for ``workbook.xlsx.cached_values``. Before loading, a scan of every formula names the first cell that calls
a function the engine lacks (it would silently give #NAME?); if loading fails, every formula is parsed
to name the cell the engine cannot read (its own errors name neither sheet nor cell).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("TQDM_DISABLE", "1")  # the engine draws a progress bar otherwise

from workbook.xlsx import package as pkg  # noqa: E402
from workbook.errors import BookError  # noqa: E402
from workbook.xlsx.formula_text import function_names, resolved_formulas  # noqa: E402


def _formulas_engine():
    """The `formulas` package with the KC_* functions registered (imported only when needed: ~1 s)."""
    import formulas

    from workbook.calc import formulas_engine as engine

    engine.register_functions()  # idempotent; the KC_* functions must be known before any load

    return formulas


class FormulaCell(NamedTuple):
    sheet: str
    ref: str
    formula: str
    spill: str | None      # the array range for an array / dynamic-array formula


def formula_cells(path: str | Path) -> list[FormulaCell]:
    found = []
    for sheet, cells in pkg.scan_workbook(path).items():
        texts = resolved_formulas(cells)
        for cell in cells:
            if cell.ref in texts:
                spill = cell.formula_ref if cell.formula_type == "array" else None
                found.append(FormulaCell(sheet, cell.ref, texts[cell.ref], spill))
    return found


def unknown_functions(cells: list[FormulaCell]) -> None:
    """Raise a BookError naming the first cell that calls a function the engine does not have (it would
    silently give #NAME?). A scan of the text: cheap enough to run on every refresh."""
    known = _formulas_engine().get_functions()
    missing = known.default_factory()  # what the engine's registry answers for a name it lacks
    for cell in cells:
        if "'" in cell.sheet:
            raise BookError(f"sheet {cell.sheet!r}: names with an apostrophe are not supported by the engine")
        for name in function_names(cell.formula):
            if known.get(name, missing) is missing and not name.startswith("_XLWS."):
                raise BookError(f"{cell.sheet}!{cell.ref}: function {name} is not supported headless")


def unparseable(cells: list[FormulaCell]) -> None:
    """Raise a BookError naming the first cell whose formula the engine cannot parse (its own errors
    name neither sheet nor cell). Run when loading failed, to say where."""
    parser = _formulas_engine().Parser()
    for cell in cells:
        try:
            parser.ast("=" + cell.formula)
        except Exception as error:  # noqa: BLE001 - the engine raises several kinds
            raise BookError(f"{cell.sheet}!{cell.ref}: the formula ={cell.formula} cannot be parsed "
                            f"({type(error).__name__})") from None


def _key(book: str, sheet: str, ref: str) -> str:
    return f"'[{book}]{sheet.upper()}'!{ref.replace('$', '').upper()}"


@dataclass
class Recalculation:
    model: object
    book: str
    cells: list[FormulaCell]
    solution: dict
    engine: str = "formulas"

    def values(self) -> dict[str, dict]:
        """{sheet: {cell: value}} for every formula cell and every cell of every spill range."""
        out: dict[str, dict] = {}
        for cell in self.cells:
            target = out.setdefault(cell.sheet, {})
            if cell.spill and cell.spill != cell.ref:
                key = _key(self.book, cell.sheet, cell.spill)
                grid = self._value(key, cell)
                refs = pkg.range_cells(cell.spill)
                flat = list(grid.ravel()) if hasattr(grid, "ravel") else [grid]
                if len(flat) != len(refs):
                    raise BookError(f"{cell.sheet}!{cell.ref}: result has {len(flat)} cells for the spill "
                                    f"range {cell.spill} ({len(refs)} cells)")
                target.update(zip(refs, flat))
            else:
                value = self._value(_key(self.book, cell.sheet, cell.ref), cell)
                target[cell.ref] = value.ravel()[0] if hasattr(value, "ravel") else value
        return out

    def _value(self, key: str, cell: FormulaCell):
        try:
            return self.solution[key].value
        except KeyError:
            raise BookError(f"{cell.sheet}!{cell.ref}: the engine produced no value for ={cell.formula}") from None


@dataclass
class FastRecalculation:
    """Results of ``workbook.calc.fast_engine``, in the shape of ``Recalculation``."""

    computed: dict[str, dict]
    engine: str = "fast"

    def values(self) -> dict[str, dict]:
        return self.computed


def recalculate(path: str | Path, engine: str = "auto"):
    """Load and compute ``path`` (new inputs are written into the file first, by ``workbook.commands.refresh``).

    ``engine``: ``auto`` (the fast evaluator when every formula is in its vocabulary, else `formulas`),
    ``fast`` or ``formulas``. Both give the same values on the template (tests compare them cell by cell).
    """
    path = Path(path)
    cells = formula_cells(path)
    if engine in ("auto", "fast"):
        from workbook.calc.fast_engine import Unsupported, evaluate

        try:
            return FastRecalculation(evaluate(path, cells))
        except Unsupported:
            if engine == "fast":
                raise
    return _recalculate_with_formulas(path, cells)


def _recalculate_with_formulas(path: Path, cells: list[FormulaCell]) -> Recalculation:
    formulas = _formulas_engine()
    unknown_functions(cells)
    # The engine keys everything by file name; load a private copy under a fixed, safe name.
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "book.xlsx"
        shutil.copyfile(path, copy)
        try:
            model = formulas.ExcelModel().loads(str(copy)).finish()
        except BookError:
            raise
        except Exception as error:  # noqa: BLE001
            unparseable(cells)
            raise BookError(f"{path}: the formula engine cannot load this workbook ({type(error).__name__}: "
                            f"{str(error).splitlines()[0] if str(error) else ''})") from None
        solution = model.calculate()
    return Recalculation(model, copy.name, cells, solution)
