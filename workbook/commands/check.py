"""``kc check``: is this workbook sound?

Reports, by sheet and cell: cells holding an error; failing checks; KC_* formulas whose cached value is
the add-in's message for invalid arguments; cells whose cached value differs from a fresh headless
recomputation; and volatile functions (OFFSET, INDIRECT, TODAY, NOW, RAND, ...) upstream of a KC_* cell,
which would make Excel recompute add-in cells on every change, or turn them into #NAME? on a machine
without the add-in.

Checks are what the template declares as checks, nothing guessed from names: the defined name
``KC_Checks`` covers the check-status cells (TRUE = passes), and each check is described by the text in
its row to the left of the status (the label the sheet shows). A failing check is reported in those
words, with its sheet and cell. The report starts with one summary line (counts by kind); long runs of
one kind are cut after ``SHOWN_PER_KIND`` lines (``--json`` gives every problem).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass

from addin.cell_messages import is_message
from workbook.calc import formula_cells, recalculate
from workbook.commands.refresh import check_ranges
from workbook.xlsx import references as pkg
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import same_value
from workbook.xlsx.formula_text import calls_kc, precedents, volatile_function
from workbook.xlsx.package import check_regular_file

CHECKS_NAME = "KC_Checks"
SHOWN_PER_KIND = 12
KIND_ORDER = ("failing check", "error", "invalid KC_* arguments", "stale value", "volatile upstream")


@dataclass(frozen=True)
class Problem:
    kind: str
    sheet: str
    cell: str
    detail: str


def volatile_upstream(cells, names) -> list[Problem]:
    formulas_at = {(c.sheet, c.ref): c.formula for c in cells}
    problems, volatile_memo = [], {}

    def has_volatile(key, seen) -> str | None:
        if key in volatile_memo:
            return volatile_memo[key]
        if key in seen or key not in formulas_at:
            return None
        seen.add(key)
        formula = formulas_at[key]
        volatile = volatile_function(formula)
        result = f"{key[0]}!{key[1]} uses {volatile}" if volatile else None
        if result is None:
            for precedent in precedents(key[0], formula, names):
                result = has_volatile(precedent, seen)
                if result:
                    break
        volatile_memo[key] = result
        return result

    for c in cells:
        if calls_kc(c.formula):
            culprit = has_volatile((c.sheet, c.ref), set())
            if culprit:
                problems.append(Problem("volatile upstream", c.sheet, c.ref, f"KC_* cell depends on {culprit}"))
    return problems


def description(book: Workbook, sheet: str, ref: str) -> str:
    """The words of a check: the first text to the left of its status cell, in its row."""
    row, col = pkg.split_cell(ref)
    for c in range(1, col):
        value = book.value(sheet, f"{pkg.column_letters(c)}{row}")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return f"the check in {sheet}!{ref}"


def heading(book: Workbook, sheet: str, ref: str) -> str:
    """A cell named by the nearest text above it in its column (a year header: '2027E (G9)'), else by itself."""
    row, col = pkg.split_cell(ref)
    letters = pkg.column_letters(col)
    for r in range(row - 1, max(row - 200, 0), -1):
        value = book.value(sheet, f"{letters}{r}")
        if isinstance(value, str) and value.strip():
            return f"{value.strip()} ({ref})"
    return ref


def _shown(stored) -> str:
    kind, text = stored
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    return text


def declared_checks(book: Workbook) -> list[tuple[str, str]]:
    """(sheet, cell) of every check-status cell the workbook declares (``KC_Checks``)."""
    name = next((n for n in book.names if n.lower() == CHECKS_NAME.lower()), None)
    if name is None:
        return []
    sheet, ref = book.names[name]
    return [(sheet, c) for c in pkg.range_cells(ref)] if sheet in book.sheet_parts else []


def failing_checks(book: Workbook, stored: dict) -> tuple[int, list[Problem]]:
    checks = declared_checks(book)
    problems = []
    for sheet, ref in checks:
        old = stored.get(sheet, {}).get(ref)
        if old is None or (old[0] == "b" and old[1] == "1"):
            continue  # an empty status cell is no check; TRUE passes
        what = description(book, sheet, ref)
        row = pkg.split_cell(ref)[0]
        false_cells = sorted((r for r, (t, v) in stored.get(sheet, {}).items()
                              if t == "b" and v == "0" and r != ref and pkg.split_cell(r)[0] == row),
                             key=lambda r: pkg.split_cell(r)[1])
        where = f" (FALSE in {', '.join(heading(book, sheet, r) for r in false_cells)})" if false_cells else ""
        problems.append(Problem("failing check", sheet, ref, f"'{what}' is {_shown(old)}{where}"))
    return len(checks), problems


def check_workbook(book: Workbook) -> tuple[list[Problem], dict]:
    """The problems of an opened workbook, and facts for the summary (checks declared, formula cells)."""
    book.check_values()
    cells = formula_cells(book)
    check_ranges(cells)
    names = book.names
    stored = book.cached_values()
    problems: list[Problem] = []
    count, failing = failing_checks(book, stored)
    problems += failing
    for c in cells:
        old = stored.get(c.sheet, {}).get(c.ref)
        if old and old[0] == "e":
            problems.append(Problem("error", c.sheet, c.ref, f"={c.formula} shows {old[1]}"))
        elif old and old[0] == "str" and is_message(old[1]):
            problems.append(Problem("invalid KC_* arguments", c.sheet, c.ref, old[1]))
    fresh = recalculate(book).values()
    for sheet, values in fresh.items():
        for ref, value in values.items():
            if not same_value(stored.get(sheet, {}).get(ref), value):
                old = stored.get(sheet, {}).get(ref)
                problems.append(Problem("stale value", sheet, ref,
                                        f"stored {old[1] if old else 'nothing'}, recomputed {value}"))
    problems += volatile_upstream(cells, names)
    return problems, {"checks": count, "formula_cells": len(cells)}


def check_book(path) -> list[Problem]:
    check_regular_file(path)
    return check_workbook(Workbook.open(path))[0]


def as_json(problems: list[Problem]) -> list[dict]:
    return [asdict(p) for p in problems]


def summary_line(book: str, problems: list[Problem], facts: dict) -> str:
    if not problems:
        checks = f"{facts['checks']} checks pass" if facts["checks"] else "no checks declared (KC_Checks)"
        return f"{book}: OK ({checks}; {facts['formula_cells']} formula cells agree with a fresh recomputation)"
    counts = Counter(p.kind for p in problems)
    kinds = sorted(counts, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER))
    parts = ", ".join(f"{counts[k]} {k}{'s' if counts[k] != 1 and not k.endswith('s') else ''}" for k in kinds)
    return f"{book}: {len(problems)} problem{'s' if len(problems) != 1 else ''}: {parts}"


def report_lines(problems: list[Problem]) -> list[str]:
    lines = []
    by_kind: dict[str, list[Problem]] = {}
    for p in problems:
        by_kind.setdefault(p.kind, []).append(p)
    for kind in sorted(by_kind, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER)):
        group = by_kind[kind]
        for p in group[:SHOWN_PER_KIND]:
            lines.append(f"{p.kind}: {p.sheet}!{p.cell}: {p.detail}")
        if len(group) > SHOWN_PER_KIND:
            hint = " (the book was changed without a refresh: kc refresh BOOK)" if kind == "stale value" else ""
            lines.append(f"... and {len(group) - SHOWN_PER_KIND} more {kind}s{hint}; kc check --json lists all")
    return lines


def cmd_check(args) -> int:
    check_regular_file(args.book)
    problems, facts = check_workbook(Workbook.open(args.book))
    if args.json:
        counts = Counter(p.kind for p in problems)
        json.dump({"book": args.book, "ok": not problems, "summary": dict(counts), "checks": facts["checks"],
                   "formula_cells": facts["formula_cells"], "problems": as_json(problems)}, sys.stdout,
                  ensure_ascii=False, indent=2)
        print()
    else:
        print(summary_line(args.book, problems, facts))
        for line in report_lines(problems):
            print(line)
    return 0 if not problems else 1


def add_parser(verbs) -> None:
    check = verbs.add_parser("check", help="errors, failing checks, bad KC_* arguments, stale values, volatile inputs")
    check.add_argument("book", metavar="BOOK")
    check.add_argument("--json", action="store_true", help="print JSON for machines")
    check.set_defaults(run=cmd_check)
