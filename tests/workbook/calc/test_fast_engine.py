"""The fast evaluator: against the `formulas` engine on the template and on tricky expressions, against
LibreOffice, its per-formula fallback, what it refuses, and formulas at the edges."""

import math

import numpy as np
import pytest
import xlsxwriter

from workbook.calc import libreoffice, recalculate
from workbook.calc.fast_engine import Unsupported
from workbook.errors import BookError
from workbook.xlsx.book import Workbook

from tests.conftest import needs_libreoffice, values


def same(a, b) -> bool:
    a = a.item() if isinstance(a, np.generic) else a
    b = b.item() if isinstance(b, np.generic) else b
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b and isinstance(a, bool) == isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return str(a) == str(b)


@pytest.mark.parametrize("book", ["built_book", "example_book"])
def test_both_engines_agree_on_every_cell(book, request):
    path = request.getfixturevalue(book)
    fast = recalculate(Workbook.open(path), engine="fast").values()
    slow = recalculate(Workbook.open(path), engine="formulas").values()
    assert fast.keys() == slow.keys()
    cells = [(s, r) for s in slow for r in slow[s]]
    assert len(cells) > 400
    assert [(s, r, slow[s][r], fast[s][r]) for s, r in cells if not same(slow[s][r], fast[s][r])] == []


# Expressions whose Excel semantics are easy to get wrong; A1:A4 hold 10, "x", TRUE and an empty cell.
EXPRESSIONS = [
    "=-2^2", "=2^3^2", "=10%*3", "=1+2*3-4/8", '="a"="A"', '=1<"a"', '="b">"a"', "=TRUE+1", '="3"*2',
    "=1/0", "=IF(1>2,1)", "=IF(2>1,\"yes\",\"no\")", "=IFERROR(1/0,5)", "=INDEX({1,2,3},2)",
    "=INDEX({1,2;3,4},2,1)", '=MATCH("b",{"a","b","c"},0)', '=MATCH("z",{"a","b"},0)', "=NPV(0.1,1,2,3)",
    "=ROUND(2.5,0)", "=ROUND(-2.5,0)", "=ROUND(1.23456,2)", "=MAX(A1:A4)", "=MIN(A1:A4,-3)", "=SUM(A1:A4)",
    "=COUNT(A1:A4)", "=AVERAGE(A1:A4,20)", "=MEDIAN(1,2,3,4)", "=AND(TRUE,0)", "=OR(FALSE,A3)", "=NOT(A1)",
    '=SUBSTITUTE("KC_DCF: wacc","KC_DCF: ","")', "=A4", "=A4+1", '=A1&"%"', "=A2*2", "=ABS(-3)",
    "=KC_DCF({100,110,120},0.1,0.02)", "=KC_UPSIDE(A1,8)", "=_xludf.KC_UPSIDE(A1,8)", "=INDEX(KC_SENSITIVITY({100,110},{0.09,0.1},{0.02}),2,1)",
]


def expression_book(path):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("T")
    sheet.write_number("A1", 10)
    sheet.write_string("A2", "x")
    sheet.write_boolean("A3", True)
    for row, formula in enumerate(EXPRESSIONS, start=6):
        sheet.write_formula(row - 1, 1, formula)
    book.close()


def test_expressions_agree_with_the_formulas_engine(tmp_path):
    path = tmp_path / "expressions.xlsx"
    expression_book(path)
    fast = recalculate(Workbook.open(path), engine="fast").values()["T"]
    slow = recalculate(Workbook.open(path), engine="formulas").values()["T"]
    disagree = {ref: (EXPRESSIONS[int(ref[1:]) - 6], slow[ref], fast[ref]) for ref in fast
                if not same(fast[ref], slow[ref])}
    assert len(fast) == len(EXPRESSIONS) and disagree == {}


@needs_libreoffice
def test_expressions_agree_with_libreoffice(tmp_path):
    from workbook.xlsx.cached_values import write_cached_values

    path = tmp_path / "expressions.xlsx"
    expression_book(path)
    fast = recalculate(Workbook.open(path), engine="fast").values()
    ours = tmp_path / "ours.xlsx"
    write_cached_values(path, ours, fast)
    lo = values(libreoffice.recalculated(ours, tmp_path / "lo"))["T"]
    mine = values(ours)["T"]
    differ = [(f, mine[f"B{row}"].value, lo[f"B{row}"].value) for row, f in enumerate(EXPRESSIONS, start=6)
              if "KC_" not in f and not same(mine[f"B{row}"].value, lo[f"B{row}"].value)]
    # LibreOffice stores TRUE as the number 1, so its SUM/COUNT/AVERAGE over A1:A4 count it; Excel's
    # documented rule (and ours) skips logical values inside ranges. Nothing else may differ.
    assert differ == [("=SUM(A1:A4)", 10, 11), ("=COUNT(A1:A4)", 1, 2),
                      ("=AVERAGE(A1:A4,20)", 15, pytest.approx(31 / 3))], differ


def sheet_book(path, cells: dict, sheet="S"):
    """A one-sheet workbook of {cell: number, text, logical or formula (text starting with =)}."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    for ref, value in cells.items():
        if isinstance(value, bool):
            ws.write_boolean(ref, value)
        elif isinstance(value, (int, float)):
            ws.write_number(ref, value)
        elif value.startswith("="):
            ws.write_formula(ref, value)
        else:
            ws.write_string(ref, value)
    book.close()
    return path


def test_a_formula_outside_the_fast_engine_falls_back_alone(tmp_path):
    """IRR is not the fast engine's: that one formula goes to the fallback, and AVERAGE(A1,A2) beside it
    keeps Excel's 10 (an empty cell in a reference is skipped), as in a book without IRR."""
    cells = {"A1": 10, "B1": -100, "B2": 60, "B3": 60, "C1": "=IRR(B1:B3)", "D1": "=AVERAGE(A1,A2)"}
    path = sheet_book(tmp_path / "irr.xlsx", cells)
    with pytest.raises(Unsupported, match="S!C1: function IRR"):
        recalculate(Workbook.open(path), engine="fast")
    values = recalculate(Workbook.open(path)).values()["S"]
    assert values["D1"] == 10
    assert values["C1"] == pytest.approx(0.1306623862918075, rel=1e-9)   # (1+r)^2 - 0.6(1+r) - 0.6 = 0
    alone = sheet_book(tmp_path / "alone.xlsx", {"A1": 10, "D1": "=AVERAGE(A1,A2)"})
    assert recalculate(Workbook.open(alone)).values()["S"]["D1"] == values["D1"]


def test_the_fallback_is_fed_the_fast_engines_values(tmp_path):
    """The fallback formula reads a cell the fast engine computed (B3 = B2*2 via intersection-free
    arithmetic), and a formula after it reads the fallback's result."""
    cells = {"B1": -100, "B2": 30, "B3": "=B2*2", "C1": "=IRR(B1:B3)", "C2": "=C1*100"}
    values = recalculate(Workbook.open(sheet_book(tmp_path / "fed.xlsx", cells))).values()["S"]
    assert values["C2"] == pytest.approx(values["C1"] * 100, rel=1e-15)
    r = values["C1"]
    assert -100 + 30 / (1 + r) + 60 / (1 + r) ** 2 == pytest.approx(0, abs=1e-7)


@pytest.mark.parametrize("formula", ["=SUM(Table1[X])", "=A1:B2 C1", "={1,2;3}", "=1+", "=LET(x,1,x)",
                                     "=SUM((A1,B1))", "=A1#", "=Sheet1:Sheet2!A1"])
def test_the_fast_engine_refuses_what_it_does_not_compute(formula, tmp_path):
    path = sheet_book(tmp_path / "refused.xlsx", {"A1": 1, "B1": 2, "C9": formula})
    with pytest.raises(Unsupported, match="S!C9"):
        recalculate(Workbook.open(path), engine="fast")


# Formulas at the edges of the number range and of the grammar: each gives an Excel value or a one-line
# BookError naming the cell, never a Python exception.
EDGES = ["=NPV(1E+200,1,2)", "=ROUND(1E+307,2)", "=ROUND(1,400)", "=ROUND(1,1E+300)", "=EXP(1000)", "=10^-400",
         "=1E+308*10", "=POWER(-8,1/3)", '="a"&1E+20', "=" + "-" * 500 + "1", "=" + "+".join(["A1"] * 3000),
         "=" + "(" * 2000 + "1" + ")" * 2000, "=" + "ABS(" * 300 + "1" + ")" * 300, "=A1:A3+B1:B2",
         '=MATCH("~",A1:A3,0)', "=INDEX(A1:B2,1)", "={1,2}*SUM(A:A)", "=IRR(A1:A3)", '=1/"x"',
         "=SUBSTITUTE(1,1,1,0)", "=MID(A1,1,1)", "=LEFT(0.1+0.2,3)"]


@pytest.mark.parametrize("formula", EDGES, ids=lambda f: f[:30])
def test_edges_give_a_value_or_a_one_line_error(formula, tmp_path):
    path = sheet_book(tmp_path / "edge.xlsx", {"A1": 1, "A2": 2, "A3": 3, "B1": 1, "B2": 2, "C9": formula})
    try:
        value = recalculate(Workbook.open(path)).values()["S"]["C9"]
    except BookError as error:
        assert str(error).startswith("S!C9: ") and "\n" not in str(error), error
        return
    assert isinstance(value, (float, str, bool)) or type(value).__name__ == "XlError", value


def test_a_shared_string_out_of_range_names_its_cell(tmp_path):
    import zipfile

    path = sheet_book(tmp_path / "strings.xlsx", {"A1": "text", "B1": "=A1"})
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<c r="A1" t="s"><v>0</v>', b'<c r="A1" t="s"><v>7</v>')
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(BookError, match=r"^S!A1: shared string 7 does not exist \(the table has 1\)$"):
        recalculate(Workbook.open(path))


def test_unused_cells_of_an_array_range_are_the_error_value_na(tmp_path):
    """A legacy array formula over more cells than its result: Excel shows #N/A there. The refreshed file
    stores the error value (t="e"), not the text "#N/A"."""
    import zipfile

    from workbook.commands.refresh import refresh_book

    book = xlsxwriter.Workbook(str(tmp_path / "na.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row("A1", [1, 2])
    sheet.write_array_formula("A3:C3", "{=A1:B1*2}")
    book.close()
    refresh_book(tmp_path / "na.xlsx")
    xml = zipfile.ZipFile(tmp_path / "na.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="C3" t="e"><v>#N/A</v></c>' in xml
    assert '<c r="B3"><v>4</v></c>' in xml


def test_a_dynamic_array_shows_its_result_once(tmp_path):
    """A dynamic array (cell metadata cm=...) is not repeated like a legacy array formula: a one-row result
    in a two-row spill range fills its row, and the rest is #N/A (Excel would leave those cells empty and
    shrink the spill range, which a refresh that changes only values cannot record); a result that
    outgrew the recorded spill range is refused, naming the cell (Excel would spill it further)."""
    book = xlsxwriter.Workbook(str(tmp_path / "dyn.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row("A1", [1, 2])
    sheet.write_dynamic_array_formula("A3:B4", "=A1:B1*2")
    sheet.write_row("A6", [1, 2, 3])
    sheet.write_dynamic_array_formula("A7:B7", "=A6:C6*2")
    book.close()
    with pytest.raises(BookError, match=r"^S!A7: the dynamic array now has 1 x 3 values .* \(A7:B7\)"):
        recalculate(Workbook.open(tmp_path / "dyn.xlsx"))
    book = xlsxwriter.Workbook(str(tmp_path / "dyn2.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row("A1", [1, 2])
    sheet.write_dynamic_array_formula("A3:B4", "=A1:B1*2")
    sheet.write_array_formula("D3:E4", "{=A1:B1*2}")
    book.close()
    got = recalculate(Workbook.open(tmp_path / "dyn2.xlsx")).values()["S"]
    assert [got["A3"], got["B3"], str(got["A4"]), str(got["B4"])] == [2, 4, "#N/A", "#N/A"]
    assert [got["D3"], got["E3"], got["D4"], got["E4"]] == [2, 4, 2, 4]     # legacy: the row repeats down


def test_a_name_with_a_relative_reference_is_one_line_naming_the_cell(tmp_path):
    # What such a name reads depends on the cell Excel had selected when it was defined: refused, never
    # guessed, and never an exception out of the engine.
    path = tmp_path / "relative.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Sheet1")
    ws.write_number("A1", 1.0)
    ws.write_formula("B1", "=Rel*2")
    ws.write_formula("B2", "=A1+1")
    book.define_name("Rel", "=Sheet1!A1")
    book.close()
    with pytest.raises(BookError, match=r"^Sheet1!B1: the formula cannot be computed headless \(the name "
                                        r"'Sheet1!A1' has a relative reference\)$"):
        recalculate(Workbook.open(path))
    with pytest.raises(Unsupported, match=r"Sheet1!B1: the name 'Sheet1!A1' has a relative reference"):
        recalculate(Workbook.open(path), "fast")
