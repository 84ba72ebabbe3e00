"""dcf_batch against dcf_valuation row by row: the same bits wherever the batch takes a row, and the
rows it flags are exactly the rows the one-by-one call refuses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcfuncs import KCInputError, dcf_batch, dcf_valuation
from kcfuncs.dcf import OUTPUTS


def one_by_one(flows, wacc, growth, bridge, convention, output):
    try:
        return dcf_valuation(flows, wacc, growth, bridge[0], bridge[1], bridge[2], convention,
                             minorities=bridge[3], non_operating=bridge[4], ads_ratio=bridge[5]).output(output)
    except KCInputError:
        return None


def same_bits(a: float, b: float) -> bool:
    return math.copysign(1.0, a) == math.copysign(1.0, b) and a.hex() == b.hex()


amount = st.one_of(st.floats(-1e4, 1e4), st.floats(-1e300, 1e300), st.sampled_from([0.0, -0.0, 1.0]))
rate = st.one_of(st.floats(-0.999, 0.5), st.sampled_from([-1.0, -1.5, 0.0, 1e-300, 0.08, 0.1]))
row = st.tuples(st.lists(amount, min_size=1, max_size=12), rate, rate,
                st.tuples(amount, st.one_of(st.floats(-10, 1e4), st.just(0.0)), st.floats(-1, 10), amount, amount,
                          st.one_of(st.floats(-1, 20), st.just(0.0))))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12).flatmap(lambda k: st.lists(row.map(lambda r, k=k: ((r[0] * k)[:k], *r[1:])),
                                                     min_size=1, max_size=25)),
       st.sampled_from(["end", "mid", "Mid-year", "END"]), st.sampled_from(OUTPUTS))
def test_every_row_is_the_one_by_one_valuation_bit_for_bit(rows, convention, output):
    flows = np.array([r[0] for r in rows])
    wacc = np.array([r[1] for r in rows])
    growth = np.array([r[2] for r in rows])
    bridge = [np.array([r[3][j] for r in rows]) for j in range(6)]
    values, ok = dcf_batch(flows, wacc, growth, bridge[0], bridge[1], bridge[2], convention, output=output,
                           minorities=bridge[3], non_operating=bridge[4], ads_ratio=bridge[5])
    for i, r in enumerate(rows):
        expected = one_by_one(r[0], r[1], r[2], r[3], convention, output)
        assert bool(ok[i]) == (expected is not None), (r, expected)
        if expected is not None:
            assert same_bits(float(values[i]), expected), (r, values[i], expected)


def test_the_seed_dcf_case_in_a_batch_of_shifted_rates():
    flows = [207.41, 497.79, 881.15, 1351.17, 1893.64]
    waccs = np.linspace(0.06, 0.16, 101)
    values, ok = dcf_batch(np.tile(flows, (101, 1)), waccs, 0.02, 161.8, 4099.28, 1.10)
    assert ok.all()
    for w, v in zip(waccs.tolist(), values.tolist()):
        assert v == dcf_valuation(flows, w, 0.02, 161.8, 4099.28, 1.10).per_share
    # the seed DCF report's base case (seed 002): printed HK$5.09 at 10.5% WACC and 3% growth
    [at_base], _ = dcf_batch(np.array([flows]), np.array([0.105]), 0.03, 161.8, 4099.28, 1.10)
    assert 5.07 <= round(at_base, 2) <= 5.10


def test_one_number_for_all_rows_is_broadcast():
    flows = np.array([[100.0, 110.0], [90.0, 95.0]])
    values, ok = dcf_batch(flows, 0.1, np.array([0.02, 0.03]), output="ev")
    assert ok.all()
    assert values.tolist() == [dcf_valuation([100.0, 110.0], 0.1, 0.02).ev, dcf_valuation([90.0, 95.0], 0.1, 0.03).ev]


def test_an_overflowing_row_is_flagged_not_returned_as_inf():
    flows = np.array([[1.0] * 5, [1.0] * 5])
    values, ok = dcf_batch(flows, np.array([0.1, -1 + 1e-300]), 0.0)
    assert ok.tolist() == [True, False]
    with pytest.raises(KCInputError):
        dcf_valuation([1.0] * 5, -1 + 1e-300, 0.0)


@pytest.mark.parametrize("options", [
    {"method": "exit", "exit_multiple": 10.0}, {"method": "value_driver", "nopat_next": 1.0, "ronic": 0.1},
    {"convention": "dated"}, {"terminal_timing": "end"}, {"next_flow": 5.0}, {"terminal_wacc": 0.09},
    {"method": "no such method"}, {"output": "no such output"},
])
def test_options_outside_the_batch_leave_every_row_to_the_one_by_one_call(options):
    flows = np.array([[100.0, 110.0]] * 3)
    assert dcf_batch(flows, np.array([0.1] * 3), 0.02, **options) is None


def test_a_rate_path_or_a_missing_growth_is_not_taken_in_bulk():
    flows = np.array([[100.0, 110.0]] * 3)
    assert dcf_batch(flows, np.array([[0.1, 0.11]] * 3), 0.02) is None
    assert dcf_batch(flows, 0.1, None) is None
