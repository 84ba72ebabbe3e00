"""Headless refresh against LibreOffice, and the scaling curve of refreshing many models.

    python3 bench/refresh.py [--quick] [--json PATH]

Prints one table (measurement, ours, peer, ratio = peer / ours, target, met?) and writes it as JSON
(default bench/results/refresh.json). Every pair is measured in the same run, best of 5 each (1 with --quick).

1. The KC template: `kc refresh` (load, recompute every formula, rewrite the cached values) against
   LibreOffice opening the same file, recalculating every formula and converting it (soffice
   --convert-to xlsx with recalculation on load, a cold process each time: what a server would do).
   Ours twice: with an input changed between refreshes, where the engine keeps the plan (compiled
   formulas, order of computation) of the last book with the same formulas; and the first book of a
   process, where it works the plan out.
2. Many cells: a sheet of 1,000 and 10,000 scalar KC_DCF cells, each row with its own inputs
   (=KC_DCF(A{r}:E{r},F{r},G{r})), refreshed headless, against LibreOffice recalculating the same sheet
   written with native NPV formulas; our values are checked against LibreOffice's.
3. Many models: refreshing 1, 10 and 100 copies of the template serially and with the process pool
   (both cores); seconds per book should stay flat as the count grows.
4. Memory: the peak resident memory a refresh adds to a fresh process, for sheets of 25,000 to 200,000
   cells (half numbers, half native formulas); it should grow linearly with the cells (bytes per cell
   about constant), and a sheet of empty cells should cost its bytes, not a record per cell.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbook.calc import libreoffice  # noqa: E402
from workbook.calc.fast_engine import forget_plans  # noqa: E402
from workbook.commands import changes as planning  # noqa: E402
from workbook.commands import refresh as refresh_module  # noqa: E402
from workbook.commands.build import build  # noqa: E402
from workbook.commands.refresh import refresh_book, refresh_books  # noqa: E402
from workbook.xlsx.book import Workbook  # noqa: E402
from workbook.xlsx.cached_values import with_cached_values  # noqa: E402

FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def first_of_a_process(path: Path) -> None:
    """``refresh_book`` as on the first book of a process: no kept plan, no remembered KC_* result, and no
    formulas that check_ranges passed before (it skips the formulas of the last book it passed: 20 ms of
    the 10,000-cell book)."""
    forget_plans()
    refresh_module._passed.clear()
    refresh_book(path)


def cells_book(path: Path, n: int, native: bool, shift: float = 0.0) -> None:
    """n valuation cells, each row with its own inputs (five flows, a WACC, a growth rate): KC_DCF, or the
    same enterprise value with native NPV and a Gordon terminal value. ``shift`` moves every flow."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Cells")
    for i in range(n):
        r = i + 1
        scale = 1 + (i % 997) / 1000 + shift          # every row's flows differ
        wacc, g = 0.08 + (i % 100) * 0.0005, 0.01 + (i // 100 % 50) * 0.0004
        sheet.write_row(i, 0, [f * scale for f in FLOWS] + [wacc, g])
        if native:
            formula = f"=NPV(F{r},A{r}:E{r})+E{r}*(1+G{r})/(F{r}-G{r})/(1+F{r})^5"
        else:
            formula = f"=KC_DCF(A{r}:E{r},F{r},G{r})"
        sheet.write_formula(i, 7, formula)
    book.close()


def shared_formula_book(source: Path, target: Path) -> None:
    """``source`` (a ``cells_book``) with its column of KC_DCF formulas written as Excel saves a formula
    filled down: the first cell holds the text as a shared formula over the column, every other cell
    names the group (``<f t="shared" si="0"/>``)."""
    import re
    import zipfile

    with zipfile.ZipFile(source) as z:
        parts = {info.filename: z.read(info.filename) for info in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    rows = len(re.findall(rb'<c r="H[0-9]+"><f>', parts[sheet]))

    def shared(match):
        if match[1] == b"1":
            return b'<c r="H1"><f t="shared" ref="H1:H%d" si="0">%s</f>' % (rows, match[2])
        return b'<c r="H%s"><f t="shared" si="0"/>' % match[1]

    parts[sheet] = re.sub(rb'<c r="H([0-9]+)"><f>([^<]*)</f>', shared, parts[sheet])
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def same_values(ours: Path, theirs: Path, n: int) -> bool:
    """Our refreshed KC_DCF cells against LibreOffice's native recalculation, to 1e-9 relative."""
    import math

    import openpyxl

    a = openpyxl.load_workbook(ours, data_only=True)["Cells"]
    b = openpyxl.load_workbook(theirs, data_only=True)["Cells"]
    return all(math.isclose(a.cell(r, 8).value, b.cell(r, 8).value, rel_tol=1e-9) for r in range(1, n + 1))


_ANY_CELL = None


def floor_of_reading_and_writing(path: Path) -> None:
    """What reading and writing ``path`` costs the plain way, with no formula computed: inflate its sheet,
    check it is well-formed XML (one expat pass over all of it, no callbacks), find every cell (one regex
    pass that makes a match per cell), and deflate it again at level 1. A refresh that finds its cells as
    arrays (``workbook.xlsx.number_cells``, ``formula_columns``) and checks only what lies between the
    number cells with expat does less than this."""
    import re
    import xml.parsers.expat as expat
    import zipfile
    import zlib

    global _ANY_CELL
    if _ANY_CELL is None:
        _ANY_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
    with zipfile.ZipFile(path) as z:
        data = z.read("xl/worksheets/sheet1.xml")
    expat.ParserCreate().Parse(data, True)
    cells = [m.span(3) for m in _ANY_CELL.finditer(data)]
    assert cells
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    compressor.compress(data)
    compressor.flush()


def libreoffice_recalc(path: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    libreoffice.recalculated(path, out)


# The process's own peak: VmHWM starts afresh at exec (ru_maxrss carries the parent's peak over).
MEMORY_PROBE = """
import resource, sys, time
import workbook.calc.fast_engine  # imported before measuring: its import is not the refresh's memory
from workbook.commands.refresh import refresh_book
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
refresh_book(sys.argv[1], sys.argv[2])
seconds = time.perf_counter() - started
try:
    peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((peak - before) * 1024, peak * 1024, seconds)  # kB -> bytes
"""


def grid_book(path: Path, n: int) -> None:
    """n cells in rows of ten: five numbers, then five native formulas reading them."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Grid")
    for r in range(n // 10):
        for c in range(5):
            sheet.write_number(r, c, r + c)
        for c in range(5):
            sheet.write_formula(r, 5 + c, f"=A{r + 1}*{c + 2}+B{r + 1}")
    book.close()


def empty_cells_book(path: Path, megabytes: int) -> None:
    """A small book whose sheet holds ``megabytes`` MiB of empty cells (a file of some tens of KB)."""
    import zipfile

    grid_book(path.with_suffix(".src.xlsx"), 10)
    with zipfile.ZipFile(path.with_suffix(".src.xlsx")) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    cell = b'<c s="0"/>'
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", b'<row r="99">' + cell * (megabytes * 2 ** 20 // len(cell))
                                        + b"</row></sheetData>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def peak_memory(book: Path, out: Path) -> tuple[float, float, float]:
    """(bytes of peak resident memory a refresh adds to a fresh process that imported everything, the
    process's whole peak, seconds)."""
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(book), str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    grown, peak, seconds = done.stdout.split()
    return float(grown), float(peak), float(seconds)


def memory_rows(folder: Path, quick: bool) -> list[dict]:
    rows = []
    for n in ((25_000, 50_000, 100_000) if quick else (25_000, 50_000, 100_000, 200_000)):
        book = folder / f"grid_{n}.xlsx"
        grid_book(book, n)
        _, peak, seconds = peak_memory(book, folder / f"grid_{n}_out.xlsx")
        rows.append({"cells": n, "file_bytes": book.stat().st_size, "process_peak_mb": peak / 2 ** 20,
                     "seconds": seconds})
    book = folder / "empty_8mib.xlsx"
    empty_cells_book(book, 8)
    _, peak, seconds = peak_memory(book, folder / "empty_out.xlsx")
    rows.append({"cells": 0, "empty_cells": 8 * 2 ** 20 // 10, "file_bytes": book.stat().st_size,
                 "process_peak_mb": peak / 2 ** 20, "seconds": seconds})
    return rows


def linear_fit(memory: list[dict]) -> tuple[float, float, float]:
    """(bytes per cell, bytes at zero cells, largest relative distance of a point from the line) of the
    process peak against the cell count. "Grows linearly" means the points sit on one line."""
    points = [(m["cells"], m["process_peak_mb"] * 2 ** 20) for m in memory if m["cells"]]
    n = len(points)
    mean_x, mean_y = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    intercept = mean_y - slope * mean_x
    worst = max(abs(y - (intercept + slope * x)) / y for x, y in points)
    return slope, intercept, worst


def row(name, ours, peer, target=None, met=None, note=""):
    return {"measurement": name, "ours_s": ours, "peer_s": peer,
            "ratio": (peer / ours) if (ours and peer) else None, "target": target, "met": met, "note": note}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller counts")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "refresh.json"))
    args = parser.parse_args()
    repeats = 1 if args.quick else 5    # this VM drifts by 20-50% between runs seconds apart: best of 5 each
    have_lo = libreoffice.available()
    print(json.dumps(machine()))
    rows = []
    with tempfile.TemporaryDirectory(prefix="kc-bench-") as folder:
        folder = Path(folder)
        template = folder / "KC_Model.xlsx"
        build(None, template)
        work = folder / "work.xlsx"
        shutil.copyfile(template, work)
        # An analyst's loop: an input changed in the model, then refreshed. The model refreshed at a WACC of
        # 10%, then copies with the input cell set to a WACC not used before (10.01%, 10.02%, ...) and
        # nothing recomputed, one for each refresh: no KC_* call downstream of the WACC is answered by a
        # result remembered from an earlier refresh (workbook.calc.kc_results).
        refreshed_at_10 = folder / "wacc_10.xlsx"
        refresh_book(template, refreshed_at_10, assignments=["Case_base_WACC=10%"])
        opened = Workbook.open(refreshed_at_10)
        versions = []
        for k in range(1, repeats + 2):
            changed = planning.from_assignments(opened, [f"Case_base_WACC={10 + k / 100:.2f}%"],
                                                planning.Plan()).updates()
            versions.append(folder / f"wacc_{k}.xlsx")
            with_cached_values(opened, {}, changed).save(versions[-1])
        turn = iter(versions)

        def changed_and_refreshed():
            shutil.copyfile(next(turn), work)
            refresh_book(work)

        refresh_book(refreshed_at_10)      # the plan of this model kept, as in the analyst's loop
        ours = best(changed_and_refreshed, repeats)
        first = best(lambda: first_of_a_process(work), repeats)
        peer = best(lambda: libreoffice_recalc(template, folder / "lo"), repeats) if have_lo else None
        rows.append(row("KC template, an input changed: kc refresh (formulas as in the last book refreshed: "
                        "plan and KC_* results kept) vs LibreOffice open+recalc+convert", ours, peer, "ratio >= 20",
                        peer is not None and peer >= 20 * ours))
        rows.append(row("KC template: kc refresh of the first book in a process (plan worked out) vs the same "
                        "LibreOffice run", first, peer, "ratio >= 20", peer is not None and peer >= 20 * first))
        # The same refresh as an analyst runs it, a new process each time, as LibreOffice's row is.
        command = [sys.executable, "-m", "workbook.commands", "refresh", str(work)]
        process = best(lambda: subprocess.run(command, cwd=ROOT, check=True, capture_output=True), repeats)
        rows.append(row("KC template: the kc refresh command (a new Python process: start-up and imports "
                        "included) vs the same LibreOffice run", process, peer, None, None, "info"))

        for n in ((1000,) if args.quick else (1000, 10000)):
            kc, native = folder / f"kc_{n}.xlsx", folder / f"native_{n}.xlsx"
            cells_book(kc, n, native=False)
            cells_book(native, n, native=True)
            # Every flow of the book changed between refreshes (two versions taken in turn), so every cell is
            # computed, as LibreOffice's recalculation computes every cell: a refresh computes only what
            # changed inputs reach (workbook.calc.dirty), and the same file again would compute nothing.
            other = folder / f"kc_{n}_other.xlsx"
            cells_book(other, n, native=False, shift=0.5)
            work = folder / f"kc_{n}_work.xlsx"
            turns = iter(range(10 ** 6))

            def every_input_changed(path=kc, other=other, work=work):
                shutil.copyfile(other if next(turns) % 2 else path, work)
                refresh_book(work)

            ours = best(every_input_changed, repeats + (repeats % 2 == 0))   # (an odd count ends on ``kc``)
            shutil.copyfile(kc, work)
            first = best(lambda: first_of_a_process(work), repeats)
            kc = work                                  # its values, refreshed, are checked against LibreOffice's
            peer = best(lambda: libreoffice_recalc(native, folder / "lo"), repeats) if have_lo else None
            note = ""
            if have_lo:
                note = "values equal LibreOffice's" if same_values(kc, next((folder / "lo").glob("*.xlsx")), n) \
                    else "VALUES DIFFER from LibreOffice's"
            target = 10 if n == 10000 else 1
            rows.append(row(f"{n:,} scalar KC_DCF cells (own inputs), every input changed: kc refresh (plan kept) "
                            "vs LibreOffice recalc of native NPV", ours, peer, f"ratio >= {target}", peer is not None and peer >= target * ours,
                            note))
            rows.append(row(f"{n:,} such cells, the first book in a process (plan worked out) vs the same LibreOffice "
                            "run", first, peer, f"ratio >= {target}", peer is not None and peer >= target * first))
            if n == 10000:
                # The same two books as Excel saves a filled-down column: one shared formula.
                shared, shared_other = folder / "kc_shared.xlsx", folder / "kc_shared_other.xlsx"
                shared_formula_book(folder / f"kc_{n}.xlsx", shared)
                shared_formula_book(other, shared_other)
                shared_work = folder / "kc_shared_work.xlsx"
                turns = iter(range(10 ** 6))
                in_shared = best(lambda: every_input_changed(shared, shared_other, shared_work),
                                 repeats + (repeats % 2 == 0))
                note = ""
                if have_lo:
                    note = ("values equal LibreOffice's" if same_values(shared_work, next((folder / "lo").glob("*.xlsx")), n)
                            else "VALUES DIFFER from LibreOffice's")
                rows.append(row(f"{n:,} such cells saved as Excel saves a filled-down column (one shared formula), every "
                                "input changed: kc refresh (plan kept) vs the same LibreOffice run", in_shared, peer,
                                f"ratio >= {target}", peer is not None and peer >= target * in_shared, note))
                floor = best(lambda: floor_of_reading_and_writing(kc), max(repeats, 5))
                rows.append(row(f"{n:,} cells: reading and writing the file alone the plain way (inflate, expat over "
                                "it all, one regex match per cell, deflate; no formula) vs the same LibreOffice run",
                                floor, peer, None, None, "what a refresh reading every cell by one expression costs"))

        warm = folder / "warm.xlsx"  # first call pays one-time imports; keep it out of the curve
        shutil.copyfile(template, warm)
        refresh_books([str(warm)], workers=1, progress=False)
        counts = (1, 4, 8) if args.quick else (1, 10, 100)
        for count in counts:
            books = []
            for k in range(count):
                target = folder / f"copy_{count}_{k}.xlsx"
                shutil.copyfile(template, target)
                books.append(str(target))
            repeats_here = 3 if count <= 10 else 1
            serial = best(lambda: refresh_books(books, workers=1, progress=False), repeats_here)
            pooled = best(lambda: refresh_books(books, progress=False), repeats_here)
            rows.append(row(f"{count} book(s): serial vs process pool ({os.cpu_count()} cores)", pooled, serial,
                            "pool uses both cores", None,
                            f"{serial / count:.2f} s/book serial, {pooled / count:.2f} s/book pooled"))
    print(f"{'measurement':<72}{'ours s':>9}{'peer s':>9}{'ratio':>8}  target")
    for r in rows:
        peer = f"{r['peer_s']:.2f}" if r["peer_s"] is not None else "n/a"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "n/a"
        flag = "" if r["met"] is None else (" met" if r["met"] else " MISSED")
        print(f"{r['measurement']:<72}{r['ours_s']:>9.2f}{peer:>9}{ratio:>8}  {r['target'] or ''}{flag} {r['note']}")
    with tempfile.TemporaryDirectory(prefix="kc-bench-memory-") as folder:
        memory = memory_rows(Path(folder), args.quick)
    print(f"\n{'peak memory of one refresh (a fresh process)':<48}{'file KB':>9}{'peak MB':>9}{'s':>7}")
    for m in memory:
        label = f"{m['cells']:,} cells" if m["cells"] else f"{m['empty_cells']:,} empty cells (8 MiB of XML)"
        print(f"{label:<48}{m['file_bytes'] / 1024:>9.0f}{m['process_peak_mb']:>9.0f}{m['seconds']:>7.1f}")
    slope, intercept, worst = linear_fit(memory)
    print(f"process peak = {intercept / 2 ** 20:.0f} MB + {slope:.0f} bytes x cells (least squares over the "
          f"sized books); the furthest point is {worst:.0%} off that line (target <= 15%)"
          f"{' met' if worst <= 0.15 else ' MISSED'}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "rows": rows, "memory": memory}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
