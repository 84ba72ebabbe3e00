"""The committed VBA and MacroOptions are what xlwings' generator produces today."""

from addin import catalog, vba


def test_committed_vba_matches_the_generator():
    bas, options = vba.generate()
    assert vba.BAS_PATH.read_text(encoding="utf-8") == bas, "run `kc vba` and commit addin/xlwings_udfs.bas"
    assert vba.OPTIONS_PATH.read_text(encoding="utf-8") == options, "run `kc vba` and commit macro_options.json"


def test_vba_wraps_every_function_with_optional_arguments():
    bas, _ = vba.generate()
    assert 'XLPy.CallUDF("addin.functions", "KC_DCF"' in bas
    assert "Function KC_DCF(cash_flows, wacc, terminal_growth, Optional net_debt" in bas
    assert "Function KC_RATING(target, price, Optional scale, Optional language)" in bas
    assert bas.count("\nFunction KC_") == len(catalog.FUNCTIONS) == 18
