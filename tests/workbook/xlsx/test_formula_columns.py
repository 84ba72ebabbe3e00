"""The plain formula cells found as arrays: every cell the formula cell expression's left-to-right search
finds and no other, with its spans, whether the region holds text to decode or not."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workbook.xlsx import formula_columns
from workbook.xlsx.formula_columns import FORMULA_CELL, SHARED_CELL, find_formula_cells, find_shared_cells
from workbook.xlsx.number_cells import tags_of


pytestmark = pytest.mark.usefixtures("few")     # every test on both paths (conftest)

HEAD = b'<worksheet xmlns="m"><sheetData>'
TAIL = b"</sheetData></worksheet>"


def found_by_the_expression(body: bytes) -> list[tuple]:
    text = (HEAD + body).decode("latin-1")
    return [(m.start(), m.group(1), m.group(2), m.group(3), m.group(4), m.end())
            for m in FORMULA_CELL.finditer(text, len(HEAD))]


def found_by_the_arrays(body: bytes) -> list[tuple]:
    data = HEAD + body + TAIL
    text = data.decode("latin-1")
    stop = len(HEAD) + len(body)
    escaped = any(byte in body for byte in b"&\r") or not body.isascii()
    tags = tags_of(data, len(HEAD), stop)
    cells = find_formula_cells(data, len(HEAD), stop, text, escaped, tags)
    assert (tags.at[cells.first_tags] == cells.starts).all()
    out = []
    for start, ref_length, style_length, formula_start, formula_length, value_start, value_length, end, *_ in zip(
            *(a.tolist() for a in cells)):
        ref_start = start + 6
        style_start = ref_start + ref_length + 1
        out.append((start, text[ref_start:ref_start + ref_length], text[style_start:style_start + style_length],
                    text[formula_start:formula_start + formula_length], text[value_start:value_start + value_length],
                    end))
    return out


CELLS = ['<c r="A1"><f>B1+1</f><v>1</v></c>', '<c r="XFD1048576" s="12"><f>SUM(A1:B2)</f><v>-2.5E-3</v></c>',
         '<c r="B2" s="0"><f></f><v>7</v></c>', '<c r="C3"><f>KC_DCF(A3:E3,F3,G3)</f><v>0</v></c>',
         '<c r="D4"><f>A1&gt;1</f><v>1</v></c>', '<c r="D5"><f>A1&amp;"x"</f><v>1</v></c>',
         '<c r="D6"><f>"é"</f><v>1</v></c>', '<c r="D7"><f>A1\r+1</f><v>1</v></c>', '<c r="D8"><f>A1>1</f><v>1</v></c>',
         '<c r="E1" t="str"><f>"x"</f><v>x</v></c>', '<c r="E2" t="n"><f>1</f><v>1</v></c>',
         '<c r="E3"><f t="shared" si="0">A1</f><v>1</v></c>', '<c r="E4"><f >A1</f><v>1</v></c>',
         '<c r="E5"><f>A1</f><v></v></c>', '<c r="E6"><f>A1</f><v>x</v></c>', '<c r="E7"><f>A1</f></c>',
         '<c r="E8"><f>A1</f><v>1</v><v>2</v></c>', '<c r="E9"><f>A1</f> <v>1</v></c>', '<c r="e9"><f>1</f><v>1</v></c>',
         '<c r="AAAA1"><f>1</f><v>1</v></c>', '<c r="A1" s="x"><f>1</f><v>1</v></c>', '<c r="A1"  s="1"><f>1</f><v>1</v></c>',
         f'<c r="A{"1" * 30}"><f>1</f><v>1</v></c>', f'<c r="A1" s="{"7" * 20}"><f>1</f><v>1</v></c>',
         f'<c r="A1"><f>1</f><v>{"9" * 40}</v></c>', f'<c r="A1"><f>{"A1+" * 300}1</f><v>1</v></c>',
         '<c r="A1"><v>1</v></c>']
PIECES = CELLS + ['<row r="1">', "</row>", "<c", "<f>", "</f>", "<v>", "</v></c>", "</c>", '<c r="A1"', ' s="1"', '"',
                  ">", "<", "x", "&", "é", "\r", "/", "1"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
@example(["<c", '<c r="A1"><f>1</f><v>1</v></c>'])
@example(['<c r="A1" s="1"', "x", '><f>1</f><v>1</v></c>'])
@example(['<c r="A1"><f>1</f><v>1</v></c>', "<"])
@example(['<c r="A1"><f>', "&", '</f><v>1</v></c>', '<c r="B1"><f>1</f><v>1</v></c>'])
def test_the_cells_found_are_the_expressions_matches(pieces):
    body = "".join(pieces).encode()
    assert found_by_the_arrays(body) == found_by_the_expression(body)


def test_every_plain_cell_is_found_and_no_other():
    found = found_by_the_arrays("".join(CELLS).encode())
    assert [ref for _, ref, *_ in found] == ["A1", "XFD1048576", "B2", "C3", "D8", f"A{'1' * 30}", "A1", "A1", "A1"]
    assert found[1][2:5] == (' s="12"', "SUM(A1:B2)", "-2.5E-3")
    assert found[2][3] == ""                               # an empty formula is still one
    assert found[-1][3] == "A1+" * 300 + "1"


def test_a_region_with_no_formula_cell():
    assert found_by_the_arrays(b'<row r="1"><c r="A1"><v>0</v></c></row>') == []
    assert found_by_the_arrays(b"") == []


def test_the_fields_are_int64_arrays():
    data = HEAD + b'<c r="A1"><f>1</f><v>1</v></c>' + TAIL
    cells = find_formula_cells(data, len(HEAD), len(data) - len(TAIL), data.decode("latin-1"), False)
    assert all(isinstance(a, np.ndarray) and a.dtype == np.int64 for a in cells)


SHARED = ['<c r="H2"><f t="shared" si="0"/><v>1</v></c>', '<c r="H3" s="4"><f t="shared" si="12"/><v>-2.5E-3</v></c>',
          '<c r="H4"><f t="shared" si=""/><v>1</v></c>', '<c r="H5"><f t="shared" si="x"/><v>1</v></c>',
          f'<c r="H6"><f t="shared" si="{"9" * 12}"/><v>1</v></c>', '<c r="H7"><f t="shared" si="0" /><v>1</v></c>',
          '<c r="H8"><f si="0" t="shared"/><v>1</v></c>', '<c r="H9"><f t="shared" ref="H9:H10" si="0"/><v>1</v></c>',
          '<c r="H10"><f t="array" si="0"/><v>1</v></c>', '<c r="H11" t="n"><f t="shared" si="0"/><v>1</v></c>',
          '<c r="H12"><f t="shared" si="0"/><v>x</v></c>', '<c r="H13"><f t="shared" si="0"/></c>',
          f'<c r="H{"1" * 20}"><f t="shared" si="0"/><v>1</v></c>', f'<c r="H14"><f t="shared" si="0"/><v>{"1" * 30}</v></c>',
          '<c r="H15"><f t="shared" si="0">A1</f><v>1</v></c>']
SHARED_PIECES = SHARED + ['<row r="1">', "</row>", "<c", '<f t="shared" si="0"/>', "<v>1</v></c>", '"', ">", "<", "/", "x"]


def shared_by_the_expression(body: bytes) -> list[tuple]:
    text = (HEAD + body).decode("latin-1")
    return [(m.start(), m.group(1), m.group(2), m.group(3), m.group(4), m.end())
            for m in SHARED_CELL.finditer(text, len(HEAD))]


def shared_by_the_arrays(body: bytes) -> list[tuple]:
    data = HEAD + body + TAIL
    text = data.decode("latin-1")
    tags = tags_of(data, len(HEAD), len(HEAD) + len(body))
    cells = find_shared_cells(data, len(HEAD), len(HEAD) + len(body), text, tags)
    assert (tags.at[cells.first_tags] == cells.starts).all() and (cells.formula_lengths == 0).all()
    assert (cells.tag_counts == 5).all()
    out = []
    for start, ref_length, style_length, index_start, index_length, value_start, value_length, end in zip(
            *(a.tolist() for a in (cells.starts, cells.ref_lengths, cells.style_lengths, cells.index_starts,
                                   cells.index_lengths, cells.value_starts, cells.value_lengths, cells.ends))):
        ref_start = start + 6
        style_start = ref_start + ref_length + 1
        out.append((start, text[ref_start:ref_start + ref_length], text[style_start:style_start + style_length],
                    text[index_start:index_start + index_length], text[value_start:value_start + value_length], end))
    return out


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(SHARED_PIECES), max_size=30))
@example(["<c", '<c r="A1"><f t="shared" si="0"/><v>1</v></c>'])
def test_the_shared_cells_found_are_the_expressions_matches(pieces):
    body = "".join(pieces).encode()
    assert shared_by_the_arrays(body) == shared_by_the_expression(body)


def test_every_plain_shared_cell_is_found_and_no_other():
    found = shared_by_the_arrays("".join(SHARED).encode())
    assert [(ref, index) for _, ref, _, index, _, _ in found] == [("H2", "0"), ("H3", "12"), ("H6", "9" * 12),
                                                                   ("H" + "1" * 20, "0"), ("H14", "0")]
