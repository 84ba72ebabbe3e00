"""Reading and writing packages exactly, or refusing them in one line (issue 11).

Every refusal is checked the same way for every verb that reads a book: exit 2, one line on stderr naming
the file, nothing on stdout, the book byte-identical and no file left in its folder.
"""

import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from workbook import commands as cli
from workbook.xlsx.book import Workbook

from tests.conftest import small_book, values
from tests.workbook.xlsx import hostile

ROOT = Path(__file__).resolve().parents[3]
FLOWS = [100.0, 110.0, 120.0]


def model(path: Path) -> Path:
    """A one-sheet model: named inputs in row 1 (First = A1, Flows = A1:C1), a native sum, a KC_DCF
    over them and a text result."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Model")
    sheet.write_row("A1", FLOWS)
    for ref, formula in {"A2": "=SUM(A1:C1)", "B2": "=KC_DCF(A1:C1,0.1,0.02)", "C2": '="n="&A2'}.items():
        sheet.write_formula(ref, formula)
    book.define_name("First", "=Model!$A$1")
    book.define_name("Second", "=Model!$B$1")
    book.define_name("Flows", "=Model!$A$1:$C$1")
    book.define_name("Price", "=Model!$C$1")  # a name the data files give (valuation.price)
    book.close()
    return path


@pytest.fixture()
def small(tmp_path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    return model(folder / "Model.xlsx")


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def listing(folder: Path):
    return sorted(p.name for p in folder.iterdir())


def assert_refused(capsys, path: Path, message: str, verbs=("refresh", "set", "check", "freeze")):
    """Every verb refuses ``path`` with ``message``: exit 2, one line, nothing written."""
    before, files = path.read_bytes() if path.is_file() else None, listing(path.parent)
    for verb in verbs:
        argv = {"refresh": ["refresh", path], "set": ["set", path, "First=5"], "check": ["check", path],
                "freeze": ["freeze", path, "-o", path.parent / "Frozen.xlsx"]}[verb]
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "", (verb, code, out, err)
        assert err.count("\n") == 1 and message in err, (verb, err)
        if before is not None:
            assert path.read_bytes() == before, verb
        assert listing(path.parent) == files, verb


# -- what is refused ------------------------------------------------------------------------------------

def test_duplicate_member_names_are_refused(small, capsys):
    bad = hostile.rezip(small, small.with_name("Dup.xlsx"),
                        add=[(hostile.SHEET, hostile.members(small)[hostile.SHEET].replace(b">100<", b">999<"))])
    assert_refused(capsys, bad, "holds the member xl/worksheets/sheet1.xml twice")


def test_member_names_differing_only_in_case_are_one_part(small, capsys):
    bad = hostile.rezip(small, small.with_name("Case.xlsx"), add=[("XL/Worksheets/Sheet1.xml", b"<x/>")])
    assert_refused(capsys, bad, "twice")


def test_damaged_deflate_stream(small, capsys):
    bad = hostile.damaged_deflate(small, small.with_name("Damaged.xlsx"))
    assert_refused(capsys, bad, "member xl/worksheets/sheet1.xml is damaged")


def test_bad_crc(small, capsys):
    bad = hostile.bad_crc(small, small.with_name("Crc.xlsx"))
    assert_refused(capsys, bad, "member xl/worksheets/sheet1.xml is damaged (Bad CRC-32")


def test_strict_open_xml_is_refused_not_misread(small, capsys):
    bad = hostile.strict(small, small.with_name("Strict.xlsx"))
    assert_refused(capsys, bad, "a Strict Open XML workbook")


def test_a_workbook_without_worksheets(small, capsys):
    bad = hostile.edit(small, small.with_name("NoSheets.xlsx"), "xl/workbook.xml",
                       lambda data: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data))
    assert_refused(capsys, bad, "the workbook has no worksheets")


def test_a_part_in_another_encoding_is_refused(small, capsys):
    bad = hostile.edit(small, small.with_name("Latin.xlsx"), hostile.SHEET,
                       lambda data: data.replace(b'encoding="UTF-8"', b'encoding="windows-1252"'))
    assert_refused(capsys, bad, "part xl/worksheets/sheet1.xml is encoded in windows-1252")


def test_book_that_is_a_directory_or_missing(tmp_path, capsys):
    folder = tmp_path / "Folder.xlsx"
    folder.mkdir()
    assert_refused(capsys, folder, "is a directory, not a file")
    assert_refused(capsys, tmp_path / "Nope.xlsx", "does not exist")


def test_empty_file(tmp_path, capsys):
    empty = tmp_path / "Empty.xlsx"
    empty.write_bytes(b"")
    assert_refused(capsys, empty, "an empty file (0 bytes)")


@pytest.mark.parametrize("device", ["/dev/zero", "fifo"])
def test_devices_and_pipes_do_not_hang(tmp_path, device):
    if device == "fifo":
        device = tmp_path / "pipe.xlsx"
        os.mkfifo(device)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "workbook.commands", "refresh", str(device)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "is not a regular file" in done.stderr
    assert time.perf_counter() - started < 30


def test_a_range_over_the_whole_sheet_is_refused_naming_the_cell(tmp_path, capsys):
    path = small_book(tmp_path / "Huge.xlsx", "Model", FLOWS, {"A2": "=SUM(A1:XFD1048576)"})
    code, out, err = run(capsys, "refresh", path)
    assert code == 2 and "Model!A2: the range A1:XFD1048576 covers more than" in err


# -- bounded memory and time --------------------------------------------------------------------------

def test_a_257_kb_bomb_is_refused_within_a_second(small, capsys):
    bomb = hostile.empty_cells(small, small.with_name("Bomb.xlsx"), megabytes=240, cell=b"<c/>")
    assert 200_000 < bomb.stat().st_size < 300_000  # some 250 KB that inflate to 240 MiB
    started = time.perf_counter()
    with pytest.raises(Exception, match="more than 2,000,000 cells"):
        Workbook.open(bomb)
    assert time.perf_counter() - started < 1.0
    assert_refused(capsys, bomb, "over the limit for a headless refresh", verbs=("refresh", "check"))


# The peak of this process's own memory: VmHWM, which starts afresh at exec (ru_maxrss does not: a child
# of a large pytest process would report pytest's size).
MEMORY_PROBE = """
import sys
import workbook.calc.fast_engine
from workbook.commands.refresh import refresh_book
refresh_book(sys.argv[1], sys.argv[2])
status = open("/proc/self/status").read()
print(int(status.split("VmHWM:")[1].split()[0]) / 1024)  # kB -> MiB
"""


def process_peak_mb(book: Path, out: Path) -> float:
    """Peak resident memory of a fresh process that refreshes ``book`` (imports included, about 50 MB)."""
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(book), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip())


def test_a_sheet_of_empty_cells_takes_memory_for_its_bytes_not_per_cell(small):
    # 8 MiB of empty cells (about 840,000) in a file of some 20 KB took 766 MB; now the sheet's bytes.
    book = hostile.empty_cells(small, small.with_name("Empty8.xlsx"), megabytes=8)
    assert book.stat().st_size < 40_000
    peak = process_peak_mb(book, small.with_name("Out.xlsx"))
    assert peak < 150, f"{peak:.0f} MB"
    assert Workbook.open(small.with_name("Out.xlsx")).value("Model", "A2") == 330


def grid_book(path: Path, n: int) -> Path:
    """n cells in rows of ten: five numbers, then five native formulas reading them."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Grid")
    for r in range(n // 10):
        for c in range(5):
            sheet.write_number(r, c, r + c)
        for c in range(5):
            sheet.write_formula(r, 5 + c, f"=A{r + 1}*{c + 2}+B{r + 1}")
    book.close()
    return path


def test_peak_memory_of_a_refresh_grows_linearly_with_the_cells(tmp_path):
    sizes = (20_000, 40_000, 80_000)
    peaks = [process_peak_mb(grid_book(tmp_path / f"g{n}.xlsx", n), tmp_path / f"o{n}.xlsx") for n in sizes]
    slope = (peaks[-1] - peaks[0]) / (sizes[-1] - sizes[0]) * 2 ** 20    # bytes per cell
    assert 0 < slope < 3000, peaks
    middle = peaks[0] + (sizes[1] - sizes[0]) * slope / 2 ** 20         # where the line puts 40,000 cells
    assert abs(peaks[1] - middle) < 0.2 * peaks[1], peaks


# -- written exactly -------------------------------------------------------------------------------------

def sheet_text(path, name=hostile.SHEET) -> str:
    data = hostile.members(path)[name]
    for mark, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(mark):
            return data[2:].decode(codec)
    for start, codec in ((b"<\0", "utf-16-le"), (b"\0<", "utf-16-be")):
        if data.startswith(start):
            return data.decode(codec)
    return data.decode("utf-8")


@pytest.mark.parametrize("bom, big_endian", [(True, False), (False, False), (True, True)])
def test_a_utf16_sheet_is_refreshed_exactly(small, capsys, bom, big_endian):
    plain = small.with_name("Plain.xlsx")
    wide = hostile.utf16(small, small.with_name("Wide.xlsx"), bom=bom, big_endian=big_endian)
    for book in (small, wide):
        code, _, err = run(capsys, "set", book, "First=200")
        assert code == 0, err
    plain.write_bytes(small.read_bytes())
    data = hostile.members(wide)[hostile.SHEET]
    assert data[:2] == ((b"\xfe\xff" if big_endian else b"\xff\xfe") if bom else (b"\0<" if big_endian else b"<\0"))
    # The same characters as the UTF-8 book's refreshed sheet, declaration aside.
    assert sheet_text(wide).replace('encoding="UTF-16"', 'encoding="UTF-8"') == sheet_text(plain)
    assert values(wide)["Model"]["A2"].value == 430
    # A second refresh (the one that used to produce unparsable XML) changes nothing.
    before = wide.read_bytes()
    code, out, _ = run(capsys, "refresh", wide)
    assert code == 0 and "0 changed" in out and wide.read_bytes() == before


def test_a_prefixed_sheet_gets_prefixed_values(small, capsys, tmp_path):
    book = hostile.prefixed(small, small.with_name("Prefixed.xlsx"))
    assert b"<x:c " in hostile.members(book)[hostile.SHEET]
    code, _, err = run(capsys, "set", book, "First=200")
    assert code == 0, err
    xml = hostile.members(book)[hostile.SHEET]
    assert b"<v>" not in xml and b"<is>" not in xml and b"</c>" not in xml
    assert values(book)["Model"]["A2"].value == 430       # readers see the values
    assert values(book)["Model"]["C2"].value == "n=430"
    data = tmp_path / "price.toml"
    data.write_text("[valuation]\nprice = 300\n", encoding="utf-8")
    code, out, err = run(capsys, "refresh", book, "--data", data)
    assert code == 0 and "Price Model!C1: 120 -> 300" in out, err
    assert values(book)["Model"]["A2"].value == 610
    code, out, _ = run(capsys, "check", book)
    assert code == 0 and ": OK (" in out
    frozen = tmp_path / "Frozen.xlsx"
    code, _, err = run(capsys, "freeze", book, "-o", frozen)
    assert code == 0, err
    xml = hostile.members(frozen)[hostile.SHEET]
    assert b"<x:sheetProtection " in xml and b"<x:legacyDrawing " in xml and b"<v>" not in xml
    assert values(frozen)["Model"]["B2"].value == pytest.approx(values(book)["Model"]["B2"].value)


CALC = (b'<calcPr calcId="124519" calcMode="manual" fullCalcOnLoad="1" iterate="1" iterateCount="50" '
        b'fullPrecision="0" refMode="R1C1"/>')


def test_calc_properties_keep_their_attributes_and_place(small, capsys):
    book = hostile.edit(small, small.with_name("Calc.xlsx"), "xl/workbook.xml",
                        lambda data: re.sub(rb"<calcPr[^>]*/>", CALC, data))
    before = hostile.members(book)["xl/workbook.xml"]
    code, _, err = run(capsys, "refresh", book)
    assert code == 0, err
    after = hostile.members(book)["xl/workbook.xml"]
    assert after == before.replace(CALC, b'<calcPr calcId="191029" calcMode="manual" iterate="1" iterateCount="50" '
                                         b'fullPrecision="0" refMode="R1C1"/>')


def test_missing_calc_properties_go_in_schema_order_before_extlst(small, capsys):
    ext = b'<extLst><ext uri="{x}"><y/></ext></extLst>'
    book = hostile.edit(small, small.with_name("NoCalc.xlsx"), "xl/workbook.xml",
                        lambda data: re.sub(rb"<calcPr[^>]*/>", b"", data).replace(b"</workbook>", ext + b"</workbook>"))
    code, _, err = run(capsys, "refresh", book)
    assert code == 0, err
    xml = hostile.members(book)["xl/workbook.xml"]
    assert xml.index(b"</sheets>") < xml.index(b'<calcPr calcId="191029"/>') < xml.index(b"<extLst>")


def test_a_newer_calc_id_is_never_lowered(small, capsys):
    book = hostile.edit(small, small.with_name("Newer.xlsx"), "xl/workbook.xml",
                        lambda data: re.sub(rb"<calcPr[^>]*/>", b'<calcPr calcId="999999"/>', data))
    run(capsys, "refresh", book)
    assert b'<calcPr calcId="999999"/>' in hostile.members(book)["xl/workbook.xml"]


def test_the_zip_comment_and_every_other_member_are_kept(small, capsys):
    book = hostile.rezip(small, small.with_name("Comment.xlsx"), comment=b"weeks of work, v3",
                         add=[("customXml/item1.xml", b"<notes>keep me</notes>")])
    before = hostile.members(book)
    run(capsys, "set", book, "First=200")
    with zipfile.ZipFile(book) as z:
        assert z.comment == b"weeks of work, v3"
    after = hostile.members(book)
    assert list(after) == list(before)
    assert [n for n in after if after[n] != before[n]] == [hostile.SHEET, "xl/workbook.xml"]


def test_cells_without_a_reference_are_placed_by_order(small, capsys):
    # r is optional on <c>: a cell is then the next one of its row.
    book = hostile.edit(small, small.with_name("NoRefs.xlsx"), hostile.SHEET,
                        lambda data: re.sub(rb'(<c) r="[A-C]1"', rb"\1", data))
    run(capsys, "set", book, "Second=1000")
    assert values(book)["Model"]["A2"].value == 1220


@pytest.mark.parametrize("change, message", [
    (lambda xml: xml.replace(b'<c r="A1"><v>100</v>', b'<c r="A1"><v>lots</v>'), "Model!A1 holds 'lots', which is not a number"),
    (lambda xml: xml.replace(b'<c r="A1"><v>100</v>', b'<c r="A1" t="s"><v>99</v>'),
     "Model!A1 points at shared string '99', which does not exist"),
    (lambda xml: xml.replace(b'<c r="A1"><v>100</v>', b'<c r="A1" t="q"><v>1</v>'), "Model!A1 has the unknown cell type 'q'"),
])
def test_a_damaged_cell_value_is_one_line_naming_the_cell(small, capsys, change, message):
    bad = hostile.edit(small, small.with_name("Cell.xlsx"), hostile.SHEET, change)
    assert hostile.members(bad)[hostile.SHEET] != hostile.members(small)[hostile.SHEET]
    assert_refused(capsys, bad, message, verbs=("refresh", "check", "freeze"))
