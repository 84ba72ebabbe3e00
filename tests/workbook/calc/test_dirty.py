"""With a kept plan the engine computes only the formula cells a changed input reaches, and every value
is still, bit for bit, what a computation from scratch gives: on the template with random edits (numbers,
text, empty cells, -0.0), on a book of batches, chains, names, array formulas and another workbook's
values, when number cells move, and for formulas the fallback computes."""

from __future__ import annotations

import random

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.workbook.calc.test_kc_results import assert_same_values
from tests.workbook.calc.test_plan_reuse import model
from workbook.calc import dirty, fast_engine, recalculate
from workbook.calc.fast_engine import Engine
from workbook.commands.build import build
from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import with_cached_values


@pytest.fixture(autouse=True)
def no_plan():
    fast_engine.forget_plans()
    yield
    fast_engine.forget_plans()


def from_scratch(path):
    fast_engine.forget_plans()
    return recalculate(Workbook.open(path)).values()


class Counted:
    """How many formula cells the engine computed (one by one or in a batch) in the last run."""

    def __init__(self, patch):
        self.cells = 0
        run_one, compute = Engine._run_one, fast_engine.batches.compute

        def counted_one(engine, node, out):
            self.cells += not node.kept
            return run_one(engine, node, out)

        def counted_batch(engine, keys):
            found = compute(engine, keys)
            self.cells += len(found)
            return found
        patch.setattr(Engine, "_run_one", counted_one)
        patch.setattr(fast_engine.batches, "compute", counted_batch)


def input_cells(book: Workbook) -> list[tuple[str, str]]:
    """(sheet, cell) of every number cell that is not a formula's."""
    found = []
    for sheet in book.sheet_parts:
        for cell in book.cells(sheet):
            if cell.formula is None and cell.cell_type is None and cell.value_text:
                found.append((sheet, cell.ref))
    return found


def edited(source, target, edits: dict) -> None:
    book = Workbook.open(source)
    with_cached_values(book, {}, edits).save(target)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("dirty") / "KC_Model.xlsx"
    build(None, path)
    return path


NEW_VALUES = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.0, -0.0, 1.0, "text", "", True]))


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_the_template_after_random_edits_equals_a_computation_from_scratch(template, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("edits")
    inputs = input_cells(Workbook.open(template))
    fast_engine.forget_plans()
    recalculate(Workbook.open(template))                        # the plan and its values kept
    for step in range(3):
        chosen = data.draw(st.lists(st.sampled_from(inputs), min_size=1, max_size=4, unique=True))
        edits: dict = {}
        for sheet, ref in chosen:
            edits.setdefault(sheet, {})[ref] = data.draw(NEW_VALUES)
        path = folder / f"edit_{step}.xlsx"
        edited(template, path, edits)
        got = outcome(lambda: recalculate(Workbook.open(path)).values())
        expected = outcome(lambda: from_scratch(path))
        if isinstance(expected, str) or isinstance(got, str):   # an input a formula refuses: the same message
            assert got == expected
        else:
            assert_same_values(got, expected)
        outcome(lambda: recalculate(Workbook.open(path)))       # the plan kept again, from this book


def outcome(compute):
    """The values computed, or the one-line message of the BookError that refused them."""
    try:
        return compute()
    except BookError as error:
        return str(error)


def test_one_changed_input_computes_only_what_it_reaches(template, tmp_path, monkeypatch):
    book = Workbook.open(template)
    sheet, ref = next((s, r) for s, r in input_cells(book) if s == "Assumptions")
    path = tmp_path / "one.xlsx"
    edited(template, path, {sheet: {ref: 0.123}})
    recalculate(Workbook.open(template))
    counted = Counted(monkeypatch)
    got = recalculate(Workbook.open(path)).values()
    total = sum(len(cells) for cells in got.values())
    assert 0 < counted.cells < total / 2
    assert_same_values(got, from_scratch(path))
    counted.cells = 0
    recalculate(Workbook.open(path))           # nothing changed: only the cells computed every time
    assert counted.cells <= 5


@pytest.mark.parametrize("seeds", [(1, 2), (1, 1), (3, 4, 3)])
def test_a_book_of_batches_chains_names_arrays_and_external_values(tmp_path, seeds):
    paths = [model(tmp_path / f"m{k}.xlsx", seed, cached_external=5.0 + k) for k, seed in enumerate(seeds)]
    expected = [from_scratch(path) for path in paths]
    fast_engine.forget_plans()
    for path, values in zip(paths, expected):
        assert_same_values(recalculate(Workbook.open(path)).values(), values)


def test_one_flow_changed_in_a_book_of_batches(tmp_path, monkeypatch):
    first = model(tmp_path / "a.xlsx", 1)
    second = tmp_path / "b.xlsx"
    edited(first, second, {"Cells": {"B7": 1234.5, "H1": 0.0125}})
    expected = from_scratch(second)
    recalculate(Workbook.open(first))
    counted = Counted(monkeypatch)
    assert_same_values(recalculate(Workbook.open(second)).values(), expected)
    # J7 (its flows), every J (the growth name), the K chain from row 1, N1 and N2 (the external value)
    assert counted.cells <= 30 + 30 + 2


def test_number_cells_that_move_compute_the_whole_book(tmp_path):
    # The same formulas, the number cells at other places: the inputs cannot be compared cell by cell.
    def book(path, where):
        made = xlsxwriter.Workbook(str(path))
        ws = made.add_worksheet("S")
        for r in range(300):
            ws.write_number(r, where, r + 1.5)
        ws.write_formula("J1", "=SUM(A1:C300)")
        made.close()
        return path
    first, second = book(tmp_path / "a.xlsx", 0), book(tmp_path / "b.xlsx", 2)
    expected = from_scratch(second)
    recalculate(Workbook.open(first))
    assert recalculate(Workbook.open(second)).values() == expected == {"S": {"J1": sum(r + 1.5 for r in range(300))}}


def test_a_formula_the_fallback_computes_is_computed_every_time(tmp_path, monkeypatch):
    path = tmp_path / "f.xlsx"
    made = xlsxwriter.Workbook(str(path))
    ws = made.add_worksheet("S")
    ws.write_number("A1", 100.0)
    ws.write_formula("B1", "=LOG10(A1)")
    ws.write_formula("C1", "=B1*2")
    made.close()
    recalculate(Workbook.open(path))
    engine = fast_engine._last[0][1]
    assert ("S", 1, 2) in engine._fell_back
    counted = Counted(monkeypatch)
    assert recalculate(Workbook.open(path)).values() == {"S": {"B1": 2.0, "C1": 4.0}}
    assert counted.cells == 2                  # B1 and its reader, though no input changed


def test_more_changes_than_the_limit_compute_the_whole_book(tmp_path, monkeypatch):
    monkeypatch.setattr(dirty, "MOST_CHANGED", 3)
    first = model(tmp_path / "a.xlsx", 1)
    second = model(tmp_path / "b.xlsx", 2)
    expected = from_scratch(second)
    recalculate(Workbook.open(first))
    counted = Counted(monkeypatch)
    assert_same_values(recalculate(Workbook.open(second)).values(), expected)
    assert counted.cells >= 60


@pytest.mark.parametrize("before, now, changed", [
    ({("S", 1, 1): 1.0}, {("S", 1, 1): 1.0}, []),
    ({("S", 1, 1): 0.0}, {("S", 1, 1): -0.0}, [("S", 1, 1)]),
    ({("S", 1, 1): 1.0}, {("S", 1, 1): True}, [("S", 1, 1)]),
    ({("S", 1, 1): "1"}, {("S", 1, 1): 1.0}, [("S", 1, 1)]),
    ({("S", 1, 1): 1.0}, {}, [("S", 1, 1)]),
    ({}, {("S", 2, 2): "x"}, [("S", 2, 2)]),
])
def test_changed_inputs_tell_apart_what_a_formula_could(before, now, changed):
    assert dirty.changed_inputs(before, now, [], []) == changed


def test_changed_number_columns_bit_for_bit():
    import numpy as np

    rows, cols = np.array([1, 2, 3]), np.array([1, 1, 1])
    old = ("S", rows, cols, np.array([1.0, 0.0, 3.0]))
    assert dirty.changed_inputs({}, {}, [old], [("S", rows, cols, np.array([1.0, -0.0, 3.5]))]) == \
        [("S", 2, 1), ("S", 3, 1)]
    assert dirty.changed_inputs({}, {}, [old], [("S", rows + 1, cols, old[3])]) is None
    assert dirty.changed_inputs({}, {}, [old], []) is None


def test_random_chains_after_random_edits(tmp_path):
    # A random grid of formulas reading numbers and each other; random edits; kept vs from scratch.
    rng = random.Random(7)
    path = tmp_path / "grid.xlsx"
    made = xlsxwriter.Workbook(str(path))
    ws = made.add_worksheet("S")
    for r in range(40):
        ws.write_number(r, 0, rng.uniform(-5, 5))
        ws.write_number(r, 1, rng.uniform(-5, 5))
    for r in range(40):
        a, b = rng.randrange(1, 41), rng.randrange(1, 41)
        ws.write_formula(r, 2, f"=A{a}*B{b}+C{max(1, r)}" if r else f"=A{a}*B{b}")
        ws.write_formula(r, 3, f"=SUM(C1:C{r + 1})-MAX(A{a}:B{b})" if a <= b else f"=AVERAGE(A{b}:B{a})")
    made.close()
    recalculate(Workbook.open(path))
    for step in range(6):
        target = tmp_path / f"g{step}.xlsx"
        edits = {"S": {f"{rng.choice('AB')}{rng.randrange(1, 41)}": rng.choice([rng.uniform(-9, 9), "", "t"])
                       for _ in range(rng.randrange(1, 4))}}
        edited(path, target, edits)
        got = recalculate(Workbook.open(target)).values()
        assert_same_values(got, from_scratch(target))
        recalculate(Workbook.open(target))
        path = target


@pytest.mark.parametrize("first", ["1", "2"])
def test_a_formula_at_a_row_past_int64_is_computed_again_with_a_kept_plan(tmp_path, first):
    # (Its areas were read into an int64 array: the second refresh of such a book raised OverflowError.)
    from tests.workbook.xlsx.test_cells_fast_path import rows
    from tests.workbook.xlsx.test_sheet_columns import book_with
    from workbook.commands.refresh import refreshed

    far = "B" + "1" * 20
    results = []
    for k, a1 in enumerate([first, "2", "3"]):
        body = rows(f'<c r="A1"><v>{a1}</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1</f><v>0</v></c>'
                    f'<c r="{far}"><f t="shared" si="0"/><v>4</v></c>')
        folder = tmp_path / str(k)
        folder.mkdir()
        results.append(refreshed(book_with(folder, body)).values["Model"])
    assert [r["B1"] for r in results] == [float(first), 2.0, 3.0]
    assert all(str(r[far]) == "#REF!" for r in results)
