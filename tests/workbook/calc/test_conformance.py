"""The conformance table against every engine path: the refresh as shipped (the fast evaluator with its
per-formula fallback), the fast evaluator alone, the fallback forced on each row's formula, and
LibreOffice. See data/conformance.toml for the rows and their sources."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from workbook.calc import formula_cells, libreoffice, recalculate
from workbook.calc.fast_engine import Engine, Unsupported
from workbook.errors import BookError
from workbook.xlsx.book import Workbook
from workbook.xlsx.references import split_cell

from tests.conftest import needs_libreoffice
from tests.workbook.calc.conformance import load_cases, matches, write_cases

CASES = load_cases()
BY_ID = {case.id: case for case in CASES}


def _book(case, tmp_path):
    path = tmp_path / f"{case.id}.xlsx"
    write_cases([case], path)
    return Workbook.open(path)


def _differences(case, values: dict) -> dict:
    got = values.get(case.sheet, {})
    return {ref: (want, got.get(ref)) for ref, want in case.outcomes().items()
            if not matches(want, got.get(ref), case.tolerance)}


def test_the_table_is_well_formed():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        outcomes = [case.expected is not None, case.error is not None, case.refused is not None,
                    case.array_values is not None]
        assert sum(outcomes) == 1, case.id
        assert case.source.strip(), case.id
    assert len(CASES) >= 80


# Every case the issue lists (issue 12), by the row that holds it.
ISSUE_CASES = [
    "intersection-column-range-in-its-row", "intersection-row-name-across-columns-c",
    "average-skips-an-empty-referenced-cell", "min-skips-an-empty-referenced-cell", "sum-of-a-referenced-text-number",
    "sum-of-a-typed-text-number", "count-ignores-an-error-argument", "match-wildcard-asterisk",
    "match-zero-in-empty-cells", "round-1.005", "round-0.285", "text-underscore", "text-percent", "text-currency",
    "text-parentheses-negative", "text-full-width-digit", "text-thousands-separator", "iso-date-cell-in-arithmetic",
    "sheet-name-ignores-case", "missing-sheet", "sheet-name-shadows-workbook-name", "sheet-only-name-on-its-sheet",
    "sum-of-a-two-area-name", "external-reference-keeps-its-value", "array-formula-of-a-kc-function",
    "array-formula-larger-than-its-result", "round-a-huge-number", "round-to-400-places",
    "nested-parentheses-400-deep", "circular-reference", "circular-reference-with-iteration-on",
    "sum-skips-logical-in-a-range", "npv-skips-text-in-a-range",
]


def test_every_case_of_the_issue_is_a_row():
    assert [name for name in ISSUE_CASES if name not in BY_ID] == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_refresh_as_shipped(case, tmp_path):
    """Fast evaluator with the per-formula fallback: Excel's value, or the row's documented refusal."""
    book = _book(case, tmp_path)
    if case.refused:
        with pytest.raises(BookError, match=case.refused.replace("(", r"\(").replace(")", r"\)")):
            recalculate(book)
        return
    assert _differences(case, recalculate(book).values()) == {}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fast_engine_alone(case, tmp_path):
    """The fast evaluator without fallback: Excel's value, or Unsupported; never another value."""
    book = _book(case, tmp_path)
    try:
        values = recalculate(book, engine="fast").values()
    except (Unsupported, BookError) as error:
        assert case.refused or case.fallback == "computes" or isinstance(error, Unsupported), error
        return
    assert not case.refused
    assert _differences(case, values) == {}


def _forced_fallback(case, tmp_path):
    """The row's formula computed by the fallback (the `formulas` package, guarded), its precedents by
    the fast evaluator: (value or values, None) or (None, the refusal)."""
    book = _book(case, tmp_path)
    cells = formula_cells(book)
    engine = Engine(book, cells)
    try:
        engine.run()
    except BookError as error:
        return None, error
    r, c = split_cell(case.cell)
    node = engine.nodes[(case.sheet, r, c)]
    if node.kept:
        return None, BookError("kept its stored value")
    try:
        value = engine.fallback().evaluate(node, None)
    except BookError as error:
        return None, error
    if case.array:
        from workbook.calc.fast_engine import array_range
        from workbook.xlsx.references import column_letters

        return {f"{column_letters(col)}{row}": v for (row, col), v in array_range(node, value).items()}, None
    return {case.cell: value}, None


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fallback_forced(case, tmp_path):
    """The per-formula fallback on the row's formula: Excel's value, or a refusal naming the cell."""
    got, refusal = _forced_fallback(case, tmp_path)
    if refusal is not None:
        assert case.fallback != "computes", refusal
        assert f"{case.sheet}!" in str(refusal) or "circular" in str(refusal) or "kept" in str(refusal), refusal
        return
    assert not case.refused, got
    assert {ref: (want, got.get(ref)) for ref, want in case.outcomes().items()
            if not matches(want, got.get(ref), case.tolerance)} == {}


def test_the_fallback_computes_a_good_part_of_the_table(tmp_path):
    """The guard refuses what `formulas` may get wrong; the rest it computes (so the forced-fallback test
    above is no empty promise). The counts are printed for the record."""
    computed = [case.id for case in CASES if _forced_fallback(case, tmp_path)[1] is None]
    print(f"fallback computes {len(computed)} of {len(CASES)} rows")
    assert len(computed) >= 30


@needs_libreoffice
def test_libreoffice_agrees_except_where_marked(tmp_path):
    cases = [case for case in CASES if not case.refused and not (case.libreoffice or {}).get("skip")]
    path = tmp_path / "conformance.xlsx"
    where = write_cases(cases, path, unique=True)
    recalculated = libreoffice.recalculated(path, tmp_path / "lo")
    book = load_workbook(recalculated, data_only=True)
    differ = {}
    for case in cases:
        sheet, _ = where[case.id]
        for ref, want in case.libreoffice_outcomes().items():
            got = book[sheet][ref].value
            if not matches(want, got, max(case.tolerance, 1e-9)):
                differ[case.id] = (ref, want, got)
    assert differ == {}, "\n".join(f"{k}: {v}" for k, v in differ.items())


LITERAL_CASES = [case for case in CASES if not (case.inputs or case.sheets or case.names or case.dates or case.array
                                                or case.stored is not None or case.iterate or case.sheet != "S")]


@pytest.mark.parametrize("case", LITERAL_CASES, ids=lambda c: c.id)
def test_kc_eval_computes_formulas_of_literals_as_a_cell(case):
    """``kc eval`` goes through the same engine path as a cell: the row's value, or a one-line refusal."""
    from workbook.calc.fast_engine import evaluate_literal

    try:
        got = evaluate_literal(case.text)
    except BookError as error:
        assert case.refused or case.fallback != "computes", error
        assert "\n" not in str(error)
        return
    assert not case.refused
    assert matches(case.outcomes()[case.cell], got, case.tolerance), got
