"""The writer's plain way (``_plain_spans``: tags checked and floats spelt for a whole sheet at once) gives
the bytes its general way (``_general_span``, one cell at a time) gives, on every cell shape, value,
prefix and mix of them, with inputs, with cells refused in sheet order, and on real books; values written
read back (by ElementTree) as what was written, each cell keeping its style; and the plain way is the
way most cells of real books take.
"""

from __future__ import annotations

import zipfile
from contextlib import contextmanager
from unittest import mock
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbook.xlsx.test_sheet_columns import book_with
from tests.workbook.xlsx.test_write_speed_paths import SHAPES, VALUES, error, kc_values
from workbook.errors import BookError
from workbook.xlsx import cached_values
from workbook.xlsx.book import Workbook
from workbook.xlsx.cells import scan_cells

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# Shapes at the edges of the plain way ({r} the reference, {p} the prefix, {pad} len(reference) - 1 x's).
EDGES = [
    '<{p}c r="{r}" s="3" t="n"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',        # as LibreOffice writes numbers
    '<{p}c r="{r}" t="n" s="3"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}" s="4" t="str"><{p}f>1</{p}f><{p}v>x</{p}v></{p}c>',
    '<{p}c r="{r}" s="7" t="b"><{p}f>1</{p}f><{p}v>0</{p}v></{p}c>',
    '<{p}c r="{r}" t="e"><{p}f>1</{p}f><{p}v>#N/A</{p}v></{p}c>',
    '<{p}c r="{r}" s="2"><{p}f>1</{p}f></{p}c>',
    '<{p}c r="{r}" s="1>"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',              # a '>' inside the style
    '<{p}c r="{r}" s="1&gt;"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',           # the style as written differs
    '<{p}c r="{r}" s="&lt;1"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',           # a "<" in the style
    '<{p}c r="{r}" s="&quot;1"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',         # a quote in the style
    '<{p}c r="{r}" s="é"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}" s="3" ><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}"\ts="3"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    "<{p}c r='{r}' s='3'><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>",
    '<{p}c r="{r}" s="3" t=\'str\'><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}" s="3" cm="1"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}"></{p}c>',                                                  # empty, not self-closing
    '<{p}c r="{r}" s="3"/>',
    '<{p}c r="{r}" t="inlineStr"><{p}is><{p}t>a</{p}t></{p}is></{p}c>',
    # No r (the reference is implied) and a tag as long as <c r="REF"> would be, ending in a space that
    # retyping takes away:
    '<{p}c a="{pad}" ><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c a="{pad}" t="n"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
]
ALL_SHAPES = SHAPES + EDGES
PREFIXES = ["", "x", "ex", "é"]      # ("ex" holds an e: such a sheet goes the general way)
SAFE = [v for v in VALUES if not (isinstance(v, np.ndarray) and v.size == 0)]


def sheet_xml(cells: list[tuple[int, int]], prefix: str = "") -> bytes:
    """A sheet of one cell a row: (shape, column) pairs, column 1 being A. A cell without r gets the row's
    earlier cells before it, so that its implied reference is the one meant."""
    p = prefix + ":" if prefix else ""
    declaration = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    rows = []
    for i, (shape, column) in enumerate(cells):
        ref = f"{'ABCDEFGH'[column - 1]}{i + 1}"
        text = ALL_SHAPES[shape].replace("{pad}", "x" * (len(ref) - 1))
        if "{pad}" in ALL_SHAPES[shape] and column > 1:   # an implied reference counts from column A
            text = "".join(f'<{p}c r="{"ABCDEFGH"[k]}{i + 1}"><{p}v>0</{p}v></{p}c>' for k in range(column - 1)) + text
        rows.append(f'<{p}row r="{i + 1}">' + text.format(p=p, r=ref) + f"</{p}row>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {declaration}>'
            f'<{p}sheetData>{"".join(rows)}</{p}sheetData></{p}worksheet>').encode()


@contextmanager
def general_way():
    """The writer with every cell taken the general way, from every record of the sheet."""
    with mock.patch.object(cached_values, "_plain_spans", lambda *args: None), \
            mock.patch.object(cached_values, "_cells_to_write", lambda book, sheet, *_: (book.cells(sheet), None)):
        yield


def outcome(function, *args):
    try:
        return "written", function(*args)
    except Exception as refusal:         # (a value encode() cannot read raises its own error)
        return "refused", type(refusal).__name__, str(refusal)


def assert_as_general(*args):
    """rewrite_sheet's plain way and general way give the same bytes, or the same refusal."""
    plain = outcome(cached_values.rewrite_sheet, *args)
    with general_way():
        general = outcome(cached_values.rewrite_sheet, *args)
    assert plain == general
    return plain


def writable(data: bytes) -> list[str]:
    return [c.ref for c in scan_cells(data, "S", keep_empty=True) if c.formula is not None or c.value_start is not None]


# -- generated sheets --

@pytest.mark.parametrize("block", [cached_values._BLOCK, 5])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_shape_with_every_value(prefix, block, monkeypatch):
    monkeypatch.setattr(cached_values, "_BLOCK", block)      # (tags are checked a block of cells at a time)
    cells = [(shape, 1) for shape in range(len(ALL_SHAPES)) for _ in SAFE]
    data = sheet_xml(cells, prefix)
    refs = writable(data)
    values = {ref: SAFE[i % len(SAFE)] for i, ref in enumerate(refs)}
    for scan in (None, scan_cells(data, "S"), scan_cells(data, "S", keep_empty=True)):
        assert assert_as_general(data, values, "S", None, scan)[0] == "written"
    # Each shape alone, every value in turn, and with every cell asked for (empty ones refused alike):
    for shape in range(len(ALL_SHAPES)):
        one = sheet_xml([(shape, 1)] * len(SAFE), prefix)
        every = {c.ref: SAFE[i % len(SAFE)] for i, c in enumerate(scan_cells(one, "S", keep_empty=True))}
        assert_as_general(one, every, "S")
        assert_as_general(one, every, "S", None, scan_cells(one, "S", keep_empty=True))


def test_plain_floats_where_integers_and_exponents_change():
    numbers = [-0.0, 0.0, 1e15, -1e15, 1e15 - 1, 1e15 - 0.5, 1e16, 2.0 ** 53, 1e-4, 1e-5, 5e-324,
               1.7976931348623157e308, -2.5e-300, 0.1 + 0.2, 1 / 3, 123456789012345.6, 99999999999999.99, 1e22,
               7.0, -12.0]
    data = sheet_xml([(0, 1)] * len(numbers))
    values = {f"A{i + 1}": x for i, x in enumerate(numbers)}
    written = assert_as_general(data, values, "S")[1]
    texts = [c.value_text for c in scan_cells(written, "S")]
    assert texts == [cached_values.encode(x)[1] for x in numbers]
    assert [float(t) for t in texts] == [x + 0.0 for x in numbers]      # (-0.0 is written 0)


@given(st.lists(st.tuples(st.integers(0, len(ALL_SHAPES) - 1), st.integers(1, 3), st.integers(0, len(SAFE) - 1),
                          st.booleans()), min_size=1, max_size=40),
       st.sampled_from(PREFIXES), st.sampled_from(["none", "plain", "full"]), st.booleans(),
       st.sampled_from([cached_values._BLOCK, 1, 3]))
@settings(max_examples=400, deadline=None)
def test_random_sheets(cells, prefix, scan, with_inputs, block):
    data = sheet_xml([(shape, column) for shape, column, _, _ in cells], prefix)
    records = scan_cells(data, "S", keep_empty=True)
    values, inputs = {}, {}
    for cell, (_, _, value, chosen) in zip(records, cells):
        if with_inputs and cell.formula is None and chosen:
            inputs[cell.ref] = SAFE[value]
        elif chosen or not with_inputs:
            values[cell.ref] = SAFE[value]
    cells_given = {"none": None, "plain": scan_cells(data, "S"), "full": records}[scan]
    with mock.patch.object(cached_values, "_BLOCK", block):
        assert_as_general(data, values, "S", inputs or None, cells_given)


def test_the_first_cell_refused_is_the_first_in_the_sheet():
    # A cell with nothing to replace, a value encode() cannot spell, a missing cell: the first in sheet
    # order is named whichever way each goes.
    data = sheet_xml([(0, 1), (ALL_SHAPES.index('<{p}c r="{r}"></{p}c>'), 1), (0, 1), (0, 1)])
    records = scan_cells(data, "S", keep_empty=True)
    empty = np.array([])
    for values in ({"A1": 1.0, "A2": 2.0, "A3": empty, "A4": 4.0}, {"A1": empty, "A2": 2.0, "A3": 1.0},
                   {"A1": 1.0, "A3": empty, "Z9": 1.0}, {"A1": 1.0, "A3": 3.0, "Z9": 1.0}):
        assert assert_as_general(data, values, "S", None, records)[0] == "refused"
    assert assert_as_general(data, {"A1": 1.0, "A2": 2.0, "A3": empty}, "S", None, records) == \
        ("refused", "BookError", "S!A2: neither a formula nor a cached value to replace")
    assert assert_as_general(data, {"A1": 1.0}, "S", {"A3": 1.0}, records) == \
        ("refused", "BookError", "S!A3 holds a formula, not an input value")


def test_an_implied_reference_with_a_tag_as_long_as_the_plain_one_is_retyped():
    data = sheet_xml([(ALL_SHAPES.index(EDGES[-2]), 1)])
    assert data.count(b'<c a="x" >') == 1
    written = assert_as_general(data, {"A1": 2.5}, "S")[1]
    assert b'<c a="x"><f>1</f><v>2.5</v></c>' in written


# -- real books --

def xlsxwriter_book(path, rows: int):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Cells")
    bold = book.add_format({"bold": True})
    for i in range(rows):
        r = i + 1
        sheet.write_row(i, 0, [r * 1.5, r / 7])
        sheet.write_formula(i, 2, f"=A{r}+B{r}", bold if i % 3 else None)
        sheet.write_formula(i, 3, f'=IF(A{r}>3,"big","small")')
        sheet.write_formula(i, 4, f"=A{r}>B{r}")
    book.close()
    return path


def real_values(book: Workbook, kinds=(1.25, -0.0, 3e20, 1e-9, True, "text", "a&b", error("#N/A"), 7)) -> dict:
    out, i = {}, 0
    for sheet, cells in book.sheets().items():
        for cell in cells:
            if cell.formula is not None:
                out.setdefault(sheet, {})[cell.ref] = kinds[i % len(kinds)] if i % 5 else (i * 0.37) ** 1.5
                i += 1
    return out


def assert_book_as_general(book: Workbook, values: dict, inputs: dict | None = None):
    plain = cached_values.with_cached_values(book, values, inputs)
    with general_way():
        general = cached_values.with_cached_values(Workbook.open(book.path), values, inputs)
    assert plain.parts == general.parts
    return plain


def test_the_kc_template_as_the_general_way(built_book):
    from workbook.commands.refresh import recomputed_values

    book = Workbook.open(built_book)
    book.check_values()
    for values in (recomputed_values(book), kc_values(book), real_values(book)):
        assert_book_as_general(book, values)
        assert_book_as_general(Workbook.open(built_book), values)       # (no sheet scanned before)


def test_an_xlsxwriter_book_as_the_general_way(tmp_path):
    book = Workbook.open(xlsxwriter_book(tmp_path / "w.xlsx", 400))
    assert_book_as_general(book, real_values(book))
    inputs = {"Cells": {"A1": 2.0, "B7": "x", "A9": True}}
    assert_book_as_general(book, real_values(book), inputs)
    assert_book_as_general(book, {}, inputs)


def sheet_cells_read_by_elementtree(path) -> dict[str, dict[str, tuple]]:
    """{sheet: {cell: (t, s, <v> text)}}, read with ElementTree, not with this project's scanner."""
    book = openpyxl.load_workbook(path)          # (the sheets' names in order; openpyxl reads the file too)
    out = {}
    with zipfile.ZipFile(path) as z:
        for i, name in enumerate(book.sheetnames, 1):
            root = ElementTree.fromstring(z.read(f"xl/worksheets/sheet{i}.xml"))
            out[name] = {c.get("r"): (c.get("t"), c.get("s"), c.findtext(f"{{{MAIN}}}v"))
                         for c in root.iter(f"{{{MAIN}}}c")}
    return out


def test_written_values_read_back_as_written(built_book, tmp_path):
    values = real_values(Workbook.open(built_book))
    target = tmp_path / "Written.xlsx"
    cached_values.write_cached_values(built_book, target, values)
    before, after = sheet_cells_read_by_elementtree(built_book), sheet_cells_read_by_elementtree(target)
    for sheet, cells in values.items():
        for ref, value in cells.items():
            kind, style, text = after[sheet][ref]
            assert style == before[sheet][ref][1], (sheet, ref)
            if value is True:
                assert (kind, text) == ("b", "1"), (sheet, ref)
            elif type(value) is str:
                assert (kind, text) == ("str", value), (sheet, ref)
            elif isinstance(value, (int, float)):
                assert kind is None and float(text) == value, (sheet, ref, text, value)
                assert text == repr(float(text)).upper() or text == str(int(value)), (sheet, ref, text)
            else:
                assert (kind, text) == ("e", str(value)), (sheet, ref)
    unchanged = {(sheet, ref) for sheet, cells in before.items() for ref in cells} - \
        {(sheet, ref) for sheet, cells in values.items() for ref in cells}
    assert unchanged and all(after[sheet][ref] == before[sheet][ref] for sheet, ref in unchanged)


def test_libreoffice_style_numbers_drop_their_type(tmp_path):
    # LibreOffice writes t="n" on number cells: a float takes it away, as with_attributes does.
    data = sheet_xml([(ALL_SHAPES.index(EDGES[0]), 1)] * 50)
    written = assert_as_general(data, {f"A{i + 1}": i / 4 for i in range(50)}, "S")[1]
    assert b't="n"' not in written and written.count(b'<c r="A2" s="3"><f>1</f><v>0.25</v></c>') == 1


# -- the plain way is taken --

def plain_share(book: Workbook, values: dict) -> float:
    total = general = 0
    for sheet, cells in values.items():
        data = book.part(book.sheet_parts[sheet])
        records, columns = cached_values._cells_to_write(book, sheet, cells, {})
        chosen = cached_values._chosen(records, cells, {})
        found = cached_values._plain_spans(data, chosen, [c.ref for c in chosen], cells) if chosen else None
        total += len(chosen) + (len(columns.refs) if columns is not None else 0)   # (columns are spelt at once)
        general += len(chosen) if found is None else len(found[0])
    return 1 - general / total


def test_most_cells_take_the_plain_way(built_book, tmp_path):
    from workbook.commands.refresh import recomputed_values

    book = Workbook.open(built_book)
    assert plain_share(book, recomputed_values(book)) > 0.99
    book = Workbook.open(xlsxwriter_book(tmp_path / "w.xlsx", 300))
    assert plain_share(book, real_values(book)) == 1
    with mock.patch.object(cached_values, "_BLOCK", 7):
        assert plain_share(book, real_values(book)) == 1
    # A prefixed sheet too; one whose prefix holds an "e" goes the general way.
    for prefix, share in (("x", 1), ("ex", 0)):
        data = sheet_xml([(0, 1)] * 20, prefix)
        cells = scan_cells(data, "S")
        found = cached_values._plain_spans(data, cells, [c.ref for c in cells], {c.ref: 1.5 for c in cells})
        assert (0 if found is None else 1 - len(found[0]) / 20) == share


def test_cells_missing_or_among_the_number_columns(tmp_path):
    book = Workbook.open(xlsxwriter_book(tmp_path / "w.xlsx", 3))
    with pytest.raises(BookError, match=r"^Cells: cells Z1 are not in the sheet$"):
        cached_values.with_cached_values(book, {"Cells": {"C1": 1.0, "Z1": 2.0}})
    # A plain number cell is found among the sheet's number columns (as an array formula's other cells are):
    written = assert_book_as_general(book, {"Cells": {"C1": 1.0, "A2": 5.0}})
    assert {c.ref: c.value_text for c in written.cells("Cells")}["A2"] == "5"


# -- formula cells kept as columns --

def column_book(tmp_path, name: str, shapes: list[int], with_numbers: bool):
    """A one-sheet book ("S") of one cell a row in the given ``ALL_SHAPES``, unprefixed; with a number
    cell before each, so that the sheet is read as columns and records."""
    rows = []
    for i, shape in enumerate(shapes):
        ref = f"B{i + 1}"
        number = f'<c r="A{i + 1}"><v>{i}</v></c>' if with_numbers else ""
        rows.append(f'<row r="{i + 1}">{number}' + ALL_SHAPES[shape].format(p="", r=ref, pad="x" * (len(ref) - 1))
                    + "</row>")
    folder = tmp_path / name
    folder.mkdir()
    return book_with(folder, sheets={"S": "".join(rows)})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.sampled_from([0, 1, 0, 1, 2, 7, 9, 18, 19]), st.integers(0, len(SAFE) - 1),
                                st.booleans()), min_size=1, max_size=30),
       with_numbers=st.booleans())
def test_formula_columns_are_written_as_the_general_way(tmp_path_factory, few, cells, with_numbers):
    # Plain formula cells (shapes 0 and 1) among other cells, each given any value or none: the columns'
    # spans and the records of the cells they hand over give the general way's bytes, or its refusal.
    tmp_path = tmp_path_factory.mktemp("columns")
    shapes = [shape for shape, _, _ in cells]
    values = {f"B{i + 1}": SAFE[value] for i, (shape, value, given_one) in enumerate(cells)
              if given_one and ALL_SHAPES[shape].count("<{p}f") and "{r}" in ALL_SHAPES[shape]}
    book = column_book(tmp_path, "a", shapes, with_numbers)
    scanned = book.sheet_cells("S")
    assert scanned.formula_count == shapes.count(0) + shapes.count(1)
    plain = outcome(lambda: cached_values.with_cached_values(book, {"S": values}).part("xl/worksheets/sheet1.xml"))
    with general_way():
        other = column_book(tmp_path, "b", shapes, with_numbers)
        general = outcome(lambda: cached_values.with_cached_values(other, {"S": values}).part("xl/worksheets/sheet1.xml"))
    assert plain == general


def test_a_large_sheet_of_formula_cells_takes_the_columns(tmp_path):
    book = column_book(tmp_path, "a", [0, 1] * 200, True)
    values = {f"B{i + 1}": i / 3 for i in range(400)}
    records, columns = cached_values._cells_to_write(book, "S", values, {})
    assert (records, len(columns.refs), columns.records) == ([], 400, [])
    written = cached_values.with_cached_values(book, {"S": values})
    assert {c.ref: c.value_text for c in written.cells("S") if c.formula is not None} == {
        ref: cached_values.encode(x)[1] for ref, x in values.items()}


# -- counting the values that changed --

NEAR = [1.0, 1.0 + 1e-10, 1.0 + 2e-9, 0.0, -0.0, 1e-13, 5e-12, 1e300, -1e300, 123.456, 2.0 ** 53]
STORED_TEXTS = ["1", "1.0000000001", "0", "-0", "1E-13", "1e300", "1e999", "-1e999", "nan", "123.456", " 7 ", "1_0",
                "1.2.3", "", "x", "9007199254740992"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(
    st.one_of(st.sampled_from(NEAR), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["1", True, None])),
    st.one_of(st.none(), st.tuples(st.sampled_from([None, "n", "", "str", "e", "b"]), st.sampled_from(STORED_TEXTS)))),
    max_size=12), st.booleans())
def test_changed_count_is_the_count_of_values_not_the_same(pairs, only_numbers):
    if only_numbers:       # (mostly the array path: finite floats against stored numbers)
        pairs = [(x if type(x) is float and np.isfinite(x) else 1.0, old if old is not None and old[0] in (None, "n")
                  else (None, "1")) for x, old in pairs]
    computed = {f"A{i + 1}": new for i, (new, _) in enumerate(pairs)}
    before = {f"A{i + 1}": old for i, (_, old) in enumerate(pairs) if old is not None}
    expected = sum(1 for ref, value in computed.items() if not cached_values.same_value(before.get(ref), value))
    assert cached_values.changed_count(before, computed) == expected
