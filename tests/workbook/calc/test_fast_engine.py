"""The fast evaluator against the `formulas` engine and against LibreOffice."""

import math

import numpy as np
import pytest
import xlsxwriter

from workbook.xlsx.book import Workbook
from workbook.calc import libreoffice
from workbook.calc.fast_engine import Parser, Unsupported
from workbook.calc import recalculate

from tests.conftest import needs_libreoffice, small_book, values


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


def test_unsupported_formulas_fall_back_to_the_formulas_engine(tmp_path):
    path = small_book(tmp_path / "sumproduct.xlsx", "S", [1, 2, 3], {"A2": "=SUMPRODUCT(A1:C1,A1:C1)"})
    with pytest.raises(Unsupported, match="SUMPRODUCT"):
        recalculate(Workbook.open(path), engine="fast")
    result = recalculate(Workbook.open(path))
    assert result.engine == "formulas"
    assert result.values()["S"]["A2"] == 14


@pytest.mark.parametrize("formula", ["=SUM(Table1[X])", "=A1:B2 C1", "={1,2;3}", "=1+", "=LET(x,1,x)"])
def test_parser_refuses_what_it_does_not_know(formula):
    with pytest.raises(Unsupported):
        Parser(formula).parse()
