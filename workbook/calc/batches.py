"""Cells that hold one KC_* formula shape, computed together by one call of the function's batch form.

A sheet with a valuation in every row (``=KC_DCF(A7:E7,F7,G7)`` filled down) holds one formula shape
many times. Those cells are computed with one call of the function's batch form
(``addin.registry.BATCHES``), handed every cell's numbers as arrays, when

* the formula is the KC_* call alone, not an array formula, each argument a reference to one area
  or a literal (or omitted);
* the cells sit at the same depth of the dependency order (none reads another of the group), and
  there are at least ``SMALLEST`` of them;
* for a given cell, every cell its references cover holds a number.

A cell outside that -- an empty or text input, a refused value (the batch form flags it) -- is computed
alone, exactly as without batches, so it shows its own message. The batch form gives, for every cell
it takes, the bits the one-by-one call gives (``kcfuncs.dcf_batch``), so a cell's value does not
depend on whether it was computed in a batch.
"""

from __future__ import annotations

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
    its deepest precedent's), so cells of one depth never read each other."""
    depth: dict = {}
    by_depth: dict[int, list] = {}
    for key in ordered:
        d = 0
        for p in precedents[key]:
            if p != key:
                d = max(d, depth[p] + 1)
        depth[key] = d
        by_depth.setdefault(d, []).append(key)
    steps = []
    for d in sorted(by_depth):
        groups: dict = {}
        alone = []
        for key in by_depth[d]:
            node = nodes[key]
            if batch_form(node) is not None:
                groups.setdefault((node.sheet, id(node.compiled)), []).append(key)
            else:
                alone.append(key)
        for keys in groups.values():
            if len(keys) >= SMALLEST:
                steps.append(keys)
            else:
                alone.extend(keys)
        steps.extend(alone)
    return steps


def compute(engine, keys: list) -> dict:
    """{key: value} for the cells of ``keys`` (one shape, one depth) the batch form computed; the cells
    missing from it are to be computed alone."""
    nodes = [engine.nodes[k] for k in keys]
    name, args = batch_form(nodes[0])
    first = nodes[0]
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
        sheet = engine.sheet_named(arg[1]) if arg[1] else first.sheet
        ends = arg[2]
        r1, c1, r2, c2 = place_area(ends, first.row, first.col)
        height, width = r2 - r1 + 1, c2 - c1 + 1
        if height * width > 4096:
            return {}
        numbers = np.empty((len(nodes), height * width))
        for i, node in enumerate(nodes):
            r1, c1, r2, c2 = place_area(ends, node.row, node.col)
            if not (1 <= r1 and r2 <= MAX_ROW and 1 <= c1 and c2 <= MAX_COLUMN):
                good[i] = False
                continue
            row = [get((sheet, r, c)) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
            if all(type(v) is float for v in row):
                numbers[i] = row
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
    return {keys[i]: computed[j] for j, i in enumerate(taken.tolist()) if ok[j]}
