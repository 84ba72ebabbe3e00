"""scan_sheet keeps a sheet's plain number and formula cells as columns: with them put back (all_records) it gives the
very records scan_cells gives, on real books, random sheets and sheets the split cannot read; the workbook
checks, the engine and the writer read those columns as they read the records."""

import numpy as np
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest

from tests.workbook.xlsx.test_cells_fast_path import (assert_same_records, random_sheet, rows, sheet,
                                                      sheet_parts)
from workbook.calc import formula_cells, recalculate
from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.cells import _scan_with_expat, scan_cells, scan_sheet


def assert_columns(data: bytes):
    """scan_sheet's records and columns together are scan_cells' records, and every column cell is a plain
    number or formula cell there."""
    found = scan_sheet(data)
    slow = _scan_with_expat(data)
    assert_same_records(found.all_records(), slow)
    by_ref = {cell.ref: cell for cell in slow}
    for ref, text in zip(found.number_refs, found.number_texts):
        cell = by_ref[ref]
        assert cell.formula is None and cell.cell_type is None and cell.value_text == text
    for ref, formula, text, index in zip(found.formula_refs, found.formula_texts, found.formula_values,
                                         found.formula_indices):
        cell = by_ref[ref]
        assert (cell.formula, cell.value_text, cell.cell_type) == (formula, text, None)
        assert (cell.formula_type, cell.shared_index) == (("shared", index) if index else (None, None))
    assert {c.ref for c in found.records} | set(found.number_refs) | set(found.formula_refs) == set(by_ref)
    assert len(found.records) + found.number_count + found.formula_count == len(slow)
    return found


def test_built_template_every_sheet(built_book):
    for data in sheet_parts(built_book).values():
        assert_columns(data)


def test_example_company_every_sheet(example_book):
    for data in sheet_parts(example_book).values():
        assert_columns(data)


def test_a_large_xlsxwriter_sheet_is_mostly_columns(tmp_path):
    path = tmp_path / "big.xlsx"
    book = xlsxwriter.Workbook(str(path))
    cells = book.add_worksheet("Cells")
    bold = book.add_format({"bold": True})
    for r in range(300):
        cells.write_row(r, 0, [r * 1.5, -r / 7, 1e-300 * r, r * 1e20])
        cells.write_number(r, 4, r, bold)
        cells.write_formula(r, 5, f"=A{r + 1}+E{r + 1}")
        cells.write_string(r, 6, f"row {r}")
    book.close()
    found = assert_columns(sheet_parts(path)["xl/worksheets/sheet1.xml"])
    assert len(found.number_refs) == 1500 and found.formula_count == 300 and len(found.records) == 300


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(random_sheet())
def test_random_sheets(between, case):
    assert_columns(case[0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3),
                          st.integers(0, 10 ** 12), st.sampled_from(["", "0", "000"]),
                          st.sampled_from(["1E5", "2", "-3.5E-7", "7"]), st.sampled_from(["", ' s="3"'])),
                min_size=1, max_size=40))
def test_number_positions_are_every_reference_read_alone(cells):
    # Rows and columns read from the references' bytes: 1 to 3 letters, rows with leading zeros, rows long
    # enough to take the one-by-one path, a capital E in the value just after the reference.
    from workbook.xlsx.references import column_number

    refs = [f"{letters}{zeros}{row}" for letters, row, zeros, _, _ in cells]
    body = "".join(f'<c r="{ref}"{style}><v>{value}</v></c>' for ref, (*_, value, style) in zip(refs, cells))
    found = scan_sheet(sheet(f'<row r="1">{body}</row>'))
    assert found.number_refs == refs
    rows, cols = found.number_positions()
    assert rows.dtype == cols.dtype == np.int64
    assert rows.tolist() == [int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for ref in refs]
    assert cols.tolist() == [column_number(ref.rstrip("0123456789")) for ref in refs]


SPLIT_CANNOT_READ = {
    "a number cell inside a formula": rows('<c r="B1"><f>SUM(<c r="A1"><v>1</v></c>)</f><v>1</v></c><c r="C1"><v>2</v></c>'),
    "a number cell inside an inline string": rows('<c r="A1"><v>3</v></c><c r="B1" t="inlineStr"><is><c r="A1"><v>1</v></c></is></c>'),
    "a comment between cells": rows('<c r="A1"><v>1</v></c><!-- x --><c r="B1"><v>2</v></c>'),
    "a prefixed cell": rows('<c r="A1"><v>1</v></c><x:c xmlns:x="urn:x" r="B1"><v>2</v></x:c>'),
    "a cell with no r": rows('<c r="A1"><v>1</v></c><c><v>2</v></c>'),
}


@pytest.mark.parametrize("name", list(SPLIT_CANNOT_READ))
def test_what_the_split_cannot_read_is_read_whole(name):
    data = sheet(SPLIT_CANNOT_READ[name])
    found = scan_sheet(data)
    assert not found.number_refs
    assert found.records == scan_cells(data)


def test_malformed_after_number_cells_raises_as_scan_cells():
    data = sheet(rows('<c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><f>A1</f></x>'))
    with pytest.raises(BookError) as expected:
        scan_cells(data, "Model")
    with pytest.raises(BookError) as got:
        scan_sheet(data, "Model")
    assert str(got.value) == str(expected.value)


def book_with(tmp_path, body: str | None = None, sheets: dict | None = None) -> Workbook:
    """A workbook whose one sheet "Model" has the sheet XML ``body``, or whose sheets are ``sheets``
    ({name: body}, in order); xlsxwriter writes the rest."""
    import zipfile

    sheets = sheets or {"Model": body}
    path = tmp_path / "made.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name in sheets:
        book.add_worksheet(name).write(0, 0, 1)
    book.close()
    bodies = {f"xl/worksheets/sheet{i}.xml": text for i, text in enumerate(sheets.values(), 1)}
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in bodies:
                data = sheet(bodies[info.filename])
            out.writestr(info, data)
    return Workbook.open(patched)


def test_the_first_bad_value_in_sheet_order_is_named(tmp_path):
    # A bad number cell comes before a bad shared-string index: the number is named, as a read in order does.
    book = book_with(tmp_path, rows('<c r="A1"><v>1.2.3</v></c><c r="B1" t="s"><v>99</v></c>'))
    with pytest.raises(BookError, match=r"Model!A1 holds '1.2.3', which is not a number"):
        book.check_values()
    book = book_with(tmp_path, rows('<c r="A1" t="s"><v>99</v></c><c r="B1"><v>1.2.3</v></c>'))
    with pytest.raises(BookError, match=r"Model!A1 points at shared string '99'"):
        book.check_values()


def values_of(book: Workbook) -> dict:
    return recalculate(book, "fast", formula_cells(book)).values()["Model"]


def test_a_cell_written_twice_keeps_its_last_value(tmp_path):
    book = book_with(tmp_path, rows('<c r="A1"><v>1</v></c><c r="A1"><v>2</v></c><c r="B1"><f>A1*10</f></c>'))
    assert values_of(book) == {"B1": 20.0}
    book = book_with(tmp_path, rows('<c r="A1" t="str"><v>x</v></c><c r="A1"><v>3</v></c><c r="B1"><f>A1*10</f></c>'))
    assert values_of(book) == {"B1": 30.0}
    book = book_with(tmp_path, rows('<c r="A1"><v>4</v></c><c r="A1" t="str"><v>5</v></c><c r="B1"><f>A1&amp;"!"</f></c>'))
    assert values_of(book) == {"B1": "5!"}


def test_number_cells_out_of_sheet_order_are_read_as_written(tmp_path):
    # Columns out of order, a row before the one above it, a text cell then a number cell at one place, and
    # a number cell repeated: each formula reads the cell's last value in sheet order, as records do.
    body = ('<row r="2"><c r="B2"><v>2</v></c><c r="A2"><v>1</v></c></row>'
            '<row r="1"><c r="A1" t="str"><v>x</v></c><c r="A1"><v>7</v></c><c r="C1"><f>A1*100+A2*10+B2</f></c>'
            '</row>'
            '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><v>4</v></c><c r="A3"><v>9</v></c>'
            '<c r="C3"><f>A3</f></c></row>')
    assert values_of(book_with(tmp_path, body)) == {"C1": 712.0, "C3": 9.0}


@pytest.mark.parametrize("far", ['<c r="A1000000000000000" t="inlineStr"><is><t>x</t></is></c>',
                                 '<c r="A9999999999999999999"><v>5</v></c>',
                                 '<c r="A99999999999999999999"><v>5</v></c>'])
def test_a_cell_past_the_last_row_beside_number_cells_leaves_the_values_as_they_are(tmp_path, far):
    # Rows past int64 (a text cell, a number cell) are read and kept apart: no formula can reach them.
    body = rows('<c r="A1"><v>3</v></c><c r="B1"><f>A1+1</f></c>') + f'<row r="2">{far}</row>'
    assert values_of(book_with(tmp_path, body)) == {"B1": 4.0}


def test_a_number_past_the_float_range_is_refused_naming_it(tmp_path):
    book = book_with(tmp_path, rows('<c r="A1"><v>1</v></c><c r="A2"><v>1e999</v></c><c r="B1"><f>A1</f></c>'))
    with pytest.raises(BookError, match=r"Model!A2: the number '1e999' is not finite"):
        values_of(book)


def test_an_array_formulas_other_cells_are_written(tmp_path):
    # The cells an array formula covers hold plain numbers; the writer must find them among the columns.
    from workbook.xlsx.cached_values import with_cached_values

    book = book_with(tmp_path, '<row r="1"><c r="A1"><f t="array" ref="A1:A2">{1;2}*3</f><v>0</v></c></row>'
                               '<row r="2"><c r="A2"><v>0</v></c></row>')
    assert scan_sheet(book.part(book.sheet_parts["Model"])).number_refs == ["A2"]
    written = with_cached_values(book, {"Model": {"A1": 3.0, "A2": 6.0}})
    assert {c.ref: c.value_text for c in written.cells("Model")} == {"A1": "3", "A2": "6"}


def test_a_formula_cell_repeated_by_a_number_cell_is_read_and_written_as_before(tmp_path):
    # <c r="B1"> twice, a formula then a plain number: both are listed, both take the value, and the change
    # is counted against the last stored value, as when every cell was a record.
    from workbook.commands.refresh import refreshed

    body = rows('<c r="A1"><v>1</v></c><c r="B1"><f>A1+1</f><v>2</v></c><c r="B1"><v>5</v></c>')
    book = book_with(tmp_path, body)
    assert [c.cached for c in formula_cells(book)] == [(None, "2"), (None, "5")]
    result = refreshed(book)
    assert [(c.ref, c.value_text) for c in result.book.cells("Model")] == [("A1", "1"), ("B1", "2"), ("B1", "2")]
    assert result.changed == 1
    body = rows('<c r="A1"><v>1</v></c><c r="B1"><f>A1+1</f><v>5</v></c><c r="B1"><v>2</v></c>')
    assert refreshed(book_with(tmp_path, body)).changed == 0


def test_a_repeated_formula_cell_without_a_value_counts_against_the_last_value(tmp_path):
    from workbook.commands.refresh import refreshed

    body = rows('<c r="A1"><v>1</v></c><c r="B1"><f>A1+1</f><v>2</v></c><c r="B1"><f>A1+1</f></c>')
    assert refreshed(book_with(tmp_path, body)).changed == 0


def test_a_malformed_sheet_is_named_before_a_bad_value_of_an_earlier_sheet(tmp_path):
    book = book_with(tmp_path, sheets={"One": rows('<c r="A1"><v>E</v></c>'),
                                       "Two": rows('<c r="A1"><v>1</v></c><c r="B1"><v>1')})
    with pytest.raises(BookError, match=r"^Two is not well-formed XML"):
        book.check_values()


@pytest.mark.parametrize("index", ["²", "١", "1.0", "-1", ""])
def test_a_shared_string_index_that_is_not_ascii_digits_is_named(tmp_path, index):
    book = book_with(tmp_path, rows(f'<c r="A1" t="s"><v>{index}</v></c>'))
    with pytest.raises(BookError, match=r"Model!A1 points at shared string"):
        book.check_values()


LONG = "9" * 5000


@pytest.mark.parametrize("body", [
    f'<row r="1"><c r="A{LONG}"><v>1</v></c><c r="B1"><f>A1</f></c></row>',
    f'<row r="1"><c r="A{LONG}" t="str"><v>x</v></c><c r="B1"><f>A1</f></c></row>',
    f'<row r="1"><c r="A1"><v>1</v></c><c r="B{LONG}"><f>A1</f></c></row>',
    f'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A{LONG}</f></c></row>',
], ids=["number cell", "text cell", "formula cell", "formula text"])
def test_a_row_of_thousands_of_digits_is_one_line_naming_the_sheet(tmp_path, body):
    # (Python cannot convert so many digits to an int; this was a ValueError before.)
    book = book_with(tmp_path, body)
    with pytest.raises(BookError, match=r"^Model!"):
        recalculate(book, "auto", formula_cells(book))


# Defects between number cells, outside them or around sheetData: expat checks the part with its number cells
# taken out, so each must still be found and named as the expat path names it.
MALFORMED_AROUND_NUMBER_CELLS = {
    "a repeated row attribute": '<row r="1" spans="1:3" spans="1:3"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>',
    "a < in a row attribute": '<row r="1" x="<"><c r="A1"><v>1</v></c></row>',
    "a bare & in a formula": '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1&B1</f><v>1</v></c><c r="C1"><v>2</v></c></row>',
    "an unknown entity in a formula": '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1&nope;</f></c></row>',
    "a control character in a formula": '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1\x01</f></c><c r="C1"><v>2</v></c></row>',
    "]]> in a formula": '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1]]&gt;</f></c><c r="B2"><f>]]></f></c></row>',
    "a row never closed": '<row r="1"><c r="A1"><v>1</v></c><row r="2"><c r="A2"><v>2</v></c></row>',
    "a close tag without its row": '<c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>',
}


@pytest.mark.parametrize("name", list(MALFORMED_AROUND_NUMBER_CELLS))
def test_a_defect_around_number_cells_is_named_as_the_expat_path_names_it(name):
    data = sheet(MALFORMED_AROUND_NUMBER_CELLS[name])
    with pytest.raises(BookError) as expected:
        _scan_with_expat(data, "Model")
    with pytest.raises(BookError) as got:
        scan_sheet(data, "Model")
    assert str(got.value) == str(expected.value)


def test_a_defect_after_sheet_data_is_named_as_the_expat_path_names_it():
    data = sheet(rows('<c r="A1"><v>1</v></c><c r="B1"><v>2</v></c>')).replace(b"</worksheet>", b"</worksheet")
    with pytest.raises(BookError) as expected:
        _scan_with_expat(data, "Model")
    with pytest.raises(BookError) as got:
        scan_sheet(data, "Model")
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("body, refs, expected", [
    ('<c r="A1"><v>1</v></c><c r="B1"><v>2</v></c>', ["B1"], True),
    ('<c r="A1"><v>1</v></c><c r="B1"><v>2</v></c>', ["C1", "A2"], False),
    ('<c r="B1"><v>2</v></c><c r="A1"><v>1</v></c>', ["A1"], True),              # out of sheet order
    ('<c r="B1"><v>2</v></c><c r="A1"><v>1</v></c>', ["B2"], False),
    (f'<c r="A1"><v>1</v></c><c r="A{"1" * 12}"><v>1</v></c>', [f"A{'1' * 12}"], True),   # too long to key
    ('<c r="A1"><v>1</v></c>', ["$A$1"], False),                                  # not plain: compared as text
    ('<c r="A1"><v>1</v></c>', [], False),
])
def test_a_number_cell_at_a_reference(body, refs, expected):
    assert scan_sheet(sheet(f'<row r="1">{body}</row>')).number_cell_at(refs) is expected


# A sheet's <sheetData> made of rows: row tags of every form the fast path reads, number and formula cells
# kept as columns, cells kept as records and white space; then maybe a piece of what no path reads as plain
# (text between cells, a comment, a broken tag, a control character, a < in an attribute, a row left open).
ROW_TAGS = ['<row r="1">', '<row r="2" spans="1:3" ht="15.75" customHeight="1">', '<row r="5" x="a>b">', "<row>",
            '<row\tr="1" >'] * 4 + ["<row\nr='4'>", '<row r="6" xmlns="m">']   # (the last two: no plain path)
ROW_ENDS = ["</row>", "</row >", "</row>\n"]
CELL_PIECES = [
    '<c r="A1"><v>1</v></c>', '<c r="B1" s="2"><v>-2.5E-3</v></c>', '<c r="C1"><f>A1+B1</f><v>3</v></c>',
    '<c r="D1" s="1"><f>SUM(A1:B1)</f><v>0</v></c>', '<c r="E1"><f></f><v>1</v></c>',
    '<c r="F1"><f>A1&amp;B1</f><v>1</v></c>', '<c r="G1"><f>"é"</f><v>1</v></c>', '<c r="H1"><f>A1>1</f><v>1</v></c>',
    '<c r="A1"><f>1</f><v>2</v></c>', '<c r="I1" t="str"><f>"x"</f><v>x</v></c>', '<c r="J1" t="s"><v>0</v></c>',
    '<c r="K1"><f t="shared" si="0" ref="K1:K2">A1</f><v>1</v></c>', '<c r="L1"/>', '<c r="M1" t="inlineStr"><is><t>a</t></is></c>',
    '<c r="K2"><f t="shared" si="0"/><v>1</v></c>', '<c r="K3" s="2"><f t="shared" si="12"/><v>-1E-3</v></c>',
    '<c r="K4"><f t="shared" si=""/><v>1</v></c>', '<c r="K5" t="str"><f t="shared" si="0"/><v>x</v></c>',
    "\n", "  \t", "\r\n",
]
FOREIGN_PIECES = ["x", "<", ">", '"', "&", "<!-- c -->", '<c r="N1"><v>1</v>', "<f>", "</c>", "\x01", '<row r="8" a="<">',
                  "]]>", "<row>", "</row>", '<rows r="7">', '<row r="9"/>']


@st.composite
def sheet_bodies(draw) -> str:
    pieces = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.integers(0, 5)) == 0:
            pieces.append('<row r="3"/>')
            continue
        pieces.append(draw(st.sampled_from(ROW_TAGS)))
        pieces += draw(st.lists(st.sampled_from(CELL_PIECES), max_size=8))
        pieces.append(draw(st.sampled_from(ROW_ENDS)))
    for at, piece in draw(st.lists(st.tuples(st.integers(0, 60), st.sampled_from(FOREIGN_PIECES)), max_size=1)):
        pieces.insert(at, piece)
    return "".join(pieces)


def read_or_refusal(function, data: bytes):
    try:
        return "read", function(data, "Model")
    except BookError as error:
        return "refused", str(error)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=sheet_bodies())
def test_any_sheet_is_read_as_the_expat_path_reads_it(few, between, body):
    data = sheet(body)
    expected = read_or_refusal(_scan_with_expat, data)
    got = read_or_refusal(scan_sheet, data)
    assert got[0] == expected[0]
    if got[0] == "refused":
        assert got[1] == expected[1]
    else:
        assert_same_records(got[1].all_records(), expected[1])


def test_row_tags_of_a_large_sheet_are_read_in_one_match(few, between):
    # Rows as Excel writes them (attributes, a self-closing empty row, white space), then one row whose
    # attribute holds a '<' (not well-formed), which must be refused as the expat path refuses it.
    body = "".join(f'<row r="{r}" spans="1:2" ht="15" customHeight="1">\n  <c r="A{r}"><v>{r}</v></c>'
                   f'<c r="B{r}" s="1"><f>A{r}*2</f><v>0</v></c>\n</row><row r="{r + 1000}"/>' for r in range(1, 400))
    found = assert_columns(sheet(body))
    assert (found.number_count, found.formula_count, found.records) == (399, 399, [])
    bad = sheet(body + '<row r="2000" x="<"/>')
    assert read_or_refusal(scan_sheet, bad) == read_or_refusal(_scan_with_expat, bad)


# Cells written twice (one reference, two cells), which the columns must hand over to the records' reading.
TWICE = ['<c r="A1"><v>1</v></c>', '<c r="A1"><f>2+0</f><v>2</v></c>', '<c r="B1"><f>A1*10</f><v>0</v></c>',
         # shared formulas: a group's first cell, its other cells before or after it, a group begun twice
         '<c r="D1"><f t="shared" ref="D1:F1" si="0">A1+$A$1+SUM(A1:B1)</f><v>0</v></c>',
         '<c r="E1"><f t="shared" si="0"/><v>0</v></c>', '<c r="F1" s="1"><f t="shared" si="0"/><v>0</v></c>',
         '<c r="G1"><f t="shared" ref="G1:H1" si="1">B1*2</f><v>0</v></c>', '<c r="H1"><f t="shared" si="1"/><v>0</v></c>',
         '<c r="I1"><f t="shared" si="7"/><v>0</v></c>', '<c r="E1" t="str"><f t="shared" si="0"/><v>x</v></c>',
         '<c r="B1"><v>5</v></c>', '<c r="A1" t="str"><v>x</v></c>', '<c r="B1" t="str"><f>"y"</f><v>y</v></c>',
         f'<c r="C{"1" * 13}"><f>1</f><v>1</v></c>', f'<c r="C{"1" * 13}"><v>4</v></c>', '<c r="C1"><f>B1+1</f><v>0</v></c>']


def refreshed_or_refusal(book: Workbook):
    from workbook.commands.refresh import refreshed

    try:
        result = refreshed(book)
    except BookError as error:
        return "refused", str(error)
    return result.book.part(book.sheet_parts["Model"]), result.changed, result.values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.sampled_from(TWICE), min_size=1, max_size=8))
def test_cells_written_twice_are_read_and_written_as_the_records_read_them(few, between, tmp_path_factory, cells):
    body = rows("".join(cells))
    as_columns = book_with(tmp_path_factory.mktemp("columns"), body)
    as_records = book_with(tmp_path_factory.mktemp("records"), body)
    as_records.cells("Model")                     # (every cell a record, as before the columns)
    assert as_records.sheet_cells("Model").formula_count == 0
    assert formula_cells(as_columns) == formula_cells(as_records)
    assert refreshed_or_refusal(as_columns) == refreshed_or_refusal(as_records)


@pytest.mark.parametrize("body, repeated", [
    ('<c r="A1"><f>1</f><v>1</v></c><c r="B1"><f>1</f><v>1</v></c>', False),
    ('<c r="A1"><f>1</f><v>1</v></c><c r="A1"><f>2</f><v>1</v></c>', True),
    ('<c r="A1"><f>1</f><v>1</v></c><c r="A1"><v>1</v></c>', True),
    ('<c r="A2"><v>1</v></c><c r="A1"><f>1</f><v>1</v></c><c r="B9"><v>1</v></c>', False),
    (f'<c r="A{"1" * 13}"><f>1</f><v>1</v></c><c r="A{"1" * 13}"><f>1</f><v>1</v></c>', True),   # too long to key
    (f'<c r="A{"1" * 13}"><v>1</v></c><c r="A1"><f>1</f><v>1</v></c>', False),
    (f'<c r="A{"1" * 13}"><v>1</v></c><c r="A{"1" * 13}"><f>1</f><v>1</v></c>', True),
])
def test_a_formula_cell_repeated(few, body, repeated):
    found = scan_sheet(sheet(f'<row r="1">{body}</row>'))
    assert found.formula_count >= 1
    assert found.formula_cell_repeated() is repeated
