"""``kc build``: the template for a company, with every formula's cached value computed by the project.

The layout is written by ``workbook.template``; then the whole workbook is recomputed headless
(``workbook.calc``, KC_* through the objects Excel calls) and the values are written into the file
(``workbook.xlsx.cached_values``), so the file shows correct numbers in any program that does not
recalculate. Written to a temporary name and renamed into place.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from workbook.xlsx.cached_values import write_cached_values
from workbook.company import load_company
from workbook.errors import BookError
from workbook.calc import recalculate
from workbook.template import write_template


def build(data_path: str | Path | None, output: str | Path) -> dict:
    """Build the model workbook for the company of ``data_path`` (None: the embedded KC data)."""
    output = Path(output)
    if output.suffix.lower() not in (".xlsx", ".xlsm"):
        raise BookError(f"output {output} must end in .xlsx")
    if not output.parent.exists():
        raise BookError(f"output folder {output.parent} does not exist")
    data = load_company(data_path)
    with tempfile.TemporaryDirectory() as folder:
        layout = Path(folder) / "layout.xlsx"
        write_template(data, str(layout))
        values = recalculate(layout).values()
        write_cached_values(layout, output, values)
    return {"path": str(output), "formula_cells": sum(len(v) for v in values.values())}
