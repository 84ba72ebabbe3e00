import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kcfuncs import KCInputError, dcf_valuation, sensitivity_grid

SEED_FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]


def close(a, b, scale):
    return abs(a - b) <= 1e-12 * max(abs(b), scale)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-500, 5000), min_size=1, max_size=10),
       st.lists(st.floats(0.06, 0.2), min_size=1, max_size=6),
       st.lists(st.floats(-0.02, 0.05), min_size=1, max_size=6),
       st.sampled_from(["end", "mid"]), st.sampled_from(["per_share", "ev", "equity", "pv_terminal", "tv_share"]),
       st.floats(-500, 500))
def test_every_cell_equals_the_scalar_valuation(flows, waccs, growths, convention, output, net_debt):
    assume(min(waccs) - max(growths) > 0.005)
    assume(output != "tv_share" or any(abs(f) > 1e-6 for f in flows))  # tv_share needs a non-zero EV
    grid = sensitivity_grid(flows, waccs, growths, net_debt, 4099.28, 1.1, convention, output=output)
    assert grid.shape == (len(waccs), len(growths))
    for i, w in enumerate(waccs):
        for j, g in enumerate(growths):
            r = dcf_valuation(flows, w, g, net_debt, 4099.28, 1.1, convention)
            scalar = r.output(output)
            # Relative 1e-12, measured against the size of the parts that were added up.
            scale = 1.0 if output == "tv_share" else max(abs(r.pv_explicit), abs(r.pv_terminal), 1.0) * (
                1.1 / 4099.28 if output == "per_share" else 1.0)
            assert close(grid[i, j], scalar, scale), (i, j, grid[i, j], scalar)


def test_tv_share_of_a_zero_enterprise_value_is_an_error():
    with pytest.raises(KCInputError, match="tv_share is undefined"):
        sensitivity_grid([0.0, 0.0], [0.1], [0.02], output="tv_share")
    with pytest.raises(KCInputError, match="tv_share is undefined"):
        dcf_valuation([0.0, 0.0], 0.1, 0.02).output("tv_share")


def test_exit_multiple_grid():
    grid = sensitivity_grid(SEED_FLOWS, [0.09, 0.11], [8, 10, 12], method="exit", final_metric=3000, output="ev")
    for i, w in enumerate([0.09, 0.11]):
        for j, m in enumerate([8, 10, 12]):
            scalar = dcf_valuation(SEED_FLOWS, w, None, method="exit", exit_multiple=m, final_metric=3000).ev
            assert grid[i, j] == pytest.approx(scalar, rel=1e-12)


def test_dated_grid_matches_scalar():
    dates = ["2026-06-30", "2027-06-30", "2028-06-30", "2029-06-30", "2030-06-30"]
    grid = sensitivity_grid(SEED_FLOWS, [0.1, 0.12], [0.02], convention="dated", dates=dates,
                            valuation_date="2025-09-16")
    scalar = dcf_valuation(SEED_FLOWS, 0.12, 0.02, convention="dated", dates=dates, valuation_date="2025-09-16")
    assert grid[1, 0] == pytest.approx(scalar.per_share, rel=1e-12)


def test_seed_grid_is_monotone():
    grid = sensitivity_grid(SEED_FLOWS, np.linspace(0.08, 0.13, 11), np.linspace(0.0, 0.04, 9), 161.8, 4099.28, 1.1)
    assert np.all(np.diff(grid, axis=0) < 0)   # down the rows WACC rises
    assert np.all(np.diff(grid, axis=1) > 0)   # across the columns g rises


def test_grid_errors_name_the_offending_cell():
    with pytest.raises(KCInputError, match=r"wacc_values\[2\] \(3.0%\) must exceed growth_values\[3\] \(3.0%\)"):
        sensitivity_grid(SEED_FLOWS, [0.1, 0.03], [0.01, 0.02, 0.03])
    with pytest.raises(KCInputError, match=r"wacc_values\[1\] \(-100.0%\) must be above -100%"):
        sensitivity_grid(SEED_FLOWS, [-1.0], [0.01])
    with pytest.raises(KCInputError, match="growth_values has 0 value"):
        sensitivity_grid(SEED_FLOWS, [0.1], [])
    with pytest.raises(KCInputError, match=r"growth_values\[2\] \(NaN\)"):
        sensitivity_grid(SEED_FLOWS, [0.1], [0.01, float("nan")])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-500, 5000), min_size=2, max_size=8),
       st.lists(st.floats(0.06, 0.16), min_size=2, max_size=8),
       st.lists(st.floats(0.06, 0.2), min_size=1, max_size=5),
       st.lists(st.floats(-0.02, 0.04), min_size=1, max_size=4),
       st.sampled_from(["end", "mid"]), st.sampled_from([None, 0.075]),
       st.sampled_from(["gordon", "value_driver"]), st.sampled_from(["per_share", "ev", "pv_terminal"]))
def test_a_rate_path_row_shifts_the_whole_path_to_the_row_terminal_rate(flows, path, rows, growths, convention,
                                                                        terminal_wacc, method, output):
    path = (path * len(flows))[: len(flows)]
    anchor = path[-1] if terminal_wacc is None else terminal_wacc
    assume(min(rows) - max(growths) > 0.005 and min(path) + min(rows) - anchor > -0.9)
    extra = {"nopat_next": 800.0, "ronic": 0.12} if method == "value_driver" else {}
    grid = sensitivity_grid(flows, rows, growths, 50.0, 100.0, 1.1, convention, wacc_path=path,
                            terminal_wacc=terminal_wacc, method=method, output=output, **extra)
    for i, r in enumerate(rows):
        shift = r - anchor     # the documented rule: every rate moves by (row value - base terminal rate)
        shifted = [p + shift for p in path]
        for j, g in enumerate(growths):
            scalar = dcf_valuation(flows, shifted, g, 50.0, 100.0, 1.1, convention, terminal_wacc=r,
                                   method=method, **extra)
            scale = max(abs(scalar.pv_explicit), abs(scalar.pv_terminal), 1.0) * (
                1.1 / 100.0 if output == "per_share" else 1.0)
            assert close(grid[i, j], scalar.output(output), scale), (i, j, grid[i, j], scalar.output(output))


def test_rate_path_row_labelled_with_the_base_terminal_rate_is_the_base_case():
    path, stable = [0.13, 0.12, 0.11, 0.10, 0.09], 0.08
    grid = sensitivity_grid(SEED_FLOWS, [0.07, 0.08, 0.09], [0.02, 0.03], wacc_path=path, terminal_wacc=stable,
                            output="ev")
    base = dcf_valuation(SEED_FLOWS, path, 0.03, terminal_wacc=stable).ev
    assert grid[1, 1] == pytest.approx(base, rel=1e-12)
    assert np.all(np.diff(grid, axis=0) < 0) and np.all(np.diff(grid, axis=1) > 0)


def test_value_driver_grid_matches_scalar():
    grid = sensitivity_grid(SEED_FLOWS, [0.09, 0.105], [0.02, 0.03], method="value_driver", nopat_next=2500.0,
                            ronic=0.15, convention="mid")
    for i, w in enumerate([0.09, 0.105]):
        for j, g in enumerate([0.02, 0.03]):
            scalar = dcf_valuation(SEED_FLOWS, w, g, convention="mid", method="value_driver", nopat_next=2500.0,
                                   ronic=0.15)
            assert grid[i, j] == pytest.approx(scalar.per_share, rel=1e-12)


def test_rate_path_grid_errors():
    with pytest.raises(KCInputError, match="^terminal_wacc needs a wacc_path here"):
        sensitivity_grid(SEED_FLOWS, [0.1], [0.02], terminal_wacc=0.08)
    with pytest.raises(KCInputError, match=r"^wacc_path has 2 rates but cash_flows has 5 periods"):
        sensitivity_grid(SEED_FLOWS, [0.1], [0.02], wacc_path=[0.1, 0.2])
    # Row -98% against a path ending at 10% shifts every rate by -108%: its 5% rate would become -103%.
    with pytest.raises(KCInputError, match=r"^wacc_values\[2\] \(-98.0%\) moves the lowest rate of wacc_path to "
                                           r"-103.0%; every rate must stay above -100%$"):
        sensitivity_grid(SEED_FLOWS, [0.1, -0.98], [2.0], wacc_path=[0.05, 0.4, 0.3, 0.2, 0.1], method="exit")
    with pytest.raises(KCInputError, match=r"^wacc_values\[1\] \(2.0%\) must exceed growth_values\[1\] \(2.0%\)$"):
        sensitivity_grid(SEED_FLOWS, [0.02], [0.02], wacc_path=[0.2, 0.2, 0.1, 0.1, 0.1])
