"""The engine keeps the last book's compiled shapes and order of computation for the next book with the
same formulas, sheets and names: that book's values are its own (as if computed by a new engine), and
any change to what the plan depends on makes a new plan."""

from __future__ import annotations

import random
import zipfile

import pytest
import xlsxwriter

from workbook.calc import fast_engine, recalculate
from workbook.commands.refresh import refresh_book
from workbook.errors import BookError
from workbook.xlsx.book import Workbook

FLOWS = [207.41, 497.79, 881.15, 1351.17, 1893.64]


def model(path, seed: int, *, rate_cell: str = "$H$1", sheet: str = "Cells", cached_external: float = 5.0,
          rows: int = 30):
    """Rows of flows with KC_DCF batches, a chain, a defined name, an array formula and a formula that
    reads another workbook (its stored value kept); ``seed`` changes only the numbers."""
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    for i in range(rows):
        r = i + 1
        ws.write_row(i, 0, [f * (1 + rng.random()) for f in FLOWS] + [0.06 + rng.random() * 0.06])
        ws.write_formula(i, 9, f"=KC_DCF(A{r}:E{r},F{r},Growth)")
        ws.write_formula(i, 10, f"=J{r}*2+K{r - 1}" if i else "=J1*2")
    ws.write_number("H1", rng.random() * 0.03)
    ws.write_number("H2", 0.01)
    book.define_name("Growth", f"={sheet}!{rate_cell}")
    ws.write_array_formula("M1:M3", "{=A1:A3*10}")
    ws.write_formula("N1", "=[1]Sheet1!A1", None, cached_external)
    ws.write_formula("N2", "=N1+H2")
    book.close()
    return path


def values_of(path):
    return recalculate(Workbook.open(path)).values()


def fresh_values_of(path):
    fast_engine.forget_plans()
    return values_of(path)


def with_sheet_replaced(source, target, old: bytes, new: bytes):
    """A copy of ``source`` whose first sheet has ``old`` replaced by ``new`` (its formulas unchanged)."""
    with zipfile.ZipFile(source) as book, zipfile.ZipFile(target, "w") as out:
        for info in book.infolist():
            data = book.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            out.writestr(info, data)
    return target


def kept_engine():
    return fast_engine._last[0][1] if fast_engine._last else None


def test_a_second_book_with_the_same_formulas_reuses_the_plan_and_gets_its_own_values(tmp_path):
    first = model(tmp_path / "a.xlsx", 1)
    second = model(tmp_path / "b.xlsx", 2, cached_external=7.0)
    expected = fresh_values_of(second)
    fast_engine.forget_plans()
    values_of(first)
    engine = kept_engine()
    got = values_of(second)
    assert kept_engine() is engine                       # the plan was reused
    assert got == expected
    assert got != values_of(first)
    # what each value must be, from the book's own numbers
    assert got["Cells"]["N1"] == 7.0 and got["Cells"]["N2"] == 7.01
    assert got["Cells"]["K3"] == got["Cells"]["J3"] * 2 + got["Cells"]["K2"]


@pytest.mark.parametrize("change", ["formula", "name", "sheet", "array", "rows"])
def test_a_change_to_what_the_plan_depends_on_makes_a_new_plan(tmp_path, change):
    first = model(tmp_path / "a.xlsx", 1)
    kwargs = {"name": {"rate_cell": "$H$2"}, "sheet": {"sheet": "Other"}, "rows": {"rows": 31}}.get(change, {})
    second = model(tmp_path / "b.xlsx", 1, **kwargs)
    if change in ("formula", "array"):
        book = xlsxwriter.Workbook(str(second))
        ws = book.add_worksheet("Cells")
        for i in range(30):
            ws.write_row(i, 0, FLOWS + [0.08])
            ws.write_formula(i, 9, f"=KC_DCF(A{i + 1}:E{i + 1},F{i + 1},Growth)")
            ws.write_formula(i, 10, f"=J{i + 1}*3")
        ws.write_number("H1", 0.02)
        ws.write_number("H2", 0.01)
        book.define_name("Growth", "=Cells!$H$1")
        if change == "array":
            ws.write_array_formula("M1:M4", "{=A1:A4*10}")
        book.close()
    expected = fresh_values_of(second)
    fast_engine.forget_plans()
    values_of(first)
    engine = kept_engine()
    assert values_of(second) == expected
    assert kept_engine() is not engine
    if change == "name":                                 # the name now reads H2 (1%): the values follow it
        assert expected != fresh_values_of(first)


def test_a_failed_book_keeps_no_plan_and_the_next_book_is_right(tmp_path):
    good = model(tmp_path / "a.xlsx", 3)
    bad = tmp_path / "bad.xlsx"
    book = xlsxwriter.Workbook(str(bad))
    ws = book.add_worksheet("Cells")
    ws.write_formula("A1", "=B1+1")
    ws.write_formula("B1", "=A1+1")
    book.close()
    expected = fresh_values_of(good)
    engine = kept_engine()
    with pytest.raises(BookError, match="circular reference"):
        values_of(bad)
    assert kept_engine() is engine                       # the failed book's engine was not kept
    assert values_of(good) == expected
    fast_engine.forget_plans()
    with pytest.raises(BookError, match="circular reference"):
        values_of(bad)
    assert kept_engine() is None


def test_the_external_value_is_still_required_on_reuse(tmp_path):
    first = model(tmp_path / "a.xlsx", 1)
    values_of(first)
    # the same formulas, the stored value of the external formula removed
    patched = with_sheet_replaced(model(tmp_path / "b.xlsx", 1), tmp_path / "c.xlsx",
                                  b"<f>[1]Sheet1!A1</f><v>5.0</v></c>", b"<f>[1]Sheet1!A1</f></c>")
    engine = kept_engine()
    with pytest.raises(BookError, match="reads another workbook and has no stored value"):
        values_of(patched)
    assert kept_engine() is None and engine._keys == []   # taken for that book, then let go


def test_refreshing_a_book_twice_writes_the_same_bytes_as_a_new_engine(tmp_path):
    source = model(tmp_path / "a.xlsx", 4)
    fast_engine.forget_plans()
    refresh_book(source, tmp_path / "fresh.xlsx")
    refresh_book(source, tmp_path / "again.xlsx")
    assert kept_engine() is not None
    with zipfile.ZipFile(tmp_path / "fresh.xlsx") as a, zipfile.ZipFile(tmp_path / "again.xlsx") as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


def test_a_book_whose_values_are_refused_on_reuse_lets_the_kept_engine_go(tmp_path):
    first = model(tmp_path / "a.xlsx", 1)
    values_of(first)
    engine = kept_engine()
    # the same formulas, H2 a logical value Excel never writes
    refused = with_sheet_replaced(first, tmp_path / "b.xlsx", b'<c r="H2"><v>0.01</v></c>',
                                  b'<c r="H2" t="b"><v>7</v></c>')
    with pytest.raises(BookError, match=r"Cells!H2: the logical value '7' is neither 0 nor 1"):
        values_of(refused)
    # released, as after a failed run: its closures refer back to it, and a refresh pauses the collector
    assert kept_engine() is None and engine.nodes == {} and engine._compiled == {}
    assert values_of(first) == fresh_values_of(first)


def test_a_forked_worker_starts_without_the_parent_s_engine_or_its_lock(tmp_path):
    import os

    values_of(model(tmp_path / "a.xlsx", 5))
    assert kept_engine() is not None
    fast_engine._last_lock.acquire()          # as if another thread of the parent were computing at the fork
    try:
        pid = os.fork()
        if pid == 0:                          # the child: free to compute, no engine carried over
            code = 0 if kept_engine() is None and fast_engine._last_lock.acquire(timeout=5) else 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
    finally:
        fast_engine._last_lock.release()
    assert os.WEXITSTATUS(status) == 0


def test_the_plan_of_a_book_past_the_limit_is_not_kept(tmp_path, monkeypatch):
    path = model(tmp_path / "a.xlsx", 6)
    fast_engine.forget_plans()
    monkeypatch.setattr(fast_engine, "KEPT_AT_MOST", 10)
    expected = values_of(path)
    assert kept_engine() is None
    monkeypatch.setattr(fast_engine, "KEPT_AT_MOST", 10 ** 9)
    assert values_of(path) == expected and kept_engine() is not None


def test_the_cells_of_array_ranges_count_toward_the_limit(tmp_path, monkeypatch):
    # Three formula cells, one an array formula over 40 cells: the kept plan would hold an entry for each
    # of those 40 (up to 2,000,000 for one range), so they count as the formula cells do.
    path = tmp_path / "array.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Cells")
    ws.write_number("A1", 2.0)
    ws.write_formula("B1", "=A1*2")
    ws.write_formula("B2", "=B1+1")
    ws.write_array_formula("C1:C40", "{=A1*3}")
    book.close()
    fast_engine.forget_plans()
    monkeypatch.setattr(fast_engine, "KEPT_AT_MOST", 20)
    expected = values_of(path)
    assert kept_engine() is None
    monkeypatch.setattr(fast_engine, "KEPT_AT_MOST", 43)
    assert values_of(path) == expected and kept_engine() is not None


def test_no_plan_key_is_made_for_a_book_past_the_limit(tmp_path, monkeypatch):
    path = model(tmp_path / "a.xlsx", 7)
    fast_engine.forget_plans()
    monkeypatch.setattr(fast_engine, "KEPT_AT_MOST", 10)

    def refused(*_):
        raise AssertionError("a key made for a plan that cannot be kept")

    monkeypatch.setattr(fast_engine, "plan_key", refused)
    assert values_of(path) and kept_engine() is None
