"""Recomputing every formula of a workbook headless, behind one ``recalculate``.

``workbook.calc.fast_engine`` computes every formula it can compute exactly, in dependency order;
a formula outside it is computed alone by ``workbook.calc.fallback`` (the `formulas` package, fed the
fast engine's values of its precedents, and refused, naming the cell, where `formulas` could differ
from Excel). KC_* functions are evaluated through ``addin.registry``, the plain callables Excel's
functions are made from. Results come back as {sheet name: {cell: value}} for every formula cell and
every cell an array formula covers, ready for ``workbook.xlsx.cached_values``.
"""

from __future__ import annotations

import re
from itertools import repeat
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from workbook.xlsx.book import Workbook
from workbook.xlsx.formula_text import SharedFormula, resolved_formulas

_DYNAMIC = re.compile(rb"\scm\s*=")   # <c cm="1">: a dynamic-array formula (its cell metadata)


class FormulaCell(NamedTuple):
    sheet: str
    ref: str
    formula: str
    spill: str | None               # the range of an array formula (legacy or dynamic)
    dynamic: bool = False           # a dynamic array (spilled), as opposed to a legacy array formula
    cached: tuple | None = None     # the stored (t, text) value, kept for formulas that read other books


_new_cell = FormulaCell._make


def formula_cells(book: Workbook) -> list[FormulaCell]:
    """Every formula cell of the workbook, shared formulas resolved per cell, in sheet order."""
    found = []
    for sheet in book.sheet_parts:
        scanned = book.sheet_cells(sheet)
        cells = scanned.records                      # plain number cells hold no formula
        texts = resolved_formulas(cells)
        columns = scanned.formula_count              # plain formula cells kept as columns
        refs = scanned.formula_refs if columns else []
        if (scanned.number_cell_at(list(texts))
                or columns and (scanned.formula_cell_repeated() or not {c.ref for c in cells}.isdisjoint(refs))):
            cells = book.cells(sheet)                # a cell written twice: every record, in sheet order
            texts, columns = resolved_formulas(cells), 0
        column_texts = _column_texts(scanned, cells) if columns else None
        if columns and column_texts is None:         # a shared formula's cells not as the columns read them
            cells = book.cells(sheet)
            texts, columns = resolved_formulas(cells), 0
        of_records = _record_cells(book, sheet, cells, texts)
        if not columns:
            found.extend(of_records)
            continue
        of_columns = list(map(_new_cell, zip(repeat(sheet), refs, column_texts, repeat(None),
                                             repeat(False), zip(repeat(None), scanned.formula_values))))
        if not of_records:
            found.extend(of_columns)
            continue
        starts = [cell.tag_start for cell in cells if cell.ref in texts]
        order = np.argsort(np.concatenate([np.array(starts, dtype=np.int64), scanned.formulas.starts]),
                           kind="stable")
        both = of_records + of_columns
        found.extend(map(both.__getitem__, order.tolist()))
    return found


def _column_texts(scanned, cells: list) -> list[str] | None:
    """The formula of each formula cell kept as columns: its own, or for a shared formula's other cell the
    group's first cell's moved to it (``SharedFormula``). None when a group's first cell is not one record
    before all of the group's other cells (as ``resolved_formulas`` reads them in order) or a reference is
    too long to read from its bytes: then the sheet's records are read."""
    texts = scanned.formula_texts
    found = scanned.formulas
    if not found.index_lengths.any():
        return texts
    masters = {}
    for cell in cells:
        if cell.formula_type == "shared" and cell.shared_index is not None and cell.formula:
            if cell.shared_index in masters:
                return None                          # a group begun twice
            masters[cell.shared_index] = (cell.tag_start, SharedFormula(cell.ref, cell.formula))
    positions = scanned.formula_positions()
    if positions is None:
        return None
    indices = scanned.formula_indices
    rows, cols = positions
    groups = set(indices) - {""}
    for index in groups:
        master = masters.get(index)
        if master is None:
            return None
        members = (np.flatnonzero(found.index_lengths > 0) if len(groups) == 1     # (one group: every member)
                   else np.flatnonzero(np.array([i == index for i in indices])))
        if master[0] > int(found.starts[members].min()):
            return None
        moved = master[1].texts(rows[members], cols[members])
        if len(members) == len(texts):
            return moved
        for k, text in zip(members.tolist(), moved):
            texts[k] = text
    return texts


def _record_cells(book: Workbook, sheet: str, cells: list, texts: dict) -> list[FormulaCell]:
    """The formula cells among a sheet's records (``texts`` their formulas), in order."""
    if len(texts) == len(cells) and not any(cell.formula_type for cell in cells):
        # Every record a formula of its own (no array, no repeated cell): made in one pass.
        return list(map(_new_cell, zip(repeat(sheet), texts, texts.values(), repeat(None),
                                       repeat(False), [None if c.value_text is None else (c.cell_type, c.value_text)
                                                       for c in cells])))
    found, data = [], None
    for cell in cells:
        if cell.ref in texts:
            spill, dynamic = None, False
            if cell.formula_type == "array":
                spill = cell.formula_ref or cell.ref
                data = data if data is not None else book.part(book.sheet_parts[sheet])
                dynamic = bool(_DYNAMIC.search(data, cell.tag[0], cell.tag[1]))
            cached = (cell.cell_type, cell.value_text) if cell.value_text is not None else None
            found.append(FormulaCell(sheet, cell.ref, texts[cell.ref], spill, dynamic, cached))
    return found


@dataclass
class FastRecalculation:
    """Results of ``workbook.calc.fast_engine`` (with its per-formula fallback)."""

    computed: dict[str, dict]
    engine: str = "fast"

    def values(self) -> dict[str, dict]:
        return self.computed


def recalculate(book: Workbook, engine: str = "auto", cells: list[FormulaCell] | None = None):
    """Compute every formula of ``book``.

    ``engine``: ``auto`` (the fast evaluator, each formula outside it computed alone by the guarded
    fallback), ``fast`` (no fallback: ``Unsupported`` naming the first such cell), or ``formulas``
    (the whole book by the `formulas` package, unguarded: a cross-check for tests, used by no command).
    ``cells``: the book's ``formula_cells``, when the caller has them already.
    """
    cells = formula_cells(book) if cells is None else cells
    if engine in ("auto", "fast"):
        from workbook.calc.fast_engine import evaluate

        return FastRecalculation(evaluate(book, cells, fallback=engine == "auto"))
    if engine != "formulas":
        raise ValueError(f"unknown engine {engine!r}")
    from workbook.calc.formulas_engine import recalculate_with_formulas

    return recalculate_with_formulas(book, cells)
