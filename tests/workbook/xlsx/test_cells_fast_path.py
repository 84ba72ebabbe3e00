"""The fast cell scan (one regular expression) gives exactly the records of the expat scan, on the sheets
real writers produce; anything it does not read goes to the expat path; malformed parts still raise."""

import dataclasses
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.calc import libreoffice
from workbook.errors import BookError
from workbook.xlsx import cells
from workbook.xlsx.cells import _scan_plain, _scan_with_expat, scan_cells
from workbook.xlsx.package import UnsafeXML

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FIELDS = [field.name for field in dataclasses.fields(cells.CellSpan)]


def sheet(body: str, root: str = f'<worksheet xmlns="{MAIN}">', head: str = "", tail: str = "",
          declaration: str = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n') -> bytes:
    return f"{declaration}{root}{head}<sheetData>{body}</sheetData>{tail}</worksheet>".encode()


def rows(*cells_xml: str) -> str:
    return "".join(f'<row r="{i}">{c}</row>' for i, c in enumerate(cells_xml, 1))


def assert_same_records(fast, slow):
    assert fast is not None, "the fast path declined"
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        for name in FIELDS:
            assert getattr(a, name) == getattr(b, name), (b.ref, name, getattr(a, name), getattr(b, name))
        assert type(a.value_text) is type(b.value_text) and type(a.formula) is type(b.formula)


def assert_fast(data: bytes, keep_empty=False):
    """The fast path reads ``data`` and gives the expat path's records; so does scan_cells."""
    slow = _scan_with_expat(data, "sheet", keep_empty)
    assert_same_records(_scan_plain(data, keep_empty), slow)
    assert_same_records(scan_cells(data, "sheet", keep_empty), slow)
    return slow


def assert_slow(data: bytes, keep_empty=False):
    """The fast path declines ``data``; scan_cells gives the expat path's records."""
    assert _scan_plain(data, keep_empty) is None
    assert scan_cells(data, "sheet", keep_empty) == _scan_with_expat(data, "sheet", keep_empty)


def sheet_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()
                if name.startswith("xl/worksheets/") and name.endswith(".xml")}


def assert_book_fast(path: Path, keep=("A1", "B2", "C5")):
    parts = sheet_parts(path)
    assert parts
    for name, data in parts.items():
        for keep_empty in (False, True, set(keep)):
            assert_fast(data, keep_empty)


def test_expression_groups_are_where_the_scan_reads_them():
    assert cells._PLAIN_CELL.groups == 14
    assert cells._PLAIN_CELL.groupindex == {"slash": 5}


def test_built_template_every_sheet(built_book):
    assert_book_fast(built_book)


def test_example_company_every_sheet(example_book):
    assert_book_fast(example_book)


def test_xlsxwriter_book(tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "w.xlsx"
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True})
    sheet_ = book.add_worksheet("Data")
    sheet_.write(0, 0, 1.5)
    sheet_.write(0, 1, "text & <b> \"quoted\" 'apos' é ✓")
    sheet_.write_boolean(0, 2, True)
    sheet_.write_formula(0, 3, '=IF(A1<2,"a&b ""q"" \'s\'","x>y")', None, "a&b")
    sheet_.write_array_formula("E1:E3", "{=A1:A3*2}")
    sheet_.write_dynamic_array_formula("F1:F3", "=SORT(A1:A3)")     # cm="1"
    sheet_.write_blank(1, 1, None, bold)                           # <c r="B2" s="1"/>
    sheet_.write_formula(1, 2, "=1/0", None, "#DIV/0!")
    sheet_.write(2, 0, "multi\r\nline\rend")
    sheet_.write_rich_string(3, 0, "plain ", bold, "bold")
    for r in range(5, 40):
        sheet_.write_row(r, 0, [r * 1.25, f"s{r}", f"=A{r + 1}*2"])
    book.close()
    assert_book_fast(path)


def test_xlsxwriter_constant_memory_writes_inline_strings(tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "w.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet_ = book.add_worksheet()
    sheet_.write(0, 0, "inline & <x> \"q\"")
    sheet_.write(0, 1, "a\r\nb\rc")
    sheet_.write(0, 2, "ünïcödé")
    sheet_.write(1, 0, 2)
    sheet_.write_blank(1, 1, None, book.add_format({"italic": True}))
    book.close()
    data = sheet_parts(path)["xl/worksheets/sheet1.xml"]
    assert b"inlineStr" in data
    records = assert_fast(data)
    assert records[2].value_text == "ünïcödé"
    assert_fast(data, True)


def test_openpyxl_book(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.worksheet.formula import ArrayFormula

    path = tmp_path / "o.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"] = 1
    ws["B1"] = "str & < > \" ' ü"
    ws["C1"] = '=SUM(A1:A2)&"<"&"\'"'
    ws["D1"] = True
    ws["E1"] = ArrayFormula("E1:E2", "=A1:A2*2")
    ws["F1"].style = "Good"                                        # <c r="F1" s="1" t="n" />
    ws["G1"] = "#N/A"
    ws["H1"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
    ws["A2"] = "line\r\nbreak"
    ws["B2"] = 3.25
    book.save(path)
    assert_book_fast(path, keep=("F1", "A1"))


def test_hand_written_constructs():
    body = rows(
        '<c r="A1" s="3" t="s"><v>12</v></c><c t="n" s="2" r="B1"><v>1</v></c><c s="1" r="C1" t="str"><v/></c>',
        '<c r="A2"><f t="shared" ref="A2:A9" si="0">B2*2</f><v>4</v></c><c r="B2"><f t="shared" si="0"/><v>6</v></c>',
        '<c r="A3" cm="1" vm="2" ph="1"><f t="array" ref="A3:B4" aca="0">TRANSPOSE(X)</f><v>1</v></c>'
        '<c r="B3"><f ca="1"/><v></v></c><c r="C3"><f></f><v /></c>',
        '<c r="A4" t="inlineStr"><is><t>a\r\nb\rc&#13;&#xD;d</t></is></c>'
        '<c r="B4" t="inlineStr"><is><r><rPr><b/><sz val="11"/><rFont val="Calibri"/></rPr><t xml:space="preserve">'
        ' x </t></r><r><t>y</t></r><phoneticPr fontId="1"/></is></c>'
        '<c r="C4" t="inlineStr"><is/></c><c r="D4" t="inlineStr"><is><t/></is></c>'
        '<c r="E4"><is><t>not an inline string</t></is></c>',
        '<c r="A5" t="str"><f>"&amp;&lt;&gt;&quot;&apos;&#65;&#x42;"&amp;"é"</f><v>&amp;&lt;&gt;&quot;&apos;AB é€😀</v></c>',
        '<c r="$A$6"><v>1</v></c><c r="B6" s="4"/><c r="C6" s="4" ></c><c r="D6" s="5" />',
    )
    data = sheet(body, head='<dimension ref="A1:E6"/>', tail='<pageMargins left="0.7"/>')
    records = assert_fast(data)
    by_ref = {c.ref: c for c in records}
    assert by_ref["A4"].value_text == "a\nb\nc\r\rd"
    assert by_ref["B4"].value_text == " x y"
    assert by_ref["A5"].formula == '"&<>"\'AB"&"é"'
    assert "B6" not in by_ref
    assert_fast(data, True)
    assert_fast(data, {"B6", "D6", "Z9"})
    assert_fast(data, set())


def test_rows_and_white_space_between_cells():
    body = ('\n  <row r="1" spans="1:2" x14ac:dyDescent="0.25">\n    <c r="A1"><v>1</v></c>\n    <c r="B1"/>\n  </row>'
            '\n  <row r="2"/>\n  <row r="3" ht="20" customHeight="1"></row>\n')
    root = (f'<worksheet xmlns="{MAIN}" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac">')
    data = sheet(body, root=root)
    assert_fast(data)
    assert_fast(data, True)
    assert_fast(sheet('<row r="1" x="a&gt;b" y="c>d"><c r="A1"><v>1</v></c></row>'))


def test_empty_and_missing_sheet_data():
    assert assert_fast(sheet("")) == []
    assert _scan_plain(f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode()) == []
    assert_slow(f'<worksheet xmlns="{MAIN}"></worksheet>'.encode())


def test_no_declaration_and_a_byte_order_mark():
    assert_fast(sheet(rows('<c r="A1"><v>1</v></c>'), declaration=""))
    assert_fast(b"\xef\xbb\xbf" + sheet(rows('<c r="A1"><v>1</v></c>')))


A1 = '<c r="A1"><v>1</v></c>'
SLOW = {
    "namespace prefix": (f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v>'
                         '</x:c></x:row></x:sheetData></x:worksheet>').encode(),
    "prefixed cells in an unprefixed sheet": sheet(rows('<x:c r="A1"><x:v>1</x:v></x:c>'),
                                                   root=f'<worksheet xmlns="{MAIN}" xmlns:x="{MAIN}">'),
    "a cell without r": sheet(rows('<c r="A1"><v>1</v></c><c><v>2</v></c>')),
    "a single-quoted attribute": sheet(rows("<c r='A1'><v>1</v></c>")),
    "a single-quoted other attribute": sheet(rows("<c r=\"A1\" s='1'><v>1</v></c>")),
    "spaces around =": sheet(rows('<c r = "A1"><v>1</v></c>')),
    "CDATA": sheet(rows('<c r="A1" t="str"><v><![CDATA[a<b]]></v></c>')),
    "a comment in sheetData": sheet(rows(A1 + "<!-- note -->")),
    "a comment in a cell": sheet(rows('<c r="A1"><!-- x --><v>1</v></c>')),
    "a comment before sheetData": sheet(rows(A1), head="<!-- <sheetData> -->"),
    "a processing instruction in sheetData": sheet(rows(A1 + "<?pi x?>")),
    "a processing instruction after": sheet(rows(A1), tail="<?pi x?>"),
    "an unknown child": sheet(rows('<c r="A1"><v>1</v><extLst><ext uri="x"/></extLst></c>')),
    "an unknown child alone": sheet(rows('<c r="A1"><extLst/></c>')),
    "children in another order": sheet(rows('<c r="A1"><v>1</v><f>A2</f></c>')),
    "a value and an inline string": sheet(rows('<c r="A1" t="inlineStr"><v>1</v><is><t>x</t></is></c>')),
    "white space between children": sheet(rows('<c r="A1">\n  <f>B1</f>\n  <v>1</v>\n</c>')),
    "a phonetic run": sheet(rows('<c r="A1" t="inlineStr"><is><r><t>ab</t></r><rPh sb="0" eb="1"><t>PH</t>'
                                 '</rPh></is></c>')),
    "an unknown element in an inline string": sheet(rows('<c r="A1" t="inlineStr"><is><t>a</t><x/></is></c>')),
    "an element inside text": sheet(rows('<c r="A1" t="inlineStr"><is><t>a<b/>c</t></is></c>')),
    "an entity in an attribute": sheet(rows('<c r="A1" s="&#49;"><v>1</v></c>')),
    "a tab in an attribute": sheet(rows('<c r="A1" t="s\t"><v>1</v></c>')),
    "a namespace declared on a cell": sheet(rows(f'<c xmlns="{MAIN}" r="A1"><v>1</v></c>')),
    "the default namespace changed on a cell": sheet(rows('<c xmlns="urn:other" r="A1"><v>1</v></c>')),
    "a namespace declared on a row": sheet('<row r="1" xmlns="urn:other"><c r="A1"><v>1</v></c></row>'),
    "strict namespace": sheet(rows(A1), root='<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main">'),
    "two default namespaces": sheet(rows(A1), head='<sheetPr xmlns="urn:other"/>'),
    "a default namespace declared with spaces around =": sheet(rows(A1), head='<sheetPr xmlns = "urn:other"/>'),
    "a cell outside sheetData": sheet(rows(A1), tail='<c r="B1"><v>2</v></c>'),
    "a cell before sheetData": sheet(rows(A1), head='<c r="B1"><v>2</v></c>'),
    "text between cells": sheet(rows(A1 + "stray")),
    "an unknown element between cells": sheet(rows(A1 + "<x/>" + '<c r="B1"><v>2</v></c>')),
    "an attribute on v": sheet(rows('<c r="A1"><v x="1">1</v></c>')),
    "an end tag with white space": sheet(rows('<c r="A1"><v>1</v ></c >')),
}


@pytest.mark.parametrize("name", list(SLOW))
def test_constructs_the_fast_path_leaves_to_expat(name):
    data = SLOW[name]
    _scan_with_expat(data)                      # well-formed: the expat path reads it
    assert_slow(data)
    assert_slow(data, True)


def test_rph_text_is_what_the_expat_path_gives():
    # The expat path joins every <t> of an inline string, phonetic runs included; the fast path leaves such
    # cells to it, so the result is the same either way.
    data = SLOW["a phonetic run"]
    assert scan_cells(data)[0].value_text == "abPH"


def test_malformed_reference_raises_as_before():
    for ref in ("1A", "a1", "A", "AAAA1", ""):
        data = sheet(rows(f'<c r="{ref}"><v>1</v></c>'))
        assert _scan_plain(data) is None
        with pytest.raises(BookError, match="malformed reference"):
            scan_cells(data, "Sheet1")


MALFORMED = {
    "truncated": sheet(rows(A1))[:-30],
    "mismatched tags": sheet(rows('<c r="A1"><v>1</c></v>')),
    "undefined entity": sheet(rows('<c r="A1" t="str"><v>&nbsp;</v></c>')),
    "bad character reference": sheet(rows('<c r="A1" t="str"><v>&#0;</v></c>')),
    "huge character reference": sheet(rows('<c r="A1" t="str"><v>&#99999999999;</v></c>')),
    "bare ampersand": sheet(rows('<c r="A1" t="str"><v>a & b</v></c>')),
    "duplicate attribute": sheet(rows('<c r="A1" r="A2"><v>1</v></c>')),
    "duplicate other attribute": sheet(rows('<c r="A1" cm="1" cm="1"><v>1</v></c>')),
    "< in an attribute": sheet(rows('<c r="A1" cm="<"><v>1</v></c>')),
    "unbound prefix": sheet(rows('<c r="A1" foo:bar="1"><v>1</v></c>')),
    "unclosed row": sheet('<row r="1">' + A1),
    "stray row end": sheet(A1 + "</row>"),
    "control character": sheet(rows('<c r="A1" t="str"><v>a\x01b</v></c>')),
    "bad UTF-8": sheet(rows('<c r="A1" t="str"><v>x</v></c>')).replace(b">x<", b">\xff\xfe<"),
    "]]> in text": sheet(rows('<c r="A1" t="str"><v>a]]>b</v></c>')),
    "garbage after the root": sheet(rows(A1)) + b"<extra/>",
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_parts_raise_the_same_error(name):
    data = MALFORMED[name]
    with pytest.raises(BookError) as expected:
        _scan_with_expat(data, "Sheet1")
    assert "is not well-formed XML (" in str(expected.value)
    assert _scan_plain(data) is None
    with pytest.raises(BookError) as raised:
        scan_cells(data, "Sheet1")
    assert str(raised.value) == str(expected.value)


def test_a_doctype_is_refused_as_before():
    data = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY e "x">]>' + sheet(rows(A1), declaration="")
    assert _scan_plain(data) is None
    with pytest.raises(UnsafeXML):
        scan_cells(data)


def test_the_error_of_the_earliest_fault_wins_as_before():
    # A malformed reference before a well-formedness error: the expat path meets the reference first.
    data = sheet(rows('<c r="1A"><v>1</v></c>', '<c r="A2"><v>1</c>'))
    with pytest.raises(BookError, match="malformed reference"):
        scan_cells(data, "Sheet1")


def test_the_benchmark_sheet(tmp_path):
    from tests.conftest import bench_refresh

    path = tmp_path / "cells.xlsx"
    bench_refresh().cells_book(path, 300, native=False)
    records = assert_fast(sheet_parts(path)["xl/worksheets/sheet1.xml"])
    assert len(records) == 2400 and records[7].formula == "KC_DCF(A1:E1,F1,G1)"


@pytest.mark.libreoffice
def test_a_sheet_libreoffice_wrote(built_book, tmp_path):
    if not libreoffice.available():
        pytest.skip("LibreOffice (soffice) is not installed")
    xlsxwriter = pytest.importorskip("xlsxwriter")
    source = tmp_path / "in" / "Mixed.xlsx"
    source.parent.mkdir()
    book = xlsxwriter.Workbook(str(source))
    sheet_ = book.add_worksheet("Mixed")
    bold = book.add_format({"bold": True})
    sheet_.write(0, 0, 1.5)
    sheet_.write(0, 1, "text & <b> \"q\" é")
    sheet_.write_boolean(0, 2, False)
    sheet_.write_formula(0, 3, '=IF(A1<2,"a&b","x")', None, "a&b")
    sheet_.write_array_formula("E1:E3", "{=A1:A3*2}")
    sheet_.write_blank(1, 1, None, bold)
    sheet_.write_formula(1, 2, "=1/0", None, "#DIV/0!")
    sheet_.write(2, 0, "multi\nline")
    for r in range(4, 30):
        sheet_.write_row(r, 0, [r, f"=A{r + 1}*2", f"s{r % 3}"])
    book.close()
    for path in (source, built_book):
        out = tmp_path / ("lo-" + path.stem)
        converted = libreoffice.convert(path, "xlsx", out)
        assert_book_fast(converted)


# Random sheets made of the cell kinds writers produce.
TEXT = st.text(st.sampled_from(list("ab Z09&<>\"'\r\n\té€😀_;:=(),$")), max_size=12)


def escape(text: str, draw) -> str:
    out = []
    for ch in text:
        if ch == "&":
            out.append(draw(st.sampled_from(["&amp;", "&#38;", "&#x26;"])))
        elif ch == "<":
            out.append(draw(st.sampled_from(["&lt;", "&#60;"])))
        elif ch == ">":
            out.append(draw(st.sampled_from([">", "&gt;"])))
        elif ch == '"':
            out.append(draw(st.sampled_from(['"', "&quot;"])))
        elif ch == "'":
            out.append(draw(st.sampled_from(["'", "&apos;"])))
        elif ch == "\r":
            out.append(draw(st.sampled_from(["\r", "&#13;", "&#xD;"])))
        else:
            out.append(ch)
    return "".join(out)


@st.composite
def cell_xml(draw, ref: str) -> str:
    kind = draw(st.sampled_from(["number", "shared", "inline", "rich", "bool", "error", "formula", "shared_master",
                                 "shared_child", "array", "empty", "empty_open", "str_formula", "v_empty"]))
    attrs = {"r": ref}
    if draw(st.booleans()):
        attrs["s"] = str(draw(st.integers(0, 30)))
    for extra in ("cm", "vm", "ph"):
        if draw(st.integers(0, 5)) == 0:
            attrs[extra] = "1"
    children = ""
    text = escape(draw(TEXT), draw)
    if kind == "number":
        children = f"<v>{draw(st.floats(allow_nan=False, allow_infinity=False))!r}</v>"
    elif kind == "shared":
        attrs["t"] = "s"
        children = f"<v>{draw(st.integers(0, 999))}</v>"
    elif kind == "inline":
        attrs["t"] = "inlineStr"
        children = f"<is><t>{text}</t></is>"
    elif kind == "rich":
        attrs["t"] = "inlineStr"
        second = escape(draw(TEXT), draw)
        children = (f'<is><r><rPr><b/><sz val="11"/></rPr><t xml:space="preserve">{text}</t></r>'
                    f"<r><t>{second}</t></r></is>")
    elif kind == "bool":
        attrs["t"] = "b"
        children = f"<v>{draw(st.sampled_from('01'))}</v>"
    elif kind == "error":
        attrs["t"] = "e"
        children = f"<v>{draw(st.sampled_from(['#N/A', '#DIV/0!', '#VALUE!']))}</v>"
    elif kind == "formula":
        children = f"<f>{text}</f><v>{draw(st.integers())}</v>"
    elif kind == "str_formula":
        attrs["t"] = "str"
        children = f"<f>{text}</f><v>{escape(draw(TEXT), draw)}</v>"
    elif kind == "shared_master":
        children = f'<f t="shared" ref="{ref}:{ref}" si="{draw(st.integers(0, 9))}">{text}</f><v>1</v>'
    elif kind == "shared_child":
        children = f'<f t="shared" si="{draw(st.integers(0, 9))}"/><v>2</v>'
    elif kind == "array":
        children = f'<f t="array" ref="{ref}:{ref}">{text}</f><v>0</v>'
    elif kind == "v_empty":
        children = draw(st.sampled_from(["<f>A1</f><v/>", "<f>A1</f><v />", "<f>A1</f><v></v>", "<v></v>"]))
    order = draw(st.permutations(list(attrs)))
    start = "<c" + "".join(f' {name}="{attrs[name]}"' for name in order)
    if kind == "empty":
        return start + draw(st.sampled_from(["/>", " />"]))
    if kind == "empty_open":
        return start + "></c>"
    return start + ">" + children + "</c>"


@st.composite
def random_sheet(draw):
    n_rows = draw(st.integers(0, 5))
    body = []
    refs = []
    for r in range(1, n_rows + 1):
        columns = sorted(draw(st.sets(st.integers(1, 30), max_size=5)))
        cells_xml = []
        for c in columns:
            ref = f"{chr(64 + c) if c <= 26 else 'A' + chr(64 + c - 26)}{r}"
            refs.append(ref)
            cells_xml.append(draw(cell_xml(ref)))
        sep = draw(st.sampled_from(["", "\n", "\r\n  "]))
        spans = f' spans="1:{max(columns)}"' if columns and draw(st.booleans()) else ""
        body.append(f'<row r="{r}"{spans}>{sep}' + sep.join(cells_xml) + f"{sep}</row>{sep}")
    keep = draw(st.one_of(st.just(False), st.just(True), st.sets(st.sampled_from(refs + ["ZZ1"]), max_size=4)))
    return sheet("".join(body)), keep


@settings(max_examples=300)
@given(random_sheet())
def test_random_sheets_fast_equals_expat(case):
    data, keep_empty = case
    assert_fast(data, keep_empty)


@settings(max_examples=150)
@given(random_sheet(), st.data())
def test_random_sheets_with_a_foreign_construct(case, data_strategy):
    data, keep_empty = case
    insert = data_strategy.draw(st.sampled_from([
        "<!-- c -->", "<x/>", "<c><v>1</v></c>", "<c r='Q9'/>", '<c r="Q9">\n<v>1</v></c>',
        '<c r="Q9" t="inlineStr"><is><rPh><t>p</t></rPh></is></c>']))
    at = data.find(b"</sheetData>")
    row = f'<row r="99">{insert}</row>'.encode()
    mutated = data[:at] + row + data[at:]
    assert_slow(mutated, keep_empty)


def test_long_runs_between_cells_cost_linear_time():
    # Many empty formatted rows (as Excel writes them), long white space, then something the fast path does
    # not read: every stretch is looked at once, not again from each of its positions.
    import time
    empty_rows = "".join(f'<row r="{r}" ht="20" customHeight="1"/>' for r in range(2, 200_002))
    cases = [sheet(rows(A1) + empty_rows), sheet(rows(A1) + empty_rows + "<x/>"),
             sheet(rows(A1) + " " * 2_000_000 + "<x/>"), sheet(rows(A1 + " " * 2_000_000 + "<c r='B1'/>"))]
    for data in cases:
        began = time.perf_counter()
        _scan_plain(data)
        assert time.perf_counter() - began < 5
    assert_fast(cases[0])


def test_the_collector_is_left_as_it_was():
    import gc
    data = sheet(rows(A1))
    assert gc.isenabled()
    _scan_plain(data)
    assert gc.isenabled()
    gc.disable()
    try:
        _scan_plain(data)
        assert not gc.isenabled()
    finally:
        gc.enable()
