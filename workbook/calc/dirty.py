"""Which formula cells of a book must be computed again, given the book computed before with the same plan.

When the engine keeps a plan (the same formulas, sheets and names as the last book), it also keeps what
that book's inputs were and what every formula gave. The next book's inputs are compared with those
(``changed_inputs``: every cell whose value differs in type, value or the sign of a zero, or that is
there in one book only); the formulas that read a changed cell through any of their references
(``Readers``), and every formula downstream of those through the order of computation, are computed;
every other formula keeps its value, as Excel's recalculation keeps the cells no change reaches.

Nothing here guesses: a book whose number cells sit elsewhere than before, or with more changed cells
than ``MOST_CHANGED``, is computed whole; the engine computes always the cells whose value does not
follow from their references alone (a formula computed by the fallback, which may call TODAY(); a
formula that keeps another workbook's stored value).
"""

from __future__ import annotations

import math

import numpy as np

from workbook.calc.grammar import place_area

MOST_CHANGED = 256       # changed cells; past this the whole book is computed


def _same(a, b) -> bool:
    if a is b:
        return True
    if type(a) is not type(b) or a != b:
        return False
    return type(a) is not float or a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b)


def changed_inputs(before: dict, now: dict, columns_before: list, columns_now: list) -> list | None:
    """The (sheet, row, column) of every input that differs between two loads of books with one plan:
    ``before``/``now`` the cells read one by one ({key: value}), ``columns_*`` the number cells read as
    columns ([(sheet, rows, columns, numbers)]). None when the number cells are not at the same places,
    or more than ``MOST_CHANGED`` cells differ."""
    if len(columns_before) != len(columns_now):
        return None
    changed = []
    for (sheet, rows, cols, numbers), (sheet_now, rows_now, cols_now, numbers_now) in zip(columns_before,
                                                                                       columns_now):
        if (sheet != sheet_now or len(rows) != len(rows_now) or not np.array_equal(rows, rows_now)
                or not np.array_equal(cols, cols_now)):
            return None
        differ = np.flatnonzero(numbers.view(np.int64) != numbers_now.view(np.int64))   # bit for bit
        if len(differ) > MOST_CHANGED:
            return None
        changed.extend(zip([sheet] * len(differ), rows[differ].tolist(), cols[differ].tolist()))
    if before.keys() != now.keys():
        changed.extend(before.keys() ^ now.keys())
    for key, value in now.items():
        old = before.get(key, now)
        if old is not now and not _same(old, value):
            changed.append(key)
            if len(changed) > MOST_CHANGED:
                return None
    return changed if len(changed) <= MOST_CHANGED else None


class Readers:
    """Which formula cells read a given cell, through the areas their references cover (names resolved):
    one array of areas per sheet read."""

    def __init__(self, nodes: dict):
        by_sheet: dict[str, list] = {}
        for key, node in nodes.items():
            compiled = node.compiled
            if compiled is None or compiled.areas is None:     # (computed every time by the engine)
                continue
            for sheet, ends in compiled.areas:
                by_sheet.setdefault(sheet or node.sheet, []).append((key, *place_area(ends, node.row, node.col)))
        self.keys: dict[str, list] = {}
        self.areas: dict[str, np.ndarray] = {}
        for sheet, found in by_sheet.items():
            self.keys[sheet] = [entry[0] for entry in found]
            try:
                areas = np.array([entry[1:] for entry in found], dtype=np.int64)
            except OverflowError:              # a row past int64 (a cell no formula can reach): bounded
                areas = np.array([[_bounded(x) for x in entry[1:]] for entry in found], dtype=np.int64)
            self.areas[sheet] = areas.reshape(-1, 4)

    def of(self, sheet: str, row: int, col: int) -> list:
        areas = self.areas.get(sheet)
        if areas is None:
            return []
        row, col = _bounded(row), _bounded(col)
        inside = (areas[:, 0] <= row) & (row <= areas[:, 2]) & (areas[:, 1] <= col) & (col <= areas[:, 3])
        keys = self.keys[sheet]
        return [keys[i] for i in np.flatnonzero(inside).tolist()]


_BOUND = 2 ** 62


def _bounded(place: int) -> int:
    """A row or column held within int64. Places past the bound all read as the bound, so an area reaching
    past it covers every such place: a cell may be computed when it need not be, never kept when it must
    not be."""
    return max(-_BOUND, min(place, _BOUND))


def downstream(start: set, dependents: dict) -> set:
    """``start`` and every formula cell that reads one of them, directly or through others."""
    found = set(start)
    todo = list(start)
    while todo:
        for reader in dependents.get(todo.pop(), ()):
            if reader not in found:
                found.add(reader)
                todo.append(reader)
    return found
