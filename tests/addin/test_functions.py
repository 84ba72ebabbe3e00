"""The Excel functions through xlwings' real UDF call path (addin.offline_xlwings), with the exact data
Excel hands over: floats, None for empty cells, tuples of row tuples for ranges, the COM 'missing'
marker for omitted optional arguments."""

import inspect
import math

import pytest

from addin import functions, offline_xlwings
from addin.cell_messages import is_message
from addin.registry import FUNCTIONS as EXCEL_FUNCTIONS
from kcfuncs import dcf_valuation, sensitivity_grid

MODULE = "addin.functions"
M = offline_xlwings.MISSING
SEED_ROW = ((207.41, 497.79, 881.15, 1351.17, 1893.64),)
SEED_COLUMN = tuple((v,) for v in SEED_ROW[0])


@pytest.fixture(scope="module", autouse=True)
def real_xlwings():
    offline_xlwings.load_udf_module(MODULE)


def cell(name, *args):
    """Call as a cell formula would, filling omitted optional arguments with Excel's 'missing'."""
    n = len(inspect.signature(EXCEL_FUNCTIONS[name]).parameters)
    return offline_xlwings.call_from_cell(MODULE, name, tuple(args) + (M,) * (n - len(args)))


def test_metadata_attached_by_xlwings_decorators():
    module = offline_xlwings.load_udf_module(MODULE)
    info = module.KC_DCF.__xlfunc__
    assert info["category"] == "KC Valuation"
    assert [a["name"] for a in info["args"]][:3] == ["cash_flows", "wacc", "terminal_growth"]
    assert all("optional" in a for a in info["args"][3:]) and not any("optional" in a for a in info["args"][:3])
    assert "wacc" in info["args"][1]["doc"].lower() or "discount" in info["args"][1]["doc"].lower()
    assert all(hasattr(getattr(module, name), "__xlfunc__") for name in EXCEL_FUNCTIONS)


def test_kc_dcf_row_and_column_give_the_core_value():
    expected = dcf_valuation(SEED_ROW[0], 0.105, 0.03, 161.8, 4099.28, 1.1).per_share
    assert cell("KC_DCF", SEED_ROW, 0.105, 0.03, 161.8, 4099.28, 1.1) == expected
    assert cell("KC_DCF", SEED_COLUMN, 0.105, 0.03, 161.8, 4099.28, 1.1) == expected


def test_kc_dcf_outputs_and_empty_optionals():
    result = dcf_valuation(SEED_ROW[0], 0.105, 0.03)
    # An empty cell (None) for an optional argument means its default, like an omitted one.
    assert cell("KC_DCF", SEED_ROW, 0.105, 0.03, None, None, None, None, "ev") == result.ev
    assert cell("KC_DCF", SEED_ROW, 0.105, 0.03, M, M, M, M, "tv_share") == pytest.approx(result.tv_share, rel=1e-15)


def test_numbers_stored_as_text():
    expected = dcf_valuation([1000.0, 1234.5], 0.105, 0.03).ev
    assert cell("KC_DCF", (("1,000", " 1,234.5 "),), "10.5%", "3%", M, M, M, M, "ev") == pytest.approx(expected)
    assert cell("KC_UPSIDE", "(5)", 10.0) == -1.5


def test_sensitivity_spills_as_rows():
    grid = cell("KC_SENSITIVITY", SEED_ROW, ((0.095,), (0.105,), (0.115,)), ((0.02, 0.03),), 161.8, 4099.28, 1.1)
    expected = sensitivity_grid(SEED_ROW[0], [0.095, 0.105, 0.115], [0.02, 0.03], 161.8, 4099.28, 1.1)
    assert grid == expected.tolist()


def test_paths_spill_as_one_row():
    assert cell("KC_REVENUE", 100.0, ((0.1, 0.2),)) == pytest.approx([100.0, 110.0, 132.0])
    assert cell("KC_FCF", 100.0, ((0.1,),), ((0.1, 0.2),)) == pytest.approx([10.0, 22.0])


def test_rating_scales_and_custom_block():
    assert cell("KC_RATING", 17.6, 13.77) == "Buy"
    assert cell("KC_RATING", 5.10, 8.30, "overweight_underweight", "zh") == "减持"
    block = ((-1.0, "Sell"), (-0.2, "Hold"), (0.2, "Buy"))
    assert cell("KC_RATING", 12.0, 10.0, block) == "Buy"
    assert cell("KC_RATING", 9.0, 10.0, block) == "Hold"


def test_other_functions_agree_with_the_core():
    assert cell("KC_TERMINAL", 1893.64, 0.105, 0.03) == pytest.approx(1893.64 * 1.03 / 0.075, rel=1e-15)
    assert cell("KC_TERMINAL", 250.0, None, None, "exit", 12.0) == 3000.0
    assert cell("KC_MULTIPLE_TARGET", 3.5, 9880.0, 274.0, 1 / 7.17) == pytest.approx(17.6, rel=0.005)
    assert cell("KC_PV", ((-10000.0, 3000.0, 4200.0, 6800.0),), 0.1) == pytest.approx(1188.44, abs=0.005)
    assert cell("KC_SCENARIO_VALUE", ((1.0, 2.0, 3.0),), ((0.2, 0.5, 0.3),)) == pytest.approx(2.1)
    assert cell("KC_SCENARIO_VALUE", ((1.0, 2.0, 3.0),)) == pytest.approx(2.0)
    price = cell("KC_DCF", SEED_ROW, 0.09, 0.03, 161.8, 4099.28, 1.1)
    assert cell("KC_IMPLIED_WACC", SEED_ROW, 0.03, price, 161.8, 4099.28, 1.1) == pytest.approx(0.09, abs=1e-10)
    assert cell("KC_IMPLIED_GROWTH", 26005.98933, 1893.64, 0.105) == pytest.approx(0.03, abs=1e-9)
    assert cell("KC_IMPLIED_MULTIPLE", 3000.0, 250.0) == 12.0


# ---- no traceback ever reaches a cell -------------------------------------------------------------

VALID = {
    "KC_DCF": (SEED_ROW, 0.105, 0.03, 161.8, 4099.28, 1.1, "end", "per_share"),
    "KC_TERMINAL": (1893.64, 0.105, 0.03, "gordon"),
    "KC_RATING": (17.6, 13.77, "buy_hold_sell", "en"),
    "KC_UPSIDE": (17.6, 13.77),
    "KC_SENSITIVITY": (SEED_ROW, ((0.095,), (0.105,)), ((0.02, 0.03),), 161.8, 4099.28, 1.1, "end"),
    "KC_PV": (SEED_ROW, 0.1, "end"),
    "KC_REVENUE": (10370.0, ((0.2, 0.18),)),
    "KC_FCF": (10370.0, ((0.2, 0.18),), ((0.02, 0.04, 0.06),)),
    "KC_SCENARIO_VALUE": (((1.97, 5.07, 7.84),), ((0.25, 0.5, 0.25),)),
    "KC_IMPLIED_WACC": (SEED_ROW, 0.03, 8.30, 161.8, 4099.28, 1.1),
    "KC_IMPLIED_MARGIN_SHIFT": (10370.0, ((0.2, 0.18, 0.15, 0.12),), ((0.02, 0.04, 0.06, 0.08, 0.1),), 0.105,
                                0.03, 8.30, 161.8, 4099.28, 1.1),
    "KC_MULTIPLE_TARGET": (3.5, 9880.0, 274.0, 0.14),
    "KC_MARKET_MULTIPLE": (13.77, 9880.0, 274.0, 0.14),
    "KC_IMPLIED_MULTIPLE": (3000.0, 250.0),
    "KC_IMPLIED_GROWTH": (26005.0, 1893.64, 0.105),
    "KC_COST_OF_EQUITY": (0.04, 1.2, 0.055, 0.01, 0.0),
    "KC_WACC": (0.04, 1.2, 0.055, 0.05, 0.25, 0.3, 0.01, 0.0),
    "KC_FCFF": (((100.0, 110.0),), 0.25, ((10.0, 11.0),), ((20.0, 22.0),), ((5.0, 6.0),)),
}
BAD_VALUES = {
    "empty": None, "text": "abc", "bool": True, "nan": math.nan, "inf": math.inf, "negative": -5.0,
    "block": ((1.0, 2.0), (3.0, None)), "unknown option": "no_such_option", "zero": 0.0,
}


def test_every_function_has_a_bad_input_row():
    assert set(VALID) == set(EXCEL_FUNCTIONS)


def _rows():
    for name, args in VALID.items():
        params = list(inspect.signature(EXCEL_FUNCTIONS[name]).parameters)
        for position in range(len(args)):
            for label, bad in BAD_VALUES.items():
                yield pytest.param(name, params, args, position, bad, id=f"{name}-{params[position]}-{label}")


@pytest.mark.parametrize("name, params, args, position, bad", list(_rows()))
def test_bad_input_gives_a_short_message_not_a_traceback(name, params, args, position, bad):
    call = list(args)
    call[position] = bad
    result = cell(name, *call)
    if isinstance(result, str) and not result in ("Buy", "Hold", "Sell"):
        assert is_message(result), result
        assert result.startswith(f"{name}: ")
        assert "\n" not in result and "Traceback" not in result and len(result) <= 250
        assert "unexpected failure" not in result, result
        assert "Error" not in result, result  # no Python exception names either


# An Excel error cell, as pywin32 hands it to xlwings (COM error codes), for every argument.
EXCEL_ERROR_CODES = {"#N/A": -2146826246, "#DIV/0!": -2146826281, "#VALUE!": -2146826273, "#REF!": -2146826265}


def _error_rows():
    for name, args in VALID.items():
        params = list(inspect.signature(EXCEL_FUNCTIONS[name]).parameters)
        for position in range(len(params)):
            for label, code in EXCEL_ERROR_CODES.items():
                yield pytest.param(name, params, args, position, label, code, id=f"{name}-{params[position]}-{label}")


@pytest.mark.parametrize("name, params, args, position, label, code", list(_error_rows()))
def test_an_error_value_in_any_argument_is_named_never_a_default(name, params, args, position, label, code):
    call = list(args) + [M] * (len(params) - len(args))
    call[position] = code
    assert cell(name, *call) == f"{name}: {params[position]} is the error {label}; fix the cell it comes from"


def test_an_error_inside_a_range_names_its_position():
    flows = ((207.41, EXCEL_ERROR_CODES["#N/A"], 881.15),)
    assert cell("KC_DCF", flows, 0.105, 0.03) == "KC_DCF: cash_flows[2] is the error #N/A; fix the cell it comes from"


@pytest.mark.parametrize("name, args", [
    ("KC_PV", (((1.0,) * 1000,), -0.99)),
    ("KC_TERMINAL", (1e308, 0.1, 0.0999999)),
    ("KC_UPSIDE", (1e308, 1e-300)),
    ("KC_SENSITIVITY", (((1e307, 1e307),), ((0.1000001,),), ((0.1,),))),
    ("KC_DCF", (((1e308, 1e308),), 0.1, 0.02)),
    ("KC_IMPLIED_GROWTH", (1e308, 1e308, 0.1)),
])
def test_overflow_is_a_message_never_inf(name, args):
    result = cell(name, *args)
    assert isinstance(result, str) and result.startswith(f"{name}: "), result
    assert "inf" not in result.replace("finite", "") and "Overflow" not in result, result


@pytest.mark.parametrize("text, expected", [("1,234.5", 1234.5), ("(12)", -12.0), ("10.5%", 0.105), (" 3% ", 0.03),
                                            ("1,000,000", 1e6), ("-2.5e3", -2500.0), (".5", 0.5)])
def test_numbers_as_text_read_as_excel_reads_them(text, expected):
    assert cell("KC_UPSIDE", text, 1.0) == pytest.approx(expected - 1.0)


@pytest.mark.parametrize("text", ["(-10)", "10,5%", "1,2,3", "1 234", "1_000", "\uff15", "$5", "12,34", "1e", "--1"])
def test_ambiguous_number_text_is_refused(text):
    result = cell("KC_UPSIDE", text, 1.0)
    assert isinstance(result, str) and result.startswith("KC_UPSIDE: target (") and "must be a number" in result


def test_a_block_of_flows_is_refused_not_flattened():
    block = ((207.41, 497.79), (881.15, 1351.17))
    assert cell("KC_DCF", block, 0.105, 0.03) == ("KC_DCF: cash_flows must be one row or one column, not a block of "
                                                  "2 rows x 2 columns")
    with_header_row = ((2026.0, 2027.0, 2028.0), (207.41, 497.79, 881.15))
    assert "not a block of 2 rows x 3 columns" in cell("KC_PV", with_header_row, 0.1)
    assert "not a block" in cell("KC_SENSITIVITY", SEED_ROW, ((0.09, 0.1), (0.11, 0.12)), ((0.02,),))


def test_a_custom_scale_of_one_tier_is_refused():
    assert "needs at least two rows" in cell("KC_RATING", 12.0, 10.0, ((0.2, "Buy"),))


@pytest.mark.parametrize("name, args, needle", [
    ("KC_DCF", (SEED_ROW, 0.03, 0.03), "wacc (3.0%) must exceed terminal growth (3.0%)"),
    ("KC_DCF", (SEED_ROW, None, 0.03), "wacc is empty"),
    ("KC_DCF", (SEED_ROW, "ten", 0.03), "wacc ('ten') must be a number"),
    ("KC_DCF", (SEED_ROW, True, 0.03), "wacc (True) must be a number, not TRUE/FALSE"),
    ("KC_DCF", (((1.0, None, 3.0),), 0.1, 0.03), "cash_flows[2] is empty"),
    ("KC_DCF", (SEED_ROW, 0.1, 0.03, 0.0, -4099.28), "shares (-4099.28) must be greater than zero"),
    ("KC_DCF", (SEED_ROW, 0.1, 0.03, M, M, M, "annual"), "convention ('annual') must be one of: end, mid, dated"),
    ("KC_DCF", (SEED_ROW, 0.1, 0.03, M, M, M, M, "price"), "output ('price') must be one of"),
    ("KC_DCF", (SEED_ROW, ((0.1, 0.2),), 0.03), "wacc has 2 rates but cash_flows has 5 periods; give one rate or "
                                               "one rate per period"),
    ("KC_SENSITIVITY", (SEED_ROW, ((0.03,),), ((0.03,),)), "wacc_values[1] (3.0%) must exceed growth_values[1] (3.0%)"),
    ("KC_RATING", (5.0, 8.0, "stars"), "scale ('stars') must be one of"),
    ("KC_RATING", (5.0, 0.0), "price (0) must be greater than zero"),
    ("KC_SCENARIO_VALUE", (((1.0, 2.0),), ((0.5, 0.6),)), "weights add up to 1.1"),
])
def test_messages_name_the_argument(name, args, needle):
    result = cell(name, *args)
    assert result == f"{name}: {needle}" or (isinstance(result, str) and needle in result), result


def test_wrappers_keep_the_signature_xlwings_reads():
    sig = inspect.signature(functions.KC_DCF)
    assert list(sig.parameters)[:8] == ["cash_flows", "wacc", "terminal_growth", "net_debt", "shares", "fx",
                                        "convention", "output"]
    assert list(inspect.signature(functions.KC_SENSITIVITY).parameters)[:7] == [
        "cash_flows", "wacc_values", "growth_values", "net_debt", "shares", "fx", "convention"]
    assert list(inspect.signature(functions.KC_TERMINAL).parameters) == [
        "final_flow", "wacc", "growth", "method", "multiple", "ronic"]
    assert list(inspect.signature(functions.KC_RATING).parameters) == ["target", "price", "scale", "language"]
