"""Drivers sheet: every forecast driver per scenario, and the live scenario's row that the statements read.

Per driver: the live row (the scenario chosen on the Assumptions sheet; reported years show the actual
ratio where the driver defines one), then one row per scenario: the explicit years and the steady-state
value (final year) are inputs, the years between fade linearly (native formulas), reaching the steady
state in the year before the final one (``workbook.company.forecast``).
"""

from __future__ import annotations

from workbook.company.forecast import Plan, to_excel, walk
from workbook.template.layout import FIRST_VALUE_COL, Model, Writer, cell, span

UNIT_FORMATS = {"percent": "percent", "days": "number1", "number": "number", "multiple": "multiple"}
SCENARIO_ZH = {"bear": "悲观", "base": "基准", "bull": "乐观"}


def driver_input_name(key: str, scenario: str, final: bool = False) -> str:
    return f"Drv_{key}_{scenario}" + ("_Final" if final else "")


def place_drivers(model: Model) -> None:
    p: Plan = model.plan
    row = 4
    for driver in p.drivers:
        rows = {"live": row}
        for j, name in enumerate(p.scenarios):
            rows[name] = row + 1 + j
        model.driver_rows[driver.key] = rows
        row += 2 + len(p.scenarios)
    model.refs["drivers_end_row"] = row


def write_drivers(w: Writer, model: Model) -> None:
    p: Plan = model.plan
    years, hist, n = p.years, len(p.history), len(p.forecast)
    w.title("Drivers", "驱动因素", "Blue cells are inputs: the explicit years and the steady state (final year) of each "
                                  "scenario; the years between fade linearly. The bold row is the live scenario's "
                                  "(Assumptions: Scenario); reported years show the actual ratio.")
    last = FIRST_VALUE_COL + len(years) - 1
    w.ws.set_column(0, 0, 40)
    w.ws.set_column(1, 1, 14)
    w.ws.set_column(FIRST_VALUE_COL, last, 8)
    w.ws.set_column(last + 1, last + 1, 5)
    w.header(3, "Driver", "驱动因素", years + ["Note"])
    names = model.refs["scenario_names"]
    first_f = FIRST_VALUE_COL + hist
    final_col = last
    for driver in p.drivers:
        rows = model.driver_rows[driver.key]
        fmt = UNIT_FORMATS[driver.unit]
        live = rows["live"]
        w.labels(live, driver.en, driver.zh, "label_bold")
        block_first, block_last = rows[p.scenarios[0]], rows[p.scenarios[-1]]
        for k in range(n):
            col = first_f + k
            w.formula(live, col, f"=INDEX({span(block_first, col, block_last, col)},MATCH(Scenario,{names},0))",
                      fmt + "_bold")
        if driver.actual is not None:
            lagged = any(node[0] == "line" and node[2] for node in walk(driver.actual))
            for k in range(hist):
                if k == 0 and lagged:
                    continue
                text = to_excel(driver.actual, lambda key, lag, k=k: model.live(key, years[k - lag], w.name),
                                lambda key: "0")
                w.formula(live, FIRST_VALUE_COL + k, "=" + text, fmt)
        if driver.basis:
            w.text(live, last + 1, model.note(w.name, f"{driver.en}: {driver.basis}"), "marker")
        for name in p.scenarios:
            row = rows[name]
            w.labels(row, f"  {name}", SCENARIO_ZH.get(name, ""), "label_indent")
            given = driver.values[name]
            explicit, final = (given, None) if len(given) == n else (given[:-1], given[-1])
            if len(given) == 1:
                explicit, final = given, given[0]
            for k, value in enumerate(explicit):
                w.value(row, first_f + k, value, fmt + "_input")
            w.define(driver_input_name(driver.key, name), row, first_f, row, first_f + len(explicit) - 1)
            if final is None:
                continue
            w.value(row, final_col, final, fmt + "_input")
            w.define(driver_input_name(driver.key, name, final=True), row, final_col)
            anchor = cell(row, first_f + len(explicit) - 1)
            anchor = "$" + anchor.rstrip("0123456789") + anchor[len(anchor.rstrip("0123456789")):]
            target = cell(row, final_col)
            target = "$" + target.rstrip("0123456789") + target[len(target.rstrip("0123456789")):]
            steps = n - 1 - len(explicit)
            for j in range(1, steps + 1):
                col = first_f + len(explicit) - 1 + j
                w.formula(row, col, f"={anchor}+({target}-{anchor})*{j}/{steps}", fmt)
    row = model.refs["drivers_end_row"] + 1
    w.write_notes(model, row)
    w.ws.freeze_panes(4, 2)
    w.ws.repeat_rows(3)
