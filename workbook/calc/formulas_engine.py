"""The `formulas` engine, with the KC_* functions registered from the very objects Excel calls: single
formulas for ``workbook.calc.fallback`` (``compile_formula``, ``engine_input``, ``plain_result``), and a
whole workbook at once (``recalculate_with_formulas``), kept as a cross-check for tests only: no command
uses it, since it differs from Excel in ways only a per-formula guard can exclude.

Values cross from the engine to a KC function through ``excel_argument``, which gives each argument the
shape xlwings gives it in Excel (NOTES §1): a scalar, or a list of rows; an empty cell or an omitted
argument as None, an error as its text. Results go back as the engine's own types: a scalar, or a 2-D Array
for a spilled grid. Import this module before loading a workbook: names not registered by then are
parsed as references.
"""

from __future__ import annotations

import functools
import os
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP
import tempfile
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # the engine draws a progress bar otherwise

import numpy as np
import formulas
import schedula as sh
from formulas.functions import Array, wrap_ranges_func, wrap_ufunc
from formulas.functions.operators import OPERATORS
from formulas.ranges import Ranges
from formulas.tokens.operand import XlError
from formulas.tokens.operand import Empty

from addin.arguments import as_handed_over
from addin.registry import FUNCTIONS as EXCEL_FUNCTIONS
from workbook.calc import FormulaCell
from workbook.calc.values import excel_round, power
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
    return value is OMITTED or value is sh.EMPTY


def _error_text(value):
    return str(value) if isinstance(value, XlError) else None


def excel_argument(value):
    """An engine value as xlwings would hand it over (a reference arrives as a 2-D Ranges object; an
    error as its text, as xlwings' err_to_str gives it)."""
    if isinstance(value, Ranges):
        value = value.value
    return as_handed_over(value, _absent, _error_text)


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
    # The engine's ^, POWER and ROUND family differ from Excel's (0^0 is 1, 10^400 #VALUE!, ROUND(1.005,2)
    # is 1): Excel's rules, the very functions the fast evaluator uses, take their place.
    OPERATORS["^"] = wrap_ufunc(power)
    registry["POWER"] = wrap_ufunc(power)
    for name, mode in (("ROUND", ROUND_HALF_UP), ("ROUNDUP", ROUND_UP), ("ROUNDDOWN", ROUND_DOWN)):
        registry[name] = wrap_ufunc(functools.partial(_excel_round, mode=mode))


def _excel_round(x, digits, mode):
    return excel_round(x, digits, mode)


def evaluate_formula(formula: str):
    """One formula of literals (e.g. '=KC_DCF({1,2,3},0.1,0.02)'): a scalar or a list of rows. Computed as
    a cell is (``workbook.calc.fast_engine.evaluate_literal``: the fast engine, then the guarded fallback),
    so ``kc eval`` and a refresh agree."""
    from workbook.calc.fast_engine import evaluate_literal

    return evaluate_literal(formula)


def text_functions() -> frozenset[str]:
    """The engine's text functions (LEFT, MID, TEXT, VALUE ...): its conversion of numbers to text is
    Python's repr (0.1+0.2 becomes "0.30000000000000004"), not Excel's 15 digits."""
    from formulas.functions.text import FUNCTIONS as TEXT

    return frozenset(name.split(".")[-1] for name in TEXT)


def compile_formula(formula: str):
    """One formula compiled by the engine's own parser: a function of its inputs (``.inputs``, range
    texts such as 'A1:C1' or "'MY SHEET'!B2", in the order the function takes them)."""
    try:
        with np.errstate(all="ignore"):    # constants are computed while compiling: overflow is #NUM!
            return formulas.Parser().ast("=" + formula.lstrip("="))[1].compile()
    except Exception as error:  # noqa: BLE001 - the parser raises several kinds
        raise BookError(f"the formula ={formula} cannot be parsed ({type(error).__name__})") from None


def knows(name: str) -> bool:
    """Whether the engine has a function of this (upper-case) name."""
    known = formulas.get_functions()
    return known.get(name, _MISSING) is not _MISSING or known.get("_XLFN." + name, _MISSING) is not _MISSING


_MISSING = object()


def engine_input(text: str, grid: np.ndarray) -> Ranges:
    """The values of one input area (an object array, None for an empty cell) as the engine takes them."""
    values = np.array([[sh.EMPTY if v is None else v for v in row] for row in grid.tolist()], dtype=object)
    return Ranges().push(text, values)


def plain_result(value):
    """An engine result as the fast evaluator's values: Python floats and bools, None for empty, a 2-D
    object array for an array (a 1x1 array is its value)."""
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        grid = np.atleast_2d(np.asarray(value, dtype=object))
        out = np.empty(grid.shape, dtype=object)
        out.flat = [plain_result(v) for v in grid.flat]
        return out[0, 0] if out.shape == (1, 1) else out
    if value is sh.EMPTY or value is OMITTED:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, XlError):
        return value
    if isinstance(value, (int, float, np.number)):
        return float(value)
    return value


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
