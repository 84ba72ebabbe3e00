"""``kc refresh``: recompute a workbook headless and store the results as its cached values.

With ``data``, the named input cells first take the data file's statements and market data
(``workbook.company.inputs``). Every formula is then recomputed (``workbook.calc``) and only the cached
values change (``workbook.xlsx.cached_values``): charts, styles, names, validation, conditional formats,
VBA and dynamic-array metadata stay byte for byte. The file is read once, and replaced atomically; a
lock file of Excel's (``~$BOOK.xlsx``) means the book is open and is refused unless forced.
"""

from __future__ import annotations

import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from workbook.calc import recalculate
from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import same_value, with_cached_values


@dataclass(frozen=True)
class RefreshReport:
    book: str
    output: str
    formula_cells: int
    changed: int
    inputs: int


@dataclass(frozen=True)
class Refreshed:
    """A recomputed workbook, in memory, and what changed."""

    book: Workbook
    values: dict[str, dict]
    changed: int
    inputs: int


def lock_file(book: Path) -> Path:
    return book.with_name("~$" + book.name)


def check_not_open(book: Path, force: bool) -> None:
    if lock_file(book).exists() and not force:
        raise BookError(f"{book} is open in Excel (lock file {lock_file(book).name} present); close it or use --force")


def refreshed(book: Workbook, inputs: dict[str, dict] | None = None) -> Refreshed:
    """``book`` with ``inputs`` ({sheet: {cell: value}}) written into its input cells, every formula
    recomputed and the results stored as cached values."""
    if inputs:
        book = with_cached_values(book, {}, inputs)
    before = book.cached_values()
    values = recalculate(book).values()
    changed = sum(1 for sheet, cells in values.items() for ref, value in cells.items()
                  if not same_value(before.get(sheet, {}).get(ref), value))
    return Refreshed(with_cached_values(book, values), values, changed, sum(len(c) for c in (inputs or {}).values()))


def refresh_book(book: str | Path, output: str | Path | None = None, data: str | Path | None = None, *,
                 force: bool = False, backup: bool = False) -> RefreshReport:
    book = Path(book)
    output = Path(output) if output else book
    check_not_open(book, force)
    if output != book:
        check_not_open(output, force)
    opened = Workbook.open(book)
    inputs = None
    if data is not None:
        from workbook.company import load_company
        from workbook.company.inputs import input_updates

        inputs = input_updates(load_company(data), opened.names)
    result = refreshed(opened, inputs)
    if backup and output.exists():
        shutil.copy2(output, output.with_name(output.name + ".bak"))
    result.book.save(output)
    return RefreshReport(str(book), str(output), sum(len(c) for c in result.values.values()), result.changed,
                         result.inputs)


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


def cmd_refresh(args) -> int:

    results = refresh_books(args.books, args.output, args.data, force=args.force, backup=args.backup,
                            workers=args.workers, progress=len(args.books) > 1)
    failed = 0
    for book, result in zip(args.books, results):
        if isinstance(result, RefreshReport):
            target = "" if result.output == result.book else f" -> {result.output}"
            loaded = f", {result.inputs} input cells loaded" if result.inputs else ""
            print(f"{book}{target}: {result.formula_cells} formula cells recomputed, {result.changed} changed{loaded}")
        else:
            failed += 1
            print(f"kc refresh: {result}", file=sys.stderr)
    return 2 if failed else 0


def add_parser(verbs) -> None:
    refresh = verbs.add_parser("refresh", help="recompute workbooks headless and store the values in them")
    refresh.add_argument("books", nargs="+", metavar="BOOK", help="workbook(s) to refresh in place")
    refresh.add_argument("--data", help="load this company data file into the named input cells first")
    refresh.add_argument("-o", "--output", help="write here instead of in place (one book only)")
    refresh.add_argument("--force", action="store_true", help="refresh even if Excel's lock file is present")
    refresh.add_argument("--backup", action="store_true", help="keep the previous file as BOOK.bak")
    refresh.add_argument("--workers", type=int, help="processes for several books (default: one per core)")
    refresh.set_defaults(run=cmd_refresh)
