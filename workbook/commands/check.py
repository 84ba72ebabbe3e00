"""``kc check``: is this workbook sound?

Reports, by sheet and cell: cells holding an error; failing checks (a defined name ending in ``OK``
that is not OK/TRUE, and every FALSE status on a sheet named Checks); KC_* formulas whose cached value
is the add-in's message for invalid arguments; cells whose cached value differs from a fresh headless
recomputation; and volatile functions (OFFSET, INDIRECT, TODAY, NOW, RAND, ...) upstream of a KC_* cell,
which would make Excel recompute add-in cells on every change, or turn them into #NAME? on a machine
without the add-in.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass

from addin.cell_messages import is_message
from workbook.calc import formula_cells, recalculate
from workbook.xlsx.book import Workbook
from workbook.xlsx.cached_values import same_value
from workbook.xlsx.formula_text import calls_kc, precedents, volatile_function


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


def check_book(path) -> list[Problem]:
    book = Workbook.open(path)
    cells = formula_cells(book)
    names = book.names
    stored = book.cached_values()
    problems: list[Problem] = []
    for c in cells:
        old = stored.get(c.sheet, {}).get(c.ref)
        if old and old[0] == "e":
            problems.append(Problem("error", c.sheet, c.ref, f"={c.formula} shows {old[1]}"))
        elif old and old[0] == "str" and is_message(old[1]):
            problems.append(Problem("invalid KC_* arguments", c.sheet, c.ref, old[1]))
    for name, (sheet, ref) in names.items():
        if name.upper().endswith("OK") and ":" not in ref:
            old = stored.get(sheet, {}).get(ref)
            if old and not ((old[0] == "str" and old[1] == "OK") or (old[0] == "b" and old[1] == "1")):
                problems.append(Problem("failing check", sheet, ref, f"{name} is {old[1]}"))
    for c in cells:
        if c.sheet.lower() == "checks" and c.formula.upper().startswith("AND("):
            old = stored.get(c.sheet, {}).get(c.ref)
            if old and old[0] == "b" and old[1] == "0":
                problems.append(Problem("failing check", c.sheet, c.ref, f"={c.formula} is FALSE"))
    fresh = recalculate(book).values()
    for sheet, values in fresh.items():
        for ref, value in values.items():
            if not same_value(stored.get(sheet, {}).get(ref), value):
                old = stored.get(sheet, {}).get(ref)
                problems.append(Problem("stale value", sheet, ref,
                                        f"stored {old[1] if old else 'nothing'}, recomputed {value}"))
    problems += volatile_upstream(cells, names)
    return problems


def as_json(problems: list[Problem]) -> list[dict]:
    return [asdict(p) for p in problems]


def cmd_check(args) -> int:

    problems = check_book(args.book)
    if args.json:
        json.dump({"book": args.book, "ok": not problems, "problems": as_json(problems)}, sys.stdout,
                  ensure_ascii=False, indent=2)
        print()
    else:
        for p in problems:
            print(f"{p.kind}: {p.sheet}!{p.cell}: {p.detail}")
        print(f"{args.book}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 0 if not problems else 1


def add_parser(verbs) -> None:
    check = verbs.add_parser("check", help="errors, failing checks, bad KC_* arguments, stale values, volatile inputs")
    check.add_argument("book", metavar="BOOK")
    check.add_argument("--json", action="store_true", help="print JSON for machines")
    check.set_defaults(run=cmd_check)
