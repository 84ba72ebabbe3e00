"""Interrupting kc: one quiet line for SIGINT and SIGTERM, the book untouched and no temporary left; after
SIGKILL nothing beside the book, and the next kc command removes the scratch folder the killed one left."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]


def slow_book(path: Path, n: int = 60_000) -> Path:
    """n KC_DCF cells, each computed alone (the call inside a sum, so not in a batch of one shape): a
    refresh that takes seconds, long enough to be interrupted in the middle."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Cells")
    sheet.write_row(0, 0, FLOWS)
    for i in range(n):
        sheet.write_number(i + 2, 0, 0.08 + (i % 100) * 0.0005)
        sheet.write_formula(i + 2, 2, f"=KC_DCF($A$1:$E$1,A{i + 3},0.02,161.8,4099.28,1.1)+0")
    book.close()
    return path


@pytest.fixture(scope="module")
def slow_source(tmp_path_factory) -> Path:
    return slow_book(tmp_path_factory.mktemp("slow") / "Slow.xlsx")


def scratch_root(tmp: Path) -> Path:
    return tmp / f"kc-scratch-{os.getuid()}"


def start(tmp_path, *argv):
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp)}
    process = subprocess.Popen([sys.executable, "-m", "workbook.commands", *map(str, argv)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (scratch_root(tmp).exists() and any(scratch_root(tmp).iterdir())):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # inside the refresh by now (reading takes a fraction of that; computing takes seconds)
    assert process.poll() is None
    return process, tmp


@pytest.mark.parametrize("signum, code, message", [
    (signal.SIGTERM, 128 + signal.SIGTERM, "kc refresh: terminated by signal 15"),
    (signal.SIGINT, 130, "kc refresh: interrupted"),
])
def test_sigterm_and_sigint_are_one_line_and_leave_nothing(slow_source, tmp_path, signum, code, message):
    book = tmp_path / "Slow.xlsx"
    book.write_bytes(slow_source.read_bytes())
    before = book.read_bytes()
    process, tmp = start(tmp_path, "refresh", book)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert err == message + "\n" and out == ""              # no traceback
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Slow.xlsx", "tmp"]
    assert list(scratch_root(tmp).iterdir()) == []


def test_sigterm_stops_a_pool_of_workers_cleanly(slow_source, tmp_path):
    books = []
    for k in range(3):
        books.append(tmp_path / f"Slow{k}.xlsx")
        books[-1].write_bytes(slow_source.read_bytes())
    process, tmp = start(tmp_path, "refresh", *books, "--workers", "2")
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    from workbook.xlsx.book import Workbook

    for b in books:  # each book is the original or a complete refreshed one, never half written
        assert b.read_bytes() == slow_source.read_bytes() or len(Workbook.open(b).cached_values()["Cells"]) > 20_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Slow0.xlsx", "Slow1.xlsx", "Slow2.xlsx", "tmp"]
    time.sleep(0.5)  # the workers end after the parent's last line
    assert list(scratch_root(tmp).iterdir()) == []


def test_after_sigkill_nothing_is_beside_the_book_and_the_next_run_sweeps_up(slow_source, tmp_path):
    book = tmp_path / "Slow.xlsx"
    book.write_bytes(slow_source.read_bytes())
    before = book.read_bytes()
    process, tmp = start(tmp_path, "refresh", book)
    process.kill()
    process.communicate(timeout=60)
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Slow.xlsx", "tmp"]     # the new file had no name
    assert len(list(scratch_root(tmp).iterdir())) == 1                           # the killed one's scratch
    (tmp_path / "other").mkdir()
    other = slow_book(tmp_path / "other" / "Other.xlsx", n=10)
    done = subprocess.run([sys.executable, "-m", "workbook.commands", "refresh", str(other)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "TMPDIR": str(tmp)})
    assert done.returncode == 0, done.stderr
    assert list(scratch_root(tmp).iterdir()) == []
