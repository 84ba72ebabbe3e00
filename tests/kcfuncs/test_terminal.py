import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kcfuncs import (KCInputError, exit_multiple_terminal_value, gordon_terminal_value, implied_exit_multiple,
                     implied_terminal_growth, terminal_value)


def test_gordon_seed_002():
    # 1,893.64 x 1.03 / (10.5% - 3.0%) = 1,950.4492 / 0.075
    assert gordon_terminal_value(1893.64, 0.105, 0.03) == pytest.approx(26005.98933, abs=1e-4)


def test_exit_multiple_and_its_implied_multiple():
    tv = exit_multiple_terminal_value(250.0, 14.0)
    assert tv == 3500.0
    assert implied_exit_multiple(tv, 250.0) == 14.0


@given(st.floats(1, 1e5), st.floats(0.03, 0.3), st.floats(-0.05, 0.05))
def test_implied_growth_inverts_gordon(flow, wacc, g):
    assume(wacc - g > 1e-3)
    tv = gordon_terminal_value(flow, wacc, g)
    assert implied_terminal_growth(tv, flow, wacc) == pytest.approx(g, abs=1e-9)


def test_dispatch_and_errors():
    assert terminal_value(100, 0.1, 0.02) == pytest.approx(102 / 0.08)
    assert terminal_value(100, method="exit", multiple=8) == 800
    with pytest.raises(KCInputError, match="multiple is empty"):
        terminal_value(100, method="exit")
    with pytest.raises(KCInputError, match=r"wacc \(2.0%\) must exceed terminal growth \(2.5%\)"):
        gordon_terminal_value(100, 0.02, 0.025)
    with pytest.raises(KCInputError, match=r"final_metric \(0\) must not be zero"):
        implied_exit_multiple(100, 0)
