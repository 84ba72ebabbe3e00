"""``kc refresh``: recompute a workbook headless and store the results as its cached values.

With ``data``, the named input cells first take the data file's statements and market data
(``workbook.company.inputs``). Every formula is then recomputed (``workbook.calc``) and only the cached
values change (``workbook.xlsx.cached_values``): charts, styles, names, validation, conditional formats,
VBA and dynamic-array metadata stay byte for byte. The file is replaced atomically; a lock file of
Excel's (``~$BOOK.xlsx``) means the book is open and is refused unless forced.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from workbook.xlsx import package as pkg
from workbook.xlsx.cached_values import encode, write_cached_values
from workbook.errors import BookError

VALUE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class RefreshReport:
    book: str
    output: str
    formula_cells: int
    changed: int
    inputs: int


def lock_file(book: Path) -> Path:
    return book.with_name("~$" + book.name)


def check_not_open(book: Path, force: bool) -> None:
    if lock_file(book).exists() and not force:
        raise BookError(f"{book} is open in Excel (lock file {lock_file(book).name} present); close it or use --force")


def cached_values(path: Path) -> dict[str, dict]:
    """The values currently stored for every formula cell (and spill member): {sheet: {cell: value}}."""
    out: dict[str, dict] = {}
    for sheet, cells in pkg.scan_workbook(path).items():
        for cell in cells:
            if cell.value_text is not None:
                out.setdefault(sheet, {})[cell.ref] = (cell.cell_type, cell.value_text)
    return out


def same_value(old: tuple | None, new) -> bool:
    """Does a stored (t, text) pair hold the value ``new``?"""
    if old is None:
        return False
    new_type, new_text = encode(new)
    old_type, old_text = old
    if (old_type or "n") in ("n", None) and new_type is None:
        try:
            a, b = float(old_text), float(new_text)
        except ValueError:
            return False
        return a == b or math.isclose(a, b, rel_tol=VALUE_TOLERANCE, abs_tol=1e-12)
    return (old_type or None) == new_type and old_text == new_text


def refresh_book(book: str | Path, output: str | Path | None = None, data: str | Path | None = None, *,
                 force: bool = False, backup: bool = False) -> RefreshReport:
    from workbook.calc import recalculate

    book = Path(book)
    output = Path(output) if output else book
    check_not_open(book, force)
    if output != book:
        check_not_open(output, force)
    inputs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="kc-refresh-") as folder:
        source = book
        if data is not None:
            from workbook.company import load_company
            from workbook.company.inputs import input_updates

            with pkg.open_package(book) as package:
                inputs = input_updates(load_company(data), pkg.defined_names(package))
            source = Path(folder) / "inputs.xlsx"
            write_cached_values(book, source, {}, inputs)
        before = cached_values(source)
        values = recalculate(source).values()
        if backup and output.exists():
            shutil.copy2(output, output.with_name(output.name + ".bak"))
        write_cached_values(source, output, values, inputs)
    changed = sum(1 for sheet, cells in values.items() for ref, value in cells.items()
                  if not same_value(before.get(sheet, {}).get(ref), value))
    return RefreshReport(str(book), str(output), sum(len(c) for c in values.values()), changed,
                         sum(len(c) for c in inputs.values()))


def _refresh_one(job: tuple) -> RefreshReport | str:
    book, output, data, force, backup = job
    try:
        return refresh_book(book, output, data, force=force, backup=backup)
    except BookError as error:
        return str(error)


def refresh_books(books: list[str], output: str | None = None, data: str | None = None, *, force: bool = False,
                  backup: bool = False, workers: int | None = None, progress: bool = True) -> list:
    """Refresh several books; a process pool when there are more than one. Results in input order:
    a RefreshReport, or the one-line error for that book."""
    if output and len(books) > 1:
        raise BookError("-o/--output names one file; it cannot take several books")
    jobs = [(b, output, data, force, backup) for b in books]
    if len(jobs) == 1 or workers == 1:
        return [_refresh_one(job) for job in _progress(jobs, progress)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(_progress(pool.map(_refresh_one, jobs), progress, total=len(jobs)))


def _progress(items, enabled: bool, total: int | None = None):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total or len(items), unit="book", desc="refresh", leave=False, disable=None)
