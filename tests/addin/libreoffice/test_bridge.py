"""The component's conversions, without LibreOffice: what Basic hands over becomes what xlwings hands
over, so every result and message is the registry's own."""

import numpy as np
import pytest

from addin.libreoffice import bridge
from addin.registry import FUNCTIONS


def test_whole_numbers_come_back_to_float_and_blocks_become_rows():
    # Basic narrows whole numbers to int; a range arrives as a tuple of row tuples.
    assert bridge.handed_over(3) == 3.0 and type(bridge.handed_over(3)) is float
    assert bridge.handed_over(0.105) == 0.105
    assert bridge.handed_over(((1, 2.5, None), (None, "x", 4))) == [[1.0, 2.5, None], [None, "x", 4.0]]
    assert bridge.handed_over(((7,),)) == 7.0          # a 1x1 block is its value, as xlwings gives it
    assert bridge.handed_over(None) is None and bridge.handed_over("") == ""
    assert bridge.handed_over(True) is True            # left as is: the registry refuses booleans as numbers


def test_results_become_numbers_texts_or_equal_rows():
    assert bridge.for_basic(np.float64(1.5)) == 1.5 and type(bridge.for_basic(np.float64(1.5))) is float
    assert bridge.for_basic("KC_DCF: x") == "KC_DCF: x"
    assert bridge.for_basic(np.array([[1.0, 2.0], [3.0, 4.0]])) == ((1.0, 2.0), (3.0, 4.0))
    assert bridge.for_basic([[100.0, 110.0]]) == ((100.0, 110.0),)
    assert bridge.for_basic([1.0, 2.0]) == ((1.0, 2.0),)  # a flat path is one row
    assert bridge.for_basic(None) == ""


CASES = [
    # (function, arguments as Basic hands them over, the same as xlwings hands them over)
    ("KC_DCF", (((207, 497.79, 881.15, 1351.17, 1893.64),), 0.105, 0.03, 161.8, 4099.28, 1.1),
     ([[207.0, 497.79, 881.15, 1351.17, 1893.64]], 0.105, 0.03, 161.8, 4099.28, 1.1)),
    ("KC_DCF", (((1, 2),), 0.03, 0.03), ([[1.0, 2.0]], 0.03, 0.03)),                   # wacc = g: message
    ("KC_DCF", (((1, 2),), 0.1, None), ([[1.0, 2.0]], 0.1, None)),                      # required one empty
    ("KC_DCF", (((1, None, 3),), 0.1, 0.02), ([[1.0, None, 3.0]], 0.1, 0.02)),          # a hole in the flows
    ("KC_DCF", (((1, 2),), "ten", 0.02), ([[1.0, 2.0]], "ten", 0.02)),                  # text for a number
    ("KC_DCF", (((1, 2), (3, 4)), 0.1, 0.02), ([[1.0, 2.0], [3.0, 4.0]], 0.1, 0.02)),   # a block for a row
    ("KC_SENSITIVITY", (((100, 110, 120),), ((0.09, 0.1),), ((0.02,), (0.03,))),
     ([[100.0, 110.0, 120.0]], [[0.09, 0.1]], [[0.02], [0.03]])),
    ("KC_REVENUE", (100, ((0.1, 0.2),)), (100.0, [[0.1, 0.2]])),
    ("KC_RATING", (17.6, 13.77, ((0.2, "Buy"), (-1, "Sell")), "zh"), (17.6, 13.77, [[0.2, "Buy"], [-1.0, "Sell"]], "zh")),
    ("KC_UPSIDE", (1, 0), (1.0, 0.0)),
    ("KC_PV", (((2750, 4250, 3250, 2750),), 0.09, "dated", (("2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"),),
               "2008-01-01"),
     ([[2750.0, 4250.0, 3250.0, 2750.0]], 0.09, "dated", [["2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]],
      "2008-01-01")),
]


@pytest.mark.parametrize("name, basic_args, excel_args", CASES)
def test_a_call_through_the_bridge_is_the_registry_call(name, basic_args, excel_args):
    declared = len(FUNCTIONS[name].__signature__.parameters)
    # A wrapper passes every declared parameter; the ones not given are Empty (None).
    padded = tuple(basic_args) + (None,) * (declared - len(basic_args))
    expected = bridge.for_basic(FUNCTIONS[name](*excel_args))
    assert bridge.call(name, padded) == expected


def test_messages_are_the_registry_text():
    declared = len(FUNCTIONS["KC_DCF"].__signature__.parameters)
    got = bridge.call("KC_DCF", (((1, 2),), 0.03, 0.03) + (None,) * (declared - 3))
    assert got == "KC_DCF: wacc (3.0%) must exceed terminal growth (3.0%)"


def test_a_skipped_middle_argument_is_zero_there_and_blank_text_is_the_default():
    """Calc hands a Basic function f(a,,c)'s empty slot as 0: the reason the template writes ""."""
    declared = len(FUNCTIONS["KC_DCF"].__signature__.parameters)
    flows = ((207, 497.79, 881.15, 1351.17, 1893.64),)
    base = (flows, 0.105, 0.03, 161.8, 4099.28, 1.1, "end", "per_share")
    blank = base + ("", "", "") + (None,) * (declared - len(base) - 3)
    zeros = base + (0, 0, 0) + (None,) * (declared - len(base) - 3)
    assert bridge.call("KC_DCF", blank) == bridge.call("KC_DCF", base + (None,) * (declared - len(base)))
    assert isinstance(bridge.call("KC_DCF", zeros), str)


def test_the_bridge_never_raises():
    assert bridge.call("KC_NOT_A_FUNCTION", ()) == \
        "KC_NOT_A_FUNCTION: not a KC function of this version; run kc libreoffice-setup again"
    assert bridge.call("KC_DCF", None).startswith("KC_DCF: ")
    assert bridge.call("KC_DCF", (object(),) * 30).startswith("KC_DCF: ")   # too many, and unknown types
    assert bridge.call("KC_UPSIDE", ((("a", (1,)),), 1)).startswith("KC_UPSIDE: ")
