"""FCFF = EBIT x (1 - t) + D&A - capex - change in NWC, per year."""

import numpy as np
import pytest

from kcfuncs import KCInputError, fcff


def test_hand_computation_and_sign_conventions():
    # Year 1: 200 x 0.75 + 30 - 50 - 10 = 120; year 2 releases working capital (-5): 220 x 0.75 + 32 - 55 + 5 = 147.
    flows = fcff([200.0, 220.0], 0.25, [30.0, 32.0], [50.0, 55.0], [10.0, -5.0])
    assert flows.tolist() == [120.0, 147.0]
    # An operating loss earns a tax credit at the same rate: -100 x 0.75 = -75.
    assert fcff([-100.0], 0.25, [0.0], [0.0], [0.0]).tolist() == [-75.0]


def test_tax_rate_per_year():
    flows = fcff([100.0, 100.0, 100.0], [0.2, 0.25, 0.3], [0, 0, 0], [0, 0, 0], [0, 0, 0])
    assert flows == pytest.approx([80.0, 75.0, 70.0], abs=1e-12)
    assert fcff([100.0, 100.0], [0.2], [0, 0], [0, 0], [0, 0]).tolist() == [80.0, 80.0]
    assert isinstance(fcff(np.array([1.0]), 0.0, [0.0], [0.0], [0.0]), np.ndarray)


@pytest.mark.parametrize("kwargs, message", [
    ({"capex": [1.0]}, r"^capex has 1 value\(s\) but ebit has 2 years$"),
    ({"d_and_a": [1.0, 2.0, 3.0]}, r"^d_and_a has 3 value\(s\) but ebit has 2 years$"),
    ({"change_in_nwc": []}, r"^change_in_nwc has 0 value\(s\); at least 1 required$"),
    ({"tax_rate": [0.2, 0.2, 0.2]}, r"^tax_rate has 3 value\(s\) but ebit has 2 years$"),
    ({"tax_rate": [0.2, 1.2]}, r"^tax_rate\[2\] \(120.0%\) must be at least 0% and below 100%$"),
    ({"tax_rate": None}, r"^tax_rate is empty"),
    ({"ebit": [1.0, float("nan")]}, r"^ebit\[2\] \(NaN\) must be a finite number$"),
    ({"capex": [1.0, "x"]}, r"^capex\[2\] \('x'\) must be a number$"),
])
def test_bad_inputs_name_the_argument(kwargs, message):
    arguments = {"ebit": [100.0, 110.0], "tax_rate": 0.25, "d_and_a": [10.0, 11.0], "capex": [20.0, 21.0],
                 "change_in_nwc": [2.0, 3.0], **kwargs}
    with pytest.raises(KCInputError, match=message):
        fcff(**arguments)
