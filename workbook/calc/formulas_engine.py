"""The `formulas` engine, for workbooks outside the fast evaluator's vocabulary, with the KC_* functions
registered from the very objects Excel calls.

Values cross from the engine to a KC function through ``excel_args``, which gives each argument the
shape xlwings gives it in Excel (NOTES §1): a scalar, or a list of rows; an empty cell, an omitted
argument or an error as None. Results go back as the engine's own types: a scalar, or a 2-D Array
for a spilled grid. Import this module before loading a workbook: names not registered by then are
parsed as references.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # the engine draws a progress bar otherwise

import numpy as np
import formulas
import schedula as sh
from formulas.functions import Array, wrap_ranges_func
from formulas.ranges import Ranges
from formulas.tokens.operand import XlError
from formulas.tokens.operand import Empty

from addin.arguments import as_handed_over
from addin.registry import FUNCTIONS as EXCEL_FUNCTIONS
from workbook.calc import FormulaCell
from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.formula_text import function_names
from workbook.xlsx.references import range_cells


class _Omitted(int):
    """An omitted argument (`f(a,,c)`): 0 to Excel's own functions, as in Excel; None to ours."""


OMITTED = _Omitted(0)
# The engine compiles an omitted argument to the integer 0, indistinguishable from a typed 0; a
# marked zero keeps native semantics and lets a KC function see "use the default".
Empty.compile = staticmethod(lambda: OMITTED)


def _absent(value) -> bool:
    return value is OMITTED or value is sh.EMPTY or isinstance(value, XlError)


def excel_argument(value):
    """An engine value as xlwings would hand it over (a reference arrives as a 2-D Ranges object)."""
    if isinstance(value, Ranges):
        value = value.value
    return as_handed_over(value, _absent)


def engine_result(value):
    if isinstance(value, (list, np.ndarray)):
        return np.asarray(value, dtype=object).view(Array)
    return value


def engine_function(function):
    """The engine-facing twin of an Excel function; ``excel_function`` is the very object Excel calls."""

    def call(*args):
        return engine_result(function(*[excel_argument(a) for a in args]))

    # The engine's own range handling: while it compiles, ranges have no values yet and the call is skipped.
    wrapped = wrap_ranges_func(functools.update_wrapper(call, function))
    wrapped.excel_function = function
    return wrapped


def register_functions() -> None:
    registry = formulas.get_functions()
    for name, function in EXCEL_FUNCTIONS.items():
        registry[name] = registry["_XLUDF." + name] = engine_function(function)


def evaluate_formula(formula: str):
    """Evaluate one formula of literals (e.g. '=KC_DCF({1,2,3},0.1,0.02)'): a scalar or a list of rows."""
    text = formula.strip()
    if not text.startswith("="):
        text = "=" + text
    try:
        compiled = formulas.Parser().ast(text)[1].compile()
    except formulas.errors.FormulaError:
        raise BookError(f"cannot parse the formula {formula!r}") from None
    if list(compiled.inputs):
        raise BookError(f"the formula refers to cells ({', '.join(compiled.inputs)}); use literal values")
    result = compiled()
    if isinstance(result, np.ndarray):
        grid = np.atleast_2d(result)
        return grid[0, 0] if grid.shape == (1, 1) else grid.tolist()
    return result



def unknown_functions(cells: list[FormulaCell]) -> None:
    """Raise a BookError naming the first cell that calls a function the engine does not have (it would
    silently give #NAME?). A scan of the text: cheap enough to run on every refresh."""
    known = formulas.get_functions()
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
    parser = formulas.Parser()
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
                refs = range_cells(cell.spill)
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


def recalculate_with_formulas(book: Workbook, cells: list[FormulaCell]) -> Recalculation:
    unknown_functions(cells)
    # The engine reads files and keys everything by file name: a private copy under a fixed, safe name.
    with tempfile.TemporaryDirectory(prefix="kc-formulas-") as folder:
        copy = Path(folder) / "book.xlsx"
        book.save(copy)
        try:
            model = formulas.ExcelModel().loads(str(copy)).finish()
        except BookError:
            raise
        except Exception as error:  # noqa: BLE001
            unparseable(cells)
            raise BookError(f"{book.path}: the formula engine cannot load this workbook ({type(error).__name__}: "
                            f"{str(error).splitlines()[0] if str(error) else ''})") from None
        solution = model.calculate()
    return Recalculation(model, copy.name, cells, solution)


register_functions()
