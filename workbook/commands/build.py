"""``kc build``: the template for a company, with every formula's cached value computed by the project.

The layout is written by ``workbook.template``; then the whole workbook is recomputed headless
(``workbook.calc``, KC_* through the objects Excel calls) and the values are written into the file
(``workbook.xlsx.cached_values``), so the file shows correct numbers in any program that does not
recalculate. The output is claimed like every book a verb writes (``workbook.xlsx.atomic``: checked,
locked, written through a symlink, read-only refused unless forced) and replaced in one step.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from workbook.calc import recalculate
from workbook.company import load_company
from workbook.errors import BookError
from workbook.xlsx.atomic import claimed
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import with_cached_values


def build(data_path: str | Path | None, output: str | Path, *, force: bool = False) -> dict:
    """Build the model workbook for the company of ``data_path`` (None: the embedded KC data)."""
    output = Path(output)
    with claimed(output, force=force) as target, tempfile.TemporaryDirectory() as folder:
        if output.suffix.lower() != ".xlsx":
            raise BookError(f"output {output} must end in .xlsx (the model holds no macros)")
        data = load_company(data_path)
        layout = Path(folder) / "layout.xlsx"
        from workbook.template import write_template  # (xlsxwriter and every sheet module: build only)

        write_template(data, str(layout))
        book = Workbook.open(layout)
        values = recalculate(book).values()
        with_cached_values(book, values).save(target)
    return {"path": str(output), "formula_cells": sum(len(v) for v in values.values())}


def cmd_build(args) -> int:
    started = time.perf_counter()
    result = build(args.data, args.output, force=args.force)
    print(f"wrote {result['path']}: {result['formula_cells']} formula cells with cached values "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def add_parser(verbs) -> None:
    build = verbs.add_parser("build", help="write the model workbook for a company's data file")
    build.add_argument("--data", help="company data file (TOML); default: the embedded Kingsoft Cloud data")
    build.add_argument("-o", "--output", default="KC_Model.xlsx", help="workbook to write (default KC_Model.xlsx)")
    build.add_argument("--force", action="store_true", help="replace the output even if it is read-only")
    build.set_defaults(run=cmd_build)
