"""Discounting an explicit cash-flow path.

Conventions (``convention`` argument), for flows CF_1..CF_n and a periodic rate r:

* ``end`` (default): CF_i is received at the end of period i, t_i = i. This is Excel's
  ``NPV(r, CF_1, ..., CF_n)``: the first value is discounted one full period.
* ``mid``: flows arrive evenly through each period, approximated at its middle, t_i = i - 0.5.
* ``dated``: CF_i is received on date D_i; t_i = (D_i - valuation date) / 365 in whole days, which is
  Excel's ``XNPV`` with a zero flow on the valuation date. A stub first period is simply a first date
  less than a year after the valuation date. Dates must be strictly increasing and not before the
  valuation date.

The discount factor is (1 + r) ** -t in every convention.
"""

from __future__ import annotations

import numpy as np

from kcfuncs.dates import excel_serial
from kcfuncs.errors import KCInputError
from kcfuncs.validation import choice, finite_array, rate

CONVENTIONS = ("end", "mid", "dated")
CONVENTION_ALIASES = {
    "end_of_period": "end", "end_year": "end", "eop": "end",
    "mid_year": "mid", "midyear": "mid", "mid_period": "mid",
    "xnpv": "dated", "dates": "dated",
}
TERMINAL_TIMINGS = ("end", "mid")
DAYS_PER_YEAR = 365.0


def discount_times(n: int, convention: str = "end", *, dates=None, valuation_date=None) -> np.ndarray:
    """Times in years at which n flows are discounted, per the module's conventions."""
    convention = choice("convention", convention, CONVENTIONS, CONVENTION_ALIASES)
    if convention != "dated":
        if dates is not None or valuation_date is not None:
            raise KCInputError(f"dates and valuation_date apply only to the dated convention, not {convention!r}")
        offset = 0.5 if convention == "mid" else 0.0
        return np.arange(1, n + 1, dtype=float) - offset
    if dates is None or valuation_date is None:
        raise KCInputError("the dated convention needs a valuation_date and one date per cash flow")
    start = excel_serial("valuation_date", valuation_date)
    date_list = list(np.ravel(np.asarray(dates, dtype=object))) if not isinstance(dates, str) else [dates]
    if len(date_list) != n:
        raise KCInputError(f"dates has {len(date_list)} value(s) but cash_flows has {n}")
    serials = np.array([excel_serial(f"dates[{i + 1}]", d) for i, d in enumerate(date_list)], dtype=float)
    if serials[0] < start:
        raise KCInputError("dates[1] is before the valuation_date")
    steps = np.diff(serials)
    if np.any(steps <= 0):
        bad = int(np.argmax(steps <= 0)) + 2
        raise KCInputError(f"dates[{bad}] is not after dates[{bad - 1}]; dates must increase")
    return (serials - start) / DAYS_PER_YEAR


def terminal_time(times: np.ndarray, convention: str = "end", terminal_timing: str = "end") -> float:
    """When the terminal value is discounted from.

    ``end`` (default): at the time of the last explicit period's end (t_n for end and dated, n for
    mid-year). ``mid`` (mid-year convention only): at n - 0.5, i.e. the terminal value is worth what a
    growing perpetuity of *mid-year* flows is worth; it is higher than ``end`` by (1 + r) ** 0.5.
    """
    convention = choice("convention", convention, CONVENTIONS, CONVENTION_ALIASES)
    timing = choice("terminal_timing", terminal_timing, TERMINAL_TIMINGS)
    last = float(times[-1])
    if convention == "mid":
        return last if timing == "mid" else last + 0.5
    if timing == "mid":
        raise KCInputError(f"terminal_timing 'mid' applies only to the mid-year convention, not {convention!r}")
    return last


def discount_factors(rate_value, times) -> np.ndarray:
    """(1 + r) ** -t; a rate array of shape S against times of shape (n,) gives shape S + (n,)."""
    rates = np.asarray(rate_value, dtype=float)
    return (1.0 + rates[..., None]) ** -np.asarray(times, dtype=float)


def present_value(cash_flows, discount_rate, convention: str = "end", *, dates=None, valuation_date=None) -> float:
    """Present value of the flows at the valuation point (t = 0) under ``convention``."""
    flows = finite_array("cash_flows", cash_flows)
    r = rate("discount_rate", discount_rate)
    times = discount_times(len(flows), convention, dates=dates, valuation_date=valuation_date)
    return float(sum(cf * (1.0 + r) ** -t for cf, t in zip(flows.tolist(), times.tolist())))
