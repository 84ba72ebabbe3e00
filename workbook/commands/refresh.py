"""``kc refresh``: recompute a workbook headless and store the results as its cached values.

With ``data``, the named input cells first take the data file's values (``workbook.commands.changes``:
every input the file gives, a partial file only its own, each checked by the functions' rules); ``kc set``
does the same for values typed on the command line. Every formula is then recomputed (``workbook.calc``)
and only the cached values change (``workbook.xlsx.cached_values``): charts, styles, names, validation,
conditional formats, VBA and dynamic-array metadata stay byte for byte.

What makes it safe for a file that holds weeks of work (``write_session``): the destination is claimed
first (checked, locked against a second kc, symlinks followed to their target, refused when read-only
unless forced), then the book is read once, and written as a whole or not at all. Refused in one line,
with the original untouched: a book open in Excel (its ``~$`` lock file), a frozen copy, a macro book
written under an .xlsx name, and everything ``workbook.xlsx`` refuses to read.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbook.calc import FormulaCell, formula_cells, recalculate
from workbook.commands import changes as planning
from workbook.errors import BookError
from workbook.xlsx import references as pkg
from workbook.xlsx.atomic import claimed, real_destination
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import changed_count, with_cached_values
from workbook.xlsx.chart_caches import chart_cache_changes
from workbook.xlsx.formula_text import range_references
from workbook.xlsx.package import check_regular_file


@dataclass(frozen=True)
class RefreshReport:
    book: str
    output: str
    formula_cells: int
    changed: int
    inputs: int
    changes: tuple = ()
    backup: str | None = None
    not_in_book: tuple = ()
    computed: tuple = ()


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


def frozen_refusal(book: Workbook, verb: str) -> BookError:
    return BookError(f"{book.path} is a frozen copy ({book.frozen}) and cannot be {verb}: its inputs are locked "
                     f"and its KC_* results are fixed values; change the live model instead, then kc freeze it "
                     f"again")


@contextlib.contextmanager
def write_session(book: str | Path, output: str | Path | None = None, *, force: bool = False,
                  verb: str = "refreshed"):
    """(opened workbook, real destination) for a verb that reads ``book`` and writes ``output`` (default:
    in place); see the module's note for what is checked and refused."""
    book = Path(book)
    output = Path(output) if output else book
    check_regular_file(book)
    check_not_open(book, force)
    if output != book:
        check_not_open(output, force)
    with claimed(output, force=force) as target:
        opened = Workbook.open(book)
        if opened.frozen is not None:
            raise frozen_refusal(opened, verb)
        if target != real_destination(book):
            opened.check_name_fits(output)
        yield opened, target


_passed: list[str] = []                 # the ranged formulas of the last book check_ranges passed in one pass
_REMEMBERED_AT_MOST = 50_000            # ranged formulas; a larger book's are not held for the process's life


def check_ranges(cells: list[FormulaCell]) -> None:
    """A reference like A1:XFD1048576 would make the engines allocate every one of its cells: refuse it
    naming the cell, before any engine sees it."""
    ranged = [cell.formula for cell in cells if ":" in cell.formula]
    if ranged == _passed:                  # the formulas of the last book that passed: the same model again
        return
    text = "\n".join(ranged)
    # (Digits other than 0-9 in a range make range_size raise: the formulas are read one by one then.)
    if ranged and (text.isascii() or not _OTHER_DIGIT.search(text)) and largest_range(text) <= pkg.MAX_RANGE_CELLS:
        _passed[:] = ranged if len(ranged) <= _REMEMBERED_AT_MOST else ()
        return
    for cell in cells:
        if ":" not in cell.formula:
            continue
        for ref in range_references(cell.formula):
            if pkg.range_size(ref) > pkg.MAX_RANGE_CELLS:
                raise BookError(f"{cell.sheet}!{cell.ref}: the range {ref} covers more than "
                                f"{pkg.MAX_RANGE_CELLS:,} cells, over the limit for a headless refresh")


# An A1:B2 starting at any position, overlapping ones included. Where ``range_references`` finds a range,
# this finds the same text at the same start (the same pattern, tried in the same greedy order), so the
# largest of these is at least the largest range a formula names: strings, names and sheets ignored, it
# can only over-count, and then the formulas are read one by one.
_ANY_RANGE = re.compile(r"(?=\$?([A-Z]{1,3})\$?([0-9]+):\$?([A-Z]{1,3})\$?([0-9]+))")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
_ROW_DIGITS = 12                        # rows of up to this many digits are sized in int64 without overflow


def largest_range(text: str) -> int:
    """At least as many cells as the largest A1:B2 range in ``text`` covers (0 if none), read in one pass
    and sized on arrays."""
    ends = _ANY_RANGE.findall(text)
    if not ends:
        return 0
    first_col, first_row, last_col, last_row = zip(*ends)
    first_row, last_row = np.array(first_row), np.array(last_row)
    if max(first_row.itemsize, last_row.itemsize) > 4 * _ROW_DIGITS:
        return sys.maxsize                  # a row past any sheet's, too long to size in int64
    columns = {letters: pkg.column_number(letters) for letters in set(first_col) | set(last_col)}
    rows = np.abs(last_row.astype(np.int64) - first_row.astype(np.int64)) + 1
    cols = np.abs(np.array([columns[c] for c in last_col], dtype=np.int64)
                  - np.array([columns[c] for c in first_col], dtype=np.int64)) + 1
    return int((rows * cols).max())


ENGINES = ("auto", "libreoffice")


def recomputed_values(book: Workbook, engine: str = "auto",
                      cells: list[FormulaCell] | None = None) -> dict[str, dict]:
    """{sheet: {cell: value}} of every formula (and spill) cell: our engines (``auto``), or LibreOffice
    recomputing the whole book with the KC functions installed (``libreoffice``, after
    ``kc libreoffice-setup``)."""
    if engine == "libreoffice":
        from workbook.calc.libreoffice_engine import recalculate_with_libreoffice

        return recalculate_with_libreoffice(book)
    if engine not in ENGINES:
        raise BookError(f"--engine {engine!r} must be one of: {', '.join(ENGINES)}")
    return recalculate(book, engine, cells).values()


@contextlib.contextmanager
def cycle_collection_paused():
    """A refresh makes a great many small objects (a record per cell, a value per cell) and no garbage
    cycles worth collecting meanwhile; Python's cycle collector would walk all of them again and again,
    a third of the KC template's refresh time. Memory is still freed as it is let go; cycles are
    collected by Python's next full collection once the refresh is over.

    What the refresh leaves alive (a kept plan: thousands of nodes and closures) goes straight to the
    oldest generation, as a young collection would move it after walking all of it once more (17–42 ms
    after the template's first refresh) to free nothing: it holds no garbage cycles, since an engine not
    kept is let go by hand. (Unless the host froze objects of its own: ``gc.unfreeze`` would thaw them.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()          # every tracked object to the permanent generation, then back to the
                gc.unfreeze()        # oldest one: two list merges, no walk
            gc.enable()


def refreshed(book: Workbook, inputs: dict[str, dict] | None = None, engine: str = "auto") -> Refreshed:
    """``book`` with ``inputs`` ({sheet: {cell: value}}) written into its input cells, every formula
    recomputed (by ``engine``) and the results stored as cached values."""
    with cycle_collection_paused():
        return _refreshed(book, inputs, engine)


def _refreshed(book: Workbook, inputs: dict[str, dict] | None, engine: str) -> Refreshed:
    if inputs:
        book = with_cached_values(book, {}, inputs)
    book.check_values()
    cells = formula_cells(book)
    check_ranges(cells)
    values = recomputed_values(book, engine, cells)
    changed = 0
    stored = {}                           # the values stored before, of the formula cells
    for cell in cells:
        on_sheet = stored.setdefault(cell.sheet, {})
        if cell.cached is not None or cell.ref not in on_sheet:   # a repeated cell: the last that holds a value
            on_sheet[cell.ref] = cell.cached
    for sheet, computed in values.items():
        before = stored.get(sheet, {})
        if any(ref not in before for ref in computed):      # an array formula's other cells: read them all
            before = {c.ref: (c.cell_type, c.value_text) for c in book.cells(sheet)
                      if c.value_text is not None and c.ref in computed}
        changed += changed_count(before, computed)
    written = with_cached_values(book, values)
    # Charts keep their own copy of the cells they plot; viewers that do not recalculate draw that copy.
    charts = chart_cache_changes(written, written.value)
    if charts:
        written = written.with_parts(charts)
    return Refreshed(written, values, changed, sum(len(c) for c in (inputs or {}).values()))


def refresh_book(book: str | Path, output: str | Path | None = None, data: str | Path | None = None, *,
                 force: bool = False, backup: bool = False, assignments: list[str] | tuple = (),
                 verb: str = "refreshed", engine: str = "auto") -> RefreshReport:
    """Refresh ``book`` into ``output`` (default in place); with ``data`` and/or ``assignments``
    (``Name=value``) the named inputs change first, all checked before anything is written."""
    loaded = None
    if data is not None:
        from workbook.company import load_data_file

        loaded = load_data_file(data)
    with cycle_collection_paused(), write_session(book, output, force=force, verb=verb) as (opened, target):
        plan = planning.from_data(opened, loaded) if loaded is not None else planning.Plan()
        if assignments:
            plan = planning.from_assignments(opened, list(assignments), plan)
        planning.check_together(opened, plan)
        updates = plan.updates()
        result = refreshed(opened, updates, engine)
        written_backup = result.book.save(target, backup=backup)
    return RefreshReport(str(book), str(output or book), sum(len(c) for c in result.values.values()),
                         result.changed, sum(len(c.cells) for c in plan.changes), tuple(plan.changes),
                         str(written_backup) if written_backup else None, tuple(plan.not_in_book),
                         tuple(plan.computed))


def _refresh_one(job: tuple) -> RefreshReport | str:
    book, output, data, force, backup, scratch, engine = job
    if scratch:
        tempfile.tempdir = scratch  # a worker's temporaries go to the parent's scratch folder
    try:
        return refresh_book(book, output, data, force=force, backup=backup, engine=engine)
    except BookError as error:
        return str(error)
    except OSError as error:
        return f"{book}: {error.strerror or error}"
    except MemoryError:
        return f"{book}: out of memory; the workbook is too large for a headless refresh"


def refresh_books(books: list[str], output: str | None = None, data: str | None = None, *, force: bool = False,
                  backup: bool = False, workers: int | None = None, progress: bool = True,
                  engine: str = "auto") -> list:
    """Refresh several books; a process pool when there are more than one. Results in input order:
    a RefreshReport, or the one-line error for that book."""
    if output and len(books) > 1:
        raise BookError("-o/--output names one file; it cannot take several books")
    if workers is not None and workers < 1:
        raise BookError(f"--workers must be at least 1, not {workers}")
    if len({str(real_destination(b)) for b in books}) != len(books):
        raise BookError("the same book is named twice; each book can be refreshed once per command")
    jobs = [(b, output, data, force, backup, tempfile.tempdir, engine) for b in books]
    if len(jobs) == 1 or workers == 1:
        return [_refresh_one(job) for job in _progress(jobs, progress)]
    pool = ProcessPoolExecutor(max_workers=min(workers or os.cpu_count() or 1, len(jobs)))
    try:
        results = list(_progress(pool.map(_refresh_one, jobs), progress, total=len(jobs)))
    except BaseException:
        # Interrupted: stop the workers now (each removes its own unfinished file as it ends).
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def _progress(items, enabled: bool, total: int | None = None):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total or len(items), unit="book", desc="refresh", leave=False, disable=None)


def print_report(result: RefreshReport, label: str, out=None) -> None:
    out = out or sys.stdout
    for change in result.changes:
        if change.changed:
            print(f"  {change.describe()}", file=out)
    unchanged = sum(1 for c in result.changes if not c.changed)
    target = "" if result.output == result.book else f" -> {result.output}"
    changed_inputs = len(result.changes) - unchanged
    loaded = (f", {changed_inputs} input{'s' if changed_inputs != 1 else ''} changed ({unchanged} unchanged)"
              if result.changes else "")
    print(f"{label}{target}: {result.formula_cells} formula cells recomputed, {result.changed} changed{loaded}",
          file=out)
    if result.not_in_book:
        print(f"  note: {len(result.not_in_book)} data-file input(s) have no named cell in this book: "
              f"{', '.join(result.not_in_book[:8])}{', ...' if len(result.not_in_book) > 8 else ''}", file=out)
    if result.computed:
        print(f"  note: computed by formulas in this book, not loaded: {', '.join(result.computed[:8])}", file=out)
    if result.backup:
        print(f"  backup: {result.backup}", file=out)


def cmd_refresh(args) -> int:
    results = refresh_books(args.books, args.output, args.data, force=args.force, backup=args.backup,
                            workers=args.workers, progress=len(args.books) > 1, engine=args.engine)
    failed = 0
    for book, result in zip(args.books, results):
        if isinstance(result, RefreshReport):
            print_report(result, book)
        else:
            failed += 1
            print(f"kc refresh: {result}", file=sys.stderr)
    return 2 if failed else 0


def add_parser(verbs) -> None:
    from workbook.commands import positive_int

    refresh = verbs.add_parser("refresh", help="recompute workbooks headless and store the values in them")
    refresh.add_argument("books", nargs="+", metavar="BOOK", help="workbook(s) to refresh in place")
    refresh.add_argument("--data", help="load this company data file (complete or partial) into the named "
                                        "input cells first")
    refresh.add_argument("-o", "--output", help="write here instead of in place (one book only)")
    refresh.add_argument("--force", action="store_true",
                         help="refresh even if Excel's lock file is present or the file is read-only")
    refresh.add_argument("--backup", action="store_true",
                         help="keep the previous file as BOOK.bak (BOOK.bak2, ... if that exists)")
    refresh.add_argument("--workers", type=positive_int, help="processes for several books (default: one per core)")
    refresh.add_argument("--engine", choices=ENGINES, default="auto",
                         help="auto (default): our evaluator; libreoffice: LibreOffice recomputes the whole book "
                              "(needs kc libreoffice-setup); either way only the cached values change")
    refresh.set_defaults(run=cmd_refresh)
