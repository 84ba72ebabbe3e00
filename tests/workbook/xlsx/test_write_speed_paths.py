"""The fast write paths give the same workbook as before.

``rewrite_sheet`` retypes start tags through a cache and encodes plain floats inline: its output is
compared byte for byte with the implementation it replaced (read from git at a pinned commit) on the KC
template and on generated sheets of every cell shape. ``Workbook.save`` deflates at the fastest level and keeps
the compressed stream of every large unchanged member: every
member must read back as the expected bytes, in the original order, with the headers zipfile's writestr
gives (names, dates, attributes, extra fields, comments) and the zip comment.
"""

from __future__ import annotations

import copy
import csv
import math
import shutil
import subprocess
import types
import zipfile
import zlib
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import schedula as sh
from formulas.functions import Error
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.calc import libreoffice
from workbook.errors import BookError
from workbook.xlsx import cached_values as new
from workbook.xlsx import deflate
from workbook.xlsx.book import Workbook
from workbook.xlsx.cells import scan_cells
from workbook.xlsx.package import KEPT_STREAM
from workbook.xlsx.references import split_cell

from tests.conftest import needs_libreoffice

ROOT = Path(__file__).resolve().parents[3]
# The last commit of the previous cached_values.py (general with_attributes per cell, encode per value).
ORACLE_COMMIT = "4ebf5c07a535f5d48196268f25b957975d503010"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(scope="module")
def old():
    """The previous implementation, loaded from git; its helpers (scan_cells, with_attributes) are today's."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the previous implementation cannot be read")
    done = subprocess.run(["git", "-C", str(ROOT), "show", f"{ORACLE_COMMIT}:workbook/xlsx/cached_values.py"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"commit {ORACLE_COMMIT[:10]} is not in this clone: {done.stderr.strip()[:100]}")
    module = types.ModuleType("cached_values_before")
    exec(compile(done.stdout, "cached_values_before.py", "exec"), module.__dict__)
    return module


def error(text):
    return Error.errors[text]


VALUES = [1.0, 0.5, -0.0, 0.0, 2.0, -3.0, 1e15, -1e15, 999999999999999.0, 1e16, 123456789012345.6, 1e-7, 2.5e-300,
          5e-324, 1.7976931348623157e308, math.pi, -math.e, float("inf"), float("-inf"), float("nan"), True, False,
          7, -12, 10 ** 20, np.float64(2.5), np.float64("nan"), np.int64(3), np.bool_(True), np.array([[4.25]]),
          None, sh.EMPTY, "text", "a&b<c>d", "_x0041_", "x_x00E9_y_X0041_", " lead", "trail ", "line\nbreak",
          "\x01ctl\x1f", "\ufffe", "", "ünïcødé €", error("#DIV/0!"), error("#N/A"), error("#GETTING_DATA"),
          error("#NAME?")]


def assert_same_result(function_old, function_new, *args):
    """Both return the same bytes, or both refuse with the same message."""
    try:
        expected = function_old(*args)
    except BookError as refusal:
        with pytest.raises(BookError) as raised:
            function_new(*args)
        assert str(raised.value) == str(refusal)
        return None
    assert function_new(*args) == expected
    return expected


# -- encode --

@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_encode_gives_the_same_text(old, value):
    assert new.encode(value) == old.encode(value)


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10 ** 18, 10 ** 18))
@settings(max_examples=2000)
def test_encode_gives_the_same_text_for_any_number(value):
    oracle = _oracle()
    if oracle is None:
        pytest.skip("the previous implementation is not available")
    assert new.encode(value) == oracle.encode(value)
    assert new.same_value(oracle.encode(value), value) == oracle.same_value(oracle.encode(value), value)


_ORACLE: list = []


def _oracle():
    """The previous module for hypothesis tests (function-scoped fixtures do not mix with @given)."""
    if not _ORACLE:
        done = subprocess.run(["git", "-C", str(ROOT), "show", f"{ORACLE_COMMIT}:workbook/xlsx/cached_values.py"],
                              capture_output=True, text=True) if shutil.which("git") else None
        if done is None or done.returncode != 0:
            _ORACLE.append(None)
        else:
            module = types.ModuleType("cached_values_before")
            exec(compile(done.stdout, "cached_values_before.py", "exec"), module.__dict__)
            _ORACLE.append(module)
    return _ORACLE[0]


# -- rewrite_sheet on generated sheets --

# Cell shapes: {r} is the reference, {p} the namespace prefix.
SHAPES = [
    '<{p}c r="{r}"><{p}f>1+1</{p}f><{p}v>2</{p}v></{p}c>',
    '<{p}c r="{r}" s="3"><{p}f>1+1</{p}f><{p}v>2</{p}v></{p}c>',
    '<{p}c r="{r}" t="str"><{p}f>"a"</{p}f><{p}v>a</{p}v></{p}c>',
    '<{p}c r="{r}" s="2" t="b"><{p}f>TRUE()</{p}f><{p}v>1</{p}v></{p}c>',
    "<{p}c r='{r}' t='e'><{p}f>1/0</{p}f><{p}v>#DIV/0!</{p}v></{p}c>",
    '<{p}c r="{r}" t=\'str\' s="1"><{p}f>"x"</{p}f><{p}v>x</{p}v></{p}c>',
    '<{p}c r="{r}" t = "n"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}"><{p}f>1</{p}f></{p}c>',
    '<{p}c r="{r}" t="str"><{p}f>1</{p}f></{p}c>',
    '<{p}c r="{r}"><{p}f t="shared" ref="A1:A3" si="0"/><{p}v>4</{p}v></{p}c>',
    '<{p}c r="{r}" s="5"><{p}f t="shared" si="0"/></{p}c>',
    '<{p}c r="{r}" ><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}"\n  s="4"\t><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}" t="str" ><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}" cm="1" t="e" vm="2"><{p}f t="array" ref="{r}">1/0</{p}f><{p}v>#DIV/0!</{p}v></{p}c>',
    '<{p}c s="1" r="{r}" t="str"><{p}f>1</{p}f><{p}v>1</{p}v></{p}c>',
    '<{p}c r="{r}" t="b"><{p}f>1</{p}f><{p}v/></{p}c>',
    '<{p}c r="{r}"><{p}f>1</{p}f><{p}v></{p}v></{p}c>',
    '<{p}c r="{r}"><{p}v>5</{p}v></{p}c>',                       # a spilled value: no formula
    '<{p}c r="{r}" t="s"><{p}v>0</{p}v></{p}c>',
    '<{p}c r="{r}" t="inlineStr"><{p}is><{p}t>old</{p}t></{p}is></{p}c>',
    '<{p}c r="{r}" s="2"/>',                                     # empty: a blank input, or covered by a spill
    '<{p}c r="{r}" t="n" />',
    '<{p}c r="{r}" t="str"/>',
]


def sheet_xml(shapes: list[int], prefix: str = "") -> bytes:
    p = prefix + ":" if prefix else ""
    declaration = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    rows = "".join(f'<{p}row r="{i + 1}">' + SHAPES[shape].format(p=p, r=f"A{i + 1}") + f"</{p}row>"
                   for i, shape in enumerate(shapes))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {declaration}>'
            f"<{p}sheetData>{rows}</{p}sheetData></{p}worksheet>").encode()


def refs(shapes):
    return [f"A{i + 1}" for i in range(len(shapes))]


@pytest.mark.parametrize("prefix", ["", "x"])
def test_every_shape_with_every_value(old, prefix):
    # (An inline string without a formula holds no value to replace: refused, below, by both.)
    shapes = [s for s in range(len(SHAPES)) if "inlineStr" not in SHAPES[s] for _ in VALUES]
    data = sheet_xml(shapes, prefix)
    cells = scan_cells(data, "S", keep_empty=True)
    values = {ref: VALUES[i % len(VALUES)] for i, ref in enumerate(refs(shapes))}
    # Every cell given a value (the empty ones too, as a spill covers them), through a full scan:
    result = assert_same_result(old.rewrite_sheet, new.rewrite_sheet, data, values, "S", None, cells)
    assert result is not None and result != data
    # Each shape on its own, by a plain scan (no empty cells: refused alike where one is asked for):
    for shape in range(len(SHAPES)):
        one = sheet_xml([shape] * len(VALUES), prefix)
        values = {ref: VALUES[i] for i, ref in enumerate(refs([shape] * len(VALUES)))}
        assert_same_result(old.rewrite_sheet, new.rewrite_sheet, one, values, "S")
        assert_same_result(old.rewrite_sheet, new.rewrite_sheet, one, values, "S", None, scan_cells(one, "S"))


@pytest.mark.parametrize("prefix", ["", "x"])
def test_inputs_and_values_together(old, prefix):
    shapes = list(range(len(SHAPES))) * 3
    data = sheet_xml(shapes, prefix)
    plain = {SHAPES.index(s) for s in SHAPES if "<{p}f" not in s}
    inputs = {ref: VALUES[i % len(VALUES)] for i, ref in enumerate(refs(shapes)) if shapes[i] in plain}
    values = {ref: VALUES[-i % len(VALUES)] for i, ref in enumerate(refs(shapes)) if shapes[i] not in plain}
    assert_same_result(old.rewrite_sheet, new.rewrite_sheet, data, values, "S", inputs)
    assert_same_result(old.rewrite_sheet, new.rewrite_sheet, data, values, "S", inputs, scan_cells(data, "S"))
    # An input on a formula cell, and a value for a cell the sheet lacks, are refused alike:
    formula = next(ref for i, ref in enumerate(refs(shapes)) if shapes[i] not in plain)
    assert_same_result(old.rewrite_sheet, new.rewrite_sheet, data, {}, "S", {formula: 1.0})
    assert_same_result(old.rewrite_sheet, new.rewrite_sheet, data, {"Z99": 1.0}, "S")


@given(st.lists(st.tuples(st.integers(0, len(SHAPES) - 1), st.integers(0, len(VALUES) - 1)), min_size=1,
                max_size=40), st.sampled_from(["", "x"]), st.booleans())
@settings(max_examples=300)
def test_random_sheets(cells, prefix, full_scan):
    oracle = _oracle()
    if oracle is None:
        pytest.skip("the previous implementation is not available")
    shapes = [shape for shape, _ in cells]
    data = sheet_xml(shapes, prefix)
    values = {ref: VALUES[v] for ref, (_, v) in zip(refs(shapes), cells)}
    scan = scan_cells(data, "S", keep_empty=True) if full_scan else None
    assert_same_result(oracle.rewrite_sheet, new.rewrite_sheet, data, values, "S", None, scan)


def test_cells_without_references_and_odd_tags(old):
    data = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c><f>1</f><v>1</v></c><c t="str"><f>2</f></c>'
            '<c r="C1"s="1"><f>1</f><v>1</v></c></row></sheetData></worksheet>').encode()
    for value in VALUES:
        assert_same_result(old.rewrite_sheet, new.rewrite_sheet, data, {"A1": value, "B1": value}, "S")


# -- the KC template --

def kc_values(book: Workbook) -> dict[str, dict]:
    """Every formula cell of the template, given values of every kind in turn."""
    out, i = {}, 0
    for sheet, cells in book.sheets().items():
        for cell in cells:
            if cell.formula is not None:
                out.setdefault(sheet, {})[cell.ref] = VALUES[i % len(VALUES)]
                i += 1
    return out


def test_the_kc_template_is_rewritten_as_before(old, built_book):
    from workbook.commands.refresh import recomputed_values

    book = Workbook.open(built_book)
    for values in (recomputed_values(book), kc_values(book)):
        assert new.with_cached_values(book, values).parts == old.with_cached_values(book, values).parts
    inputs, i = {}, 0
    for sheet, cells in book.sheets().items():
        for cell in cells:
            if cell.formula is None and i < 200:
                inputs.setdefault(sheet, {})[cell.ref] = VALUES[i % len(VALUES)]
                i += 1
    assert (new.with_cached_values(book, {}, inputs).parts == old.with_cached_values(book, {}, inputs).parts)


# -- saving --

HEADER_FIELDS = ("filename", "date_time", "compress_type", "comment", "extra", "create_system", "create_version",
                 "extract_version", "reserved", "internal_attr", "external_attr", "file_size", "CRC")


def headers(path) -> list[tuple]:
    with zipfile.ZipFile(path) as z:
        return [tuple(getattr(i, f) for f in HEADER_FIELDS) for i in z.infolist()]


def streams(path) -> dict[str, bytes]:
    """Each member's compressed bytes as they sit in the file."""
    out = {}
    with open(path, "rb") as handle:
        blob = handle.read()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            start = info.header_offset
            name_length = int.from_bytes(blob[start + 26:start + 28], "little")
            extra_length = int.from_bytes(blob[start + 28:start + 30], "little")
            begin = start + 30 + name_length + extra_length
            out[info.filename] = blob[begin:begin + info.compress_size]
    return out


def check_saved(book: Workbook, path: Path, reference: Path | None = None) -> None:
    """``path`` holds exactly ``book``'s members, in order, with its headers and comment; when given,
    ``reference`` (the same book written by zipfile) has the same headers."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.comment == book.comment
        assert [i.filename for i in z.infolist()] == [i.filename for i in book.infos]
        for info, original in zip(z.infolist(), book.infos):
            assert z.read(info) == book.stored_bytes(info.filename)
            # (zipfile gives a member without attributes rw------- ; so does save)
            assert (info.date_time, info.compress_type, info.comment, info.extra, info.external_attr,
                    info.create_system) == (original.date_time, original.compress_type, original.comment,
                                            original.extra, original.external_attr or 0o600 << 16,
                                            original.create_system)
    if reference is not None:
        assert headers(path) == headers(reference)


def zipfile_save(book: Workbook, path: Path) -> None:
    """What ``save`` wrote before: every member through zipfile's writestr."""
    with zipfile.ZipFile(path, "w") as out:
        for info in book.infos:
            out.writestr(copy.copy(info), book.stored_bytes(info.filename))
        out.comment = book.comment


def big_xml(seed: int, size: int = 1_500_000) -> bytes:
    """Varied XML of about ``size`` bytes (compressible, but not to nothing)."""
    rows, n, length = [], 0, 0
    while length < size:
        rows.append(f'<r n="{n}" v="{(n * 7919 + seed) % 100003 / 7:.6f}">{"ab"[n % 2] * (n % 13)}</r>'.encode())
        length += len(rows[-1])
        n += 1
    return b"<notes>" + b"".join(rows) + b"</notes>"


def odd_package(source: Path, target: Path, *, directory: bool = False, bzip2: bool = False) -> Path:
    """``source`` with a zip comment, a stored member, a member with a non-ASCII name, an extra field
    (extended timestamp), a member comment, odd dates and attributes, and large members (deflated,
    stored, with an extra field); a directory entry or a bzip2 member on request."""
    with zipfile.ZipFile(source) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for n, (info, data) in enumerate(members):
            info = copy.copy(info)
            info.date_time = (2001 + n, 1 + n % 12, 1 + n % 28, n % 24, n % 60, 2 * (n % 30))
            if n == 1:
                info.extra = b"UT\x05\x00\x01\x00\x00\x00\x40"
                info.comment = b"a member comment"
            if n == 2:
                info.external_attr = 0o644 << 16
            out.writestr(info, data)
        out.writestr(zipfile.ZipInfo("customXml/stored.xml", (2020, 2, 29, 23, 59, 58)), b"<keep>stored</keep>",
                     compress_type=zipfile.ZIP_STORED)
        out.writestr(zipfile.ZipInfo("customXml/näme €.xml", (2019, 5, 5, 5, 5, 5)), b"<keep>named</keep>")
        out.writestr(zipfile.ZipInfo("customXml/big.xml", (2018, 6, 7, 8, 9, 10)), big_xml(1), compresslevel=9)
        out.writestr(zipfile.ZipInfo("customXml/big stored.xml", (2018, 6, 7, 8, 9, 10)), big_xml(2, 300_000),
                     compress_type=zipfile.ZIP_STORED)
        extra = zipfile.ZipInfo("customXml/big-ü.xml", (2017, 1, 1, 0, 0, 0))
        extra.extra, extra.comment, extra.external_attr = b"UT\x05\x00\x01\x00\x00\x00\x40", b"big", 0o640 << 16
        out.writestr(extra, big_xml(3, 400_000))
        if directory:
            out.writestr(zipfile.ZipInfo("customXml/folder/"), b"")
        if bzip2:
            out.writestr(zipfile.ZipInfo("customXml/bz.xml"), b"<keep>bzip2</keep>" * 50,
                         compress_type=zipfile.ZIP_BZIP2)
        out.comment = b"weeks of work, v3"
    return target


def test_unchanged_members_keep_their_streams(built_book, tmp_path):
    source = odd_package(built_book, tmp_path / "Odd.xlsx")
    book = Workbook.open(source)
    changed = new.with_cached_values(book, kc_values(book))
    before = [copy.copy(i) for i in book.infos]
    target, reference = tmp_path / "Saved.xlsx", tmp_path / "Reference.xlsx"
    changed.save(target)
    zipfile_save(changed, reference)
    check_saved(changed, target, reference)
    kept, now = streams(source), streams(target)
    differ = [name for name in kept if changed.stored_bytes(name) != book.stored_bytes(name)]
    assert differ and len(differ) < len(kept)
    large = [name for name in kept if len(book.stored_bytes(name)) >= KEPT_STREAM]
    unchanged = set(large) - set(differ)
    assert {"customXml/big.xml", "customXml/big stored.xml", "customXml/big-ü.xml"} <= unchanged
    assert all(now[name] == kept[name] for name in unchanged)
    assert all(now[name] != kept[name] for name in differ)
    assert [tuple(getattr(i, f) for f in HEADER_FIELDS + ("header_offset", "compress_size")) for i in book.infos] \
        == [tuple(getattr(i, f) for f in HEADER_FIELDS + ("header_offset", "compress_size")) for i in before]
    loaded = openpyxl.load_workbook(target)
    assert loaded.sheetnames == list(book.sheet_parts)


def test_large_changed_members_are_deflated_anew(built_book, tmp_path):
    source = odd_package(built_book, tmp_path / "Odd.xlsx")
    book = Workbook.open(source)
    changed = book.with_parts({"customXml/big.xml": big_xml(9, 3_000_000), "customXml/big stored.xml": b"<s/>",
                               "customXml/new big.xml": big_xml(5, 2_000_000)})
    changed.save(tmp_path / "Saved.xlsx")
    zipfile_save(changed, tmp_path / "Reference.xlsx")
    check_saved(changed, tmp_path / "Saved.xlsx", tmp_path / "Reference.xlsx")
    assert streams(tmp_path / "Saved.xlsx")["customXml/big.xml"] != streams(source)["customXml/big.xml"]
    for size in (0, 1, KEPT_STREAM - 1, KEPT_STREAM, 3_000_001):
        data = big_xml(size, size)[:size]
        assert zlib.decompress(deflate.deflated(data), -15) == data     # zlib, not our codec, reads it back


@pytest.mark.parametrize("odd", ["directory", "bzip2"])
def test_unusual_packages(built_book, tmp_path, odd):
    source = odd_package(built_book, tmp_path / "Odd.xlsx", **{odd: True})
    book = Workbook.open(source)
    changed = new.with_cached_values(book, kc_values(book))
    infos = [copy.copy(i) for i in book.infos]
    changed.save(tmp_path / "Saved.xlsx")
    check_saved(changed, tmp_path / "Saved.xlsx")
    assert [(i.header_offset, i.compress_size, i.CRC) for i in book.infos] == \
        [(i.header_offset, i.compress_size, i.CRC) for i in infos]


def test_a_source_replaced_since_it_was_read_is_not_trusted(built_book, tmp_path):
    original = odd_package(built_book, tmp_path / "Odd.xlsx")
    source = tmp_path / "Model.xlsx"
    shutil.copy(original, source)
    book = Workbook.open(source)
    changed = new.with_cached_values(book, kc_values(book))
    changed.save(source)          # in place: the file read is replaced
    changed.save(source)          # its streams now sit elsewhere (or are others)
    check_saved(changed, source)
    # Another file under the name, with members of the same names and sizes but other bytes:
    shutil.copy(original, source)
    book = Workbook.open(source)
    with zipfile.ZipFile(original) as z, zipfile.ZipFile(tmp_path / "Other.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            out.writestr(info, data.replace(b"<", b"{") if info.filename.endswith(".xml") else data)
    shutil.copy(tmp_path / "Other.xlsx", source)
    book.save(tmp_path / "Saved.xlsx")
    check_saved(book, tmp_path / "Saved.xlsx")
    source.unlink()
    book.save(tmp_path / "Saved2.xlsx")
    check_saved(book, tmp_path / "Saved2.xlsx")


def test_added_members_and_refresh_in_place(built_book, tmp_path, capsys):
    from workbook import commands as cli

    source = odd_package(built_book, tmp_path / "Odd.xlsx")
    book = Workbook.open(source)
    grown = book.with_parts({"customXml/new.xml": b"<new/>", "customXml/empty.xml": b""})
    grown.save(tmp_path / "Grown.xlsx")
    check_saved(grown, tmp_path / "Grown.xlsx")
    before = headers(source)
    assert cli.main(["refresh", str(source)]) == 0
    after = headers(source)
    assert [h[:11] for h in after] == [h[:11] for h in before]   # names to attributes; sizes may differ
    with zipfile.ZipFile(source) as z:
        assert z.comment == b"weeks of work, v3" and z.testzip() is None


@needs_libreoffice
def test_libreoffice_reads_a_book_saved_through_the_fast_paths(built_book, tmp_path):
    source = odd_package(built_book, tmp_path / "Odd.xlsx")
    book = Workbook.open(source)
    sheet = next(iter(book.sheet_parts))
    formulas = [c.ref for c in book.cells(sheet) if c.formula is not None and c.formula_type is None][:3]
    assert formulas
    changed = new.with_cached_values(book, {sheet: {ref: 1234.5 + i for i, ref in enumerate(formulas)}})
    changed.save(tmp_path / "Saved.xlsx")
    out = tmp_path / "lo"
    out.mkdir()
    exported = libreoffice.convert(tmp_path / "Saved.xlsx", "csv", out)
    rows = list(csv.reader(exported.open(encoding="utf-8")))
    shown = []
    for i, ref in enumerate(formulas):
        row, column = split_cell(ref)
        shown.append(rows[row - 1][column - 1] == f"{1234.5 + i}")
    assert sum(shown) >= 2   # (one may be shown in a number format of its own)
