"""Discounting an explicit cash-flow path, at one rate or at one rate per period.

Periods and timing (``convention``), for flows CF_1..CF_n. Period k runs from b_{k-1} to b_k, and
b_0 = 0 is the valuation point:

* ``end`` (default): b_k = k and CF_k is received at t_k = k. With one rate this is Excel's
  ``NPV(r, CF_1, ..., CF_n)``: the first value is discounted one full period.
* ``mid``: b_k = k and CF_k arrives evenly through period k, approximated at its middle, t_k = k - 0.5.
* ``dated``: b_k = t_k = (D_k - valuation date) / 365, in whole days: CF_k is received on date D_k.
  With one rate this is Excel's ``XNPV`` with a zero flow on the valuation date. A stub first period
  is simply a first date less than a year after the valuation date. Dates must be strictly
  increasing and not before the valuation date.

Rates. A rate argument is one periodic rate r, or a path r_1..r_n: one rate per explicit period, r_k
applying over period k. Discounting is cumulative: an amount at time s inside period k is worth

    DF(s) = prod_{j<k} (1 + r_j) ** -(b_j - b_{j-1})  *  (1 + r_k) ** -(s - b_{k-1})

per unit, so for the flows: ``end``: DF_i = prod_{k<=i} (1 + r_k) ** -1; ``mid``:
DF_i = prod_{k<i} (1 + r_k) ** -1 * (1 + r_i) ** -0.5; ``dated``: DF_i = prod_{k<=i} (1 + r_k) ** -dt_k with
dt_k = t_k - t_{k-1} and t_0 = 0. With one rate (or a constant path) every convention reduces to
(1 + r) ** -t_i, and that is exactly what is computed then (see ``cumulative_factors``).

Terminal value. It is priced at the terminal rate r_T (by default the last period's rate r_n) and
stands at t_TV = b_n (timing ``end``) or at b_n - 0.5 (timing ``mid``, mid-year convention only: the
value of a perpetuity of mid-year flows). It is discounted as one more period, at r_T, that starts
at b_n: DF_TV = DF(b_n) * (1 + r_T) ** -(t_TV - b_n), which is DF(b_n) * (1 + r_T) ** 0.5 for timing
``mid`` -- the flows after year n are discounted at the terminal rate, the years up to n at the path.
With one rate this is (1 + r) ** -t_TV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kcfuncs.dates import excel_serial
from kcfuncs.errors import KCInputError
from kcfuncs.validation import choice, finite_array, finite_result, format_percent, rate

CONVENTIONS = ("end", "mid", "dated")
CONVENTION_ALIASES = {
    "end_of_period": "end", "end_year": "end", "eop": "end",
    "mid_year": "mid", "midyear": "mid", "mid_period": "mid",
    "xnpv": "dated", "dates": "dated",
}
TERMINAL_TIMINGS = ("end", "mid")
DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Timeline:
    """Where each period ends and where each discounted amount stands, in ``unit``s from the valuation
    point. Units are years (end, mid) or days (dated), so that every position is an exact float
    (whole or half years, whole days) and sums of period lengths are exact."""

    period_ends: tuple[float, ...]    # b_1..b_n
    flow_points: tuple[float, ...]    # t_1..t_n
    terminal_point: float             # t_TV
    unit: float                       # 1 (years) or 365 (days per year)

    @property
    def times(self) -> np.ndarray:
        """Flow times in years."""
        return np.array(self.flow_points) / self.unit

    @property
    def terminal_time(self) -> float:
        """Terminal-value time in years."""
        return self.terminal_point / self.unit


def _dated_ends(n: int, dates, valuation_date) -> list[float]:
    """Days from the valuation date to each flow date, checked."""
    if dates is None or valuation_date is None:
        raise KCInputError("the dated convention needs a valuation_date and one date per cash flow")
    start = excel_serial("valuation_date", valuation_date)
    date_list = list(np.ravel(np.asarray(dates, dtype=object))) if not isinstance(dates, str) else [dates]
    if len(date_list) != n:
        raise KCInputError(f"dates has {len(date_list)} value(s) but cash_flows has {n}")
    serials = [excel_serial(f"dates[{i + 1}]", d) for i, d in enumerate(date_list)]
    if serials[0] < start:
        raise KCInputError("dates[1] is before the valuation_date")
    for k in range(1, n):
        if serials[k] <= serials[k - 1]:
            raise KCInputError(f"dates[{k + 1}] is not after dates[{k}]; dates must increase")
    return [float(s - start) for s in serials]


def timeline(n: int, convention: str = "end", *, dates=None, valuation_date=None,
             terminal_timing: str = "end") -> Timeline:
    """The periods and discount points of n flows, per the module's conventions."""
    convention = choice("convention", convention, CONVENTIONS, CONVENTION_ALIASES)
    timing = choice("terminal_timing", terminal_timing, TERMINAL_TIMINGS)
    if convention != "dated":
        if dates is not None or valuation_date is not None:
            raise KCInputError(f"dates and valuation_date apply only to the dated convention, not {convention!r}")
        ends = [float(k) for k in range(1, n + 1)]
        offset = 0.5 if convention == "mid" else 0.0
        unit = 1.0
    else:
        ends = _dated_ends(n, dates, valuation_date)
        offset = 0.0
        unit = DAYS_PER_YEAR
    if timing == "mid" and convention != "mid":
        raise KCInputError(f"terminal_timing 'mid' applies only to the mid-year convention, not {convention!r}")
    points = tuple(b - offset for b in ends)
    terminal = ends[-1] - 0.5 if timing == "mid" else ends[-1]
    return Timeline(tuple(ends), points, terminal, unit)


def discount_times(n: int, convention: str = "end", *, dates=None, valuation_date=None) -> np.ndarray:
    """Times in years at which n flows are discounted, per the module's conventions."""
    return timeline(n, convention, dates=dates, valuation_date=valuation_date).times


def terminal_time(times: np.ndarray, convention: str = "end", terminal_timing: str = "end") -> float:
    """When the terminal value is discounted from, given the flow times.

    ``end`` (default): at the end of the last explicit period (t_n for end and dated, n for mid-year).
    ``mid`` (mid-year convention only): at n - 0.5, i.e. the terminal value is worth what a growing
    perpetuity of *mid-year* flows is worth; with one rate it is higher than ``end`` by (1 + r) ** 0.5.
    """
    convention = choice("convention", convention, CONVENTIONS, CONVENTION_ALIASES)
    timing = choice("terminal_timing", terminal_timing, TERMINAL_TIMINGS)
    last = float(times[-1])
    if convention == "mid":
        return last if timing == "mid" else last + 0.5
    if timing == "mid":
        raise KCInputError(f"terminal_timing 'mid' applies only to the mid-year convention, not {convention!r}")
    return last


def rate_path(name: str, value, periods: int) -> list[float]:
    """One rate per period: a single rate repeated, or exactly ``periods`` rates, each above -100%."""
    if not isinstance(value, (list, tuple, np.ndarray)) or np.ndim(value) == 0:
        return [rate(name, value)] * periods
    values = finite_array(name, value)
    if len(values) == 1:
        return [rate(name, float(values[0]))] * periods
    if len(values) != periods:
        raise KCInputError(f"{name} has {len(values)} rates but cash_flows has {periods} periods; "
                           "give one rate or one rate per period")
    bad = np.flatnonzero(values <= -1.0)
    if bad.size:
        raise KCInputError(f"{name}[{bad[0] + 1}] ({format_percent(values[bad[0]])}) must be above -100%")
    return values.tolist()


def _runs(rates) -> list[tuple[int, int, float]]:
    """Maximal runs of equal consecutive rates as (first period index, index past the last, rate)."""
    runs, first = [], 0
    for k in range(1, len(rates) + 1):
        if k == len(rates) or rates[k] != rates[first]:
            runs.append((first, k, rates[first]))
            first = k
    return runs


def cumulative_factors(line: Timeline, rates, terminal_rate: float):
    """Discount factors (DF_1..DF_n as a list, DF_TV) of one valuation, as Python floats.

    The product runs over *runs* of equal rates: within a run the elapsed time is one exact sum, so
    the factor is one power, and a constant path gives (1 + r) ** -t bit for bit (Python's ``**``, as
    the one-rate formulas always used). ``**`` raises OverflowError beyond the float range; a product
    beyond it comes back as inf. Callers turn both into a message (``path_factors``).
    """
    unit, factors = line.unit, []
    run_factor, run_start, run_rate = 1.0, 0.0, rates[0]
    for first, stop, r in _runs(rates):
        if first:                          # a new run starts at the end of the previous period
            run_factor *= (1.0 + run_rate) ** -((line.period_ends[first - 1] - run_start) / unit)
            run_start, run_rate = line.period_ends[first - 1], r
        factors.extend(run_factor * (1.0 + r) ** -((line.flow_points[k] - run_start) / unit)
                       for k in range(first, stop))
    if terminal_rate != run_rate:          # the terminal rate prices one more period starting at b_n
        run_factor *= (1.0 + run_rate) ** -((line.period_ends[-1] - run_start) / unit)
        run_start, run_rate = line.period_ends[-1], terminal_rate
    return factors, run_factor * (1.0 + run_rate) ** -((line.terminal_point - run_start) / unit)


def cumulative_factor_rows(line: Timeline, rates, terminal_rate: float, shifts: np.ndarray):
    """``cumulative_factors`` for many valuations at once: row i at every rate + shifts[i].

    Returns (factors of shape (rows, n), terminal factors of shape (rows,)). The runs are those of the
    unshifted ``rates``, each evaluated as one numpy power over its periods. Beyond the float range a
    factor is inf or NaN; the caller decides whether that is an error.
    """
    unit = line.unit
    shift = np.asarray(shifts, dtype=float)[:, None]
    points, ends = np.array(line.flow_points), line.period_ends
    factors = np.empty((shift.shape[0], len(points)))
    run_factor, run_start, run_rate = np.ones_like(shift), 0.0, rates[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for first, stop, r in _runs(rates):
            if first:
                run_factor = run_factor * (1.0 + (run_rate + shift)) ** -((ends[first - 1] - run_start) / unit)
                run_start, run_rate = ends[first - 1], r
            block = factors[:, first:stop]            # a view: the powers are written straight into it
            np.power(1.0 + (r + shift), -((points[first:stop] - run_start) / unit), out=block)
            if first:
                block *= run_factor
        if terminal_rate != run_rate:
            run_factor = run_factor * (1.0 + (run_rate + shift)) ** -((ends[-1] - run_start) / unit)
            run_start, run_rate = ends[-1], terminal_rate
        terminal = run_factor * (1.0 + (run_rate + shift)) ** -((line.terminal_point - run_start) / unit)
    return factors, terminal[:, 0]


def overflow_message(name: str, rates, periods: int) -> str:
    lowest = min(rates)
    label = format_percent(lowest) if max(rates) == lowest else f"lowest {format_percent(lowest)}"
    return (f"{name} ({label}) over {periods} period(s) gives a discount factor beyond the floating-point range "
            "(about 1.8e308)")


def path_factors(line: Timeline, rates: list[float], terminal_rate: float, name: str):
    """``cumulative_factors`` for one valuation, as plain floats; overflow is a KCInputError naming ``name``."""
    try:
        factors, terminal = cumulative_factors(line, rates, terminal_rate)
    except OverflowError:
        factors, terminal = [math.inf], math.inf
    if not (all(math.isfinite(f) for f in factors) and math.isfinite(terminal)):
        raise KCInputError(overflow_message(name, rates + [terminal_rate], len(rates)))
    return factors, terminal


def discounted_sum(flows, factors) -> float:
    """sum_i CF_i * DF_i added left to right from 0.0, one rounding per step. The order is fixed here (not
    left to Python's ``sum``, whose algorithm changed in 3.12) so that many valuations computed at once
    (``kcfuncs.dcf_batch``) add in the same order and give the same bits."""
    total = 0.0
    for cf, f in zip(flows, factors):
        total += cf * f
    return total


def discount_factors(rate_value, times) -> np.ndarray:
    """(1 + r) ** -t at one rate per row; a rate array of shape S against times of shape (n,) gives S + (n,)."""
    rates = np.asarray(rate_value, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        factors = (1.0 + rates[..., None]) ** -np.asarray(times, dtype=float)
    if not np.isfinite(factors).all():
        raise KCInputError("a discount factor is beyond the floating-point range (about 1.8e308); "
                           "check the rates and the horizon")
    return factors


def present_value(cash_flows, discount_rate, convention: str = "end", *, dates=None, valuation_date=None) -> float:
    """Present value of the flows at the valuation point (t = 0) under ``convention``.

    ``discount_rate`` is one rate or one rate per flow, discounted cumulatively as the module says.
    """
    flows = finite_array("cash_flows", cash_flows)
    rates = rate_path("discount_rate", discount_rate, len(flows))
    line = timeline(len(flows), convention, dates=dates, valuation_date=valuation_date)
    factors, _ = path_factors(line, rates, rates[-1], "discount_rate")
    return finite_result("the present value", discounted_sum(flows.tolist(), factors))
