"""kc check on real built workbooks: declared checks in words, error cells, stale values, volatile inputs,
a summary first, quiet on a closed pipe."""

import json
import subprocess
import sys
from pathlib import Path

from workbook import commands as cli
from workbook.commands.check import SHOWN_PER_KIND, check_book
from workbook.commands.refresh import refresh_book
from workbook.xlsx.cached_values import write_cached_values

from tests.conftest import inputs, small_book

ROOT = Path(__file__).resolve().parents[3]


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_a_built_book_and_flags_problems(book_copy, tmp_path, capsys):
    assert check_book(book_copy) == []
    code, out, _ = run(capsys, "check", book_copy)
    assert code == 0 and out.count("\n") == 1 and ": OK (" in out and "checks pass" in out
    # A stale cached value, and an input that makes KC_* arguments invalid.
    broken = tmp_path / "Broken.xlsx"
    write_cached_values(book_copy, broken, {"DCF": {"D21": 1.0}}, inputs(book_copy, Case_base_TerminalGrowth=0.2))
    kinds = {p.kind for p in check_book(broken)}
    assert "stale value" in kinds
    refresh_book(broken)
    problems = check_book(broken)
    kinds = {p.kind for p in problems}
    assert "invalid KC_* arguments" in kinds and "failing check" in kinds
    assert any("must exceed terminal growth (20.0%)" in p.detail for p in problems)
    code, out, _ = run(capsys, "check", "--json", broken)
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False and len(payload["problems"]) == len(problems)
    assert sum(payload["summary"].values()) == len(problems)


def test_a_failing_check_is_named_in_words_with_its_sheet_and_cell(book_copy, capsys):
    code, _, err = run(capsys, "set", book_copy, "Line_gross_profit=850,1341,2024,2952,9999")
    assert code == 0, err
    code, out, _ = run(capsys, "check", book_copy)
    lines = out.splitlines()
    assert code == 1 and lines[0].endswith(": 2 problems: 2 failing checks")
    assert any(line.startswith("failing check: Checks!") and "'Income Statement: Gross profit ties' is FALSE "
               "(FALSE in 2027E (G" in line for line in lines[1:]), out


def test_many_stale_values_are_summarised(book_copy, tmp_path, capsys):
    edited = tmp_path / "Edited.xlsx"   # an input changed without a refresh: every dependent cell is stale
    write_cached_values(book_copy, edited, {}, inputs(book_copy, Case_base_WACC=0.12))
    code, out, _ = run(capsys, "check", edited)
    lines = out.splitlines()
    stale = [line for line in lines if line.startswith("stale value: ")]
    assert code == 1 and "stale values" in lines[0] and len(stale) == SHOWN_PER_KIND
    assert lines[-1].startswith("... and ") and "more stale values" in lines[-1] and "kc refresh BOOK" in lines[-1]
    assert len(lines) < 30


def test_names_ending_in_ok_are_not_checks(tmp_path):
    import xlsxwriter

    path = tmp_path / "Outlook.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Checks")
    sheet.write("A1", "Positive")
    sheet.write_formula("B1", "=AND(1=2)", None, False)     # on a sheet named Checks, but not declared
    book.define_name("Outlook", "=Checks!$A$1")
    book.define_name("NotOK", "=Checks!$B$1")
    audit = book.add_worksheet("Audit")
    audit.write("A3", "Cash reconciles to the bank statement")
    audit.write_formula("C3", "=1=2", None, False)
    book.define_name("KC_Checks", "=Audit!$C$3")
    book.close()
    failing = [p for p in check_book(path) if p.kind == "failing check"]
    assert [(p.sheet, p.cell, p.detail) for p in failing] == [
        ("Audit", "C3", "'Cash reconciles to the bank statement' is FALSE")]


def test_check_finds_volatile_functions_upstream_of_kc_cells(tmp_path):
    path = small_book(tmp_path / "Volatile.xlsx", "Model", [100, 110, 120],
                      {"A2": "=0.09+TODAY()*0", "B2": "=A2+0.01", "C2": "=KC_DCF(A1:C1,B2,0.02)",
                       "D2": "=KC_DCF(A1:C1,0.1,0.02)"})
    volatile = [p for p in check_book(path) if p.kind == "volatile upstream"]
    assert [(p.sheet, p.cell) for p in volatile] == [("Model", "C2")]
    assert "Model!A2 uses TODAY" in volatile[0].detail


def test_check_is_quiet_on_a_closed_pipe(book_copy, tmp_path):
    edited = tmp_path / "Edited.xlsx"
    write_cached_values(book_copy, edited, {}, inputs(book_copy, Case_base_WACC=0.12))
    done = subprocess.run(f"{sys.executable} -m workbook.commands check --json {edited} | head -c 10", shell=True,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout == '{\n  "book"' and done.stderr == ""


def test_check_of_a_directory_is_one_line(tmp_path, capsys):
    code, out, err = run(capsys, "check", tmp_path)
    assert code == 2 and out == "" and err.count("\n") == 1 and "is a directory" in err
