"""Formula cells computed in dependency order: long chains, loops named, spill ranges as precedents."""

from __future__ import annotations

import pytest
import xlsxwriter

from workbook.calc import recalculate
from workbook.calc.order import cycle, dependency_order
from workbook.errors import BookError
from workbook.xlsx.book import Workbook


def test_every_cell_comes_after_the_cells_it_reads():
    precedents = {"c": ["b", "a"], "b": ["a"], "a": [], "d": ["c", "x"]}   # x: not a formula cell
    ordered, left = dependency_order(precedents)
    assert left == []
    assert ordered.index("a") < ordered.index("b") < ordered.index("c") < ordered.index("d")


def test_a_loop_is_found_and_named_from_a_cell_downstream_of_it():
    precedents = {"d": ["c"], "c": ["b"], "b": ["c"], "a": []}
    ordered, left = dependency_order(precedents)
    assert ordered == ["a"] and sorted(left) == ["b", "c", "d"]
    loop = cycle(precedents, left)
    assert loop[0] == loop[-1] and set(loop) == {"b", "c"}


def chain_book(path, n: int):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    sheet.write_number(0, 0, 1)
    for row in range(1, n):
        sheet.write_formula(row, 0, f"=A{row}+1")
    book.close()
    return path


def test_a_chain_of_100000_cells_refreshes(tmp_path):
    """Each cell adds one to the one above: no recursion, so no depth limit (a 6,000-cell chain once
    raised RecursionError)."""
    values = recalculate(Workbook.open(chain_book(tmp_path / "chain.xlsx", 100_000))).values()["S"]
    assert values["A100000"] == 100_000.0
    assert values["A50000"] == 50_000.0


def test_a_chain_written_bottom_up_is_ordered_too(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "up.xlsx"))
    sheet = book.add_worksheet("S")
    n = 5000
    sheet.write_number(n - 1, 0, 1)
    for row in range(n - 1, 0, -1):                 # A1 = A2+1, A2 = A3+1, ... A5000 = 1
        sheet.write_formula(row - 1, 0, f"=A{row + 1}+1")
    book.close()
    values = recalculate(Workbook.open(tmp_path / "up.xlsx")).values()["S"]
    assert values["A1"] == float(n)


def test_a_long_loop_is_reported_with_its_cells(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "loop.xlsx"))
    sheet = book.add_worksheet("Model")
    for row in range(1, 4):
        sheet.write_formula(row - 1, 1, f"=B{row % 3 + 1}+1")   # B1 <- B2 <- B3 <- B1
    sheet.write_formula("C1", "=B1*2")
    book.close()
    with pytest.raises(BookError) as raised:
        recalculate(Workbook.open(tmp_path / "loop.xlsx"))
    message = str(raised.value)
    assert message.startswith("circular reference at Model!")
    cells = message.removeprefix("circular reference at ").split(" -> ")
    assert cells[0] == cells[-1] and set(cells) == {"Model!B1", "Model!B2", "Model!B3"}


def test_a_cell_reading_itself_is_a_loop(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "self.xlsx"))
    book.add_worksheet("S").write_formula("A1", "=A1+1")
    book.close()
    with pytest.raises(BookError, match=r"^circular reference at S!A1 -> S!A1$"):
        recalculate(Workbook.open(tmp_path / "self.xlsx"))


def test_a_cell_reading_an_array_range_waits_for_its_formula(tmp_path):
    """B5 reads B2, a cell of the array formula anchored at A2, written after B5 in the file."""
    book = xlsxwriter.Workbook(str(tmp_path / "spill.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_formula("B5", "=B2*10")
    sheet.write_row("A1", [1, 2])
    sheet.write_array_formula("A2:B2", "{=A1:B1*3}")
    book.close()
    values = recalculate(Workbook.open(tmp_path / "spill.xlsx")).values()["S"]
    assert values["B5"] == 60.0
