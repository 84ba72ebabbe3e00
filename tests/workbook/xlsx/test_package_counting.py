"""The cell and shared-string limit: parts are bounded by their "<" count and counted only near the limit.

The count must never be below the tags a part really holds (or a bomb gets through), and must not be above
the documented cautious rule (or a real book at the limit is refused); the bound must hold across chunk
boundaries and across parts. Real books at and one past a (lowered) limit check the whole path.
"""

import re
import zipfile
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.errors import BookError
from workbook.xlsx import package
from workbook.xlsx.book import Workbook

from tests.workbook.xlsx import hostile

FRAGMENTS = [b'<c r="A1">', b"<c/>", b"<c>", b"<c\t", b"<c\r\n", b"<x:c ", b"<x:c/>", b"<x:c\n", b"<p.q-r:c>",
             b"<col ", b"<cols>", b"<cfRule ", b"<color/>", b"<cc ", b"<si>", b"<si/>", b"<si ", b"<x:si>",
             b"<sir ", b"<s ", b":si ", b":c ", b":c", b"</c>", b"</si>", b"<v>1</v>", b"<t>a c si</t>",
             b'<row r="1">', b"<sheetData>", b"text ", b"c", b"s", b"i", b"si", b"<", b":", b"x:", b" ", b"/",
             b">", b"\n", b"\t", "é€".encode(), b"&lt;c ", b"<!-- <c/> -->", b"<?pi c?>"]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map(b"".join)


def real_tags(text: bytes) -> tuple[int, int]:
    """(cells, shared strings) by reading each tag's name: a "<", a name up to white space, "/" or ">",
    whose local part (after a non-empty prefix and ':') is c or si. A name the text ends inside is no tag."""
    cells = strings = 0
    for start in range(len(text)):
        if text[start:start + 1] != b"<":
            continue
        end = start + 1
        while end < len(text) and text[end:end + 1] not in (b" ", b"\t", b"\r", b"\n", b"/", b">", b"<"):
            end += 1
        if end == len(text) or text[end:end + 1] == b"<":
            continue
        prefix, colon, local = text[start + 1:end].rpartition(b":")
        if colon and (not prefix or b":" in prefix):
            continue
        cells += local == b"c"
        strings += local == b"si"
    return cells, strings


def cautious(text: bytes) -> tuple[int, int]:
    """The documented rule: "<" or ":", then c or si, then white space, "/" or ">"."""
    found = re.findall(rb"[<:](c|si)[ \t\r\n/>]", text)
    return found.count(b"c"), found.count(b"si")


def split(text: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    return [text[a:b] for a, b in zip(points, points[1:])]


def counted(pieces: list[bytes]) -> tuple[int, int]:
    """What read_member spends for a part that arrives as ``pieces``, each counted with what precedes it."""
    cells = strings = 0
    for k, piece in enumerate(pieces):
        c, s = package.count_tags(piece, b"".join(pieces[max(k - 3, 0):k]))
        cells, strings = cells + c, strings + s
    return cells, strings


@settings(max_examples=600)
@given(texts, st.lists(st.integers(0, 10_000), max_size=12))
def test_the_count_is_never_below_the_tags_and_ignores_chunk_boundaries(text, cuts):
    pieces = split(text, cuts)
    cells, strings = counted(pieces)
    real_cells, real_strings = real_tags(text)
    assert cells >= real_cells and strings >= real_strings
    assert (cells, strings) == cautious(text)    # exactly the rule: a tag cut in two is counted once
    # The bound the budget uses first: every one of those tags starts with its own "<".
    assert sum(p.count(b"<") for p in pieces) >= real_cells + real_strings


def test_examples_of_the_rule():
    assert package.count_tags(b'<c r="A1"><v>1</v></c><c/><x:c\tr="B1"/><col min="1"/><cfRule/>') == (3, 0)
    assert package.count_tags(b"<si><t>a</t></si><x:si/><sir/>") == (0, 2)
    assert package.count_tags(b"<t>note:c here</t>") == (1, 0)      # cautious
    assert package.count_tags(b' r="A1">', b"xx<c") == (1, 0)        # the tag begun before this chunk
    assert package.count_tags(b'r="A1">', b"<c ") == (0, 0)          # ... counted where it ended


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("counting")


@settings(max_examples=150)
@given(st.lists(texts, min_size=1, max_size=3), st.integers(0, 30), st.integers(1, 40))
def test_a_package_is_refused_past_the_limit_and_read_under_it(folder, parts, limit, chunk):
    """Tiny chunks and limits, so the switch from bounding to counting falls anywhere: inside a part, at a
    chunk boundary cutting a tag, after some parts were only bounded."""
    path = folder / "p.xlsx"
    names = [f"xl/p{k}.xml" for k in range(len(parts))]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/media/image1.bin", b"<c/>" * 50)          # not XML: not counted
        for name, text in zip(names, parts):
            z.writestr(name, text)

    def first_over(count):
        """The index of the part whose cells or strings first pass the limit, else None."""
        cells = strings = 0
        for k, text in enumerate(parts):
            c, s = count(text)
            cells, strings = cells + c, strings + s
            if cells > limit or strings > limit:
                return k
        return None

    can, must = first_over(cautious), first_over(real_tags)
    with mock.patch.object(package, "MAX_CELLS", limit), mock.patch.object(package, "CHUNK_BYTES", chunk):
        try:
            _, read, _, _ = package.read_package(path)
        except BookError as error:
            assert can is not None, error
            found = re.search(rf"more than {limit:,} (cells|shared strings) \(at (xl/p\d+\.xml)\)", str(error))
            assert found, error
            assert can <= names.index(found[2]) <= (len(parts) if must is None else must)
        else:
            assert must is None
            assert [read[n] for n in names] == parts


# -- real books at the limit ------------------------------------------------------------------------------

def book(path, *sheets, strings=False):
    """A book whose sheets hold that many cells (numbers, or distinct strings), nothing else."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    for n in sheets:
        sheet = workbook.add_worksheet()
        for k in range(n):
            sheet.write(k // 10, k % 10, f"s{path.stem}{sheet.name}{k}" if strings else k * 1.5)
    workbook.close()
    return path


def total(path) -> tuple[int, int]:
    parts = hostile.members(path).items()
    return tuple(map(sum, zip(*(real_tags(data) for name, data in parts if package.is_xml_name(name)))))


@pytest.fixture()
def limit(monkeypatch):
    # Chunks of 4 KB so that the sheets span many and the counting starts inside one.
    monkeypatch.setattr(package, "MAX_CELLS", 2000)
    monkeypatch.setattr(package, "CHUNK_BYTES", 4096)
    return 2000


def test_a_sheet_at_the_limit_opens_and_one_more_cell_is_refused(tmp_path, limit):
    at = book(tmp_path / "At.xlsx", limit)
    assert total(at) == (limit, 0)
    assert Workbook.open(at).value("Sheet1", "J200") == (limit - 1) * 1.5
    over = book(tmp_path / "Over.xlsx", limit + 1)
    with pytest.raises(BookError, match=r"Over.xlsx: more than 2,000 cells \(at xl/worksheets/sheet1.xml\), "
                                        r"over the limit for a headless refresh$"):
        Workbook.open(over)


def test_parts_only_bounded_are_counted_when_a_later_part_nears_the_limit(tmp_path, limit):
    # Sheet1 (400 cells, some 1,650 "<") stays under the limit on its bound; sheet2 passes it, so sheet1 is
    # counted then. Keeping sheet1's bound would have refused this book, which is exactly at the limit.
    at = book(tmp_path / "Two.xlsx", 400, limit - 400)
    assert 400 * 4 < hostile.members(at)["xl/worksheets/sheet1.xml"].count(b"<") < limit
    assert total(at) == (limit, 0)
    assert Workbook.open(at).value("Sheet2", "A1") == 0
    over = book(tmp_path / "TwoOver.xlsx", 400, limit - 399)
    with pytest.raises(BookError, match=r"more than 2,000 cells \(at xl/worksheets/sheet2.xml\)"):
        Workbook.open(over)


def test_shared_strings_at_the_limit_and_one_past_it(tmp_path, limit):
    at = book(tmp_path / "Strings.xlsx", limit, strings=True)
    assert total(at) == (limit, limit)
    assert Workbook.open(at).value("Sheet1", "A1") == "sStringsSheet10"
    over = hostile.edit(at, tmp_path / "StringsOver.xlsx", "xl/sharedStrings.xml",
                        lambda data: data.replace(b"</sst>", b"<si><t>one more</t></si></sst>"))
    with pytest.raises(BookError, match=r"more than 2,000 shared strings \(at xl/sharedStrings.xml\), over the "
                                        r"limit$"):
        Workbook.open(over)


def test_a_book_far_under_the_limit_is_only_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(package, "count_tags", mock.Mock(side_effect=AssertionError("counted")))
    assert Workbook.open(book(tmp_path / "Small.xlsx", 5000)).value("Sheet1", "A1") == 0


@pytest.mark.parametrize("after", [[], ["xl/styles.xml"]])
def test_a_utf16_part_after_bounded_ones_counts_with_them(folder, after):
    # 6 cells in a UTF-8 part (only bounded) and 5 in a UTF-16 one (counted as decoded): 11, over 10,
    # whether or not a UTF-8 part comes after to notice.
    path = folder / "wide.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/a.xml", b"<sheetData>" + b"<c/>" * 6 + b"</sheetData>")
        z.writestr("xl/b.xml", "\ufeff<sheetData>{}</sheetData>".format("<c/>" * 5).encode("utf-16-le"))
        for name in after:
            z.writestr(name, b"<styleSheet/>")
    with mock.patch.object(package, "MAX_CELLS", 10):
        with pytest.raises(BookError, match=r"more than 10 cells \(at xl/b.xml\)"):
            package.read_package(path)
    with mock.patch.object(package, "MAX_CELLS", 11):
        package.read_package(path)
