"""KC_* results remembered across refreshes: a call is answered from the store only when its arguments
are exactly those of a call before (0.0 and -0.0, TRUE and 1, a row and a column told apart), and a
refresh with the store gives every cell the bits a refresh without it gives."""

from __future__ import annotations

import math

import pytest

from workbook.calc import fast_engine, kc_results, recalculate
from workbook.commands import changes as planning
from workbook.commands.build import build
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import with_cached_values


@pytest.fixture(autouse=True)
def empty_store():
    kc_results.forget()
    yield
    kc_results.forget()


def counted(function):
    calls = []

    def call(*arguments):
        calls.append(arguments)
        return function(*arguments)
    return call, calls


@pytest.mark.parametrize("first, second", [
    ([0.0], [-0.0]), ([1.0], [True]), ([0.0], [False]), ([[[1.0, 2.0]]], [[[1.0], [2.0]]]), (["1"], [1.0]),
    ([None], [0.0]), ([[[1.0]]], [1.0]), ([[[0.0, 1.0]]], [[[-0.0, 1.0]]]), ([1.0, None], [1.0]),
])
def test_arguments_a_function_could_tell_apart_are_computed_apart(first, second):
    def signs(*arguments):
        return repr(arguments)

    call, calls = counted(signs)
    assert kc_results.remembered("KC_X", call, first) == repr(tuple(first))
    assert kc_results.remembered("KC_X", call, second) == repr(tuple(second))
    assert len(calls) == 2


def test_the_same_arguments_are_answered_from_the_store():
    call, calls = counted(lambda *a: sum(a))
    assert kc_results.remembered("KC_X", call, [1.0, 2.0]) == 3.0
    assert kc_results.remembered("KC_X", call, [1.0, 2.0]) == 3.0
    assert kc_results.remembered("KC_Y", call, [1.0, 2.0]) == 3.0     # another function: its own entry
    assert len(calls) == 2


def test_nan_is_computed_every_time():
    call, calls = counted(lambda x: x)
    kc_results.remembered("KC_X", call, [float("nan")])
    kc_results.remembered("KC_X", call, [float("nan")])
    assert len(calls) == 2


def test_the_store_starts_again_when_full(monkeypatch):
    monkeypatch.setattr(kc_results, "REMEMBERED_AT_MOST", 3)
    call, calls = counted(lambda x: x)
    for x in (1.0, 2.0, 3.0, 4.0):
        kc_results.remembered("KC_X", call, [x])
    assert len(kc_results._results) == 1
    kc_results.remembered("KC_X", call, [4.0])
    assert len(calls) == 4


def test_a_refresh_with_remembered_results_gives_every_cell_the_same_bits(tmp_path):
    # The template at WACCs of 10%, 11%, 10% again and 9.5%, each computed whole (no plan kept) with the
    # store kept from one to the next: every value equals (bit for bit, type for type) the same book
    # computed from scratch.
    template = tmp_path / "KC_Model.xlsx"
    build(None, template)
    paths = []
    for k, wacc in enumerate(("10%", "11%", "10%", "9.5%")):
        book = Workbook.open(template)
        changed = planning.from_assignments(book, [f"Case_base_WACC={wacc}"], planning.Plan()).updates()
        paths.append(tmp_path / f"wacc_{k}.xlsx")
        with_cached_values(book, {}, changed).save(paths[-1])
    fresh = []
    for path in paths:
        fast_engine.forget_plans()
        fresh.append(recalculate(Workbook.open(path)).values())
    fast_engine.forget_plans()
    answered = []
    for path, expected in zip(paths, fresh):
        fast_engine.forget_plans(kc_results_too=False)
        stored = len(kc_results._results)
        call, calls = counted(kc_results.remembered)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("workbook.calc.compiler.remembered", call)
            got = recalculate(Workbook.open(path)).values()
        answered.append(len(calls) - (len(kc_results._results) - stored))
        assert_same_values(got, expected)
    # The first book answers only its own repeated calls; the next, most calls; a WACC seen before, all.
    assert answered[0] < 50 and answered[1] > 150 and answered[2] == len(calls)


def assert_same_values(got: dict, expected: dict):
    """Every sheet, every cell: the same type, the same value, the same sign of a zero."""
    assert got.keys() == expected.keys()
    for sheet in expected:
        assert got[sheet].keys() == expected[sheet].keys(), sheet
        for ref, value in expected[sheet].items():
            other = got[sheet][ref]
            assert type(other) is type(value), (sheet, ref)
            assert other == value, (sheet, ref, other, value)
            if isinstance(value, float):
                assert math.copysign(1, other) == math.copysign(1, value), (sheet, ref)
