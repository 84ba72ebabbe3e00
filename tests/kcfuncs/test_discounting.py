"""Discounting against independent oracles: pyxirr (Excel NPV/XNPV semantics) and Microsoft's examples."""

import datetime as dt

import pytest
import pyxirr
from hypothesis import given, settings
from hypothesis import strategies as st

from kcfuncs import KCInputError, discount_times, present_value, terminal_time

flows = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30)
rates = st.floats(-0.5, 1.0, allow_nan=False)


def test_microsoft_npv_example():
    # Excel help: NPV(10%, -10000, 3000, 4200, 6800) = 1,188.44
    assert present_value([-10000, 3000, 4200, 6800], 0.10) == pytest.approx(1188.44, abs=0.005)


def test_microsoft_xnpv_example():
    # Excel help: XNPV(9%, ...) = 2,086.65; the first flow sits on the valuation date.
    dates = [dt.date(2008, 3, 1), dt.date(2008, 10, 30), dt.date(2009, 2, 15), dt.date(2009, 4, 1)]
    value = -10000 + present_value([2750, 4250, 3250, 2750], 0.09, "dated", dates=dates,
                                   valuation_date=dt.date(2008, 1, 1))
    assert value == pytest.approx(2086.65, abs=0.005)


@settings(max_examples=200, deadline=None)
@given(flows, rates)
def test_end_of_period_is_excel_npv(values, r):
    expected = pyxirr.npv(r, values, start_from_zero=False)
    assert present_value(values, r) == pytest.approx(expected, rel=1e-10, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(flows, st.floats(-0.5, 1.0), st.lists(st.integers(1, 400), min_size=30, max_size=30),
       st.integers(0, 60))
def test_dated_is_excel_xnpv(values, r, gaps, lead):
    start = dt.date(2025, 9, 16)
    dates, day = [], start + dt.timedelta(days=lead)
    for gap in gaps[: len(values)]:
        day += dt.timedelta(days=gap)
        dates.append(day)
    expected = pyxirr.xnpv(r, [start] + dates, [0.0] + values)
    got = present_value(values, r, "dated", dates=dates, valuation_date=start)
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(flows, st.floats(0.0, 1.0))
def test_mid_year_is_half_a_period_earlier(values, r):
    assert present_value(values, r, "mid") == pytest.approx(present_value(values, r) * (1 + r) ** 0.5,
                                                            rel=1e-12, abs=1e-6)


def test_stub_period_by_dates():
    # A first flow 106 days after valuation is discounted 106/365 of a year.
    times = discount_times(2, "dated", dates=["2025-12-31", "2026-12-31"], valuation_date="2025-09-16")
    assert times.tolist() == pytest.approx([106 / 365, 471 / 365])


def test_excel_serial_dates_equal_calendar_dates():
    # 45916 is 2025-09-16 in Excel's 1900 date system.
    a = discount_times(1, "dated", dates=[46022], valuation_date=45916)
    b = discount_times(1, "dated", dates=[dt.date(2025, 12, 31)], valuation_date=dt.date(2025, 9, 16))
    assert a.tolist() == b.tolist()


def test_terminal_timing():
    end = discount_times(5, "end")
    mid = discount_times(5, "mid")
    assert terminal_time(end, "end") == 5
    assert terminal_time(mid, "mid") == 5
    assert terminal_time(mid, "mid", "mid") == 4.5
    with pytest.raises(KCInputError, match="terminal_timing 'mid' applies only to the mid-year convention"):
        terminal_time(end, "end", "mid")


@pytest.mark.parametrize("kwargs, message", [
    ({"convention": "dated"}, "needs a valuation_date"),
    ({"convention": "dated", "dates": ["2026-12-31", "2026-06-30"], "valuation_date": "2025-09-16"},
     r"dates\[2\] is not after dates\[1\]"),
    ({"convention": "dated", "dates": ["2025-01-01", "2026-06-30"], "valuation_date": "2025-09-16"},
     r"dates\[1\] is before the valuation_date"),
    ({"convention": "dated", "dates": ["2026-12-31"], "valuation_date": "2025-09-16"}, "dates has 1 value"),
    ({"convention": "dated", "dates": ["soon", "later"], "valuation_date": "2025-09-16"}, r"dates\[1\] \('soon'\)"),
    ({"convention": "yearly"}, "convention \\('yearly'\\) must be one of: end, mid, dated"),
    ({"convention": "end", "dates": ["2026-12-31", "2027-12-31"]}, "apply only to the dated convention"),
])
def test_bad_timing_inputs(kwargs, message):
    with pytest.raises(KCInputError, match=message):
        present_value([1.0, 2.0], 0.1, **kwargs)


@pytest.mark.parametrize("r, message", [(-1.0, r"discount_rate \(-100.0%\) must be above -100%"),
                                        (float("nan"), "discount_rate \\(NaN\\) must be a finite number"),
                                        (None, "discount_rate is empty"), ("10%", "must be a number"),
                                        (True, "not TRUE/FALSE")])
def test_bad_rates(r, message):
    with pytest.raises(KCInputError, match=message):
        present_value([1.0], r)


@pytest.mark.parametrize("value, message", [
    (20261231, "past 9999-12-31, the last date Excel holds (it looks like yyyymmdd: enter it as a date)"),
    (2958466, "past 9999-12-31, the last date Excel holds"),
])
def test_serials_past_excel_last_date_are_refused(value, message):
    from kcfuncs.dates import excel_serial

    with pytest.raises(KCInputError) as info:
        excel_serial("valuation_date", value)
    assert str(info.value) == f"valuation_date ({value:g}) is {message}" or message in str(info.value)
    # 9999-12-31 itself is Excel's serial 2958465 (Excel's DATE(9999,12,31)).
    assert excel_serial("d", 2958465) == 2958465 == excel_serial("d", "9999-12-31")
