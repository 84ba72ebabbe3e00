"""The plain number cells found and read as arrays: every cell the cell expression's left-to-right search
finds and no other, with its spans; every value exactly what float reads, or float's ValueError."""

import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workbook.xlsx import number_cells
from workbook.xlsx.number_cells import NUMBER_CELL, find_number_cells, parse_decimals


pytestmark = pytest.mark.usefixtures("few")     # every test on both paths (conftest)

HEAD = b'<worksheet xmlns="m"><sheetData>'
TAIL = b"</sheetData></worksheet>"


def found_by_the_expression(body: bytes) -> list[tuple]:
    text = (HEAD + body).decode("latin-1")
    return [(m.start(), m.group(1), m.group(2), m.group(3), m.end())
            for m in NUMBER_CELL.finditer(text, len(HEAD))]


def found_by_the_arrays(body: bytes) -> list[tuple]:
    data = HEAD + body + TAIL
    text = data.decode("latin-1")
    cells = find_number_cells(data, len(HEAD), len(HEAD) + len(body), text)
    out = []
    for start, ref_length, style_length, value_start, value_length, end, _ in zip(*(a.tolist() for a in cells)):
        ref_start = start + 6
        style_start = ref_start + ref_length + 1
        out.append((start, text[ref_start:ref_start + ref_length], text[style_start:style_start + style_length],
                    text[value_start:value_start + value_length], end))
    return out


PIECES = ['<c r="A1"><v>1</v></c>', '<c r="XFD1048576" s="12"><v>-2.5E-3</v></c>', '<c r="B2" s="0"><v>7</v></c>',
          '<row r="1">', "</row>", '<c r="C3" t="s"><v>0</v></c>', '<c r="D4"><f>A1</f><v>1</v></c>',
          '<c r="AAAA1"><v>1</v></c>', '<c r="a1"><v>1</v></c>', '<c r="A"><v>1</v></c>', '<c r="1"><v>1</v></c>',
          '<c r="A1" s=""><v>1</v></c>', '<c r="A1" s="x"><v>1</v></c>', '<c r="A1"  s="1"><v>1</v></c>',
          '<c r="A1"><v></v></c>', '<c r="A1"><v>1x</v></c>', '<c r="A1"><v> 1</v></c>', '<c  r="A1"><v>1</v></c>',
          '<c r="A1"><v>1</v> </c>', '<c r="A1" ><v>1</v></c>', '<c r="A1"><v>1</v></c >',
          f'<c r="A{"1" * 30}"><v>1</v></c>', f'<c r="A1" s="{"7" * 20}"><v>1</v></c>',
          f'<c r="A1"><v>{"9" * 40}</v></c>', f'<c r="A1"><v>1.{"5" * 30}E+3</v></c>', '<c r="A1" s="1"><v>.</v></c>',
          '<c r="A1"><v>1</v><v>2</v></c>', '<!-- <c r="A1"><v>1</v></c> -->', "<c", "<v>", "</c>", "</v></c>",
          ' s="1"', '"', ">", "<", "x", '<c r="A1"', '<c r="A1" s="1"', '<c r="A1" s="', '<v>1</v></c>', '<v>1</v>',
          "/", "1"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
@example(["<c", '<c r="A1"><v>1</v></c>'])
@example(['<c r="A1" s="1"', "x", '<v>1</v></c>'])
@example(['<c r="A1"', "x", '<v>1</v></c>'])
@example(['<c r="A1"><v>1</v></c>', "<"])
def test_the_cells_found_are_the_expressions_matches(pieces):
    body = "".join(pieces).encode()
    assert found_by_the_arrays(body) == found_by_the_expression(body)


def test_a_sheet_with_no_number_cell():
    assert found_by_the_arrays(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>') == []
    assert found_by_the_arrays(b"") == []


def parsed(texts: list[str]) -> list[float]:
    body = "".join(f"<v>{t}</v>" for t in texts).encode("latin-1")
    data = HEAD + body + TAIL
    text = data.decode("latin-1")
    starts = [m.start(1) for m in re.finditer(r"<v>([^<]*)</v>", text)]
    return parse_decimals(data, np.array(starts, dtype=np.int64), np.array([len(t) for t in texts], dtype=np.int64),
                          text).tolist()


def assert_same_floats(got: list[float], texts: list[str]):
    for value, text in zip(got, texts, strict=True):
        expected = float(text)
        assert value == expected and np.signbit(value) == np.signbit(expected) or (value != value and expected != expected), text


DECIMALS = st.builds(lambda sign, whole, point, fraction: sign + whole + point + fraction,
                     st.sampled_from(["", "-", "+"]), st.text("0123456789", max_size=20), st.sampled_from(["", "."]),
                     st.text("0123456789", max_size=20)).filter(lambda t: any(ch.isdigit() for ch in t))


@settings(max_examples=1000, deadline=None)
@given(st.lists(DECIMALS, min_size=1, max_size=20))
@example(["882.0311499999999", "0.1", "-0", "-0.0", "+.5", "5.", "9007199254740993", "900719925474099.3",
          "1.7976931348623157", "123456789012345678", "0.000000000000000001", "1E5", "-3.5E-7", "1e308", "2.5e-324",
          "00000000000000000001", "-9007199254740992"])
def test_every_value_is_what_float_reads(texts):
    assert_same_floats(parsed(texts), texts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False), min_size=1, max_size=20))
def test_the_texts_python_writes_read_back(values):
    texts = [repr(v) for v in values] + [str(v) for v in values] + [f"{v:.15g}" for v in values]
    texts = [t for t in texts if "inf" not in t]
    if texts:
        assert_same_floats(parsed(texts), texts)


@pytest.mark.parametrize("bad", ["-", ".", "+-1", "1.2.3", "1-", "E", "--1", "1..2"])
def test_a_value_float_does_not_read_raises_as_float_does(bad):
    with pytest.raises(ValueError):
        parsed(["1", bad, "2"])
