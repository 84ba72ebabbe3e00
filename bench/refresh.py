"""Headless refresh against LibreOffice, and the scaling curve of refreshing many models.

    python3 bench/refresh.py [--quick] [--json PATH]

Prints one table (measurement, ours, peer, ratio = peer / ours, target, met?) and writes it as JSON
(default bench/results/refresh.json). Every pair is measured in the same run, alternating, best of N.

1. The KC template: `kc refresh` (load, recompute every formula, rewrite the cached values) against
   LibreOffice opening the same file, recalculating every formula and converting it (soffice
   --convert-to xlsx with recalculation on load, a cold process each time: what a server would do).
2. Many cells: a sheet of 1,000 and 10,000 scalar KC_DCF cells refreshed headless, against LibreOffice
   recalculating the same sheet written with native NPV formulas.
3. Many models: refreshing 1, 10 and 100 copies of the template serially and with the process pool
   (both cores); seconds per book should stay flat as the count grows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbook.calc import libreoffice  # noqa: E402
from workbook.commands.build import build  # noqa: E402
from workbook.commands.refresh import refresh_book, refresh_books  # noqa: E402

FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cells_book(path: Path, n: int, native: bool) -> None:
    """n valuation cells over a WACC x g spread: KC_DCF, or the same value with native NPV."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Cells")
    sheet.write_row(0, 0, FLOWS)
    for i in range(n):
        row = i + 2
        wacc, g = 0.08 + (i % 100) * 0.0005, 0.01 + (i // 100 % 50) * 0.0004
        sheet.write_number(row, 0, wacc)
        sheet.write_number(row, 1, g)
        w, gg = f"A{row + 1}", f"B{row + 1}"
        if native:
            formula = (f"=(NPV({w},$A$1:$E$1)+$E$1*(1+{gg})/({w}-{gg})/(1+{w})^5-161.8)/4099.28*1.1")
        else:
            formula = f"=KC_DCF($A$1:$E$1,{w},{gg},161.8,4099.28,1.1)"
        sheet.write_formula(row, 2, formula)
    book.close()


def libreoffice_recalc(path: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    libreoffice.recalculated(path, out)


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
    repeats = 1 if args.quick else 3
    have_lo = libreoffice.available()
    print(json.dumps(machine()))
    rows = []
    with tempfile.TemporaryDirectory(prefix="kc-bench-") as folder:
        folder = Path(folder)
        template = folder / "KC_Model.xlsx"
        build(None, template)
        work = folder / "work.xlsx"
        shutil.copyfile(template, work)
        ours = best(lambda: refresh_book(work), repeats)
        peer = best(lambda: libreoffice_recalc(template, folder / "lo"), repeats) if have_lo else None
        rows.append(row("KC template: kc refresh vs LibreOffice open+recalc+convert", ours, peer, "ratio >= 1",
                        peer is not None and peer >= ours))

        for n in ((1000,) if args.quick else (1000, 10000)):
            kc, native = folder / f"kc_{n}.xlsx", folder / f"native_{n}.xlsx"
            cells_book(kc, n, native=False)
            cells_book(native, n, native=True)
            ours = best(lambda: refresh_book(kc), 1)
            peer = best(lambda: libreoffice_recalc(native, folder / "lo"), 1) if have_lo else None
            rows.append(row(f"{n:,} scalar KC_DCF cells: kc refresh vs LibreOffice recalc of native NPV", ours, peer,
                            "ratio >= 1", peer is not None and peer >= ours))

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
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
