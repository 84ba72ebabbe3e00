"""ShapeReader's fast paths (one tokenization per skeleton, plans filled from slots, shapes kept per
relative slots) give exactly what ``cell_shape`` reads from scratch: the same tuple, or the same
Unsupported with the same message."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.calc import formula_cells
from workbook.calc.grammar import ShapeReader, cell_shape
from workbook.calc.values import Unsupported
from workbook.xlsx import references as pkg
from workbook.xlsx.book import Workbook


def outcome(read, formula, row, col):
    try:
        return read(formula, row, col)
    except Unsupported as error:
        return ("Unsupported", str(error))


def assert_same(reader, formula, row, col):
    expected = outcome(cell_shape, formula, row, col)
    assert outcome(reader.shape, formula, row, col) == expected, (formula, row, col)


# -- formulas made of realistic fragments; references kept apart so they can be filled down or across --

SHEETS = ["", "", "", "Sheet1!", "Sheet12!", "Data!", "'Q1 2024'!", "'My Sheet'!", "'It''s 3'!", "'A1'!",
          "'E5 x'!", "S2!", "'Income Statement'!", "\u00e9t\u00e92!", "\u20acE5!"]
LETTERS = st.text(alphabet="ABCEXYZaez", min_size=1, max_size=3)


@st.composite
def ends(draw):
    """One end of a cell reference: ($?, column letters, $?, row)."""
    return (draw(st.booleans()), draw(LETTERS), draw(st.booleans()),
            draw(st.integers(1, 20) | st.integers(1, 1_048_576)))


@st.composite
def reference(draw):
    sheet = draw(st.sampled_from(SHEETS))
    shape = draw(st.sampled_from(["cell", "cell", "area", "columns", "rows"]))
    if shape == "cell":
        return ("ref", sheet, (draw(ends()),))
    if shape == "area":
        return ("ref", sheet, (draw(ends()), draw(ends())))
    if shape == "columns":
        return ("ref", sheet, tuple((draw(st.booleans()), draw(LETTERS), True, None) for _ in range(2)))
    return ("ref", sheet, tuple((True, None, draw(st.booleans()), draw(st.integers(1, 300))) for _ in range(2)))


TEXTS = [
    # numbers, strings with digits and references inside, logicals, error values
    "1", "2.5", "1E3", "1.5e-3", ".5", "007", "10%", "1.E5", "2.e3", "3.EE",
    '"Q1"', '"A1+B2"', '"x""y3"', '""', '"E$5"', "TRUE", "false",
    "#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#DIV/5!", "#REF!A1",
    "Sheet1!#REF!", "#REF!$B$2:C3",
    # functions (some named like references or with digits), array constants
    "SUM(", "LOG10(", "ATAN2(", "IF(", "KC_DCF(", "_xlfn.SINGLE(", "INDEX(", "A1(", "ROUND(", "DAYS360(",
    "{1,2;3,4}", '{"a",-1,TRUE}', "{1.5;#N/A}",
    # names, R1C1-looking names, names cut short before # or [
    "Rate", "Rate2", "R1C1", "RC", "R2C", "X1Y", "ABCD12", "tax.rate", "\\Name1", "_x1", "House_Rating", "Live_FCF",
    "Sheet1!Rate", "'Q1 2024'!Rate2", "A12#REF!", "A5#REF!", "Ab1.#N/A", "X12[Col]", "Table1[Col]",
    # references out of the grammar or unreadable, in another workbook
    "[1]Sheet1!A1", "'C:\\[Book2.xlsx]S1'!B2", "Sheet1:Sheet3!A1", "A1#", "A1:B2 C3", "$A$1:", "1\u0663", "A1\u0663",
    "A\u0663", "Z$", "$", "'",
]
OPERATORS = ["+", "-", "*", "/", "^", "&", "=", "<>", "<=", ">=", ",", ";", "(", ")", " ", "", "", ":", "%"]


@st.composite
def template(draw):
    """A formula as parts: plain text, and references kept as their ends."""
    parts = []
    for _ in range(draw(st.integers(1, 7))):
        if draw(st.booleans()):
            parts.append(draw(reference()))
        else:
            parts.append(("text", draw(st.sampled_from(TEXTS))))
        parts.append(("text", draw(st.sampled_from(OPERATORS))))
    if draw(st.booleans()):
        parts.pop()
    return parts


def written(parts, down: int, across: int, moved: bool = False) -> str:
    """The formula as Excel writes it after being filled ``down`` rows and ``across`` columns (or with its
    absolute references moved by as much too)."""
    out = []
    for part in parts:
        if part[0] == "text":
            out.append(part[1])
            continue
        _, sheet, area = part
        texts = []
        for absolute_col, letters, absolute_row, number in area:
            text = ""
            if letters is not None:
                column = pkg.column_number(letters.upper()) + (0 if absolute_col and not moved else across)
                text += ("$" if absolute_col else "") + pkg.column_letters(max(column, 1))
            if number is not None:
                number += 0 if absolute_row and not moved else down
                text += ("$" if absolute_row else "") + str(max(number, 1))
            texts.append(text)
        out.append(sheet + ":".join(texts))
    return "".join(out)


def respelled(formula: str, rng: random.Random) -> str:
    """The formula with other digits, and other letters before some digits (wherever they are)."""
    formula = re.sub(r"[0-9]+", lambda m: rng.choice([m.group(), str(rng.randint(0, 99999)), "0" + m.group()]),
                     formula)
    return re.sub(r"[A-Za-z]{1,3}(?=[0-9])", lambda m: rng.choice(["A", "zz", "XFD", "e", m.group()]), formula)


@settings(max_examples=600)
@given(template(), st.integers(1, 5000), st.integers(1, 300), st.randoms(use_true_random=False))
def test_a_formula_filled_down_and_across_has_the_shape_read_from_scratch(parts, row, col, rng):
    reader = ShapeReader()
    for _ in range(12):
        down, across = rng.choice([(0, 0), (1, 0), (rng.randint(1, 50), 0), (0, 1), (0, rng.randint(1, 20)),
                                   (rng.randint(-5, 5), rng.randint(-3, 3))])
        formula = written(parts, down, across)
        for place in ((row + down, col + across), (row, col), (row + down, col + across)):
            assert_same(reader, formula, *place)
        assert_same(reader, written(parts, down, across, moved=True), row + down, col + across)
        assert_same(reader, respelled(formula, rng), row + down, col + across)


@settings(max_examples=300)
@given(st.lists(template(), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_one_reader_over_many_formulas_keeps_each_shape_apart(templates, rng):
    reader = ShapeReader()
    for _ in range(40):
        parts = rng.choice(templates)
        down, across = rng.randint(0, 30), rng.randint(0, 10)
        assert_same(reader, written(parts, down, across), rng.randint(1, 100) + down, rng.randint(1, 30) + across)


@settings(max_examples=500)
@given(st.text(alphabet="A1$:!'\"#[]().,;+-e E5Rz0_\u0663\u00e9{}", max_size=16), st.integers(1, 50),
       st.integers(1, 50))
def test_any_text_gives_the_shape_or_the_error_read_from_scratch(text, row, col):
    reader = ShapeReader()
    for r, c in ((row, col), (row, col), (row + 1, col), (row, col + 1)):
        assert_same(reader, text, r, c)
        assert_same(reader, re.sub("[0-9]+", "12", text), r, c)
        assert_same(reader, re.sub("[A-Za-z]+(?=[0-9])", "Ee", text), r, c)


def test_the_edge_cases_of_a_skeleton():
    reader = ShapeReader()
    for formula, row, col in [("A5#REF!", 1, 1), ("A12#REF!", 1, 1), ("A123#N/A", 3, 3), ("#DIV/0!+A1", 2, 2),
                              ("#DIV/5!+A1", 2, 2), ("#DIV/00!+A1", 2, 2), ("A1\u0663+1", 1, 1), ("A2\u0663+1", 1, 1),
                              ("A\u0663", 1, 1), ("A\u0663", 3, 1), ("B\u0663:$C\u0663", 4, 2),
                              ("B\u0663:$C\u0663", 5, 3),
                              ("SUM(A:A)", 1, 1), ("SUM(B:B)", 1, 2), ("1:3", 4, 1), ("2:4", 5, 1),
                              ("Sheet1!A1", 1, 1), ("Sheet2!A1", 1, 1), ("'Q1 2024'!E5", 5, 5), ("'Q2 2025'!F5", 5, 6),
                              ("1.E5", 1, 1), ("1.X5", 1, 1), ("$A$5+A1", 5, 1), ("$A$6+A2", 6, 1),
                              ("A" + "1" * 5000, 1, 1), ("#DIV/0!+A1", 1, 1), ("#DIV/5!+A" + "1" * 5000, 1, 1),
                              ("$A$1+A1", 1, 1), ("$A$" + "1" * 4400 + "+A" + "1" * 4500, 1, 1),
                              ("Rate 5", 1, 1), ("1A1", 1, 1), ("1B1", 1, 2)]:
        for _ in range(2):
            try:
                expected = cell_shape(formula, row, col)
            except (Unsupported, ValueError) as error:     # ValueError: a row past int()'s digit limit
                expected = (type(error), str(error))
            try:
                got = reader.shape(formula, row, col)
            except (Unsupported, ValueError) as error:
                got = (type(error), str(error))
            assert got == expected, formula


def test_every_formula_of_the_template(built_book):
    book = Workbook.open(built_book)
    cells = [(cell.formula, *pkg.split_cell(cell.ref)) for cell in formula_cells(book)]
    assert len(cells) > 1000
    reader = ShapeReader()
    rng = random.Random(7)
    for order in (cells, cells, rng.sample(cells, len(cells))):
        for formula, row, col in order:
            assert_same(reader, formula, row, col)
    # Read the other way round too: which cell of a skeleton comes first decides its plan.
    reader = ShapeReader()
    for formula, row, col in reversed(cells):
        assert_same(reader, formula, row, col)


def test_the_tokens_are_those_of_the_alternatives_in_their_first_order():
    """Operators and strings were moved to the front of the tokenizer's alternatives, which must not
    change a single token: compare with the alternatives put back (whitespace first, operators last)."""
    from workbook.calc import grammar

    alternatives = [line.strip().lstrip("|").strip() for line in grammar._TOKEN.pattern.strip().splitlines()]
    first = {name: next(a for a in alternatives if a.startswith(f"(?P<{name}>")) for name in ("op", "string", "ws")}
    rest = [a for a in alternatives if a not in first.values()]
    original = re.compile("|".join([first["ws"], first["string"], *rest, first["op"]]), re.X)

    def tokens(text, pattern):
        out, end = [], 0
        for match in iter(pattern.scanner(text).match, None):
            if match.lastgroup != "ws":
                out.append((match.lastgroup, match.group()))
            end = match.end()
        return out, end

    @settings(max_examples=2000)
    @given(st.lists(st.sampled_from(TEXTS + OPERATORS + ["\u2000", "\u00a0", "'x'!", "\"", "{"]), max_size=8)
           | st.text(alphabet="A1$:!'\"#[]().,;+-<>=e E5_\u2000{}%&^*/", max_size=14))
    def check(pieces):
        text = pieces if isinstance(pieces, str) else "".join(pieces)
        assert tokens(text, grammar._TOKEN) == tokens(text, original), text

    check()
