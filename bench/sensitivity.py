#!/usr/bin/env python3
"""Benchmark of KC_SENSITIVITY (the spilled WACC x g grid) against its peers, measured side by side.

    python3 bench/sensitivity.py [--quick] [--json PATH]

Prints the machine, then ONE table (measurement, ours, peer, ratio = peer/ours, target, met?), then the
correctness checks, and writes the same rows as JSON (default bench/results/sensitivity.json).

1. KC_SENSITIVITY (``addin.functions.KC_SENSITIVITY`` called with Python lists, as Excel passes ranges)
   on 11x11, 101x101 and 1001x1001 grids, against
   a) a Python loop of scalar ``addin.functions.KC_DCF`` calls over the same grid (1001x1001: a random
      sample of 20,000 cells, extrapolated), and
   b) LibreOffice computing the same grid natively as an Excel What-If Data Table (MULTIPLE.OPERATIONS),
      timed warm in a persistent headless soffice driven through UNO (bench/lo_driver.py).
2. Peak memory of the 1001x1001 KC_SENSITIVITY call, in fresh subprocesses (tracemalloc; RSS).
3. Per-call overhead of KC_DCF through xlwings' real UDF call path against the bare core call.
4. A floor: the same grids as one fused numpy expression written just for this benchmark.

Timing: time.perf_counter, garbage collector off during a sample (as timeit does); each sample is the
mean over k back-to-back calls (k chosen so a sample lasts >= 50 ms, or 1 for slow calls); contenders
of one measurement are sampled alternately (A B A B ...) so drift on the shared machine hits both; the
reported figure is the MEDIAN of the samples (the best is in the JSON too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import inspect
import json
import math
import os
import platform
import queue
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import kcfuncs  # noqa: E402
from addin import functions as excel  # noqa: E402

# The seed DCF report's base case (NOTES.md section 7): five FCFs, net debt, shares, CNY -> HKD.
CASH_FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]
NET_DEBT, SHARES, FX = 161.8, 4099.28, 1.1
WACC_FROM, WACC_TO = 0.06, 0.16
G_FROM, G_TO = 0.0, 0.04
SIZES = (11, 101, 1001)
LOOP_SAMPLE_CELLS = 20_000
SAMPLE_SEED = 20250916
MB = 1e6
MIN_SAMPLE_S = 0.05
SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter Debian's python3-uno serves
LO_BUDGET_S = 180.0  # the most a single LibreOffice job may take before it is called infeasible


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def axes(n: int) -> tuple[list[float], list[float]]:
    """WACC and g values as the Python lists Excel would hand over for a column and a row of cells."""
    return np.linspace(WACC_FROM, WACC_TO, n).tolist(), np.linspace(G_FROM, G_TO, n).tolist()


def kc_sensitivity(wacc_values, growth_values):
    return excel.KC_SENSITIVITY(CASH_FLOWS, wacc_values, growth_values, NET_DEBT, SHARES, FX)


def checked_grid(n: int) -> np.ndarray:
    result = kc_sensitivity(*axes(n))
    if isinstance(result, str):
        raise SystemExit(f"KC_SENSITIVITY returned a message instead of a grid: {result}")
    return np.array(result, dtype=float)


def make_floor(n: int):
    """The fused numpy floor: discount matrix @ flows, Gordon TV broadcast over the grid, the bridge."""
    w = np.linspace(WACC_FROM, WACC_TO, n)[:, None]
    g = np.linspace(G_FROM, G_TO, n)[None, :]
    cf = np.array(CASH_FLOWS)
    t = np.arange(1.0, len(cf) + 1.0)
    t_n = t[-1]

    def floor():
        return ((((1.0 + w) ** -t) @ cf)[:, None] + cf[-1] * (1.0 + g) / (w - g) * (1.0 + w) ** -t_n
                - NET_DEBT) / SHARES * FX

    return floor


def max_rel_diff(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        return math.inf
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


# ----------------------------------------------------------------------------------------------- timing

def _time_sample(fn, number: int) -> float:
    """Seconds per call over ``number`` back-to-back calls, garbage collector off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        if was_enabled:
            gc.enable()


def _calls_per_sample(fn) -> int:
    per_call = _time_sample(fn, 1)  # also a warm-up call
    if per_call >= MIN_SAMPLE_S:
        return 1
    per_call = min(per_call, _time_sample(fn, max(1, int(0.01 / max(per_call, 1e-9)))))
    return max(1, math.ceil(MIN_SAMPLE_S / max(per_call, 1e-9)))


def paired(contenders: dict, repeats: int) -> dict:
    """Interleaved samples of each contender; returns per contender its median / best seconds per call."""
    numbers = {name: _calls_per_sample(fn) for name, fn in contenders.items()}
    samples = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            samples[name].append(_time_sample(fn, numbers[name]))
    return {name: {"median_s": statistics.median(s), "best_s": min(s), "samples": len(s),
                   "calls_per_sample": numbers[name], "all_s": s} for name, s in samples.items()}


# ------------------------------------------------------------------------------------------- formatting

def fmt_time(seconds: float) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


def fmt_ratio(ratio) -> str:
    if ratio is None or not math.isfinite(ratio):
        return "-"
    if ratio >= 100:
        return f"{ratio:,.0f}x"
    if ratio >= 10:
        return f"{ratio:.1f}x"
    return f"{ratio:.3f}x" if ratio < 1 else f"{ratio:.2f}x"


def fmt_rate(rate: float) -> str:
    return f"{rate:,.0f} calls/s"


def row(measurement, ours=None, peer=None, *, unit="s", ratio=None, target="-", met=None, stat="", note="",
        **extra) -> dict:
    if ratio is None and ours and peer and unit in ("s", "calls/s"):
        ratio = peer / ours
    fmt = {"s": fmt_time, "calls/s": fmt_rate, "MB": lambda v: f"{v:,.1f} MB"}[unit]
    return {"measurement": measurement,
            "ours": fmt(ours) if ours is not None else "-", "peer": fmt(peer) if peer is not None else "-",
            "ratio": fmt_ratio(ratio), "target": target,
            "met": {True: "yes", False: "NO", None: "-"}.get(met, met),
            "ours_value": ours, "peer_value": peer, "unit": unit, "ratio_value": ratio, "statistic": stat,
            "note": note, **extra}


def print_table(rows: list[dict]) -> None:
    headers = ["measurement", "ours", "peer", "ratio = peer/ours", "target", "met?"]
    keys = ["measurement", "ours", "peer", "ratio", "target", "met"]
    cells = [[str(r[k]) for k in keys] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    align = ["<", ">", ">", ">", "<", "<"]

    def line(values):
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(values, align, widths)).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print(line(c))


# ------------------------------------------------------------------------------------------------ machine

def _cpu_model() -> str:
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.lower().startswith("model name"):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def libreoffice_version(soffice: str | None) -> str:
    if not soffice:
        return "not installed"
    try:
        out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60)
        return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unknown"
    except (OSError, subprocess.SubprocessError, IndexError) as error:
        return f"unknown ({error})"


def machine_info(soffice: str | None) -> dict:
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    import xlwings
    return {"cpu": _cpu_model(), "logical_cores": os.cpu_count(), "cores_available": affinity,
            "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
            "numpy": np.__version__, "xlwings": xlwings.__version__, "libreoffice": libreoffice_version(soffice),
            "platform": platform.platform(), "load_average_at_start": list(os.getloadavg())}


# --------------------------------------------------------------------------------- 1a + 4: grids in Python

def bench_grids(quick: bool, rows: list, checks: list, details: dict) -> dict:
    """KC_SENSITIVITY vs the scalar KC_DCF loop, and vs the fused numpy floor. Returns KC medians by n."""
    kc_median = {}
    kc_dcf = excel.KC_DCF
    for n in SIZES:
        wl, gl = axes(n)
        grid = checked_grid(n)

        def kc(wl=wl, gl=gl):
            return kc_sensitivity(wl, gl)

        # -- (a) scalar loop
        sampled = n * n > 200_000
        if sampled:
            rng = np.random.default_rng(SAMPLE_SEED)
            cells = np.sort(rng.choice(n * n, size=LOOP_SAMPLE_CELLS, replace=False))
            pairs = [(wl[int(k) // n], gl[int(k) % n]) for k in cells]

            def loop(pairs=pairs):
                return [kc_dcf(CASH_FLOWS, w, g, NET_DEBT, SHARES, FX) for w, g in pairs]

            loop_values = np.array(loop())
            loop_diff = max_rel_diff(loop_values, grid.ravel()[cells])
        else:
            def loop(wl=wl, gl=gl):
                return [[kc_dcf(CASH_FLOWS, w, g, NET_DEBT, SHARES, FX) for g in gl] for w in wl]

            loop_diff = max_rel_diff(loop(), grid)
        checks.append({"check": f"scalar KC_DCF loop = KC_SENSITIVITY, {n}x{n}"
                                + (f" ({LOOP_SAMPLE_CELLS:,} sampled cells)" if sampled else ""),
                       "max_rel_diff": loop_diff, "tolerance": 1e-12, "passed": loop_diff <= 1e-12})
        repeats = (5 if n == 11 else 3) if quick else (15 if n == 11 else 5)
        log(f"  {n}x{n}: KC_SENSITIVITY vs scalar KC_DCF loop, {repeats} interleaved samples ...")
        t = paired({"kc": kc, "loop": loop}, repeats)
        loop_s = t["loop"]["median_s"] * (n * n / LOOP_SAMPLE_CELLS if sampled else 1.0)
        name = f"{n}x{n}: KC_SENSITIVITY vs scalar KC_DCF loop"
        if sampled:
            name += f" (loop extrapolated from {LOOP_SAMPLE_CELLS:,} random cells)"
        target, met = ("≥ 50x", loop_s / t["kc"]["median_s"] >= 50) if n == 101 else ("-", None)
        rows.append(row(name, t["kc"]["median_s"], loop_s, target=target, met=met,
                        stat=f"median of {repeats} interleaved samples",
                        ours_best=t["kc"]["best_s"], peer_best=t["loop"]["best_s"] * (
                            n * n / LOOP_SAMPLE_CELLS if sampled else 1.0),
                        peer_sample_cells=LOOP_SAMPLE_CELLS if sampled else n * n,
                        kc_dcf_calls_per_s_in_loop=(LOOP_SAMPLE_CELLS if sampled else n * n) / t["loop"]["median_s"]))
        details[f"loop_{n}"] = t

        # -- floor (and where the time goes)
        floor = make_floor(n)
        floor_diff = max_rel_diff(floor(), grid)
        if n != 11:
            checks.append({"check": f"fused numpy floor = KC_SENSITIVITY, {n}x{n}", "max_rel_diff": floor_diff,
                           "tolerance": 1e-12, "passed": floor_diff <= 1e-12})

        def core(wl=wl, gl=gl):
            return kcfuncs.sensitivity_grid(CASH_FLOWS, wl, gl, NET_DEBT, SHARES, FX)

        def floor_tolist(floor=floor):
            return floor().tolist()

        repeats = 5 if quick else 15
        log(f"  {n}x{n}: KC_SENSITIVITY vs fused numpy floor, {repeats} interleaved samples ...")
        t = paired({"kc": kc, "floor": floor, "core": core, "floor_tolist": floor_tolist}, repeats)
        details[f"floor_{n}"] = t
        kc_median[n] = t["kc"]
        if n == 11:
            continue
        stat = f"median of {repeats} interleaved samples"
        kc_s, floor_s = t["kc"]["median_s"], t["floor"]["median_s"]
        rows.append(row(f"{n}x{n}: KC_SENSITIVITY vs fused numpy floor", kc_s, floor_s,
                        target="ours ≤ 3x floor (ratio ≥ 0.33)", met=kc_s <= 3 * floor_s, stat=stat,
                        ours_best=t["kc"]["best_s"], peer_best=t["floor"]["best_s"]))
        rows.append(row(f"  info {n}x{n}: core kcfuncs.sensitivity_grid (ndarray) vs floor",
                        t["core"]["median_s"], floor_s, stat=stat))
        rows.append(row(f"  info {n}x{n}: KC_SENSITIVITY vs floor + .tolist() (same output form)",
                        kc_s, t["floor_tolist"]["median_s"], stat=stat))
    return kc_median


# ------------------------------------------------------------------------------------------- 2: memory

def memory_probe(mode: str) -> dict:
    """Run in a fresh interpreter: the 1001x1001 KC_SENSITIVITY call, measured one way."""
    wl, gl = axes(1001)
    kc_sensitivity(*axes(11))  # lazy imports and caches out of the way
    gc.collect()
    if mode == "tracemalloc":
        tracemalloc.start()
        result = kc_sensitivity(wl, gl)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"peak_mb": peak / MB, "retained_mb": current / MB, "ok": isinstance(result, list)}

    def status(key):
        for text in Path("/proc/self/status").read_text().splitlines():
            if text.startswith(key + ":"):
                return int(text.split()[1]) * 1024
        return None

    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rss_before = status("VmRSS")
    try:  # reset the peak-RSS mark (VmHWM) so the call's own peak is visible even below an earlier one
        Path("/proc/self/clear_refs").write_text("5")
        hwm_reset = True
    except OSError:
        hwm_reset = False
    result = kc_sensitivity(wl, gl)
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    hwm_after = status("VmHWM")
    return {"ru_maxrss_delta_mb": (maxrss_after - maxrss_before) / MB,
            "peak_rss_growth_mb": (hwm_after - rss_before) / MB if hwm_reset and hwm_after and rss_before else None,
            "rss_before_mb": (rss_before or 0) / MB, "ok": isinstance(result, list)}


def bench_memory(rows: list, details: dict) -> None:
    results = {}
    for mode in ("tracemalloc", "rss"):
        log(f"  memory probe ({mode}) in a fresh subprocess ...")
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--memory-probe", mode],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            results[mode] = {"error": out.stderr.strip()[-500:]}
            continue
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    details["memory"] = results
    tm = results.get("tracemalloc", {})
    rows.append(row("1001x1001: KC_SENSITIVITY peak memory (tracemalloc peak)",
                    tm.get("peak_mb"), unit="MB", target="< 200 MB",
                    met=(tm["peak_mb"] < 200) if "peak_mb" in tm else None, stat="one call",
                    note=tm.get("error", "")))
    rss = results.get("rss", {})
    value = rss.get("peak_rss_growth_mb")
    label = "peak RSS growth"
    if value is None:
        value, label = rss.get("ru_maxrss_delta_mb"), "ru_maxrss delta"
    rows.append(row(f"1001x1001: KC_SENSITIVITY peak memory ({label})", value, unit="MB",
                    target="< 200 MB", met=(value < 200) if value is not None else None, stat="one call",
                    note=rss.get("error", "")))


# ------------------------------------------------------------------------------------ 3: per-call overhead

def bench_overhead(quick: bool, rows: list, checks: list, details: dict) -> None:
    from addin import offline_xlwings

    offline_xlwings.load_udf_module("addin.functions")  # real xlwings decorators, as Excel's first call
    n_params = len(inspect.signature(excel.KC_DCF).parameters)
    # What the VBA wrapper hands over: a range as a tuple of row tuples, floats, 'missing' for the rest.
    args = ((tuple(CASH_FLOWS),), 0.105, 0.03, NET_DEBT, SHARES, FX)
    args = args + (offline_xlwings.MISSING,) * (n_params - len(args))

    def via_xlwings():
        return offline_xlwings.call_from_cell("addin.functions", "KC_DCF", args)

    def core():
        return kcfuncs.dcf_valuation(CASH_FLOWS, 0.105, 0.03, NET_DEBT, SHARES, FX)

    def direct():
        return excel.KC_DCF(CASH_FLOWS, 0.105, 0.03, NET_DEBT, SHARES, FX)

    expected = core().per_share
    got = {"xlwings": via_xlwings(), "direct": direct()}
    for name, value in got.items():
        ok = isinstance(value, float) and value == expected
        checks.append({"check": f"KC_DCF via {name} = kcfuncs.dcf_valuation(...).per_share ({expected!r})",
                       "max_rel_diff": 0.0 if ok else math.inf, "tolerance": 0.0, "passed": ok})
    repeats = 5 if quick else 15
    log(f"  KC_DCF per-call overhead, {repeats} interleaved samples ...")
    t = paired({"xlwings": via_xlwings, "core": core, "direct": direct}, repeats)
    details["overhead"] = t
    rate = {k: 1.0 / v["median_s"] for k, v in t.items()}
    stat = f"median of {repeats} interleaved samples"
    rows.append(row("KC_DCF calls/s: xlwings call path vs bare core dcf_valuation",
                    rate["xlwings"], rate["core"], unit="calls/s", stat=stat,
                    note="ratio = how many times more calls/s the bare core makes"))
    rows.append(row("KC_DCF calls/s: Excel-facing KC_DCF direct vs bare core",
                    rate["direct"], rate["core"], unit="calls/s", stat=stat))


# ------------------------------------------------------------------------------- 1b: LibreOffice Data Table

DT_FIRST_ROW, DT_FIRST_COL = 13, 2  # 0-based: the grid's top-left value cell is C14


def build_datatable_workbook(path: Path, n: int) -> None:
    """The model with native formulas and an Excel What-If Data Table over it.

    B1 WACC and B2 g are the table's input cells; B11 is the per-share value (NPV of the five flows at
    B1 + Gordon TV discounted, - net debt, / shares * fx). The 2-D table's corner B13 points at B11; g
    values run across C13.., WACC values down B14..; the table itself is the C14.. block, stored as
    Excel stores a Data Table (``<f t="dataTable" dt2D="1" r1=row input r2=column input>``), which
    LibreOffice imports as MULTIPLE.OPERATIONS cells. (Written as a plain formula in an .xlsx,
    MULTIPLE.OPERATIONS is not an OOXML function name and LibreOffice 7.4 reads it as unknown.)
    """
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.formula import DataTableFormula

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Model"
    inputs = [("WACC (Data Table column input cell)", 0.105), ("Terminal growth g (Data Table row input cell)", 0.03)]
    inputs += [(f"FCF year {i}", v) for i, v in enumerate(CASH_FLOWS, start=1)]
    inputs += [("Net debt", NET_DEBT), ("Shares", SHARES), ("FX", FX)]
    for r, (label, value) in enumerate(inputs, start=1):
        ws.cell(r, 1, label)
        ws.cell(r, 2, value)
    k = len(CASH_FLOWS)
    last_flow = f"B{2 + k}"
    ws.cell(11, 1, "Value per share")
    ws.cell(11, 2, f"=(NPV(B1,B3:{last_flow})+{last_flow}*(1+B2)/(B1-B2)/(1+B1)^{k}-B8)/B9*B10")
    ws.cell(13, 1, "WACC (down) x g (across)")
    ws.cell(13, 2, "=B11")
    wl, gl = axes(n)
    for j, g in enumerate(gl):
        ws.cell(13, 3 + j, g)
    for i, w in enumerate(wl):
        ws.cell(14 + i, 2, w)
    top_left = f"{get_column_letter(DT_FIRST_COL + 1)}{DT_FIRST_ROW + 1}"
    bottom_right = f"{get_column_letter(DT_FIRST_COL + n)}{DT_FIRST_ROW + n}"
    ws[top_left] = DataTableFormula(ref=f"{top_left}:{bottom_right}", dt2D=True, dtr=True, r1="B2", r2="B1")
    wb.save(path)


class LibreOffice:
    """bench/lo_driver.py under the system Python, one JSON line per job each way."""

    def __init__(self, soffice: str, workdir: Path):
        self.workdir = workdir
        self.stderr = open(workdir / "lo_driver.stderr", "w")
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(Path(__file__).with_name("lo_driver.py")), soffice, str(workdir / "profile")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, start_new_session=True)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.soffice_pgid = None
        self.ready = self._receive(120.0)
        self.soffice_pgid = self.ready.get("soffice_pgid")

    def _read(self):
        for text in self.proc.stdout:
            self.lines.put(text)
        self.lines.put(None)

    def _receive(self, timeout_s: float) -> dict:
        try:
            text = self.lines.get(timeout=timeout_s)
        except queue.Empty:
            raise TimeoutError(f"no answer from LibreOffice within {timeout_s:.0f} s") from None
        if text is None:
            self.stderr.flush()
            raise RuntimeError("the LibreOffice driver exited: "
                               + (self.workdir / "lo_driver.stderr").read_text()[-500:].strip())
        return json.loads(text)

    def run(self, job: dict, timeout_s: float) -> dict:
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return self._receive(timeout_s)

    def kill(self):
        """End the two process groups this benchmark started (the driver's and soffice's), by id."""
        for pgid in (self.soffice_pgid, self.proc.pid):
            if pgid:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self.proc.wait(timeout=30)
        self.stderr.close()

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            self.kill()
        self.stderr.close()


def _lo_unavailable(soffice: str | None) -> str | None:
    if not soffice:
        return "LibreOffice (soffice) is not installed"
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found (python3-uno needs the system Python)"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"'import uno' fails under {SYSTEM_PYTHON}: apt-get install -y python3-uno"
    return None


def bench_libreoffice(quick: bool, soffice: str | None, kc_median: dict, rows: list, checks: list,
                      details: dict, notes: list) -> None:
    reason = _lo_unavailable(soffice)
    lo_rows = {}
    if reason is None:
        sizes = (11, 101) if quick else (11, 31, 51, 101)
        measured = {}
        with tempfile.TemporaryDirectory(prefix="kcbench_lo_") as tmp:
            workdir = Path(tmp)
            log("  starting headless LibreOffice (persistent, driven through UNO) ...")
            try:
                lo = LibreOffice(soffice, workdir)
            except (RuntimeError, TimeoutError) as error:
                reason = f"LibreOffice did not start: {error}"
            if reason is None:
                details["libreoffice_version_uno"] = lo.ready.get("version")
                details["libreoffice_startup_s"] = lo.ready.get("startup_s")
                try:
                    for n in sizes:
                        measured[n] = _lo_job(lo, workdir, n, quick, timeout_s=LO_BUDGET_S)
                    fit = _fit_scaling(measured)
                    details["libreoffice_scaling"] = fit
                    if quick:
                        lo_rows[1001] = ("skipped in --quick mode", "skipped in --quick mode")
                    elif "predict_s" not in fit:
                        lo_rows[1001] = ("skipped: no scaling fit", "skipped: too few sizes measured to predict")
                    else:
                        predicted = fit["predict_s"](1001)
                        fit["predicted_1001_s"] = predicted
                        if predicted * 2 > LO_BUDGET_S:  # one untimed + at least one timed recalculation
                            lo_rows[1001] = (
                                f"skipped: predicted {_human(predicted)} per recalculation",
                                f"skipped as infeasible: one 1001x1001 recalculation is predicted to take "
                                f"{_human(predicted)} (measured {', '.join(f'{k}x{k}' for k in measured)}; "
                                f"fitted t ∝ cells^{fit['exponent']:.2f}, anchored at the largest measured grid), "
                                f"against a {LO_BUDGET_S / 60:.0f}-minute budget; not attempted")
                        else:
                            measured[1001] = _lo_job(lo, workdir, 1001, quick, timeout_s=LO_BUDGET_S)
                except (TimeoutError, RuntimeError) as error:
                    lo.kill()
                    failed = next(n for n in (*sizes, 1001) if n not in measured)
                    lo_rows[failed] = ("failed, see notes", f"failed: {error}")
                else:
                    lo.close()
                fit = details.get("libreoffice_scaling")
                if fit:
                    fit.pop("predict_s", None)
        details["libreoffice"] = {n: {k: v for k, v in m.items() if k != "values"} for n, m in measured.items()}
        for n, m in measured.items():
            grid = checked_grid(n)
            diff = max_rel_diff(m["values"], grid)
            checks.append({"check": f"LibreOffice Data Table = KC_SENSITIVITY, {n}x{n}", "max_rel_diff": diff,
                           "tolerance": 1e-9, "passed": diff <= 1e-9, "error_cells": m["error_cells"]})
        if measured:
            m = measured[min(measured)]
            notes.append(f"LibreOffice's grid cell {m['first_cell']} reads {m['formula_local']} "
                         f"(API name {m['formula_api']}): MULTIPLE.OPERATIONS(formula = the model's "
                         f"value cell via the corner B13, column cell B1 = WACC input, replaced by the row's "
                         f"$B value; row cell B2 = g input, replaced by the column's row-13 value)")
            scaling = "; ".join(f"{n}x{n}: {fmt_time(v['calc_median_s'])}" for n, v in measured.items())
            fit = details.get("libreoffice_scaling") or {}
            notes.append(f"LibreOffice warm calculateAll() by grid size: {scaling}"
                         + (f"; fitted t ∝ cells^{fit['exponent']:.2f}" if "exponent" in fit else ""))
            notes.append("LibreOffice first (untimed) recalculation after load: "
                         + "; ".join(f"{n}x{n}: {fmt_time(v['first_calc_s'])}" for n, v in measured.items())
                         + "; document load: "
                         + "; ".join(f"{n}x{n}: {fmt_time(v['load_s'])}" for n, v in measured.items()))
            edits = {n: v["edit_median_s"] for n, v in measured.items() if v.get("edit_median_s")}
            if edits:
                notes.append("LibreOffice 'edit one cash flow, calculate(), read a grid cell' (median of "
                             + str(len(next(iter(measured.values()))["edit_s"])) + "): "
                             + "; ".join(f"{n}x{n}: {fmt_time(v)}" for n, v in edits.items()))
    for n in SIZES:
        name = f"{n}x{n}: KC_SENSITIVITY vs LibreOffice Data Table"
        target = "≥ 1,000x" if n == 101 else "-"
        m = details.get("libreoffice", {}).get(n)
        if m is not None:
            kc_s = kc_median[n]["median_s"]
            rows.append(row(name, kc_s, m["calc_median_s"], target=target,
                            met=(m["calc_median_s"] / kc_s >= 1000) if n == 101 else None,
                            stat=f"ours: median of {kc_median[n]['samples']} samples; LibreOffice: median of "
                                 f"{len(m['calc_s'])} timed recalculations after one untimed"))
        else:
            short, why = (("skipped, see notes", reason) if reason else
                          lo_rows.get(n, ("not measured", "not measured (an earlier size failed)")))
            rows.append(row(name + f" [{short}]", kc_median[n]["median_s"], None, target=target,
                            met="skipped", note=why))
            notes.append(f"{n}x{n} LibreOffice row: {why}")


def _lo_job(lo: LibreOffice, workdir: Path, n: int, quick: bool, timeout_s: float) -> dict:
    path = workdir / f"datatable_{n}.xlsx"
    build_datatable_workbook(path, n)
    repeats = (5 if n <= 51 else 1) if quick else (7 if n <= 51 else 5)
    edits = 0 if quick else 2
    log(f"  LibreOffice {n}x{n}: load, 1 untimed + {repeats} timed calculateAll()"
        + (f", {edits} edit-and-recalculate cycles" if edits else "") + " ...")
    values_out = workdir / f"values_{n}.f64"
    result = lo.run({"path": str(path), "n": n, "first_row": DT_FIRST_ROW, "first_col": DT_FIRST_COL,
                     "repeats": repeats, "edits": edits, "edit_cell": "B3", "values_out": str(values_out)},
                    timeout_s)
    if result.get("event") != "result":
        raise RuntimeError(f"LibreOffice {n}x{n} failed: {result.get('error')}")
    result["values"] = np.fromfile(values_out, dtype=np.float64).reshape(n, n)
    result["calc_median_s"] = statistics.median(result["calc_s"])
    result["calc_best_s"] = min(result["calc_s"])
    result["edit_median_s"] = statistics.median(result["edit_s"]) if result["edit_s"] else None
    from openpyxl.utils import get_column_letter
    result["first_cell"] = f"{get_column_letter(DT_FIRST_COL + 1)}{DT_FIRST_ROW + 1}"
    return result


def _fit_scaling(measured: dict) -> dict:
    ns = sorted(measured)
    cells = np.array([n * n for n in ns], dtype=float)
    times = np.array([measured[n]["calc_median_s"] for n in ns])
    if len(ns) < 2:
        return {}
    exponent, intercept = np.polyfit(np.log(cells), np.log(times), 1)
    largest = ns[-1]
    t_largest = measured[largest]["calc_median_s"]
    return {"sizes": ns, "exponent": float(exponent), "intercept": float(intercept),
            # anchored at the largest measured size, with the fitted exponent
            "predict_s": lambda n: t_largest * (n * n / (largest * largest)) ** exponent}


def _human(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:,.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds:,.1f} s"


# --------------------------------------------------------------------------------------------------- main

def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items() if not callable(v)}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    return obj


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 1001x1001 in LibreOffice (< ~60 s)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "sensitivity.json",
                        help="where to write the rows as JSON (default bench/results/sensitivity.json)")
    parser.add_argument("--memory-probe", choices=("tracemalloc", "rss"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        print(json.dumps(memory_probe(args.memory_probe)))
        return 0

    started = time.perf_counter()
    soffice = shutil.which("soffice")
    machine = machine_info(soffice)
    print(f"Machine: {machine['cpu']}, {machine['logical_cores']} logical cores "
          f"({machine['cores_available']} available to this process)")
    print(f"Python {machine['python']}; numpy {machine['numpy']}; xlwings {machine['xlwings']}; "
          f"{machine['libreoffice']}")
    print(f"Mode: {'quick' if args.quick else 'full'}; timings are medians of interleaved samples "
          f"(time.perf_counter, gc off per sample); load average at start {machine['load_average_at_start']}")
    print(flush=True)

    rows, checks, notes, details = [], [], [], {}
    log("1/4 grids in Python: KC_SENSITIVITY, scalar KC_DCF loop, fused numpy floor")
    kc_median = bench_grids(args.quick, rows, checks, details)
    log("2/4 memory")
    bench_memory(rows, details)
    log("3/4 per-call overhead")
    bench_overhead(args.quick, rows, checks, details)
    log("4/4 LibreOffice Data Table")
    bench_libreoffice(args.quick, soffice, kc_median, rows, checks, details, notes)

    order = ["scalar KC_DCF loop", "LibreOffice", "floor", "peak memory", "KC_DCF calls/s"]
    rows.sort(key=lambda r: next((i for i, key in enumerate(order) if key in r["measurement"]), len(order)))
    print_table(rows)
    print()
    print("Checks:")
    for c in checks:
        print(f"  [{'pass' if c['passed'] else 'FAIL'}] {c['check']}: max relative difference "
              f"{c['max_rel_diff']:.2e} (tolerance {c['tolerance']:.0e})")
    notes.insert(0, "ratio = peer/ours: for times, how many times faster ours is (below 1: slower); for "
                    "calls/s, how many times more calls/s the peer makes. 'ours' for one grid size can differ "
                    "between rows: each row's ours was sampled alternately with that row's peer (the LibreOffice "
                    "rows reuse the floor rows' samples).")
    notes.append("LibreOffice timing: one persistent headless soffice (started before, not timed); the workbook "
                 "is loaded once (not timed) and recalculated once untimed; then each timed sample is one "
                 "XCalculatable.calculateAll() of the whole document, measured inside the UNO driver around "
                 "the call (no process start, load, file I/O or value transfer included).")
    elapsed = time.perf_counter() - started
    notes.append(f"total run time {elapsed:,.0f} s")
    print()
    print("Notes:")
    for note in notes:
        print(f"  - {note}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": "bench/sensitivity.py", "mode": "quick" if args.quick else "full",
               "run_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "machine": machine,
               "statistic": "median of interleaved samples; each sample is the mean of k back-to-back calls "
                            "(k so a sample lasts >= 50 ms, else 1); gc off per sample",
               "inputs": {"cash_flows": CASH_FLOWS, "net_debt": NET_DEBT, "shares": SHARES, "fx": FX,
                          "wacc": [WACC_FROM, WACC_TO], "g": [G_FROM, G_TO]},
               "rows": [{k: v for k, v in r.items()} for r in rows], "checks": checks, "notes": notes,
               "details": details, "elapsed_s": elapsed}
    args.json.write_text(json.dumps(_jsonable(payload), indent=2, ensure_ascii=False) + "\n")
    print(f"\nJSON: {args.json}")
    return 0 if all(c["passed"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
