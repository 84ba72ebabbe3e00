"""The built model workbook: structure, cached values against the Python model, presentation."""

import re
import zipfile

import pytest

import kcfuncs
from workbook.company import load_company
from workbook.company.forecast import plan, run
from workbook.company.house import house_view
from workbook.company.valuation import multiple_target, value_scenario
from workbook.template import SHEET_ORDER
from workbook.xlsx.book import Workbook

from tests.conftest import EXAMPLE_DATA, formula_cells, formulas, named, values

INPUT_NAMES = {"ValuationDate", "Price", "Shares", "NetDebt", "FX", "ADS_Ratio", "ADS_FX", "ADS_Price", "Convention",
               "Scenario", "RatingScale", "Timing", "Stub", "WACC", "TerminalGrowth", "PS_Multiple", "PS_Count",
               "PS_Year", "PS_FX", "TieTolerance", "LTM_Revenue", "W52_Low", "W52_High", "DataFile", "Case_base_WACC",
               "Case_base_TerminalGrowth", "Case_bear_Margins", "House_base_beta", "House_bull_wacc_override",
               "Drv_revenue_growth_base", "Drv_revenue_growth_base_Final", "House_Scale"}
OUTPUT_NAMES = {"ChecksOK", "BalanceSheetOK", "PegOK", "KC_Checks", "House_Target", "House_Rating", "House_NetDebt",
                "Live_FCF", "Live_Dates", "Report_PerShare", "HKD_USD", "MarketCap"}


def row_of(sheet, label, column=1):
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, column).value == label:
            return row
    raise AssertionError(f"no row labelled {label!r} on {sheet.title}")


def year_columns(sheet, header_row=4):
    return {sheet.cell(header_row, c).value: c for c in range(3, sheet.max_column + 1)
            if isinstance(sheet.cell(header_row, c).value, str)}


def test_sheets_names_and_kc_formulas(built_book):
    book = formulas(built_book)
    assert tuple(book.sheetnames) == SHEET_ORDER
    names = Workbook.open(built_book).names
    assert INPUT_NAMES | OUTPUT_NAMES <= set(names)
    data = load_company()
    assert all(f"Line_{line['key']}" in names for s in ("income_statement", "balance_sheet", "cash_flow")
               for line in data[s] if "values" in line and not (line.get("sum_of") and line.get("printed") is False))
    text = " ".join(f for _, _, f in formula_cells(built_book))
    for function in ("KC_DCF(", "KC_TERMINAL(", "KC_SENSITIVITY(", "KC_RATING(", "KC_UPSIDE(", "KC_IMPLIED_WACC(",
                     "KC_IMPLIED_MARGIN_SHIFT(", "KC_MULTIPLE_TARGET(", "KC_MARKET_MULTIPLE(", "KC_PV(", "KC_FCFF(",
                     "KC_WACC(", "KC_COST_OF_EQUITY(", "KC_SCENARIO_VALUE(", "KC_IMPLIED_MULTIPLE("):
        assert function in text, function


def test_sensitivity_is_a_dynamic_array(built_book):
    with zipfile.ZipFile(built_book) as z:
        assert "xl/metadata.xml" in z.namelist()
        xml = z.read(Workbook.open(built_book).sheet_parts["Sensitivity"]).decode()
    assert re.search(r'<c r="C9"[^>]*cm="1"[^>]*><f t="array" ref="C9:G15">KC_SENSITIVITY\(', xml)


def test_every_formula_cell_has_a_cached_value_and_none_is_an_error(built_book):
    stored = Workbook.open(built_book).cached_values()
    cells = list(formula_cells(built_book))
    assert len(cells) > 4000
    for sheet, ref, formula in cells:
        kind, text = stored[sheet][ref]
        assert text != "" or kind == "str", (sheet, ref, formula)
        assert kind != "e", (sheet, ref, formula, text)
        assert not text.startswith("KC_"), (sheet, ref, text)


def test_no_volatile_functions(built_book):
    for sheet, ref, formula in formula_cells(built_book):
        assert not re.search(r"\b(OFFSET|INDIRECT|TODAY|NOW|RAND|RANDBETWEEN)\(", formula, re.I), (sheet, ref)


def test_statements_equal_the_python_model_in_every_year(built_book):
    """Every live statement cell against workbook.company.forecast.run, which never sees a spreadsheet."""
    data = load_company()
    p = plan(data)
    r = run(p, data["valuation"]["live_scenario"])
    book = values(built_book)
    sheets = {"income_statement": "Income Statement", "balance_sheet": "Balance Sheet", "cash_flow": "Cash Flow"}
    seen = 0
    for statement, name in sheets.items():
        sheet = book[name]
        cols = year_columns(sheet)
        for k, line in enumerate(p.statement_lines(statement)):
            row = 5 + k
            assert sheet.cell(row, 1).value == line.en
            for j, year in enumerate(p.years):
                cached = sheet.cell(row, cols[year]).value
                expected = r.line(line.key)[j]
                if cached is None:
                    assert expected == 0, (line.key, year)
                    continue
                assert cached == pytest.approx(expected, rel=1e-12, abs=1e-9), (line.key, year)
                seen += 1
    assert seen > 600


def test_house_values_equal_the_python_house_view(built_book):
    h = house_view(load_company())
    book = values(built_book)
    scen = book["Scenarios"]
    cols = {scen.cell(5, c).value: c for c in range(3, 7)}
    row = row_of(scen, "Value per share (HK$)")
    for case in h["cases"]:
        assert scen.cell(row, cols[case.name]).value == pytest.approx(case.result.per_share, rel=1e-12)
    assert scen.cell(row, cols["Weighted"]).value == pytest.approx(h["target"], rel=1e-12)
    sheet, ref = named(built_book, "House_Rating")
    assert book[sheet][ref].value == h["rating"]
    dcf = book["DCF"]
    live = h["live"]
    expected = {"Terminal value (Gordon, at the final flow date)": live.result.terminal_value,
                "PV of explicit FCFF": live.result.pv_explicit, "PV of terminal value": live.result.pv_terminal,
                "Enterprise value": live.result.ev, "Value per share (HK$)": live.result.per_share,
                "Value per ADS (US$, valuation-date rate)": live.per_ads}
    for label, value in expected.items():
        r = row_of(dcf, label)
        assert dcf.cell(r, 3).value == pytest.approx(value, rel=1e-12), label
        assert dcf.cell(r, 5).value == pytest.approx(0, abs=1e-9), label
        assert dcf.cell(r, 6).value is True, label
    assert dcf["C21"].value == pytest.approx(live.result.per_share, rel=1e-12)   # per share stays at C21
    assert dcf["C23"].value == pytest.approx(live.result.per_share / 8.30 - 1, rel=1e-12)


def test_balance_sheet_balances_and_the_checks_pass(built_book):
    book = values(built_book)
    bs = book["Balance Sheet"]
    row = row_of(bs, "Balance check: total assets - total liabilities and equity")
    cols = year_columns(bs)
    assert len(cols) == 14  # 13 years and the note column
    for year, col in cols.items():
        if year != "Note":
            assert abs(bs.cell(row, col).value or 0) <= 1e-6, year
            assert bs.cell(row + 1, col).value is True, year
    checks = book["Checks"]
    assert checks["C4"].value == "OK" and checks["C5"].value == "OK"
    assert book["Summary"].cell(row_of(book["Summary"], "Checks (every tie-out, balance and audit)"), 3).value == "OK"


def test_cross_statement_checks_compare_live_cells(built_book):
    """The tie-outs on the Checks sheet point at the live rows of the statements, never at printed figures."""
    book = formulas(built_book)
    live_rows = {}
    for name in ("Income Statement", "Balance Sheet", "Cash Flow"):
        sheet = book[name]
        for r in range(5, 60):
            label = sheet.cell(r, 1).value
            if label:
                live_rows.setdefault(label, (name, r))
    checks = book["Checks"]
    wanted = {"Cash-flow net profit = income-statement net profit (live)": ("Net profit", "Net profit (incl. non-controlling interests)"),
              "Ending cash (cash flow) = cash (balance sheet) (live)": ("Cash at end of year", "Cash and cash equivalents")}
    for label, (left, right) in wanted.items():
        r = row_of(checks, label)
        text = " ".join(str(checks.cell(r, c).value) for c in range(3, 16))
        for line in (left, right):
            sheet, row = live_rows[line]
            assert f"'{sheet}'!" in text and re.search(rf"'{sheet}'![A-Z]+{row}\b", text), (label, line)
    # the cash-flow net profit of a forecast year is a link to the income statement
    cf = book["Cash Flow"]
    assert cf["E5"].value.startswith("='Income Statement'!E")


def test_fcff_reconciliation_is_shown_and_ties(built_book):
    dcf = values(built_book)["DCF"]
    cols = year_columns(dcf)
    top = row_of(dcf, "= FCFF from the cash-flow statement")
    fcff = row_of(dcf, "FCFF (KC_FCFF)")
    for year in load_company()["forecast"]["years"]:
        c = cols[year]
        cfo, interest, capex = (dcf.cell(top - k, c).value for k in (3, 2, 1))
        assert cfo + interest + capex == pytest.approx(dcf.cell(top, c).value, abs=1e-9)
        assert dcf.cell(fcff, c).value == pytest.approx(dcf.cell(top, c).value, abs=1e-6)
        assert dcf.cell(top + 2, c).value is True


def test_report_cases_reproduce_the_seeds(built_book):
    data = load_company()
    book = values(built_book)
    rc = book["Report cases"]
    printed = {"bear": 1.97, "base": 5.09, "bull": 7.86}
    reproduced = {"bear": 1.97, "base": 5.07, "bull": 7.84}
    for case in data["scenarios"]:
        row = row_of(rc, f"{case['name']}: free cash flow")
        value = rc.cell(row, 10).value
        assert value == pytest.approx(value_scenario(data, case).result.per_share, rel=1e-12)
        assert round(value, 2) == reproduced[case["name"]]
        assert value == pytest.approx(printed[case["name"]], rel=0.005)
    row = row_of(rc, "P/S target (US$ per ADS)")
    assert rc.cell(row, 3).value == pytest.approx(multiple_target(data)["target"], rel=1e-12)
    assert rc.cell(row, 3).value == pytest.approx(17.6, rel=0.005)
    assert rc.cell(row_of(rc, "Rating (the report's scale)"), 3).value == "Buy"
    summary = book["Summary"]
    views = {summary.cell(r, 1).value: r for r in range(1, 40)}
    assert summary.cell(views["Report case 'seed 002 DCF' (live case)"], 8).value == "Underweight"
    assert summary.cell(views["Report case 'seed 000 P/S'"], 4).value == pytest.approx(17.6, rel=0.005)


def test_implied_hkd_usd_is_inside_the_peg(built_book):
    book = values(built_book)
    sheet, ref = named(built_book, "HKD_USD")
    assert 7.75 <= book[sheet][ref].value <= 7.85
    sheet, ref = named(built_book, "PegOK")
    assert book[sheet][ref].value == "OK"


def test_every_market_figure_carries_its_date(built_book):
    assumptions = values(built_book)["Assumptions"]
    for label in ("Share price (HK$)", "HKD per CNY", "CNY per USD", "ADS price (US$)", "52-week low (US$ per ADS)",
                  "LTM revenue (CNY m)", "Net debt used by the report DCF (CNY m)", "Valuation date"):
        assert assumptions.cell(row_of(assumptions, label), 4).value is not None, label


def test_chart_series_carry_the_cells_values(built_book):
    """The football field's cached series are the numbers beside it, so a viewer that does not recompute
    draws the bars; and the chart sits inside the Summary's print area."""
    book = values(built_book)
    summary = book["Summary"]
    with zipfile.ZipFile(built_book) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        workbook_xml = z.read("xl/workbook.xml").decode()
    caches = [[float(v) for v in re.findall(r"<c:v>([^<]*)</c:v>", block)]
              for block in re.findall(r"<c:numCache>(.*?)</c:numCache>", chart, re.S)]
    first = row_of(summary, "House scenarios (bear - bull)")
    last = row_of(summary, "Current price (HK$)")
    low = [summary.cell(r, 3).value for r in range(first, last + 1)]
    bar = [summary.cell(r, 5).value for r in range(first, last + 1)]
    assert caches == [pytest.approx(low, rel=1e-9), pytest.approx(bar, rel=1e-9)]
    assert all(v > 0 for v in bar)
    chart_to_row = int(re.search(r"<xdr:to><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)",
                                 drawing).group(1))
    area = re.search(r'_xlnm.Print_Area" localSheetId="1">Summary!\$A\$1:\$[A-Z]+\$(\d+)<', workbook_xml)
    assert area and int(area.group(1)) >= chart_to_row + 1


def test_print_setup_headers_footers_and_print_areas(built_book):
    book = formulas(built_book)
    for name in SHEET_ORDER:
        if name == "xlwings.conf":
            continue
        ws = book[name]
        assert "&A" in (ws.oddHeader.right.text or ""), name
        assert "&P" in (ws.oddFooter.center.text or "") and "&N" in ws.oddFooter.center.text, name
        if name != "Checks":
            assert ws.print_area, name
    sensitivity = book["Sensitivity"]                              # one page: the exit grid prints with its headers
    assert sensitivity.sheet_properties.pageSetUpPr.fitToPage and sensitivity.page_setup.fitToHeight in (None, 1)
    assert book["Income Statement"].print_title_rows == "$4:$4"  # year headers on every page


def test_no_working_notes_in_client_facing_cells(built_book):
    text = " ".join(str(c.value) for ws in values(built_book).worksheets for row in ws.iter_rows() for c in row
                    if isinstance(c.value, str))
    for phrase in ("placed:", "brief", "hint", "see report", "run ("):
        assert phrase not in text, phrase


def test_negative_pe_shows_as_nm(built_book):
    book = formulas(built_book)
    comps = book["Comps"]
    row = row_of(comps, "Cloudflare")
    assert comps.cell(row, 4).value < 0 and comps.cell(row, 4).number_format.endswith('"n.m."')
    summary = book["Summary"]
    assert summary.cell(row_of(summary, "P/E (x; n.m. when loss-making)"), 3).number_format.endswith('"n.m."')


def test_inputs_are_blue_on_yellow_and_links_green(built_book):
    book = formulas(built_book)
    blue, green = "FF0000FF", "FF007A33"
    checked = 0
    for name in ("Assumptions", "Drivers", "Income Statement", "Balance Sheet", "Cash Flow", "Report cases", "Comps"):
        for row in book[name].iter_rows(min_row=4):
            for c in row:
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.column > 2:
                    assert c.font.color is not None and c.font.color.rgb == blue, (name, c.coordinate, c.value)
                    assert c.fill.fgColor.rgb.endswith("FFF2CC"), (name, c.coordinate)
                    checked += 1
                elif isinstance(c.value, str) and re.fullmatch(r"='[^']+'!\$?[A-Z]+\$?\d+", c.value):
                    assert c.font.color is not None and c.font.color.rgb == green, (name, c.coordinate, c.value)
                    checked += 1
    assert checked > 400


def test_plugs_are_visible(built_book):
    sheet = formulas(built_book)["Balance Sheet"]
    for label in ("Unidentified non-current asset (inferred, probably goodwill)", "Revolving credit facility (model plug)",
                  "Rounding / omission in the source (printed - parts)"):
        row = row_of(sheet, label)
        assert sheet.cell(row, 4).fill.fgColor.rgb.endswith("F8CBAD"), label


def test_self_check_sheet_passes(built_book):
    sheet = values(built_book)["Self-check"]
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
    data = load_company(EXAMPLE_DATA)
    h = house_view(data)
    sheet, ref = named(example_book, "House_Target")
    assert book[sheet][ref].value == pytest.approx(h["target"], rel=1e-12)
    # its balance sheet balances in every year, with cash as the plug; no peg check for a US$ company
    bs = book["Balance Sheet"]
    row = row_of(bs, "Balance check: total assets - total liabilities and equity")
    assert all(abs(bs.cell(row, c).value or 0) <= 1e-6 for c in range(3, 3 + len(h["plan"].years)))
    assert "PegOK" not in Workbook.open(example_book).names
    # the misprint of the fictional source is a visible gap line and an expected failure
    income = book["Income Statement"]
    gap = row_of(income, "Rounding / omission in the source (printed - parts)")
    assert income.cell(gap, 4).value == -5
    # the report cases still work on the example (mid-year convention), and no HK$ label leaks
    dcf = book["DCF"]
    assert "HK$" not in " ".join(str(c.value) for row in dcf.iter_rows() for c in row if isinstance(c.value, str))
    weighted = kcfuncs.weighted_value([value_scenario(data, c).result.per_share for c in data["scenarios"]])
    assert book["Report cases"].cell(row_of(book["Report cases"], "Report case values (US$ per share)"), 3).value \
        == pytest.approx(value_scenario(data, data["scenarios"][0]).result.per_share, rel=1e-12)
    assert weighted > 0


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


def test_source_ties_fail_exactly_where_the_data_file_says(built_book, example_book):
    for path, data in ((built_book, load_company()), (example_book, load_company(EXAMPLE_DATA))):
        book = values(path)
        years = data["statements"]["years"]
        seen = 0
        for statement, name in (("income_statement", "Income Statement"), ("balance_sheet", "Balance Sheet"),
                                ("cash_flow", "Cash Flow")):
            sheet = book[name]
            for line in data[statement]:
                if not line.get("sum_of") or line.get("printed", True) is False:
                    continue
                label = f"  source ties: printed = {' + '.join(p.replace('_', ' ') for p in line['sum_of'])}"
                row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == label
                           and sheet.cell(r - 2, 1).value == line["en"])
                gaps = line.get("source_gap") or [0] * len(years)
                for k, gap in enumerate(gaps):
                    assert sheet.cell(row, 3 + k).value is (abs(gap) <= 1), (name, line["key"], years[k])
                    seen += 1
        assert seen >= 20
        assert book["Checks"]["C4"].value == "OK"


def test_the_sources_printed_ratios_are_reproduced_by_the_live_model_in_reported_years(built_book):
    """Seed 000's headline and ratio tables, printed in the book beside the live model's same figure: in the
    reported years the live model reproduces each within the table's rounding, except where the data file
    documents that the source differs (attributable net profit; ratios on totals that omit a line)."""
    documented = {"Net profit (headline; attributable to ordinary shareholders)", "Net margin (headline)",
                  "Earnings per share (CNY; per ADS)", "P/S multiple (at the 2025-05-14 price)",
                  "Liabilities / equity (as printed: in fact current assets / equity)", "Revenue / total assets", "Total assets / equity"}
    sheet = values(built_book)["Report cases"]
    seen = 0
    for r in range(1, sheet.max_row):
        if sheet.cell(r + 1, 1).value != "  live model":
            continue
        label = sheet.cell(r, 1).value
        for c in (3, 4):                                   # 2023A, 2024A
            printed, live = sheet.cell(r, c).value, sheet.cell(r + 1, c).value
            if live is None or label in documented:
                continue
            tolerance = 0.5 if abs(printed) > 2 else 0.0006
            assert live == pytest.approx(printed, abs=tolerance), (label, c)
            seen += 1
    assert seen >= 18
