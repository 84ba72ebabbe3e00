"""One switch drives everything: the scenario, the house DCF's timing and stub, the house rating table.
Each change is written into a copy of the built book, recomputed headless, and compared with the
unchanged book and with the Python model (workbook.company.house) of the same change."""

import copy
import datetime as dt

import pytest

from workbook.commands.refresh import refresh_book
from workbook.company import load_company
from workbook.company.forecast import plan, run
from workbook.company.house import house_view
from workbook.xlsx.cached_values import write_cached_values

from workbook.xlsx import references as pkg
from workbook.xlsx.book import Workbook

from tests.conftest import named, values


def inputs(path, **by_name):
    """{sheet: {cell: value}} for defined names; a list fills a range cell by cell."""
    names = Workbook.open(path).names
    out = {}
    for name, value in by_name.items():
        sheet, ref = names[name]
        cells = pkg.range_cells(ref)
        given = value if isinstance(value, list) else [value]
        assert len(given) == len(cells), name
        out.setdefault(sheet, {}).update(zip(cells, given))
    return out

# (sheet, what changes, how to find the cell): a label in column A and a year or a column number.
PER_SHEET = {
    "Drivers": ("Gross margin", "2026E"),
    "Income Statement": ("Revenue", "2027E"),
    "Balance Sheet": ("Cash and cash equivalents", "2026E"),
    "Cash Flow": ("Purchase of fixed assets (capex)", "2026E"),
    "DCF": ("Value per share (HK$)", 3),
    "Scenarios": ("  live scenario's value = DCF sheet", None),
    "Sensitivity": (None, "C19"),
    "Report cases": ("Live case (Scenario) per share (HK$)", 3),
    "Summary": ("Live scenario and its value (HK$)", 4),
}


def switched(book_copy, tmp_path, **named_inputs):
    edited = tmp_path / "Switched.xlsx"
    write_cached_values(book_copy, edited, {}, inputs(book_copy, **named_inputs))
    refresh_book(edited)
    return edited


def cell_of(sheet, label, where):
    if label is None:
        return sheet[where]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == label)
    if where is None:
        return sheet.cell(row, 3)
    if isinstance(where, int):
        return sheet.cell(row, where)
    header = next(r for r in range(1, 8) if any(sheet.cell(r, c).value == where for c in range(3, 20)))
    col = next(c for c in range(3, 20) if sheet.cell(header, c).value == where)
    return sheet.cell(row, col)


@pytest.fixture(scope="module")
def bear_book(built_book, tmp_path_factory):
    path = tmp_path_factory.mktemp("bear") / "Model.xlsx"
    path.write_bytes(built_book.read_bytes())
    return switched(path, tmp_path_factory.mktemp("bear_out"), Scenario="bear")


@pytest.mark.parametrize("sheet", list(PER_SHEET))
def test_switching_the_scenario_changes_every_sheet(built_book, bear_book, sheet):
    label, where = PER_SHEET[sheet]
    before = cell_of(values(built_book)[sheet], label, where).value
    after = cell_of(values(bear_book)[sheet], label, where).value
    if sheet == "Scenarios":       # the check follows the live scenario and still holds
        assert before is True and after is True
        return
    assert after != before, (sheet, before, after)


def test_the_switched_book_equals_the_python_model_and_still_balances(bear_book):
    data = load_company()
    p = plan(data)
    r = run(p, "bear")
    book = values(bear_book)
    income = book["Income Statement"]
    row = next(rr for rr in range(1, 40) if income.cell(rr, 1).value == "Net profit (incl. non-controlling interests)")
    for k, year in enumerate(p.years):
        assert income.cell(row, 3 + k).value == pytest.approx(r.line("net_profit")[k], rel=1e-12, abs=1e-9), year
    bs = book["Balance Sheet"]
    row = next(rr for rr in range(1, 60) if bs.cell(rr, 1).value ==
               "Balance check: total assets - total liabilities and equity")
    assert all(abs(bs.cell(row, 3 + k).value or 0) <= 1e-6 for k in range(len(p.years)))
    assert book["Checks"]["C4"].value == "OK"
    bear = next(c for c in house_view(data)["cases"] if c.name == "bear")
    assert book["DCF"]["C21"].value == pytest.approx(bear.result.per_share, rel=1e-12)
    # the house target weights all three scenarios, so it does not move with the switch
    sheet, ref = named(bear_book, "House_Target")
    assert book[sheet][ref].value == pytest.approx(house_view(data)["target"], rel=1e-12)


@pytest.mark.parametrize("name, value, field", [("Stub", "no", "stub"), ("Timing", "mid", "timing")])
def test_discounting_options_match_the_python_model(book_copy, tmp_path, name, value, field):
    data = load_company()
    changed = copy.deepcopy(data)
    changed["house"][field] = value
    expected = house_view(changed)
    book = values(switched(book_copy, tmp_path, **{name: value}))
    assert book["DCF"]["C21"].value == pytest.approx(expected["live"].result.per_share, rel=1e-12)
    assert book["DCF"]["C21"].value != pytest.approx(house_view(data)["live"].result.per_share, rel=1e-6)
    sheet, ref = named(book_copy, "House_Target")
    assert book[sheet][ref].value == pytest.approx(expected["target"], rel=1e-12)
    assert book["Checks"]["C4"].value == "OK"


def test_the_rating_table_is_what_kc_rating_reads(book_copy, tmp_path):
    # Lower the house Buy threshold below the upside: the house rating follows the table.
    sheet, ref = named(book_copy, "House_Scale")
    first = ref.split(":")[0]
    edited = tmp_path / "Rated.xlsx"
    write_cached_values(book_copy, edited, {}, {sheet: {first: -0.9}})
    refresh_book(edited)
    book = values(edited)
    s, r = named(edited, "House_Rating")
    assert values(book_copy)[s][r].value == "Sell" and book[s][r].value == "Buy"


def test_changing_a_driver_flows_through_the_statements(book_copy, tmp_path):
    edited = switched(book_copy, tmp_path, Drv_capex_ratio_base=[0.30, 0.12, 0.10])
    before, after = values(book_copy), values(edited)
    ppe = next(r for r in range(1, 40) if after["Balance Sheet"].cell(r, 1).value == "Property, plant and equipment")
    assert after["Balance Sheet"].cell(ppe, 5).value > before["Balance Sheet"].cell(ppe, 5).value
    assert after["Checks"]["C4"].value == "OK"      # still balances and reconciles
    assert after["DCF"]["C21"].value < before["DCF"]["C21"].value


def test_subtotals_follow_a_changed_input(book_copy, tmp_path):
    sheet, ref = named(book_copy, "Line_revenue")
    edited = tmp_path / "Edited.xlsx"
    write_cached_values(book_copy, edited, {}, {sheet: {ref.split(":")[0]: 8000.0}})  # 2023A revenue as printed
    refresh_book(edited)
    income = values(edited)["Income Statement"]
    gross = next(r for r in range(1, 40) if income.cell(r, 1).value == "Gross profit")
    assert income.cell(gross, 3).value == 8000 - 6197              # the live model moved
    assert values(edited)["Checks"]["C4"].value == "NOT OK"         # the printed gross profit no longer ties


def test_valuation_date_outside_the_stub_year_is_flagged(book_copy, tmp_path):
    edited = switched(book_copy, tmp_path, ValuationDate=float((dt.date(2026, 3, 31) - dt.date(1899, 12, 30)).days))
    assert values(edited)["Checks"]["C4"].value == "NOT OK"
