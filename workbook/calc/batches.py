"""Cells that hold one KC_* formula shape, computed together by one call of the function's batch form.

A sheet with a valuation in every row (``=KC_DCF(A7:E7,F7,G7)`` filled down) holds one formula shape
many times. Those cells are computed with one call of the function's batch form
(``addin.registry.BATCHES``), handed every cell's numbers as arrays, when

* the formula is the KC_* call alone, not an array formula, each argument a reference to one area
  or a literal value (or omitted); a literal row such as {0.08,0.09} is the same path in every cell,
  which the batch forms do not take;
* the cells sit at the same depth of the dependency order (none reads another of the group), and
  there are at least ``SMALLEST`` of them;
* for a given cell, every cell its references cover holds a number.

A cell outside that -- an empty or text input, a refused value (the batch form flags it) -- is computed
alone, exactly as without batches, so it shows its own message. The batch form gives, for every cell
it takes, the bits the one-by-one call gives (``kcfuncs.dcf_batch``), so a cell's value does not
depend on whether it was computed in a batch.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from addin.registry import BATCHES, Cells
from workbook.calc.compiler import handed_over
from workbook.calc.grammar import MAX_COLUMN, MAX_ROW, place_area
from workbook.calc.values import MISSING

SMALLEST = 8          # fewer cells than this are not worth a batch


def batch_form(node):
    """(function name, argument nodes) when the node's formula can go in a batch, else None."""
    compiled = node.compiled
    if node.array or node.kept or compiled is None or compiled.function is None or compiled.tree is None:
        return None
    tree = compiled.tree
    if tree[0] != "call" or tree[1] not in BATCHES:
        return None
    for arg in tree[2]:
        if arg[0] not in ("const", "missing", "ref"):
            return None
    return tree[1], tree[2]


def schedule(ordered: list, precedents: dict, nodes: dict) -> list:
    """The cells in an order that computes every cell after the cells it reads, as steps: a cell's key,
    or a list of keys computed together. Cells are taken depth by depth (a cell's depth is one more than
    its deepest precedent's), so cells of one depth never read each other. A book with no shape held by
    ``SMALLEST`` cells keeps the dependency order as it is."""
    shape_of, count = {}, {}
    forms: dict = {}                  # id(compiled) -> whether its cells can go in a batch
    for key in ordered:
        node = nodes[key]
        compiled = id(node.compiled)
        batched = forms.get(compiled)
        if batched is None:
            batched = forms[compiled] = batch_form(node) is not None
        if batched and not node.kept:   # (kept, a stored value, is the one per-cell condition)
            shape = shape_of[key] = (node.sheet, compiled)
            count[shape] = count.get(shape, 0) + 1
    if not any(n >= SMALLEST for n in count.values()):
        return ordered
    depth: dict = {}
    by_depth: dict[int, list] = {}
    if not any(precedents.values()):      # no cell reads another: one depth
        by_depth[0] = list(ordered)
    for key in ordered if by_depth == {} else ():
        reads = precedents[key]
        d = max([depth[p] + 1 for p in reads if p != key], default=0) if reads else 0
        depth[key] = d
        by_depth.setdefault(d, []).append(key)
    steps = []
    for d in sorted(by_depth):
        groups: dict = {}
        alone = []
        for key in by_depth[d]:
            shape = shape_of.get(key)
            if shape is not None and count[shape] >= SMALLEST:
                groups.setdefault(shape, []).append(key)
            else:
                alone.append(key)
        for keys in groups.values():
            if len(keys) >= SMALLEST:
                steps.append(keys)
            else:
                alone.extend(keys)
        steps.extend(alone)
    return steps


class SheetNumbers:
    """A sheet's numbers as dense arrays, to read the areas of many cells at once. Formula cells (and
    array-formula ranges) are flagged: their values are read from the engine when a batch needs them,
    since they may be computed after these arrays were made."""

    LARGEST = 4_000_000        # cells of the dense arrays; a sparser sheet is read cell by cell

    def __init__(self, engine, sheet: str):
        # The cells stored as plain numbers; any other cell reads as "not a number", so the cells that
        # read it are computed one by one, which is always right.
        none = np.zeros(0, dtype=np.int64)
        rows, cols, numbers = engine.stored_numbers.get(sheet, (none, none, none))
        formula_rows, formula_cols = _formula_places(engine, sheet)
        height = max(int(rows.max(initial=0)), int(formula_rows.max(initial=0))) + 1
        width = max(int(cols.max(initial=0)), int(formula_cols.max(initial=0))) + 1
        self.dense = height * width <= self.LARGEST
        if not self.dense:
            return
        self.number = np.zeros((height, width))
        self.is_number = np.zeros((height, width), dtype=bool)
        self.formula = np.zeros((height, width), dtype=bool)
        at = (rows.astype(np.intp), cols.astype(np.intp))
        self.number[at] = numbers
        self.is_number[at] = True
        self.formula[formula_rows, formula_cols] = True

    def read(self, tops, lefts, height: int, width: int):
        """(numbers (calls, height * width), all numbers, reads a formula cell) for areas at tops/lefts."""
        r = tops[:, None, None] + np.arange(height)[None, :, None]
        c = lefts[:, None, None] + np.arange(width)[None, None, :]
        within = (r < self.number.shape[0]) & (c < self.number.shape[1])
        r, c = np.where(within, r, 0), np.where(within, c, 0)
        calls = len(tops)
        numbers = self.number[r, c].reshape(calls, -1)
        all_numbers = (self.is_number[r, c] & within).reshape(calls, -1).all(axis=1)
        reads_formula = (self.formula[r, c] & within).reshape(calls, -1).any(axis=1)
        return numbers, all_numbers, reads_formula


def _formula_places(engine, sheet: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the sheet's formula cells and array-range cells: the plan's, found once for it."""
    found = engine.formula_places.get(sheet)
    if found is None:
        places = [(r, c) for s, r, c in chain(engine.nodes, engine.members) if s == sheet]
        found = engine.formula_places[sheet] = (np.array([r for r, _ in places], dtype=np.intp),
                                                np.array([c for _, c in places], dtype=np.intp))
    return found


def _step_places(engine, keys: list, planned: bool) -> tuple[list, np.ndarray, np.ndarray]:
    """(nodes, rows, columns) of a step's cells; for a step of the plan, found once."""
    found = engine.step_places.get(id(keys)) if planned else None
    if found is not None and found[0] is keys:
        return found[1:]
    nodes = [engine.nodes[k] for k in keys]
    places = (nodes, np.array([node.row for node in nodes]), np.array([node.col for node in nodes]))
    if planned:
        engine.step_places[id(keys)] = (keys, *places)
    return places


def _sheet_numbers(engine, sheet: str) -> SheetNumbers:
    found = engine.batch_numbers.get(sheet)
    if found is None:
        found = engine.batch_numbers[sheet] = SheetNumbers(engine, sheet)
    return found


def _corner(end, positions):
    absolute, offset = end
    return np.full(len(positions), offset) if absolute else positions + offset


def compute(engine, keys: list, planned: bool = False) -> dict:
    """{key: value} for the cells of ``keys`` (one shape, one depth) the batch form computed; the cells
    missing from it are to be computed alone. ``planned``: ``keys`` is a step of the engine's plan."""
    nodes, rows, cols = _step_places(engine, keys, planned)
    name, args = batch_form(nodes[0])
    good = np.ones(len(nodes), dtype=bool)
    values = []
    get = engine.values.get
    for arg in args:
        if arg[0] == "const":
            values.append(handed_over(name, arg[1]))
            continue
        if arg[0] == "missing":
            values.append(handed_over(name, MISSING))
            continue
        sheet = engine.sheet_named(arg[1]) if arg[1] else nodes[0].sheet
        (ar1, r1, ac1, c1), (ar2, r2, ac2, c2) = arg[2][0], arg[2][-1]
        top, bottom = _corner((ar1, r1), rows), _corner((ar2, r2), rows)
        left, right = _corner((ac1, c1), cols), _corner((ac2, c2), cols)
        top, bottom = np.minimum(top, bottom), np.maximum(top, bottom)
        left, right = np.minimum(left, right), np.maximum(left, right)
        heights, widths = bottom - top + 1, right - left + 1
        if (heights != heights[0]).any() or (widths != widths[0]).any():
            return {}                                  # areas of different sizes: each cell alone
        height, width = int(heights[0]), int(widths[0])
        if height * width > 4096:
            return {}
        good &= (top >= 1) & (bottom <= MAX_ROW) & (left >= 1) & (right <= MAX_COLUMN)
        grid = _sheet_numbers(engine, sheet)
        if grid.dense:
            numbers, all_numbers, reads_formula = grid.read(np.where(good, top, 1), np.where(good, left, 1),
                                                            height, width)
            good &= all_numbers | reads_formula
            by_cell = np.flatnonzero(good & reads_formula).tolist()
        else:
            numbers = np.zeros((len(nodes), height * width))
            by_cell = np.flatnonzero(good).tolist()
        if by_cell:
            engine.numbers_in_values()
        for i in by_cell:                              # computed cells (or a sparse sheet): one by one
            t, lft = int(top[i]), int(left[i])
            area = [get((sheet, r, c)) for r in range(t, t + height) for c in range(lft, lft + width)]
            if all(type(v) is float for v in area):
                numbers[i] = area
            else:
                good[i] = False
        values.append(Cells(numbers, height, width))
    taken = np.flatnonzero(good)
    if taken.size < SMALLEST:
        return {}
    for k, value in enumerate(values):
        if isinstance(value, Cells):
            values[k] = Cells(value.numbers[taken], value.height, value.width)
    result = BATCHES[name](values)
    if result is None:
        return {}
    computed, ok = result
    computed = np.asarray(computed, dtype=float).tolist()
    ok = np.asarray(ok, dtype=bool)
    if taken.size == len(keys) and ok.all():
        return dict(zip(keys, computed))
    ok = ok.tolist()
    return {keys[i]: computed[j] for j, i in enumerate(taken.tolist()) if ok[j]}
