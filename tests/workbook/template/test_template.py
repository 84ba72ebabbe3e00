"""The built model workbook: structure, cached values, checks, and agreement with the core."""

import re
import zipfile

import numpy as np
import pytest

import kcfuncs
from workbook.company import load_company
from workbook.company.valuation import value_scenario
from workbook.xlsx.book import Workbook
from workbook.template import SHEET_ORDER

from tests.conftest import EXAMPLE_DATA, formula_cells, formulas, values

INPUT_NAMES = {"ValuationDate", "Price", "Shares", "NetDebt", "FX", "ADS_Ratio", "ADS_FX", "ADS_Price", "Convention",
               "Scenario", "RatingScale", "WACC", "TerminalGrowth", "Live_Revenue", "Live_Growth", "Live_Margins",
               "PS_Multiple", "PS_Count", "PS_Year", "TieTolerance", "LTM_Revenue", "W52_Low", "W52_High"}


def row_of(sheet, label, column=1):
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, column).value == label:
            return row
    raise AssertionError(f"no row labelled {label!r} on {sheet.title}")


def test_sheets_names_and_kc_formulas(built_book):
    book = formulas(built_book)
    assert tuple(book.sheetnames) == SHEET_ORDER
    names = Workbook.open(built_book).names
    assert INPUT_NAMES <= set(names)
    assert all(f"Line_{line['key']}" in names for line in load_company()["income_statement"]
               if line.get("printed", True))
    text = " ".join(f for _, _, f in formula_cells(built_book))
    for function in ("KC_DCF(", "KC_TERMINAL(", "KC_SENSITIVITY(", "KC_RATING(", "KC_UPSIDE(", "KC_IMPLIED_WACC(",
                     "KC_IMPLIED_MARGIN_SHIFT(", "KC_MULTIPLE_TARGET(", "KC_MARKET_MULTIPLE(", "KC_PV("):
        assert function in text, function


def test_sensitivity_is_a_dynamic_array(built_book):
    with zipfile.ZipFile(built_book) as z:
        assert "xl/metadata.xml" in z.namelist()
        sheets = Workbook.open(built_book).sheet_parts
        xml = z.read(sheets["Sensitivity"]).decode()
    assert re.search(r'<c r="C9"[^>]*cm="1"[^>]*><f t="array" ref="C9:G15">KC_SENSITIVITY\(', xml)


def test_every_formula_cell_has_a_cached_value_and_none_is_an_error(built_book):
    stored = Workbook.open(built_book).cached_values()
    cells = list(formula_cells(built_book))
    assert len(cells) > 500
    for sheet, ref, formula in cells:
        kind, text = stored[sheet][ref]
        assert text != "", (sheet, ref, formula)
        assert kind != "e", (sheet, ref, formula, text)
        assert not text.startswith("KC_"), (sheet, ref, text)


def test_no_volatile_functions(built_book):
    for sheet, ref, formula in formula_cells(built_book):
        assert not re.search(r"\b(OFFSET|INDIRECT|TODAY|NOW|RAND|RANDBETWEEN)\(", formula, re.I), (sheet, ref)


def test_kc_cached_values_equal_the_core(built_book):
    data = load_company()
    live = value_scenario(data, next(c for c in data["scenarios"] if c["name"] == "base"))
    book = values(built_book)
    dcf = book["DCF"]
    expected = {"Terminal value (Gordon)": live.result.terminal_value, "PV of explicit FCF": live.result.pv_explicit,
                "PV of terminal value": live.result.pv_terminal, "Enterprise value": live.result.ev,
                "Terminal value share of EV": live.result.tv_share, "Equity value": live.result.equity,
                "Value per share (HK$)": live.result.per_share, "Value per ADS (US$)": live.per_ads_usd}
    for label, value in expected.items():
        row = row_of(dcf, label)
        assert dcf.cell(row, 3).value == pytest.approx(value, rel=1e-12), label
        assert dcf.cell(row, 5).value == pytest.approx(0, abs=1e-9), label     # audit difference
        assert dcf.cell(row, 6).value is True, label
    assert dcf.cell(row_of(dcf, "Rating"), 3).value == "Underweight"
    # The per-share value reproduces seed 002 within 0.5%.
    assert dcf.cell(row_of(dcf, "Value per share (HK$)"), 3).value == pytest.approx(5.09, rel=0.005)


def test_sensitivity_grids_equal_the_core(built_book):
    sens = values(built_book)["Sensitivity"]
    data = load_company()
    live = value_scenario(data, next(c for c in data["scenarios"] if c["name"] == "base"))
    waccs = [sens.cell(r, 2).value for r in range(9, 16)]
    growths = [sens.cell(8, c).value for c in range(3, 8)]
    assert waccs[3] == pytest.approx(0.105) and growths[2] == pytest.approx(0.03)
    grid = kcfuncs.sensitivity_grid(live.fcf, waccs, growths, 161.8, 4099.28, 1.1)
    spilled = np.array([[sens.cell(r, c).value for c in range(3, 8)] for r in range(9, 16)], dtype=float)
    np.testing.assert_allclose(spilled, grid, rtol=1e-12)
    scalar_top = row_of(sens, "Same grid, one KC_DCF per cell (keeps its values everywhere)") + 2
    scalar = np.array([[sens.cell(r, c).value for c in range(3, 8)] for r in range(scalar_top, scalar_top + 7)],
                      dtype=float)
    np.testing.assert_allclose(scalar, grid, rtol=1e-12)


def test_statement_checks_fail_exactly_where_the_data_file_says(built_book):
    data = load_company()
    book, live = values(built_book), formulas(built_book)
    years = data["statements"]["years"]
    sheet_of = {"income_statement": "Income Statement", "balance_sheet": "Balance Sheet", "cash_flow": "Cash Flow"}
    seen = 0
    for statement, sheet_name in sheet_of.items():
        sheet = book[sheet_name]
        for line in data[statement]:
            if not line.get("sum_of"):
                continue
            row = row_of(sheet, line["en"])
            # The subtotal itself is a live native formula of the lines it sums.
            assert str(live[sheet_name].cell(row, 3).value).startswith("="), (sheet_name, line["key"])
            if line.get("printed", True) is False:
                continue
            assert [sheet.cell(row + 1, 3 + k).value for k in range(len(years))] == line["values"]
            gaps = line.get("source_gap") or [0] * len(years)
            for k, gap in enumerate(gaps):  # two rows under it: as printed, then whether the source ties
                assert sheet.cell(row + 2, 3 + k).value is (abs(gap) <= 1), (sheet_name, line["key"], years[k])
                seen += 1
    assert seen >= 60
    checks = book["Checks"]
    assert checks["C4"].value == "OK"
    assert book["Summary"].cell(row_of(book["Summary"], "Checks"), 3).value == "OK"


def test_subtotals_follow_a_changed_input(book_copy, tmp_path):
    from workbook.xlsx.cached_values import write_cached_values
    from workbook.commands.refresh import refresh_book

    from tests.conftest import named

    sheet, ref = named(book_copy, "Line_revenue")
    edited = tmp_path / "Edited.xlsx"
    write_cached_values(book_copy, edited, {}, {sheet: {ref.split(":")[0]: 8000.0}})  # 2023A revenue
    refresh_book(edited)
    income = values(edited)["Income Statement"]
    gross = row_of(income, "Gross profit")
    assert income.cell(gross, 3).value == 8000 - 6197              # the live formula moved
    assert income.cell(gross + 1, 3).value == 850                  # the printed figure did not
    assert income.cell(gross + 2, 3).value is False                # so the data no longer ties to it
    assert values(edited)["Checks"]["C4"].value == "NOT OK"


def test_balance_sheet_plug_is_visible(built_book):
    sheet = formulas(built_book)["Balance Sheet"]
    plug = next(line for line in load_company()["balance_sheet"] if line.get("plug"))
    row = row_of(sheet, plug["en"])
    assert sheet.cell(row, 3).fill.fgColor.rgb.endswith("F8CBAD")
    assert "NOT PRINTED IN THE SOURCE" in sheet.cell(row, 8).value


def test_seed_000_cross_check_in_the_workbook(built_book):
    book = values(built_book)
    comps = book["Comps"]
    row = row_of(comps, "P/S target (US$ per ADS)")
    assert comps.cell(row, 3).value == pytest.approx(17.6, rel=0.005)
    rating = book["Rating"]
    assert rating.cell(row_of(rating, "Rating (buy_hold_sell)"), 3).value == "Buy"


def test_self_check_sheet_passes(built_book):
    book = values(built_book)
    sheet = book["Self-check"]
    assert sheet["C4"].value == "OK"
    results = [sheet.cell(r, 6).value for r in range(7, 17)]
    assert results and all(v is True for v in results)


def test_calc_properties_trust_the_cached_values(built_book):
    with zipfile.ZipFile(built_book) as z:
        xml = z.read("xl/workbook.xml").decode()
    assert '<calcPr calcId="191029"/>' in xml and "fullCalcOnLoad" not in xml


def test_any_company_of_the_same_schema_builds(example_book):
    book = values(example_book)
    assert book["Summary"]["A1"].value.startswith("Example Instruments Inc.")
    assert book["Checks"]["C4"].value == "OK"
    stored = Workbook.open(example_book).cached_values()
    assert not [(s, r) for s, cells in stored.items() for r, (k, t) in cells.items() if k == "e"]
    # Probability-weighted value equals the core's over the three cases.
    data = load_company(EXAMPLE_DATA)
    cases = [value_scenario(data, c).result.per_share for c in data["scenarios"]]
    weighted = kcfuncs.weighted_value(cases, [c["probability"] for c in data["scenarios"]])
    dcf = book["DCF"]
    assert dcf.cell(row_of(dcf, "Probability-weighted value (US$)"), 3).value == pytest.approx(weighted, rel=1e-12)
    # Mid-year convention flows through to the audit column.
    assert dcf.cell(row_of(dcf, "Enterprise value"), 5).value == pytest.approx(0, abs=1e-9)
    assert "HK$" not in " ".join(str(c.value) for row in dcf.iter_rows() for c in row if isinstance(c.value, str))


def test_no_kc_call_leaves_an_argument_slot_empty(built_book):
    # LibreOffice hands an empty slot to a Basic function as 0; "" means "default" in every host.
    for sheet, ref, formula in formula_cells(built_book):
        assert not re.search(r"KC_\w+\([^)]*(,,|\(,|,\))", formula), (sheet, ref, formula)


@pytest.mark.parametrize("formula, expected", [
    ('=KC_DCF(a,b,,c,,)', '=KC_DCF(a,b,"",c,"","")'),
    ('=IF(A1,,2)+KC_X(,"x,,y")', '=IF(A1,,2)+KC_X("","x,,y")'),
    ('=KC_A(SUM(1,,2),)', '=KC_A(SUM(1,,2),"")'),
    ('=KC_RATING(T,P)', '=KC_RATING(T,P)'),
    ('=KC_A()', '=KC_A()'),
])
def test_skipped_kc_arguments_are_written_as_empty_text(formula, expected):
    from workbook.template.layout import explicit_skips

    assert explicit_skips(formula) == expected
