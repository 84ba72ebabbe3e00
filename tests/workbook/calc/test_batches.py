"""Cells of one KC_* shape computed together: every cell's value is the one it has when each cell is
computed alone, messages included, and cells that read the batch see its values."""

from __future__ import annotations

import math
import random

import pytest
import xlsxwriter

from addin import registry
from workbook.calc import batches, fast_engine, recalculate
from workbook.xlsx.book import Workbook

FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]


def valuation_book(path, rows: int, seed: int = 7):
    """Rows of five flows, a WACC and a growth rate with =KC_DCF(...) beside them; some rows hold what
    the function refuses (text, an empty cell, WACC at or below growth, an error value, a rate at -100%),
    some read formula cells, and a column reads the valuations."""
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Cells")
    styled = book.add_format({"bold": True})
    for i in range(rows):
        r = i + 1
        scale = 1 + rng.random()
        ws.write_row(i, 0, [f * scale for f in FLOWS] + [0.06 + rng.random() * 0.08, rng.random() * 0.04])
        trouble = rng.random()
        if trouble < 0.05:
            ws.write_string(i, 2, "n/a")
        elif trouble < 0.08:
            ws.write_blank(i, 6, None, styled)  # an empty growth cell
        elif trouble < 0.11:
            ws.write_number(i, 5, 0.01)              # WACC below growth
        elif trouble < 0.13:
            ws.write_formula(i, 3, "=1/0")           # an error value in the flows
        elif trouble < 0.15:
            ws.write_number(i, 5, -1.0)              # a rate at -100%
        elif trouble < 0.30:
            ws.write_formula(i, 4, f"=D{r}*1.3")     # an input computed by a formula: one level deeper
        output = '"ev"' if i % 2 else '""'
        ws.write_formula(i, 7, f"=KC_DCF(A{r}:E{r},F{r},G{r},100,4000,1.1,,{output})")
        ws.write_formula(i, 8, f"=IFERROR(H{r}*2,0)")
    ws.write_formula(rows, 7, f"=SUM(I1:I{rows})")
    book.close()
    return path


def computed(path):
    return recalculate(Workbook.open(path)).values()["Cells"]


def without_batches(monkeypatch):
    monkeypatch.setattr(batches, "SMALLEST", 10 ** 9)
    fast_engine.forget_plans()           # a kept plan holds the batches of the book computed before


def test_a_batch_gives_every_cell_what_it_gets_alone(tmp_path, monkeypatch):
    path = valuation_book(tmp_path / "cells.xlsx", 400)
    calls = []
    original = registry.BATCHES["KC_DCF"]
    monkeypatch.setitem(batches.BATCHES, "KC_DCF", lambda values: calls.append(1) or original(values))
    together = computed(path)
    assert calls, "the KC_DCF cells were not computed in a batch"
    without_batches(monkeypatch)
    alone = computed(path)
    assert together.keys() == alone.keys()
    for ref, value in alone.items():
        other = together[ref]
        if isinstance(value, float):
            assert isinstance(other, float) and value.hex() == other.hex(), (ref, value, other)
        else:
            assert str(other) == str(value), (ref, value, other)
    messages = [v for v in alone.values() if isinstance(v, str)]
    assert any("must exceed" in m for m in messages)          # WACC below growth: its own message
    assert any("#DIV/0!" in m for m in messages)              # the error value, named
    assert any("is empty" in m for m in messages)


def test_cells_reading_the_batch_see_its_values(tmp_path):
    path = valuation_book(tmp_path / "cells.xlsx", 50, seed=3)
    values = computed(path)
    total = sum(v for ref, v in values.items() if ref.startswith("I") and isinstance(v, float))
    assert math.isclose(values["H51"], total, rel_tol=1e-12)
    for r in range(1, 51):
        if isinstance(values[f"H{r}"], float):
            assert values[f"I{r}"] == values[f"H{r}"] * 2


def test_a_sheet_of_batches_alone_never_puts_its_number_cells_in_the_cell_store(tmp_path, monkeypatch):
    # Batches read the number cells as arrays; the per-cell store of them is made only for a cell computed
    # alone, so adding one such cell makes it, and every value stays what it is without batches.
    calls = []
    original = fast_engine.Engine.numbers_in_values
    monkeypatch.setattr(fast_engine.Engine, "numbers_in_values", lambda self: calls.append(1) or original(self))
    book = xlsxwriter.Workbook(str(tmp_path / "clean.xlsx"))
    ws = book.add_worksheet("Cells")
    for i in range(40):
        ws.write_row(i, 0, [f * (1 + i / 100) for f in FLOWS] + [0.1, 0.02])
        ws.write_formula(i, 7, f"=KC_DCF(A{i + 1}:E{i + 1},F{i + 1},G{i + 1})")
    book.close()
    fast_engine.forget_plans()
    together = computed(tmp_path / "clean.xlsx")
    assert not calls
    without_batches(monkeypatch)
    assert computed(tmp_path / "clean.xlsx") == together
    assert calls


def test_a_batch_value_is_the_published_seed_case(tmp_path):
    """Seed 002's base case (10.5% WACC, 3% growth, net debt 161.8, 4,099.28 m shares, HK$1.10 per CNY):
    the printed HK$5.09, in each of many identical rows."""
    book = xlsxwriter.Workbook(str(tmp_path / "seed.xlsx"))
    ws = book.add_worksheet("Cells")
    for i in range(20):
        ws.write_row(i, 0, FLOWS + [0.105, 0.03])
        ws.write_formula(i, 7, f"=KC_DCF(A{i + 1}:E{i + 1},F{i + 1},G{i + 1},161.8,4099.28,1.1)")
    book.close()
    values = computed(tmp_path / "seed.xlsx")
    assert {round(v, 2) for v in values.values()} <= {5.07, 5.08, 5.09, 5.1}
    assert len(set(values.values())) == 1


@pytest.mark.parametrize("formula", ["=KC_DCF(A{r}:E{r},F{r},G{r},,,,\"dated\")",
                                     "=KC_DCF(A{r}:E{r},F{r}:J{r},G{r})",
                                     "=KC_DCF(A{r}:E{r},F{r},G{r},,,,,,,,,\"exit\",10)"])
def test_cases_outside_the_batch_form_are_computed_alone(tmp_path, monkeypatch, formula):
    book = xlsxwriter.Workbook(str(tmp_path / "b.xlsx"))
    ws = book.add_worksheet("Cells")
    for i in range(12):
        ws.write_row(i, 0, FLOWS + [0.1, 0.02, 0.1, 0.1, 0.1])
        ws.write_formula(i, 11, formula.format(r=i + 1))
    book.close()
    together = computed(tmp_path / "b.xlsx")
    without_batches(monkeypatch)
    assert computed(tmp_path / "b.xlsx") == together


@pytest.mark.parametrize("periods", [5, 8])
def test_a_literal_row_of_rates_is_a_rate_path_in_every_cell_not_a_rate_per_cell(tmp_path, monkeypatch, periods):
    """=KC_DCF(A1:E1,{0.08,...,0.15},G1) in as many rows as the literal has rates: each cell reads the whole
    row (a path of 8 rates: refused against 5 flows, a cumulative path against 8), never rate i in row i."""
    rates = "{" + ",".join(f"{0.08 + 0.01 * k:.2f}" for k in range(8)) + "}"
    book = xlsxwriter.Workbook(str(tmp_path / "path.xlsx"))
    ws = book.add_worksheet("Cells")
    last = xlsxwriter.utility.xl_col_to_name(periods - 1)
    for i in range(8):
        ws.write_row(i, 0, [100.0 + 10 * k for k in range(periods)])
        ws.write_number(i, periods, 0.02)
        growth = xlsxwriter.utility.xl_rowcol_to_cell(i, periods)
        ws.write_formula(i, periods + 1, f"=KC_DCF(A{i + 1}:{last}{i + 1},{rates},{growth})")
    book.close()
    together = computed(tmp_path / "path.xlsx")
    without_batches(monkeypatch)
    alone = computed(tmp_path / "path.xlsx")
    assert together == alone
    assert len(set(map(str, alone.values()))) == 1               # the same inputs in every row: one value
    if periods == 5:
        assert "wacc has 8 rates but cash_flows has 5 periods" in next(iter(alone.values()))
