"""Where a verb writes: symlinks, backups, read-only books, macro books, output paths, the lock, temporaries."""

import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from workbook import commands as cli
from workbook.xlsx import atomic
from workbook.xlsx.book import Workbook

from tests.conftest import values
from tests.workbook.xlsx import hostile
from tests.workbook.xlsx.test_package_safety import listing, model, run

ROOT = Path(__file__).resolve().parents[3]
MACRO_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


@pytest.fixture()
def book(tmp_path) -> Path:
    return model(tmp_path / "Model.xlsx")


def first(path) -> float:
    return Workbook.open(path).value("Model", "A1")


def test_an_in_place_refresh_writes_through_a_symlink(book, tmp_path, capsys):
    link = tmp_path / "Link.xlsx"
    link.symlink_to(book.name)  # relative, as people make them
    code, _, err = run(capsys, "set", link, "First=200")
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == book.name
    assert first(book) == 200 and values(book)["Model"]["A2"].value == 430
    assert listing(tmp_path) == ["Link.xlsx", "Model.xlsx"]


def test_output_through_a_symlink_replaces_its_target(book, tmp_path, capsys):
    target = tmp_path / "elsewhere"
    target.mkdir()
    out = target / "Out.xlsx"
    out.write_bytes(book.read_bytes())
    link = tmp_path / "Out.xlsx"
    link.symlink_to(out)
    run(capsys, "set", book, "First=300", "-o", link)
    assert link.is_symlink() and first(out) == 300 and first(book) == 100


def test_backup_never_overwrites_and_never_follows_a_symlink(book, tmp_path, capsys):
    precious = tmp_path / "precious.txt"
    precious.write_text("not a backup")
    (tmp_path / "Model.xlsx.bak").symlink_to(precious)
    original = book.read_bytes()
    code, out, err = run(capsys, "set", book, "First=200", "--backup")
    assert code == 0, err
    assert precious.read_text() == "not a backup"                       # the symlink was not followed
    assert (tmp_path / "Model.xlsx.bak2").read_bytes() == original
    assert "backup: " in out and "Model.xlsx.bak2" in out
    run(capsys, "set", book, "First=300", "--backup")
    assert first(tmp_path / "Model.xlsx.bak2") == 100                   # the earlier backup kept
    assert first(tmp_path / "Model.xlsx.bak3") == 200 and first(book) == 300


def test_a_failed_write_leaves_no_backup(book, tmp_path, capsys, monkeypatch):
    from workbook.xlsx import cached_values

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(cached_values, "rewrite_sheet", explode)
    code, _, err = run(capsys, "set", book, "First=200", "--backup")
    assert code == 2 and "disk full" in err
    assert listing(tmp_path) == ["Model.xlsx"]


def test_a_read_only_book_is_refused_unless_forced(book, tmp_path, capsys):
    book.chmod(0o444)
    before = book.read_bytes()
    code, out, err = run(capsys, "set", book, "First=200")
    assert code == 2 and "Model.xlsx is read-only" in err and "--force" in err
    assert book.read_bytes() == before and listing(tmp_path) == ["Model.xlsx"]
    code, _, err = run(capsys, "set", book, "First=200", "--force")
    assert code == 0, err
    assert first(book) == 200 and stat.S_IMODE(book.stat().st_mode) == 0o444   # still read-only


def test_permission_bits_are_kept(book, capsys):
    book.chmod(0o640)
    run(capsys, "set", book, "First=200")
    assert stat.S_IMODE(book.stat().st_mode) == 0o640


def macro_book(source: Path, target: Path) -> Path:
    types = hostile.members(source)["[Content_Types].xml"].replace(PLAIN_TYPE, MACRO_TYPE)
    return hostile.rezip(source, target, replace={"[Content_Types].xml": types},
                         add=[("xl/vbaProject.bin", bytes(range(256)) * 8)])


def test_a_macro_book_is_not_written_under_an_xlsx_name(book, tmp_path, capsys):
    macro = macro_book(book, tmp_path / "Macro.xlsm")
    for verb in (["refresh", macro], ["set", macro, "First=2"], ["freeze", macro]):
        code, out, err = run(capsys, *verb, "-o", tmp_path / "Out.xlsx")
        assert code == 2 and "holds macros (VBA)" in err and "under a .xlsm name" in err, err
    assert not (tmp_path / "Out.xlsx").exists()
    code, _, err = run(capsys, "refresh", macro, "-o", tmp_path / "Out.xlsm")
    assert code == 0, err
    assert hostile.members(tmp_path / "Out.xlsm")["xl/vbaProject.bin"] == bytes(range(256)) * 8


def test_a_plain_book_is_not_written_under_a_macro_name_or_another_extension(book, tmp_path, capsys):
    code, _, err = run(capsys, "refresh", book, "-o", tmp_path / "Out.xlsm")
    assert code == 2 and "Excel would refuse it under the name Out.xlsm; use a .xlsx name" in err
    code, _, err = run(capsys, "refresh", book, "-o", tmp_path / "Out.zip")
    assert code == 2 and "must end in .xlsx" in err
    assert listing(tmp_path) == ["Model.xlsx"]


@pytest.mark.parametrize("where, message", [
    ("folder", "is a directory; give a file name to write"),
    ("missing folder", "does not exist"),
    ("proc", "cannot write in /proc"),
    ("device", "is not a regular file"),
])
def test_outputs_that_cannot_be_written(book, tmp_path, capsys, where, message):
    out = {"folder": tmp_path, "missing folder": tmp_path / "nope" / "Out.xlsx",
           "proc": Path("/proc/kc_out.xlsx"), "device": Path("/dev/null")}[where]
    before = book.read_bytes()
    code, stdout, err = run(capsys, "refresh", book, "-o", out, "--force")
    assert code == 2 and stdout == "" and err.count("\n") == 1 and message in err, err
    assert book.read_bytes() == before and listing(tmp_path) == ["Model.xlsx"]


def test_a_second_writer_is_refused_while_the_first_holds_the_book(book, tmp_path, capsys):
    before = book.read_bytes()
    with atomic.claimed(book):
        code, _, err = run(capsys, "set", book, "First=200")
        assert code == 2 and "is being written by another kc command" in err
        assert book.read_bytes() == before
    assert listing(tmp_path) == ["Model.xlsx"]
    code, _, err = run(capsys, "set", book, "First=200")
    assert code == 0, err


def test_a_new_output_is_locked_while_it_is_created(book, tmp_path, capsys):
    out = tmp_path / "New.xlsx"
    with atomic.claimed(out):
        assert (tmp_path / ".New.xlsx.kc-lock").exists()
        code, _, err = run(capsys, "refresh", book, "-o", out)
        assert code == 2 and "New.xlsx is being written by another kc command" in err
    assert listing(tmp_path) == ["Model.xlsx"]


def test_two_concurrent_sets_never_lose_a_result(book, tmp_path):
    """Both start at once: each either is refused (the other is writing) or its change is in the final
    book; never both exit 0 with one change lost."""
    for attempt in range(3):
        commands = [[sys.executable, "-m", "workbook.commands", "set", str(book), f"{name}={value}"]
                    for name, value in (("First", 200 + attempt), ("Second", 500 + attempt))]
        processes = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for c in commands]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in processes]
        for p in processes:
            p.stdout.close()
            p.stderr.close()
        final = Workbook.open(book)
        for (code, err), (name, cell, value) in zip(results, (("First", "A1", 200 + attempt),
                                                                ("Second", "B1", 500 + attempt))):
            assert code in (0, 2), err
            if code == 0:
                assert final.value("Model", cell) == value, (name, results)
            else:
                assert "is being written by another kc command" in err
        assert listing(tmp_path) == ["Model.xlsx"]


def test_nothing_named_exists_while_the_new_book_is_written(book, tmp_path, monkeypatch):
    """The new content goes to an unnamed file (O_TMPFILE): even a kill at that moment leaves nothing."""
    seen = []
    real_writestr = zipfile.ZipFile.writestr

    def spy(self, *args, **kwargs):
        seen.append(listing(tmp_path))
        return real_writestr(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", spy)
    Workbook.open(book).save(book)
    assert seen and all(names == ["Model.xlsx"] for names in seen)


def test_without_unnamed_files_a_temporary_is_named_and_cleaned(book, tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_unnamed_file", lambda folder: None)
    Workbook.open(book).save(book)
    assert listing(tmp_path) == ["Model.xlsx"]
    # What a killed run would leave behind is removed by the next one that writes the same book.
    leftover = tmp_path / ".Model.xlsx.kc-0badf00d.tmp"
    leftover.write_bytes(b"half a zip")
    with atomic.claimed(book):
        pass
    assert listing(tmp_path) == ["Model.xlsx"]


def test_a_lock_file_left_by_a_killed_run_does_not_block(book, tmp_path, capsys):
    (tmp_path / ".Model.xlsx.kc-lock").write_bytes(b"")   # what SIGKILL leaves: the lock itself died with it
    code, _, err = run(capsys, "set", book, "First=200")
    assert code == 0, err
    assert listing(tmp_path) == ["Model.xlsx"]


def test_refreshing_the_same_book_twice_in_one_command_is_refused(book, capsys):
    code, _, err = run(capsys, "refresh", book, book)
    assert code == 2 and "named twice" in err


def test_workers_zero_is_one_line(book, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["refresh", str(book), "--workers", "0"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and "--workers: 0 must be at least 1" in err


@pytest.mark.parametrize("where, message", [
    ("read-only", "Built.xlsx is read-only; make it writable, or use --force"),
    ("folder", "is a directory; give a file name to write"),
    ("missing folder", "the folder"),
    ("macro name", "must end in .xlsx"),
])
def test_build_claims_its_output_like_every_verb(tmp_path, capsys, where, message):
    out = {"read-only": tmp_path / "Built.xlsx", "folder": tmp_path, "missing folder": tmp_path / "no" / "B.xlsx",
           "macro name": tmp_path / "Built.xlsm"}[where]
    if where == "read-only":
        out.write_bytes(b"an older build")
        out.chmod(0o444)
    code, stdout, err = run(capsys, "build", "-o", out)
    assert code == 2 and stdout == "" and err.count("\n") == 1 and message in err, err
    assert listing(tmp_path) == (["Built.xlsx"] if where == "read-only" else [])
    if where == "read-only":
        assert out.read_bytes() == b"an older build"


def test_a_signal_whose_exception_was_lost_still_stops_the_write(book, tmp_path, monkeypatch):
    # A signal handler's exception raised inside a finaliser is printed and lost; the write must still not
    # be committed once the signal has arrived.
    before = book.read_bytes()
    monkeypatch.setattr(atomic, "STOP_SIGNALS", [15])
    with pytest.raises(KeyboardInterrupt):
        Workbook.open(book).save(book)
    assert book.read_bytes() == before and listing(tmp_path) == ["Model.xlsx"]
