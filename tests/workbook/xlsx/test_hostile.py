"""Broken or hostile files: one clear line, exit code 2, nothing written, the original untouched."""

import shutil
import zipfile

import pytest

from workbook import commands as cli
from workbook.xlsx import package as xlsx_package

from tests.conftest import small_book



def run_refresh(capsys, *argv):
    code = cli.main(["refresh", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def rezip(source, target, replace=None, drop=()):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = (replace or {}).get(info.filename, zin.read(info.filename))
            zout.writestr(info, data)


def hostile_files(built, folder):
    files = {}
    files["not a zip"] = folder / "notes.xlsx"
    files["not a zip"].write_text("just text, not a workbook", encoding="utf-8")
    files["truncated zip"] = folder / "truncated.xlsx"
    files["truncated zip"].write_bytes(built.read_bytes()[: built.stat().st_size // 2])
    files[".xls"] = folder / "legacy.xls"
    files[".xls"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    files["password-protected"] = folder / "protected.xlsx"  # an encrypted .xlsx is an OLE container
    files["password-protected"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"EncryptedPackage" + b"\0" * 4096)
    files["DTD entities"] = folder / "entities.xlsx"
    with zipfile.ZipFile(built) as z:
        book_xml = z.read("xl/workbook.xml")
    evil = book_xml.replace(b"<workbook ", b'<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                                           b"<workbook ", 1)
    rezip(built, files["DTD entities"], replace={"xl/workbook.xml": evil})
    files["missing sheet"] = folder / "missing_sheet.xlsx"
    rezip(built, files["missing sheet"], drop=("xl/worksheets/sheet3.xml",))
    return files


@pytest.mark.parametrize("kind, message", [
    ("not a zip", "not an .xlsx workbook (not a zip file, or truncated)"),
    ("truncated zip", "not an .xlsx workbook (not a zip file, or truncated)"),
    (".xls", "legacy .xls or password-protected"),
    ("password-protected", "legacy .xls or password-protected"),
    ("DTD entities", "DOCTYPE or entity declarations is refused"),
    ("missing sheet", "the workbook has no part xl/worksheets/sheet3.xml"),
])
def test_hostile_file_gives_one_line_exit_2_and_no_output(built_book, tmp_path, capsys, kind, message):
    path = hostile_files(built_book, tmp_path)[kind]
    before = path.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run_refresh(capsys, path, "-o", tmp_path / "out.xlsx")
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1, err
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing      # nothing written, no temporary left


def test_zip_member_over_the_size_limit(built_book, tmp_path, capsys, monkeypatch):
    bomb = tmp_path / "bomb.xlsx"
    shutil.copyfile(built_book, bomb)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/zeros.bin", b"\0" * 3_000_000)   # compresses to a few KB
    monkeypatch.setattr(xlsx_package, "MAX_MEMBER_BYTES", 2_000_000)
    code, out, err = run_refresh(capsys, bomb)
    assert code == 2 and out == ""
    assert "xl/media/zeros.bin expands to 3,000,000 bytes, over the 2,000,000-byte limit" in err


def test_formula_the_engine_cannot_parse_names_the_cell(tmp_path, capsys):
    path = small_book(tmp_path / "table.xlsx", "Data", ["X", 1, 2], {"B3": "=SUM(Table1[X])"})
    before = path.read_bytes()
    code, out, err = run_refresh(capsys, path)
    assert code == 2 and out == ""
    assert "Data!B3: the formula =SUM(Table1[X]) cannot be parsed" in err
    assert path.read_bytes() == before


def test_unsupported_function_names_the_cell(tmp_path, capsys):
    path = small_book(tmp_path / "offset.xlsx", "Model", [1, 2, 3], {"A2": "=SUM(OFFSET(A1,0,0,1,2))"})
    code, _, err = run_refresh(capsys, path)
    assert code == 2 and "Model!A2: function OFFSET is not supported headless" in err


def test_open_in_excel_is_refused_unless_forced(book_copy, capsys):
    lock = book_copy.with_name("~$" + book_copy.name)
    lock.write_bytes(b"owner")
    before = book_copy.read_bytes()
    code, out, err = run_refresh(capsys, book_copy)
    assert code == 2 and "is open in Excel" in err and book_copy.read_bytes() == before
    code, out, err = run_refresh(capsys, book_copy, "--force")
    assert code == 0 and "0 changed" in out


def test_failure_midway_leaves_the_original_untouched(book_copy, tmp_path, monkeypatch, capsys):
    from workbook.xlsx import cached_values

    def explode(*args, **kwargs):
        raise OSError("disk full")

    before = book_copy.read_bytes()
    monkeypatch.setattr(cached_values, "rewrite_sheet", explode)
    code, out, err = run_refresh(capsys, book_copy)
    assert code == 2 and err.count("\n") == 1 and "Model.xlsx: disk full" in err
    assert book_copy.read_bytes() == before
    assert sorted(p.name for p in book_copy.parent.iterdir()) == [book_copy.name]
