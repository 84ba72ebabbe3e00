"""``kc eval``: one formula of literals through the very functions Excel calls; grids print as rows."""

from __future__ import annotations

import numpy as np


def format_result(result) -> str:
    if isinstance(result, list):
        return "\n".join("\t".join(_cell(v) for v in row) for row in result)
    return _cell(result)


def _cell(value) -> str:
    """A cell's value as plain text: shortest round-trip digits for numbers (never numpy's repr)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def cmd_eval(args) -> int:
    from addin.cell_messages import is_message
    from workbook.calc.formulas_engine import evaluate_formula

    result = evaluate_formula(args.formula)
    print(format_result(result))
    return 1 if is_message(result) else 0


def add_parser(verbs) -> None:
    evaluate = verbs.add_parser("eval", help="evaluate one formula that calls KC_* functions with literal arguments")
    evaluate.add_argument("formula", help='e.g. "=KC_DCF({207.41,497.79,881.15},0.105,0.03)"')
    evaluate.set_defaults(run=cmd_eval)
