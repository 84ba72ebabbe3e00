"""Recomputing every formula of a workbook headless, behind one ``recalculate``.

Engines: ``workbook.calc.fast_engine`` (our evaluator, used when it covers every formula) and
``workbook.calc.formulas_engine`` (the `formulas` package, for the rest). KC_* functions are evaluated
through ``addin.registry``, the plain callables Excel's functions are made from. Results come back as
{sheet name: {cell: value}} for every formula cell and every cell a spilled array covers, ready for
``workbook.xlsx.cached_values``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from workbook.xlsx.book import Workbook
from workbook.xlsx.formula_text import resolved_formulas


class FormulaCell(NamedTuple):
    sheet: str
    ref: str
    formula: str
    spill: str | None      # the array range for an array / dynamic-array formula


def formula_cells(book: Workbook) -> list[FormulaCell]:
    """Every formula cell of the workbook, shared formulas resolved per cell."""
    found = []
    for sheet, cells in book.sheets().items():
        texts = resolved_formulas(cells)
        for cell in cells:
            if cell.ref in texts:
                spill = cell.formula_ref if cell.formula_type == "array" else None
                found.append(FormulaCell(sheet, cell.ref, texts[cell.ref], spill))
    return found


@dataclass
class FastRecalculation:
    """Results of ``workbook.calc.fast_engine``, in the shape of ``Recalculation``."""

    computed: dict[str, dict]
    engine: str = "fast"

    def values(self) -> dict[str, dict]:
        return self.computed


def recalculate(book: Workbook, engine: str = "auto"):
    """Compute every formula of ``book``.

    ``engine``: ``auto`` (the fast evaluator when every formula is in its vocabulary, else `formulas`),
    ``fast`` or ``formulas``. Both give the same values on the template (tests compare them cell by cell).
    """
    cells = formula_cells(book)
    if engine in ("auto", "fast"):
        from workbook.calc.fast_engine import Unsupported, evaluate

        try:
            return FastRecalculation(evaluate(book, cells))
        except Unsupported:
            if engine == "fast":
                raise
    from workbook.calc.formulas_engine import recalculate_with_formulas

    return recalculate_with_formulas(book, cells)
