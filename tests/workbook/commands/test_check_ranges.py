"""check_ranges reads every formula's ranges in one pass: the one-pass bound must never be below the largest
range any formula names (else an oversized range would slip through), and the cell is still named."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.calc import FormulaCell
from workbook.commands.refresh import check_ranges, largest_range
from workbook.errors import BookError
from workbook.xlsx import references as pkg
from workbook.xlsx.formula_text import range_references

ATOMS = ["A1", "$B$2", "XFD1048576", "C1048576", ":", "Sheet1!", "'a b'!", '"x:A1:XFD9"', '""', "SUM(", ")", ",",
         "FOO", "KC_DCF(", "1", "$", "A", "Z9", "_x", ".", "!", "+", "\n", "AB12", "ZZ3:"]


def true_largest(formula: str) -> int:
    return max([pkg.range_size(ref) for ref in range_references(formula)] or [0])


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=12).map("".join), min_size=1, max_size=4))
def test_bound_is_never_below_the_largest_named_range(formulas):
    assert largest_range("\n".join(formulas)) >= max(map(true_largest, formulas))


def test_bound_is_exact_on_plain_ranges():
    assert largest_range("SUM(A1:B3)+KC_DCF($C$2:$C$9,D1,E1)") == 8
    assert largest_range("SUM(B3:A1)") == 6                  # corners in either order
    assert largest_range("A1+B2") == 0


def cell(ref, formula):
    return FormulaCell("Model", ref, formula, None)


def test_an_oversized_range_is_refused_naming_its_cell():
    cells = [cell(f"A{r}", f"SUM(B{r}:C{r})") for r in range(1, 500)] + [cell("A900", "SUM(A1:XFD200)")]
    with pytest.raises(BookError, match=r"Model!A900: the range A1:XFD200 covers more than 2,000,000"):
        check_ranges(cells)


def test_an_oversized_range_inside_a_string_is_not_a_range():
    check_ranges([cell("A1", '"A1:XFD1048576"&SUM(B1:C2)')])     # the bound over-counts, the exact pass clears it


def test_rows_too_long_for_int64_are_refused_as_before():
    assert largest_range("SUM(A1:A99999999999999999999)") > pkg.MAX_RANGE_CELLS         # did not fit int64
    assert largest_range("SUM(A4611686018427387904:B1)") > pkg.MAX_RANGE_CELLS          # overflowed below 0
    with pytest.raises(BookError, match=r"Model!A1: the range A4611686018427387904:B1 covers more than"):
        check_ranges([cell("A1", "SUM(A4611686018427387904:B1)")])


def test_a_range_with_other_digits_gets_range_sizes_error_as_before():
    with pytest.raises(BookError, match="bad cell reference 'B1\u0661'"):
        check_ranges([cell("A1", "SUM(A1:B1\u0661)")])
    check_ranges([cell("A1", 'SUM(A1:B2)&"\u0661\u00e9"')])       # such digits in a string only: no error


def ranged_cells(*formulas: str) -> list[FormulaCell]:
    return [FormulaCell("Model", f"A{i}", formula, None) for i, formula in enumerate(formulas, 1)]


def counting_largest_range(monkeypatch) -> list:
    from workbook.commands import refresh

    calls = []
    original = refresh.largest_range
    monkeypatch.setattr(refresh, "largest_range", lambda text: calls.append(1) or original(text))
    return calls


def test_the_formulas_of_the_last_book_passed_are_not_read_again_and_others_are(monkeypatch):
    calls = counting_largest_range(monkeypatch)
    check_ranges(ranged_cells("SUM(B1:B9)", "C1*2", "KC_DCF(D1:H1,I1,J1)"))
    check_ranges(ranged_cells("SUM(B1:B9)", "C1*2", "KC_DCF(D1:H1,I1,J1)"))
    assert len(calls) == 1
    with pytest.raises(BookError, match=r"^Model!A2: the range B1:XFD1048576"):
        check_ranges(ranged_cells("SUM(B1:B9)", "SUM(B1:XFD1048576)"))
    with pytest.raises(BookError, match=r"^Model!A2: the range B1:XFD1048576"):   # refused books are not kept
        check_ranges(ranged_cells("SUM(B1:B9)", "SUM(B1:XFD1048576)"))


def test_the_benchmark_s_first_book_of_a_process_checks_the_ranges(tmp_path, monkeypatch):
    from tests.conftest import bench_refresh
    from workbook.commands.refresh import refresh_book

    bench = bench_refresh()
    path = tmp_path / "cells.xlsx"
    bench.cells_book(path, 20, native=False)
    refresh_book(path)
    calls = counting_largest_range(monkeypatch)
    bench.first_of_a_process(path)
    assert len(calls) == 1


def test_a_book_of_more_ranged_formulas_than_remembered_is_read_every_time(monkeypatch):
    from workbook.commands import refresh

    monkeypatch.setattr(refresh, "_REMEMBERED_AT_MOST", 2)
    calls = counting_largest_range(monkeypatch)
    for _ in range(2):
        check_ranges(ranged_cells("SUM(B1:B9)", "SUM(C1:C9)", "SUM(D1:D9)"))
    assert len(calls) == 2 and refresh._passed == []
