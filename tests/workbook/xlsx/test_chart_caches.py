"""Chart caches rewritten from the book's values: the points and counts, and not one other byte."""

import math
import re
import xml.parsers.expat as expat

import openpyxl
import pytest
import xlsxwriter

from tests.conftest import needs_libreoffice
from workbook.calc import libreoffice
from workbook.xlsx.book import Workbook
from workbook.xlsx.chart_caches import area_cells, chart_cache_changes, chart_parts

SHEET = "Data & Sheet's"
QUOTED = "'Data & Sheet''s'"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"


def chart_book(path):
    """A sheet of text, numbers, empty cells, a boolean and a formula; a bar chart (text categories, two
    number columns, series names from cells) and a line chart with one series by row."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(SHEET)
    sheet.write_row("A1", ["Item", "FY2024", "FY2025", "FY2026"])
    sheet.write_column("A2", ["Alpha", "B <&> c", None, "Delta", "Echo", "Fox"])
    sheet.write_column("B2", [1.5, 2, None, "n/a", 4.25])
    sheet.write_formula("B7", "=B2*2", None, 3)
    sheet.write_column("C2", [10, 20, 30, True, 50, 60])
    sheet.write_column("D2", [7, 9, 11, 13, 15, 17])
    bar = book.add_chart({"type": "bar"})
    for column in "BC":
        bar.add_series({"name": f"={QUOTED}!${column}$1", "categories": f"={QUOTED}!$A$2:$A$7",
                        "values": f"={QUOTED}!${column}$2:${column}$7"})
    sheet.insert_chart("F2", bar)
    line = book.add_chart({"type": "line"})
    line.add_series({"name": f"={QUOTED}!$A$3", "categories": f"={QUOTED}!$B$1:$D$1",
                     "values": f"={QUOTED}!$B$3:$D$3"})
    sheet.insert_chart("F20", line)
    book.close()
    return path


# The values after a "refresh": numbers changed, a formula's result, cells emptied and filled, text with
# characters to escape, a boolean, an error, a whole number, a tiny one.
NEW = {"B2": 100.0, "B3": 7.0, "B4": 2.5, "B5": 5.0, "B6": None, "B7": 200.0,
       "A3": "New & <text>\x01", "A5": None, "A6": "#N/A text",
       "C3": 1e-05, "C5": False, "C6": "#N/A", "D3": -0.125, "D1": "FY2026e"}


def changed_values(book):
    def value_of(sheet, ref):
        assert sheet == SHEET
        return NEW[ref] if ref in NEW else book.value(sheet, ref)
    return value_of


def caches(data: bytes) -> list[dict]:
    """Every numCache/strCache of a chart part, read with a plain parser: formula, kind, ptCount, points."""
    found, stack = [], []

    def start(name, attrs):
        local = name.rpartition("|")[2]
        stack.append(local)
        if local in ("numCache", "strCache"):
            found.append({"kind": local, "f": formula[-1], "count": None, "points": {}})
        elif local == "ptCount" and stack[-2] in ("numCache", "strCache"):
            found[-1]["count"] = int(attrs["val"])
        elif local == "pt" and stack[-2] in ("numCache", "strCache"):
            found[-1]["points"][int(attrs["idx"])] = ""
            point[:] = [int(attrs["idx"])]
        elif local == "f":
            formula.append("")

    def end(name):
        stack.pop()

    def text(chunk):
        if stack and stack[-1] == "f":
            formula[-1] += chunk
        elif stack[-2:] == ["pt", "v"]:
            found[-1]["points"][point[0]] += chunk

    formula, point = [], []
    parser = expat.ParserCreate(namespace_separator="|")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.Parse(data, True)
    return found


def outside_points(data: bytes) -> bytes:
    """A chart part without its cache points and ptCount values: what must not change."""
    data = re.sub(rb"<(\w+:)?pt idx=\"\d+\"[^>]*>.*?</\1?pt>", b"", data)
    return re.sub(rb"(<(\w+:)?ptCount val=\")\d+", rb"\1", data)


# What each cache must hold afterwards, written out by hand: {formula: (ptCount, {idx: text})}.
EXPECTED = {
    f"{QUOTED}!$B$1": (1, {0: "FY2024"}),
    f"{QUOTED}!$C$1": (1, {0: "FY2025"}),
    f"{QUOTED}!$A$2:$A$7": (6, {0: "Alpha", 1: "New & <text>_x0001_", 4: "#N/A text", 5: "Fox"}),
    f"{QUOTED}!$B$2:$B$7": (6, {0: "100", 1: "7", 2: "2.5", 3: "5", 5: "200"}),   # B6 emptied: no point
    f"{QUOTED}!$C$2:$C$7": (6, {0: "10", 1: "1E-05", 2: "30", 3: "0", 5: "60"}),  # False as 0, #N/A none
    f"{QUOTED}!$A$3": (1, {0: "New & <text>_x0001_"}),
    f"{QUOTED}!$B$1:$D$1": (3, {0: "FY2024", 1: "FY2025", 2: "FY2026e"}),
    f"{QUOTED}!$B$3:$D$3": (3, {0: "7", 1: "1E-05", 2: "-0.125"}),
}


def test_caches_follow_the_new_values_and_nothing_else_changes(tmp_path):
    book = Workbook.open(chart_book(tmp_path / "Charts.xlsx"))
    assert chart_parts(book) == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
    skipped = []
    changes = chart_cache_changes(book, changed_values(book), skipped=skipped)
    assert skipped == []
    assert set(changes) == {"xl/charts/chart1.xml", "xl/charts/chart2.xml"}
    book.with_parts(changes).save(tmp_path / "Out.xlsx")

    saved = Workbook.open(tmp_path / "Out.xlsx")
    assert {n for n in book.parts if saved.parts[n] != book.parts[n]} == set(changes)
    seen = set()
    for name in changes:
        old, new = book.part(name), saved.part(name)
        assert outside_points(new) == outside_points(old)
        for cache in caches(new):
            count, points = EXPECTED[cache["f"]]
            assert (cache["count"], cache["points"]) == (count, points), cache["f"]
            seen.add(cache["f"])
    assert seen == set(EXPECTED)

    # Another reader sees the same: openpyxl's chart reader on the saved file.
    sheet = openpyxl.load_workbook(tmp_path / "Out.xlsx")[SHEET]
    bar, line = sheet._charts
    values = bar.series[0].val.numRef.numCache
    assert values.ptCount == 6
    assert {p.idx: p.v for p in values.pt} == {0: 100, 1: 7, 2: 2.5, 3: 5, 5: 200}
    assert [p.v for p in line.series[0].val.numRef.numCache.pt] == [7, 1e-05, -0.125]
    assert [p.v for p in line.series[0].cat.strRef.strCache.pt] == ["FY2024", "FY2025", "FY2026e"]


def test_a_second_pass_changes_nothing(tmp_path):
    book = Workbook.open(chart_book(tmp_path / "Charts.xlsx"))
    value_of = changed_values(book)
    once = book.with_parts(chart_cache_changes(book, value_of))
    assert chart_cache_changes(once, value_of) == {}


def test_xlsxwriter_caches_are_put_right_from_the_stored_values(tmp_path):
    """XlsxWriter caches text in a number column as 0 and leaves a boolean out, shifting the later
    points; from the book's own values the caches follow Excel's rules."""
    book = Workbook.open(chart_book(tmp_path / "Charts.xlsx"))
    before = {c["f"]: c for c in caches(book.part("xl/charts/chart1.xml"))}
    assert before[f"{QUOTED}!$B$2:$B$7"]["points"][3] == "0"           # "n/a" cached as 0
    assert before[f"{QUOTED}!$C$2:$C$7"]["count"] == 5                  # the TRUE left out
    changes = chart_cache_changes(book, book.value)
    after = {c["f"]: c for c in caches(changes["xl/charts/chart1.xml"])}
    assert after[f"{QUOTED}!$B$2:$B$7"]["points"] == {0: "1.5", 1: "2", 4: "4.25", 5: "3"}
    assert after[f"{QUOTED}!$C$2:$C$7"] == {"kind": "numCache", "f": f"{QUOTED}!$C$2:$C$7", "count": 6,
                                             "points": {0: "10", 1: "20", 2: "30", 3: "1", 4: "50", 5: "60"}}
    assert after[f"{QUOTED}!$A$2:$A$7"]["points"] == {0: "Alpha", 1: "B <&> c", 3: "Delta", 4: "Echo", 5: "Fox"}


def test_the_template_caches_already_hold_its_values(built_book):
    """The KC template's football field: the caches hold the Summary values, so nothing is rewritten.
    They are not always the same bits: the builder computes the chart data beside the cells, and a few
    points differ from the stored values in the last digits (within the stored-value tolerance)."""
    book = Workbook.open(built_book)
    assert chart_parts(book) == ["xl/charts/chart1.xml"]
    skipped = []
    assert chart_cache_changes(book, book.value, skipped=skipped) == {}
    assert skipped == []
    found = caches(book.part("xl/charts/chart1.xml"))
    assert {c["kind"] for c in found} == {"numCache", "strCache"}
    for cache in found:
        sheet, cells = area_cells(book, cache["f"])
        assert sheet == "Summary" and cache["count"] == len(cells)
        for i, ref in enumerate(cells):
            stored = book.value(sheet, ref)
            if cache["kind"] == "strCache":
                assert cache["points"][i] == stored
            else:
                assert math.isclose(float(cache["points"][i]), stored, rel_tol=1e-12)

    # A changed value is written: every number of the chart doubled.
    def doubled(sheet, ref):
        value = book.value(sheet, ref)
        return value * 2 if isinstance(value, float) else value
    changes = chart_cache_changes(book, doubled)
    assert list(changes) == ["xl/charts/chart1.xml"]
    for cache in caches(changes["xl/charts/chart1.xml"]):
        if cache["kind"] == "numCache":
            sheet, cells = area_cells(book, cache["f"])
            assert {i: float(t) for i, t in cache["points"].items()} == {
                i: book.value(sheet, ref) * 2 for i, ref in enumerate(cells)}


# -- hand-written chart parts: other prefixes, refs left alone, odd shapes --

def chart_part(*caches_xml: str, prefix: str = "ch") -> bytes:
    series = "".join(f"<{prefix}:ser><{prefix}:idx val=\"{i}\"/>{xml}</{prefix}:ser>"
                     for i, xml in enumerate(caches_xml))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{prefix}:chartSpace xmlns:{prefix}='
            f'"{CHART_NS}"><{prefix}:chart><{prefix}:plotArea><{prefix}:lineChart>{series}</{prefix}:lineChart>'
            f"</{prefix}:plotArea></{prefix}:chart></{prefix}:chartSpace>").encode()


def num_ref(formula: str, body: str = '<ch:formatCode>0.0</ch:formatCode><ch:ptCount val="1"/>'
            '<ch:pt idx="0"><ch:v>1</ch:v></ch:pt>') -> str:
    return f"<ch:val><ch:numRef><ch:f>{formula}</ch:f><ch:numCache>{body}</ch:numCache></ch:numRef></ch:val>"


def with_chart(tmp_path, data: bytes):
    book = Workbook.open(chart_book(tmp_path / "Charts.xlsx"))
    return book.with_parts({"xl/charts/chart1.xml": data, "xl/charts/chart2.xml": chart_part()})


LEFT_ALONE = [
    "('Data &amp; Sheet''s'!$B$2:$B$3,'Data &amp; Sheet''s'!$B$5:$B$7)",  # several areas
    "'Data &amp; Sheet''s'!$B$2,'Data &amp; Sheet''s'!$B$4",
    "Plotted",                                                           # a defined name
    "'Data &amp; Sheet''s'!Plotted",
    "[1]Data!$B$2:$B$7",                                                 # another workbook
    "'[Other.xlsx]Data &amp; Sheet''s'!$B$2:$B$7",
    "'Data &amp; Sheet''s'!$B$2:$C$7",                                   # a 2-D block
    "Missing!$B$2:$B$7",                                                 # no such sheet
    "'Data &amp; Sheet''s'!$B:$B",                                       # a whole column
]


@pytest.mark.parametrize("formula", LEFT_ALONE)
def test_refs_other_than_one_row_or_column_are_left_alone(tmp_path, formula):
    book = with_chart(tmp_path, chart_part(num_ref(formula)))
    assert area_cells(book, caches(book.part("xl/charts/chart1.xml"))[0]["f"]) is None
    assert chart_cache_changes(book, lambda s, r: 42.0) == {}


def test_only_the_readable_cache_changes_with_the_parts_prefix(tmp_path):
    """Among caches of refs left alone, the one readable cache (on a sheet named plainly) gets new
    points spelt with the part's prefix; every other byte stays."""
    plain = xlsxwriter.Workbook(str(tmp_path / "Plain.xlsx"))
    sheet = plain.add_worksheet("Data")
    plain.add_worksheet(SHEET)
    chart = plain.add_chart({"type": "line"})
    chart.add_series({"values": "=Data!$B$2:$B$3"})
    sheet.insert_chart("D2", chart)
    plain.close()
    good = num_ref("Data!$B$2:$B$3")
    bad = [num_ref(f) for f in LEFT_ALONE]
    data = chart_part(*bad[:4], good, *bad[4:])
    book = Workbook.open(tmp_path / "Plain.xlsx").with_parts({"xl/charts/chart1.xml": data})
    changes = chart_cache_changes(book, lambda s, r: {"B2": 0.5, "B3": 12.0}.get(r, 42.0))
    new_good = num_ref("Data!$B$2:$B$3", '<ch:formatCode>0.0</ch:formatCode><ch:ptCount val="2"/>'
                       '<ch:pt idx="0"><ch:v>0.5</ch:v></ch:pt><ch:pt idx="1"><ch:v>12</ch:v></ch:pt>')
    assert changes == {"xl/charts/chart1.xml": data.replace(good.encode(), new_good.encode())}


def test_a_sheet_name_in_another_case_is_the_same_sheet(tmp_path):
    book = with_chart(tmp_path, chart_part(num_ref("'DATA &amp; SHEET''S'!b2:b3")))
    assert area_cells(book, "'DATA & SHEET''S'!b2:b3") == (SHEET, ["B2", "B3"])
    assert area_cells(book, "'Data & Sheet''s'!$B$3:$B$2") == (SHEET, ["B2", "B3"])
    assert area_cells(book, "'Data & Sheet''s'!$D$1:$B$1") == (SHEET, ["B1", "C1", "D1"])
    assert area_cells(book, " 'Data & Sheet''s'!C4 ") == (SHEET, ["C4"])
    assert list(chart_cache_changes(book, lambda s, r: 9.0)) == ["xl/charts/chart1.xml"]


def test_missing_count_empty_caches_and_point_formats(tmp_path):
    """No ptCount: one goes after the formatCode. No points, or an empty <numCache/>: they go in. A point
    with its own formatCode keeps its start tag."""
    f = "'Data &amp; Sheet''s'!$B$2:$B$3"
    data = chart_part(
        num_ref(f, '<ch:formatCode>0.0</ch:formatCode><ch:pt idx="0"><ch:v>1</ch:v></ch:pt>'),
        num_ref(f, '<ch:formatCode>0.0</ch:formatCode><ch:ptCount val="2"/>'),
        f"<ch:val><ch:numRef><ch:f>{f}</ch:f><ch:numCache/></ch:numRef></ch:val>",
        num_ref(f, '<ch:ptCount val="2"/><ch:pt idx="1" formatCode="0%"><ch:v>0.5</ch:v></ch:pt>'
                   '<ch:extLst/>'),
        f"<ch:tx><ch:strRef><ch:f>{f}</ch:f><ch:strCache><ch:ptCount val='1'/></ch:strCache></ch:strRef></ch:tx>")
    book = with_chart(tmp_path, data)
    new = chart_cache_changes(book, lambda s, r: {"B2": 3.0, "B3": 0.25}[r])["xl/charts/chart1.xml"]
    points = '<ch:pt idx="0"><ch:v>3</ch:v></ch:pt><ch:pt idx="1"><ch:v>0.25</ch:v></ch:pt>'
    assert new == chart_part(
        num_ref(f, '<ch:formatCode>0.0</ch:formatCode><ch:ptCount val="2"/>' + points),
        num_ref(f, '<ch:formatCode>0.0</ch:formatCode><ch:ptCount val="2"/>' + points),
        f'<ch:val><ch:numRef><ch:f>{f}</ch:f><ch:numCache><ch:ptCount val="2"/>{points}</ch:numCache>'
        f'</ch:numRef></ch:val>',
        num_ref(f, '<ch:ptCount val="2"/><ch:pt idx="0"><ch:v>3</ch:v></ch:pt><ch:pt idx="1" formatCode="0%">'
                   '<ch:v>0.25</ch:v></ch:pt><ch:extLst/>'),
        f"<ch:tx><ch:strRef><ch:f>{f}</ch:f><ch:strCache><ch:ptCount val='2'/>{points}</ch:strCache>"
        f"</ch:strRef></ch:tx>")


def test_numbers_equal_to_the_last_bits_are_not_rewritten(tmp_path):
    f = "'Data &amp; Sheet''s'!$B$2"
    book = with_chart(tmp_path, chart_part(num_ref(f, '<ch:ptCount val="1"/><ch:pt idx="0"><ch:v>0.1</ch:v></ch:pt>')))
    assert chart_cache_changes(book, lambda s, r: math.nextafter(0.1, 1.0)) == {}
    assert chart_cache_changes(book, lambda s, r: 0.1 + 1e-6) != {}
    # Text is compared exactly: "1.0" is not the text "1".
    text = chart_part(f"<ch:tx><ch:strRef><ch:f>{f}</ch:f><ch:strCache><ch:ptCount val=\"1\"/><ch:pt idx=\"0\">"
                      f"<ch:v>1.0</ch:v></ch:pt></ch:strCache></ch:strRef></ch:tx>")
    assert chart_cache_changes(with_chart(tmp_path, text), lambda s, r: 1.0) != {}


@pytest.mark.parametrize("data, reason", [
    (b"<c:chartSpace xmlns:c='" + CHART_NS.encode() + b"'><c:chart>", "not well-formed"),
    (b"<worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'/>", "not a DrawingML chart"),
    (chart_part(num_ref("Data!$B$2:$B$3", '<ch:ptCount val="2"/><ch:pt idx="0"><ch:v>1</ch:v></ch:pt>'
                        '<ch:extLst/><ch:pt idx="1"><ch:v>2</ch:v></ch:pt>')), "not one run"),
    (chart_part(num_ref("Data!$B$2:$B$3", '<ch:pt idx="0"><ch:v>1</ch:v></ch:pt><ch:ptCount val="2"/>')),
     "after its points"),
    (chart_part(num_ref("Data!$B$2:$B$3", '<ch:ptCount val="2"/><ch:pt idx="0"><ch:v>1</ch:v></ch:pt>'
                        'stray text<ch:pt idx="1"><ch:v>2</ch:v></ch:pt>')), "other than <pt>"),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><c:chartSpace xmlns:c="' + CHART_NS.encode() + b'"/>',
     "ISO-8859-1"),
])
def test_a_chart_part_that_cannot_be_read_exactly_is_left_whole(tmp_path, data, reason):
    book = with_chart(tmp_path, data)
    skipped = []
    assert chart_cache_changes(book, lambda s, r: 42.0, skipped=skipped) == {}
    assert len(skipped) == 1 and skipped[0].startswith("xl/charts/chart1.xml: chart left as it is")
    assert reason in skipped[0]


def test_a_failing_value_lookup_is_not_masked(tmp_path):
    book = Workbook.open(chart_book(tmp_path / "Charts.xlsx"))

    def broken(sheet, ref):
        raise RuntimeError("engine failure")
    with pytest.raises(RuntimeError, match="engine failure"):
        chart_cache_changes(book, broken)


def test_charts_are_found_through_relationships_not_names(tmp_path):
    """A chart part under another name is found; a file named like a chart but not related is not."""
    book = Workbook.open(chart_book(tmp_path / "Charts.xlsx"))
    rels = "xl/drawings/_rels/drawing1.xml.rels"
    moved = book.with_parts({
        rels: book.part(rels).replace(b"../charts/chart2.xml", b"/xl/other/plot.xml"),
        "xl/other/plot.xml": book.part("xl/charts/chart2.xml")})
    assert chart_parts(moved) == ["xl/charts/chart1.xml", "xl/other/plot.xml"]
    assert set(chart_cache_changes(moved, changed_values(book))) == {"xl/charts/chart1.xml", "xl/other/plot.xml"}


@needs_libreoffice
def test_libreoffice_opens_the_rewritten_book(tmp_path):
    book = Workbook.open(chart_book(tmp_path / "Charts.xlsx"))
    book.with_parts(chart_cache_changes(book, changed_values(book))).save(tmp_path / "Out.xlsx")
    pdf = libreoffice.convert(tmp_path / "Out.xlsx", "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    resaved = libreoffice.convert(tmp_path / "Out.xlsx", "xlsx", tmp_path / "lo")
    charts = openpyxl.load_workbook(resaved)[SHEET]._charts
    assert len(charts) == 2
