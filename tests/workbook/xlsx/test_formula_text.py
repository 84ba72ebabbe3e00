import pytest

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
