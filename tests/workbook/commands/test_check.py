"""kc check on real built workbooks: error cells, failing checks, stale values, volatile inputs."""

from workbook import commands as cli
from workbook.xlsx.cached_values import write_cached_values
from workbook.commands.check import check_book
from workbook.commands.refresh import refresh_book

from tests.conftest import inputs, small_book


def test_check_passes_a_built_book_and_flags_problems(book_copy, tmp_path, capsys):
    assert check_book(book_copy) == []
    assert cli.main(["check", str(book_copy)]) == 0
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
    capsys.readouterr()
    assert cli.main(["check", "--json", str(broken)]) == 1
    assert '"ok": false' in capsys.readouterr().out


def test_check_finds_volatile_functions_upstream_of_kc_cells(tmp_path):
    path = small_book(tmp_path / "Volatile.xlsx", "Model", [100, 110, 120],
                      {"A2": "=0.09+TODAY()*0", "B2": "=A2+0.01", "C2": "=KC_DCF(A1:C1,B2,0.02)",
                       "D2": "=KC_DCF(A1:C1,0.1,0.02)"})
    volatile = [p for p in check_book(path) if p.kind == "volatile upstream"]
    assert [(p.sheet, p.cell) for p in volatile] == [("Model", "C2")]
    assert "Model!A2 uses TODAY" in volatile[0].detail
