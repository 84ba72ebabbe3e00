"""``kc inputs``: the value a data file gives each named input of the model workbook.

The same mapping ``kc refresh --data`` writes into a workbook; the ``RefreshKCData`` macro asks this
command for it (``addin.excel_refresh``), so Excel and the headless refresh load identical numbers.
"""

from __future__ import annotations

import json
import sys


def cmd_inputs(args) -> int:
    from workbook.company import load_company
    from workbook.company.inputs import named_inputs

    values = named_inputs(load_company(args.data))
    if args.json:
        json.dump(values, sys.stdout, ensure_ascii=False)
        print()
        return 0
    for name, value in values.items():
        shown = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) \
            if isinstance(value, list) else (f"{value:g}" if isinstance(value, float) else str(value))
        print(f"{name} = {shown}")
    return 0


def add_parser(verbs) -> None:
    inputs = verbs.add_parser("inputs", help="the value a data file gives each named input of the model")
    inputs.add_argument("--data", help="company data file (TOML); default: the embedded Kingsoft Cloud data")
    inputs.add_argument("--json", action="store_true", help="print JSON for machines")
    inputs.set_defaults(run=cmd_inputs)
