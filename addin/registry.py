"""The Excel functions as plain Python callables, built from their declarations (``addin.catalog``).

Each callable takes the values Excel hands over (NOTES §1: floats, None for an empty cell, a scalar
for one cell, lists of rows for a range), converts every argument by its declared kind
(``addin.arguments``), calls the core, shapes the result (a scalar, a spilled row, a spilled grid) and
turns any failure into its one-line cell message (``addin.cell_messages``). Its signature is the
declared one, so xlwings, the headless engines and ``kc eval`` all see the same function. Nothing here
imports xlwings: Excel's decorators are attached in ``addin.functions`` only.
"""

from __future__ import annotations

import inspect

import numpy as np

from addin import arguments
from addin.catalog import FUNCTIONS as DECLARATIONS
from addin.catalog import ExcelFunction
from addin.cell_messages import cell_safe
from kcfuncs.errors import KCInputError

_SHAPE = {"scalar": lambda value: value, "row": arguments.as_row, "grid": arguments.as_grid}


def finite_result(value):
    """A number that is not finite never reaches a cell: inf or NaN from overflowing inputs is refused."""
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise KCInputError("the result is not a finite number; the inputs overflow")
        return float(value)
    if isinstance(value, np.ndarray) or isinstance(value, list):
        grid = np.asarray(value, dtype=float)
        bad = np.argwhere(~np.isfinite(np.atleast_2d(grid)))
        if bad.size:
            i, j = bad[0]
            raise KCInputError(f"the result at row {i + 1}, column {j + 1} is not a finite number; the inputs "
                               f"overflow")
    return value


def signature(declaration: ExcelFunction) -> inspect.Signature:
    return inspect.Signature([
        inspect.Parameter(arg.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=inspect.Parameter.empty if arg.required else None)
        for arg in declaration.args])


def excel_callable(declaration: ExcelFunction):
    """A new function object for ``declaration``: positional (or keyword) Excel values in, a cell value out."""
    args, compute, shape = declaration.args, declaration.compute, _SHAPE[declaration.result]
    sig = signature(declaration)
    count = len(args)

    def call(*values, **by_name):
        if not by_name and len(values) < count:
            values = values + (None,) * (count - len(values))  # omitted trailing arguments are empty cells
        if by_name or len(values) != count:
            bound = sig.bind(*values, **by_name)
            bound.apply_defaults()
            values = tuple(bound.arguments.values())
        converted = {}
        for arg, value in zip(args, values):
            converted[arg.keyword] = arguments.convert(arg, value)
        return finite_result(shape(compute(**converted)))

    call.__name__ = call.__qualname__ = declaration.name
    call.__doc__ = declaration.doc
    call.__signature__ = sig
    return cell_safe(call)


class Cells:
    """One argument of many calls at once: each call's cells of one same-sized area, all numbers.
    ``numbers`` is (calls, cells of the area) row by row; ``height`` x ``width`` is the area."""

    __slots__ = ("numbers", "height", "width")

    def __init__(self, numbers: np.ndarray, height: int, width: int):
        self.numbers, self.height, self.width = numbers, height, width


NOT_IN_BULK = object()


def _batch_argument(arg, value):
    """A batch argument as the core's batch takes it, or NOT_IN_BULK."""
    if not isinstance(value, Cells):
        if isinstance(value, (list, tuple, np.ndarray)):
            return NOT_IN_BULK   # a literal row ({0.08,0.09,...}): per-call rows come from cells only
        return arguments.convert(arg, value)          # the same for every call (a literal, an omitted one)
    if arg.kind == "numbers" and (value.height == 1 or value.width == 1):
        return value.numbers                          # what ``arguments.numbers`` makes of a row of numbers
    if arg.kind in ("number", "rates") and value.height == value.width == 1:
        return value.numbers[:, 0]                    # what ``arguments.number`` makes of a number
    return NOT_IN_BULK


def batch_callable(declaration: ExcelFunction):
    """Many calls of one function at once, or None when it has no batch form. Called with one value per
    declared argument: a ``Cells`` (one area per call, every cell a finite float) or a value the same for
    every call (as ``call`` receives it); returns (values, ok) -- values[i] is what call i gives wherever
    ok[i] -- or None when these arguments are outside the batch form (then call each alone)."""
    if declaration.batch is None or declaration.result != "scalar":
        return None
    args, batch = declaration.args, declaration.batch

    def call(values):
        if len(values) > len(args):
            return None
        values = list(values) + [None] * (len(args) - len(values))   # omitted trailing arguments
        converted = {}
        for arg, value in zip(args, values):
            try:
                taken = _batch_argument(arg, value)
            except KCInputError:
                return None                           # each call then shows the message itself
            if taken is NOT_IN_BULK:
                return None
            converted[arg.keyword] = taken
        return batch(**converted)

    call.__name__ = call.__qualname__ = declaration.name + "_batch"
    return call


FUNCTIONS: dict[str, object] = {d.name: excel_callable(d) for d in DECLARATIONS}
"""{Excel name: callable}, in declaration order."""

BATCHES: dict[str, object] = {d.name: b for d in DECLARATIONS if (b := batch_callable(d)) is not None}
"""{Excel name: many calls at once}, for the functions that have a batch form."""
