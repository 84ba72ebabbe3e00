"""The kc command: value on the embedded default, eval through the Excel function objects."""

import json

import pytest

from addin.registry import FUNCTIONS as EXCEL_FUNCTIONS
from workbook import commands as cli
from workbook.calc import formulas_engine as engine


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_value_table(capsys):
    code, out, _ = run(capsys, "value")
    assert code == 0
    assert "Underweight / 减持" in out and "Buy / 买入" in out
    assert "USD 17.60 per ADS" in out and "upside +27.8%" in out
    # the seed reproductions, named, and their lines as before
    assert "Report case 'seed 002 DCF'" in out and "Report case 'seed 000 P/S'" in out
    lines = out.splitlines()
    assert any(line.startswith("bear ") and "     1.97 " in line and line.rstrip().endswith("1.97") for line in lines)
    assert any(line.startswith("base ") and "     5.07 " in line and line.rstrip().endswith("5.09") for line in lines)
    assert any(line.startswith("bull ") and "     7.84 " in line and line.rstrip().endswith("7.86") for line in lines)
    assert "target (live case 'base'): HKD 5.07  price HKD 8.30  upside -38.9%  rating Underweight / 减持" in out


def test_value_prints_the_house_view(capsys):
    from workbook.company import load_company
    from workbook.company.house import house_view

    h = house_view(load_company())
    _, out, _ = run(capsys, "value")
    assert f"house target (probability-weighted): HKD {h['target']:.2f}" in out
    assert f"rating {h['rating']} / {h['rating_zh']} (house scale)" in out
    assert "balance sheet balances in every year and scenario" in out
    assert "inside the 7.75-7.85 peg band" in out


def test_value_json_reproduces_both_seeds(capsys):
    code, out, _ = run(capsys, "value", "--json")
    payload = json.loads(out)
    cases = {c["name"]: c for c in payload["scenarios"]}
    assert cases["base"]["per_share_hkd"] == pytest.approx(5.09, rel=0.005)
    assert cases["bear"]["per_share_hkd"] == pytest.approx(1.97, rel=0.005)
    assert cases["bull"]["per_share_hkd"] == pytest.approx(7.86, rel=0.005)
    # HK$ per share -> US$ per ADS at the valuation date: / 1.10 HKD per CNY x 15 shares / 7.12 CNY per USD
    assert cases["base"]["per_ads_usd"] == pytest.approx(cases["base"]["per_share_hkd"] / 1.1 * 15 / 7.12, rel=1e-12)
    assert payload["rating"] == "Underweight"
    assert payload["upside"] == pytest.approx(-0.386, abs=0.005)
    m = payload["multiple_target"]
    assert m["target"] == pytest.approx(17.6, rel=0.005) and m["rating"] == "Buy"
    assert m["upside"] == pytest.approx(0.278, abs=0.0005)
    house = payload["house"]
    assert [c["name"] for c in house["scenarios"]] == ["bear", "base", "bull"]
    weighted = sum(c["probability"] * c["per_share_hkd"] for c in house["scenarios"])
    assert house["target_hkd"] == pytest.approx(weighted, rel=1e-12)
    assert all(c["balance_gap_max"] <= 1e-6 for c in house["scenarios"])
    assert 7.75 <= house["hkd_per_usd"] <= 7.85


def test_an_unbalanced_balance_sheet_fails_the_checks_and_kc_check(capsys, tmp_path):
    """Breaking test: a data file whose balance sheet does not balance (2024A equity 5 too high) builds, but
    the Checks cell says NOT OK naming the year and the gap, and kc check exits non-zero saying so."""
    import openpyxl

    from workbook.company import default_data_path

    text = default_data_path().read_text(encoding="utf-8")
    broken = text.replace("values = [6890, 5168, 4955, 5137, 5811]", "values = [6890, 5173, 4955, 5137, 5811]", 1)
    assert broken != text
    data = tmp_path / "unbalanced.toml"
    data.write_text(broken, encoding="utf-8")
    book = tmp_path / "Unbalanced.xlsx"
    code, _, _ = run(capsys, "build", "--data", str(data), "-o", str(book))
    assert code == 0
    checks = openpyxl.load_workbook(book, data_only=True)["Checks"]
    assert checks["C4"].value == "NOT OK"
    assert checks["C5"].value.startswith("NOT OK: 2024A off by -5; 2025E off by -5")
    code, out, _ = run(capsys, "check", str(book))
    assert code != 0
    assert "failing check" in out and "2024A off by -5" in out and "2024A (D9)" in out
    code, out, _ = run(capsys, "value", "--data", str(data))
    assert code == 0 and "balance sheet does NOT balance (largest gap 5.0)" in out


def test_value_bad_data_file_exits_2(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 1\n[company]\n", encoding="utf-8")
    code, out, err = run(capsys, "value", "--data", str(bad))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "has no 'name_en'" in err


def test_eval_scalar_and_grid(capsys):
    code, out, _ = run(capsys, "eval", "=KC_DCF({207.41,497.79,881.15,1351.17,1893.64},0.105,0.03,161.8,4099.28,1.1)")
    assert code == 0 and float(out) == pytest.approx(5.09, rel=0.005)
    code, out, _ = run(capsys, "eval", "=KC_SENSITIVITY({100,110,120},{0.09;0.1;0.11},{0.01,0.02},,,)")
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert code == 0 and len(rows) == 3 and all(len(r) == 2 for r in rows)


def test_eval_prints_plain_numbers(capsys):
    # The reverse DCF computes with numpy; the printed cell must still be a plain number.
    code, out, _ = run(capsys, "eval", "=KC_IMPLIED_WACC({207.41,497.79,881.15,1351.17,1893.64},0.03,8.3,161.8,"
                                       "4099.28,1.1)")
    assert code == 0 and "np." not in out and 0.03 < float(out) < 0.105


def test_eval_omitted_arguments_take_defaults(capsys):
    # Empty arguments mean "default" (shares 1, fx 1), not zero.
    _, with_gaps, _ = run(capsys, "eval", "=KC_DCF({100,110},0.1,0.02,,,,,\"ev\")")
    _, explicit, _ = run(capsys, "eval", "=KC_DCF({100,110},0.1,0.02,0,1,1,\"end\",\"ev\")")
    assert with_gaps == explicit


def test_eval_bad_input_prints_the_message_and_fails(capsys):
    code, out, _ = run(capsys, "eval", "=KC_DCF({1,2},3%,3%)")
    assert code == 1 and out.strip() == "KC_DCF: wacc (3.0%) must exceed terminal growth (3.0%)"
    code, _, err = run(capsys, "eval", "=KC_DCF(({1,2}")
    assert code == 2 and "cannot parse" in err


def test_eval_uses_the_objects_excel_calls():
    import formulas

    registry = formulas.get_functions()
    for name, function in EXCEL_FUNCTIONS.items():
        assert registry[name].excel_function is function
    assert engine.evaluate_formula("=KC_UPSIDE(12,10)") == pytest.approx(0.2)
