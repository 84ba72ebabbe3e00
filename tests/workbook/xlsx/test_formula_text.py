import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.xlsx.formula_text import calls_kc, function_names, precedents, translate, volatile_function


@pytest.mark.parametrize("formula, rows, cols, expected", [
    ("A1*2", 1, 0, "A2*2"),
    ("$A$1+A$1+$A1+A1", 2, 3, "$A$1+D$1+$A3+D3"),
    ("SUM('Q1 2024'!B2:C3)&\"A1\"", 1, 1, "SUM('Q1 2024'!C3:D4)&\"A1\""),
    ("KC_DCF(Live_FCF,W52_Low,B4)", 0, 1, "KC_DCF(Live_FCF,W52_Low,C4)"),
    ("LOG10(A1)", 1, 0, "LOG10(A2)"),
    ("A2-1", -2, 0, "#REF!-1"),
])
def test_translate_moves_relative_references_only(formula, rows, cols, expected):
    assert translate(formula, rows, cols) == expected


def test_function_names_and_calls():
    assert function_names('=_xlfn.IFS(A1,"OFFSET(",KC_DCF(1))') == ["IFS", "KC_DCF"]
    assert calls_kc("=1+kc_upside(2,1)") and not calls_kc('="KC_DCF(1)"')
    assert volatile_function("=A1+NOW()") == "NOW" and volatile_function('="TODAY()"') is None


def test_precedents_through_ranges_and_names():
    names = {"Price": ("Assumptions", "C6"), "Flows": ("DCF", "C8:D8")}
    assert precedents("DCF", "=KC_DCF(Flows,'My Sheet'!B2,A1)/Price", names) == [
        ("DCF", "C8"), ("DCF", "D8"), ("My Sheet", "B2"), ("DCF", "A1"), ("Assumptions", "C6")]


# Pieces of formulas for shared formulas: references of every anchoring, rows with leading zeros, the last
# column, references inside strings and sheet names (which stay), names and calls that look like
# references, a percent sign (the per-cell text is filled in by % formatting).
FORMULA_PIECES = ["A1", "$A1", "A$1", "$A$1", "B007", "A$0", "$B$00", "C0", "XFD1", "XFC10", "A1:B2", "Sheet1!C3", "'My Sheet'!D4", "'A1'!A1",
                  '"A1"', '"say ""B2"""', "LOG10(", "A1B", "_A1", "TAX2020", "%", "%d", "%s", "+", "*", "(", ")", ",",
                  "SUM(", "KC_DCF(", " ", "1.5E+3", "E1", "R1C1", "x$B$2"]


@settings(max_examples=800, deadline=None)
@given(pieces=st.lists(st.sampled_from(FORMULA_PIECES), max_size=12),
       origin=st.tuples(st.integers(1, 30), st.integers(1, 30)),
       cells=st.lists(st.tuples(st.integers(1, 40), st.sampled_from([1, 2, 3, 30])), min_size=1, max_size=12))
def test_a_shared_formula_reads_as_translate_in_every_cell(pieces, origin, cells):
    from workbook.xlsx.formula_text import SharedFormula
    from workbook.xlsx.references import column_letters

    text = "".join(pieces)
    master = f"{column_letters(origin[1])}{origin[0]}"
    shared = SharedFormula(master, text)
    expected = [translate(text, row - origin[0], col - origin[1]) for row, col in cells]
    for (row, col), moved in zip(cells, expected):   # (cells above or left of the first one: off the sheet)
        assert shared.at(f"{column_letters(col)}{row}") == moved
    assert shared.texts([row for row, _ in cells], [col for _, col in cells]) == expected     # all at once


def test_shared_formulas_are_resolved_per_cell():
    from workbook.xlsx.cells import scan_cells
    from workbook.xlsx.formula_text import resolved_formulas

    body = ('<row r="2"><c r="B2"><f t="shared" ref="B2:C4" si="0">A2*$A$1+SUM(A$2:A2)%</f><v>0</v></c>'
            '<c r="C2"><f t="shared" si="0"/><v>0</v></c></row>'
            '<row r="4"><c r="C4"><f t="shared" si="0"/><v>0</v></c><c r="D4"><f t="shared" si="1"/></c></row>')
    data = (f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{body}'
            f'</sheetData></worksheet>').encode()
    assert resolved_formulas(scan_cells(data)) == {"B2": "A2*$A$1+SUM(A$2:A2)%", "C2": "B2*$A$1+SUM(B$2:B2)%",
                                                   "C4": "B4*$A$1+SUM(B$2:B4)%"}


def test_a_shared_formula_with_rows_past_int64_reads_as_translate():
    from workbook.xlsx.formula_text import SharedFormula

    for text in ["A99999999999999999999+B9223372036854775800+C1", "A1+B2"]:
        shared = SharedFormula("A1", text)
        cells = [(1, 1), (5, 2), (10 ** 20, 1), (2 ** 62, 3)]
        assert shared.texts([r for r, _ in cells], [c for _, c in cells]) == [
            translate(text, r - 1, c - 1) for r, c in cells]
