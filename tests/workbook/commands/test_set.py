"""kc set on the built model: each input changes what depends on it and nothing else; bad values are one
line, exit 2, the book byte for byte as it was."""

import datetime as dt

import pytest

import kcfuncs
from workbook import commands as cli
from workbook.calc import formula_cells
from workbook.commands.refresh import refresh_book
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import write_cached_values
from workbook.xlsx.formula_text import precedents

from tests.conftest import named


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def every_value(path) -> dict:
    """{(sheet, cell): stored (type, text)} of every cell that holds something."""
    book = Workbook.open(path)
    return {(sheet, ref): stored for sheet, cells in book.cached_values().items() for ref, stored in cells.items()}


def dependents(path, name) -> set:
    """Every formula cell that reads the cells of ``name``, directly or through other formulas."""
    book = Workbook.open(path)
    sheet, ref = book.names[name]
    from workbook.xlsx.references import range_cells

    start = {(sheet, c) for c in range_cells(ref)}
    readers: dict = {}
    for cell in formula_cells(book):
        for precedent in precedents(cell.sheet, cell.formula, book.names):
            readers.setdefault(precedent, set()).add((cell.sheet, cell.ref))
        if cell.spill:  # a spilled array's other cells move with its anchor
            for member in range_cells(cell.spill):
                readers.setdefault((cell.sheet, cell.ref), set()).add((cell.sheet, member))
    found, todo = set(), list(start)
    while todo:
        for reader in readers.get(todo.pop(), ()):
            if reader not in found:
                found.add(reader)
                todo.append(reader)
    return start, found


def changed_cells(before: dict, after: dict) -> set:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def the_old_way(book_copy, tmp_path, **by_name):
    """The same inputs written cell by cell, then a plain refresh: what kc set must equal."""
    from workbook.xlsx.references import range_cells

    names = Workbook.open(book_copy).names
    cells: dict = {}
    for name, value in by_name.items():
        sheet, ref = names[name]
        cells.setdefault(sheet, {}).update(zip(range_cells(ref), value if isinstance(value, list) else [value]))
    reference = tmp_path / "Reference.xlsx"
    write_cached_values(book_copy, reference, {}, cells)
    refresh_book(reference)
    return every_value(reference)


@pytest.mark.parametrize("assignment, name, by_name", [
    ("Case_base_WACC=11%", "Case_base_WACC", {"Case_base_WACC": 0.11}),
    ("Case_base_TerminalGrowth=2.5%", "Case_base_TerminalGrowth", {"Case_base_TerminalGrowth": 0.025}),
    ("Scenario=bull", "Scenario", {"Scenario": "bull"}),
    ("Case_base_Growth=10%,10%,10%,10%", "Case_base_Growth", {"Case_base_Growth": [0.1] * 4}),
    ("ValuationDate=2025-12-31", "ValuationDate",
     {"ValuationDate": float((dt.date(2025, 12, 31) - dt.date(1899, 12, 30)).days)}),
])
def test_set_changes_what_depends_on_the_input_and_nothing_else(built_book, book_copy, tmp_path, capsys,
                                                                 assignment, name, by_name):
    before = every_value(book_copy)
    code, out, err = run(capsys, "set", book_copy, assignment)
    assert code == 0, err
    after = every_value(book_copy)
    start, downstream = dependents(book_copy, name)
    changed = changed_cells(before, after)
    assert changed & start                                  # the input itself
    assert changed - start <= downstream                    # nothing that does not depend on it
    assert changed - start                                  # and something that does
    # The same as writing the input into its cell and refreshing (the path the refresh tests check).
    assert after == the_old_way(built_book, tmp_path, **by_name)
    assert f"{name} " in out and " -> " in out and "1 input changed" in out


def test_set_growth_path_and_the_value_it_gives(book_copy, capsys):
    code, out, err = run(capsys, "set", book_copy, "Case_base_Growth=10%,10%,10%,10%")
    assert code == 0, err
    assert "Case_base_Growth" in out and "20.0%; 18.0%; 15.0%; 12.0% -> 10.0%; 10.0%; 10.0%; 10.0%" in out
    book = Workbook.open(book_copy)
    sheet, ref = book.names["Case_base_Growth"]
    from workbook.xlsx.references import range_cells

    assert [book.value(sheet, c) for c in range_cells(ref)] == [0.1] * 4


def test_a_live_name_stands_for_the_live_scenarios_input_when_it_reads_it(tmp_path, capsys):
    import xlsxwriter

    path = tmp_path / "Live.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Model")
    sheet.write_row("A1", ["bear", "base"])
    sheet.write_row("A2", [0.12, 0.10])
    sheet.write("A4", "base")
    sheet.write_formula("B4", "=INDEX(A2:B2,MATCH(Scenario,A1:B1,0))", None, 0.10)
    for name, ref in (("Scenario", "$A$4"), ("Case_bear_WACC", "$A$2"), ("Case_base_WACC", "$B$2"), ("WACC", "$B$4")):
        book.define_name(name, f"=Model!{ref}")
    book.close()
    code, out, err = run(capsys, "set", path, "wacc=11%")   # names match without regard to case
    assert code == 0, err
    assert "WACC is the live scenario's, Case_base_WACC" in out
    assert Workbook.open(path).value("Model", "B2") == 0.11 and Workbook.open(path).value("Model", "B4") == 0.11


def test_several_inputs_in_one_step(book_copy, capsys):
    code, out, err = run(capsys, "set", book_copy, "Price=9.10", "Shares=4,200.5", "Convention=MID")
    assert code == 0, err
    book = Workbook.open(book_copy)
    assert book.value(*named(book_copy, "Price")) == 9.1
    assert book.value(*named(book_copy, "Shares")) == 4200.5
    assert book.value(*named(book_copy, "Convention")) == "mid"
    assert "3 inputs changed" in out


@pytest.mark.parametrize("assignment, message", [
    ("Price=nan", "Price ('nan') must be a number"),
    ("Price=abc", "Price ('abc') must be a number"),
    ("Price=0", "Price (0) must be greater than zero"),
    ("Shares=-5", "Shares (-5) must be greater than zero"),
    ("FX=true", "FX ('true') must be a number"),
    ("Case_base_WACC=2%", "Case_base_WACC (2.0%) must exceed Case_base_TerminalGrowth (3.0%)"),
    ("Case_base_TerminalGrowth=12%", "Case_base_WACC (10.5%) must exceed Case_base_TerminalGrowth (12.0%)"),
    ("Case_base_WACC=11", "Case_base_WACC (11) would be 1100.0%; write 11% or 0.11"),
    ("Case_base_WACC=-150%", "Case_base_WACC (-150.0%) must be above -100%"),
    ("Scenario=worst", "Scenario ('worst') must be one of: bear, base, bull"),
    ("Convention=dated", "Convention ('dated') must be one of: end, mid"),
    ("RatingScale=stars", "RatingScale ('stars') must be one of: buy_hold_sell, overweight_underweight"),
    ("ValuationDate=2025-13-45", "ValuationDate ('2025-13-45') must be a date such as 2026-12-31"),
    ("Case_base_Growth=10%,10%", "takes 4 values, separated by commas; 'Case_base_Growth=10%,10%' gives 2"),
    ("Nope=1", "no named input 'Nope' in this workbook"),
    ("Live_FCF=1", "is computed by a formula, not an input"),
    ("Price", "write Name=value"),
])
def test_a_bad_value_is_one_line_and_writes_nothing(book_copy, capsys, assignment, message):
    before = book_copy.read_bytes()
    files = sorted(p.name for p in book_copy.parent.iterdir())
    code, out, err = run(capsys, "set", book_copy, "Price=9", assignment)   # a good value first: still nothing
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert book_copy.read_bytes() == before
    assert sorted(p.name for p in book_copy.parent.iterdir()) == files


def test_nothing_to_set(book_copy, capsys):
    code, _, err = run(capsys, "set", book_copy)
    assert code == 2 and "nothing to set" in err


def test_set_to_another_file_leaves_the_model(book_copy, tmp_path, capsys):
    before = book_copy.read_bytes()
    out = tmp_path / "Scenario_bull.xlsx"
    code, _, err = run(capsys, "set", book_copy, "Scenario=bull", "-o", out)
    assert code == 0, err
    assert book_copy.read_bytes() == before
    assert Workbook.open(out).value(*named(out, "Scenario")) == "bull"


def test_the_value_set_is_the_value_the_core_computes(book_copy, capsys):
    run(capsys, "set", book_copy, "Case_base_WACC=11.25%", "NetDebt=500")
    flows = kcfuncs.fcf_path(kcfuncs.revenue_path(10370, [0.2, 0.18, 0.15, 0.12]), [0.02, 0.04, 0.06, 0.08, 0.10])
    expected = kcfuncs.dcf_valuation(flows, 0.1125, 0.03, 500.0, 4099.28, 1.1).per_share
    assert Workbook.open(book_copy).value(*named(book_copy, "Report_PerShare")) == pytest.approx(expected, rel=1e-12)


def test_a_computed_name_that_reads_other_inputs_is_refused_with_a_hint(book_copy, capsys):
    # The house WACC is built up (or overridden) per scenario: setting a report case would not move it.
    before = book_copy.read_bytes()
    code, _, err = run(capsys, "set", book_copy, "WACC=11%")
    assert code == 2 and "WACC (" in err and "is computed by a formula, not an input; it reads " in err
    assert book_copy.read_bytes() == before
