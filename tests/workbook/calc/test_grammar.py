"""Reading formulas: the R1C1 shapes cells share, and the shape cache that reads each skeleton once."""

from __future__ import annotations

import random

import pytest

from workbook.calc.grammar import Parser, ShapeReader, cell_shape
from workbook.calc.values import Unsupported

# As the sheet XML stores them: without the leading =.
FORMULAS = [
    "A1+B2", "$A$1*B2", "SUM(A1:A10)", "Sheet2!A1+'My Sheet'!B2:C3", "'Q1 2024'!A1*2", "Sheet1!A1",
    '"Q1"&A1', "IF(A1>2,1.5E3,-2)", "LOG10(A1)", "#DIV/0!", "Rate2*A3", "A:A", "1:3", "[1]Sheet1!A1",
    "#REF!A1+1", "INDEX($C$5:$G$5,MATCH(B1,$C$4:$G$4,0))", "A1 + A2", "{1,2;3,4}*A1", "X1Y+1", "A1:B2 C3",
]


def _variants(formula: str, rng: random.Random):
    """The formula with its digits changed, as filling down or across changes them."""
    import re

    return re.sub(r"[0-9]+", lambda m: str(rng.randint(1, 999)), formula)


@pytest.mark.parametrize("formula", FORMULAS)
def test_the_cached_shape_is_the_shape_read_from_scratch(formula):
    reader = ShapeReader()
    rng = random.Random(formula)
    for _ in range(30):
        text = _variants(formula, rng)
        row, col = rng.randint(1, 2000), rng.randint(1, 200)
        try:
            expected = cell_shape(text, row, col)
        except Unsupported:
            with pytest.raises(Unsupported):
                reader.shape(text, row, col)
            continue
        assert reader.shape(text, row, col) == expected, text


def test_an_error_constant_is_not_read_through_its_digits():
    reader = ShapeReader()
    assert reader.shape("#DIV/0!+1", 1, 1) == (("error", "#DIV/0!"), ("op", "+"), ("number", "1"))
    with pytest.raises(Unsupported):
        reader.shape("#DIV/5!+1", 1, 1)          # same skeleton, not an error value


def test_cells_filled_down_share_one_shape():
    reader = ShapeReader()
    shapes = {reader.shape(f"A{r}*$B$1+C{r + 1}", r, 4) for r in range(1, 200)}
    assert len(shapes) == 1


def test_operators_bind_as_in_excel():
    assert Parser("-2^2").parse() == ("bin", "^", ("neg", ("const", 2.0)), ("const", 2.0))
    assert Parser("2^3^2").parse()[2][0] == "bin"          # (2^3)^2, left to right
    assert Parser("1+2*3").parse() == ("bin", "+", ("const", 1.0), ("bin", "*", ("const", 2.0), ("const", 3.0)))
    assert Parser("5%*2").parse()[2] == ("pct", ("const", 5.0))
    assert Parser("SUM(1,,2)").parse() == ("call", "SUM", [("const", 1.0), ("missing",), ("const", 2.0)])
    assert Parser("_xlfn.SINGLE(A1)").parse()[1] == "SINGLE"
    assert Parser("(((1)))+2").parse() == ("bin", "+", ("const", 1.0), ("const", 2.0))
