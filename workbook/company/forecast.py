"""The driver model of a company data file: which lines the three statements hold in which years, how
every forecast cell is computed, and the same model evaluated in Python.

A data file's ``[forecast]`` section names the forecast years; the years of ``statements.years`` before
them are *history* (reported figures), the source's own figures for forecast years become *reference*
rows (e.g. a broker's printed forecast). Each statement line says how it is forecast in ``forecast``,
an expression over

* line keys: ``revenue`` (the same year), ``revenue[-1]`` (the year before; in the first forecast year,
  the last reported year),
* drivers: ``$gross_margin`` (the live scenario's driver for that year, from ``[[drivers]]``),
* numbers, ``+ - * /``, parentheses, ``MAX(a, b, ...)`` and ``MIN(a, b, ...)``,

or ``hold`` (= the line's own value of the year before). Subtotals (``sum_of``) add their parts in
every year. Lines marked ``model = true`` are the model's own (an interest line, a revolver, a memo);
they have no source values and are blank (0) in history. A printed subtotal whose source does not tie
in a reported year (``source_gap`` non-zero there) gets its own visible line, *rounding / omission in
the source* = printed - sum of the printed parts, so that the live totals equal the printed ones. In
forecast years it is 0 on the income statement and cash flow, and held at its last reported value on
the balance sheet (a stock: the reported balance sheet balances on its printed totals, so the opening
balance of the forecast must carry the same rounding, or the forecast would be off by it for ever).

Drivers: one list of values per scenario. With L values for n forecast years, the first L - 1 apply
to the first L - 1 years and the last one is the steady state: the years after the explicit ones fade
linearly from the last explicit value to it, reaching it in the year before the final one, and the
final year holds it, so that the final year, on which the terminal value grows, has constant ratios
(L = n: every year given; L = 1: one value for every year).

``plan(data)`` is what the workbook template lays out; ``run(plan, scenario)`` evaluates it in Python
(numpy), independently of any spreadsheet, so the built book can be checked against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from workbook.errors import BookError

STATEMENTS = ("income_statement", "balance_sheet", "cash_flow")
FUNCTIONS = ("MAX", "MIN")
DRIVER_UNITS = ("percent", "days", "number", "multiple")
# Roles: which lines the valuation reads. Lists may prefix a key with "-" (subtract it).
LINE_ROLES = ("revenue", "ebit", "net_interest", "pretax", "net_profit", "d_and_a", "capex", "operating_cash_flow",
              "total_assets", "total_liabilities_and_equity", "bs_cash", "cf_ending_cash", "cf_net_profit", "ebitda")
LIST_ROLES = ("nwc", "debt", "cash", "non_operating", "minorities")
DRIVER_ROLES = ("tax_rate", "revenue_growth")


# ------------------------------------------------------------------------------------------------
# Expressions

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<driver>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<lag>\[\s*-\s*1\s*\])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>[-+*/(),])
""", re.X)


class ExpressionError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ExpressionError(f"cannot read {text[position:position + 12]!r}")
        if match.lastgroup != "ws":
            out.append((match.lastgroup, match.group()))
        position = match.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens, self.i = _tokens(text), 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value=None):
        token = self.peek()
        if token[0] is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or 'more'}")
        self.i += 1
        return token

    def parse(self):
        node = self.sum()
        if self.i != len(self.tokens):
            raise ExpressionError(f"unexpected {self.peek()[1]!r}")
        return node

    def sum(self):
        node = self.product()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            node = ("bin", op, node, self.product())
        return node

    def product(self):
        node = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            node = ("bin", op, node, self.unary())
        return node

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        if self.peek() == ("op", "+"):
            self.take()
            return self.unary()
        return self.atom()

    def atom(self):
        kind, value = self.take()
        if kind == "number":
            return ("num", float(value))
        if kind == "driver":
            return ("driver", value[1:])
        if kind == "name":
            if self.peek() == ("op", "("):
                if value.upper() not in FUNCTIONS:
                    raise ExpressionError(f"unknown function {value}")
                self.take("(")
                args = [self.sum()]
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.sum())
                self.take(")")
                return ("call", value.upper(), args)
            if self.peek()[0] == "lag":
                self.take()
                return ("line", value, 1)
            return ("line", value, 0)
        if (kind, value) == ("op", "("):
            node = self.sum()
            self.take(")")
            return node
        raise ExpressionError(f"unexpected {value!r}")


def parse(text: str, own_key: str):
    """The expression tree of a forecast rule (``hold`` = the line's previous value)."""
    if text.strip().lower() == "hold":
        return ("line", own_key, 1)
    return _Parser(text).parse()


def walk(node):
    yield node
    if node[0] == "neg":
        yield from walk(node[1])
    elif node[0] == "bin":
        yield from walk(node[2])
        yield from walk(node[3])
    elif node[0] == "call":
        for arg in node[2]:
            yield from walk(arg)


def evaluate(node, line_value, driver_value) -> float:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "line":
        return line_value(node[1], node[2])
    if kind == "driver":
        return driver_value(node[1])
    if kind == "neg":
        return 0.0 - evaluate(node[1], line_value, driver_value)
    if kind == "call":
        args = [evaluate(a, line_value, driver_value) for a in node[2]]
        return max(args) if node[1] == "MAX" else min(args)
    a, b = evaluate(node[2], line_value, driver_value), evaluate(node[3], line_value, driver_value)
    op = node[1]
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        raise BookError("a forecast rule divides by zero")
    return a / b


def to_excel(node, line_ref, driver_ref) -> str:
    """Excel text of an expression; ``line_ref(key, lag)`` and ``driver_ref(key)`` give references."""
    kind = node[0]
    if kind == "num":
        x = node[1]
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    if kind == "line":
        return line_ref(node[1], node[2])
    if kind == "driver":
        return driver_ref(node[1])
    if kind == "neg":
        return f"-{_wrap(node[1], line_ref, driver_ref, 3)}"
    if kind == "call":
        return f"{node[1]}(" + ",".join(to_excel(a, line_ref, driver_ref) for a in node[2]) + ")"
    op = node[1]
    level = 1 if op in "+-" else 2
    left = _wrap(node[2], line_ref, driver_ref, level)
    right = _wrap(node[3], line_ref, driver_ref, level + 1)  # a - (b - c), a / (b * c) keep their brackets
    return f"{left}{op}{right}"


def _precedence(node) -> int:
    if node[0] == "bin":
        return 1 if node[1] in "+-" else 2
    if node[0] == "neg":
        return 3
    return 4


def _wrap(node, line_ref, driver_ref, minimum: int) -> str:
    text = to_excel(node, line_ref, driver_ref)
    return f"({text})" if _precedence(node) < minimum else text


# ------------------------------------------------------------------------------------------------
# The plan


@dataclass(frozen=True)
class Line:
    key: str
    statement: str
    en: str
    zh: str
    kind: str                          # data | subtotal | gap | model
    parts: tuple[str, ...] = ()        # subtotal parts, gap line included
    source: tuple | None = None        # source values, one per source year (data and printed subtotals)
    rule: tuple | None = None          # forecast expression tree (data and model lines)
    rule_text: str = ""
    printed: bool = True               # a subtotal printed in the source (False: computed only)
    memo: bool = False                 # a memo line (not part of any total)
    plug: bool = False                 # inferred by the data file (highlighted)
    note: str = ""                     # short, client-facing
    gap_of: str | None = None          # for a gap line: the subtotal it closes
    gaps: tuple = ()                   # for a gap line: the declared source gap per history year


@dataclass(frozen=True)
class Driver:
    key: str
    en: str
    zh: str
    unit: str
    values: dict                       # scenario -> list as given in the data file
    actual: tuple | None = None        # expression for the reported years (optional)
    basis: str = ""


@dataclass
class Plan:
    source_years: list[str]
    history: list[str]
    forecast: list[str]
    lines: list[Line]
    drivers: list[Driver]
    scenarios: list[str]
    roles: dict
    plug: str
    reference_label: str
    by_key: dict = field(default_factory=dict)

    @property
    def years(self) -> list[str]:
        return self.history + self.forecast

    @property
    def reference_years(self) -> list[str]:
        """Forecast years the source prints figures for (a broker's forecast)."""
        return [y for y in self.source_years if y in self.forecast]

    def statement_lines(self, statement: str) -> list[Line]:
        return [line for line in self.lines if line.statement == statement]

    def source_value(self, key: str, year: str):
        line = self.by_key[key]
        if line.source is None or year not in self.source_years:
            return None
        return line.source[self.source_years.index(year)]

    def driver(self, key: str) -> Driver:
        return next(d for d in self.drivers if d.key == key)

    def signed(self, role: str) -> list[tuple[int, str]]:
        """A list role as (sign, line key) pairs."""
        return [(-1, k[1:]) if k.startswith("-") else (1, k) for k in self.roles.get(role, [])]


def driver_path(values: list, n: int) -> list[float]:
    """A driver's values over n forecast years per the module's fade rule."""
    values = [float(v) for v in values]
    if len(values) == 1:
        return values * n
    explicit, final = values[:-1], values[-1]
    anchor, steps = explicit[-1], n - 1 - len(explicit)
    return explicit + [anchor + (final - anchor) * j / steps for j in range(1, steps + 1)] + [final]


def fade_steps(count: int, n: int) -> int:
    """Years that fade between the last explicit value and the steady state, for ``count`` values."""
    return 0 if count <= 1 else n - count


def _fail(path, message):
    raise BookError(f"data file {path}: {message}")


def plan(data: dict) -> Plan:
    """The lines, years and drivers of the data file's driver model (checked)."""
    path = data.get("_path", "")
    fc = data.get("forecast")
    if not isinstance(fc, dict):
        _fail(path, "has no [forecast] section (the forecast years, roles and plug of the driver model)")
    source_years = list(data["statements"]["years"])
    forecast = list(fc.get("years", []))
    if not forecast or not all(isinstance(y, str) for y in forecast):
        _fail(path, "forecast.years must list the forecast years, e.g. ['2025E', '2026E']")
    history = [y for y in source_years if y not in forecast]
    if not history:
        _fail(path, "the driver model needs at least one reported year before forecast.years")
    if source_years[:len(history)] != history or any(y not in forecast for y in source_years[len(history):]):
        _fail(path, "statements.years must be the reported years followed by the first forecast years")
    if len(set(forecast)) != len(forecast) or set(history) & set(forecast):
        _fail(path, "forecast.years repeats a year")
    scenarios = [case["name"] for case in data["scenarios"]]

    drivers = []
    for n, entry in enumerate(data.get("drivers", []), start=1):
        key = entry.get("key") or _fail(path, f"drivers[{n}] has no 'key'")
        unit = entry.get("unit", "percent")
        if unit not in DRIVER_UNITS:
            _fail(path, f"drivers.{key}.unit ({unit!r}) must be one of {', '.join(DRIVER_UNITS)}")
        values = {}
        for name in scenarios:
            given = entry.get(name)
            if not isinstance(given, list) or not given or len(given) > len(forecast):
                _fail(path, f"drivers.{key} needs '{name}' = 1 to {len(forecast)} values (one per forecast year, "
                            "or explicit years then the final year's value)")
            for v in given:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                    _fail(path, f"drivers.{key}.{name} holds {v!r}; every value must be a finite number")
            values[name] = list(given)
        actual = None
        if entry.get("actual"):
            try:
                actual = parse(entry["actual"], key)
            except ExpressionError as error:
                _fail(path, f"drivers.{key}.actual: {error}")
        drivers.append(Driver(key, entry.get("en", key), entry.get("zh", ""), unit, values, actual,
                              entry.get("basis", "")))
    driver_keys = {d.key for d in drivers}
    if len(driver_keys) != len(drivers):
        _fail(path, "a driver key appears twice")

    lines: list[Line] = []
    for statement in STATEMENTS:
        for raw in data[statement]:
            key = raw["key"]
            parts = tuple(raw.get("sum_of", []))
            model_line = bool(raw.get("model"))
            computed = bool(raw.get("sum_of")) and raw.get("printed", True) is False  # a total the source omits
            source = None if model_line or computed else tuple(float(v) for v in raw["values"])
            rule, rule_text = None, raw.get("forecast", "")
            if not parts:
                if not rule_text:
                    _fail(path, f"{statement}.{key} has no 'forecast' rule (an expression, or 'hold')")
                try:
                    rule = parse(rule_text, key)
                except ExpressionError as error:
                    _fail(path, f"{statement}.{key}.forecast: {error}")
            gaps = list(raw.get("source_gap") or [])
            history_gaps = gaps[:len(history)]
            if parts and any(g != 0 for g in history_gaps) and raw.get("printed", True) is not False:
                gap_key = f"{key}__source_gap"
                lines.append(Line(gap_key, statement, "Rounding / omission in the source (printed - parts)",
                                  "报告尾差", "gap", gap_of=key, gaps=tuple(history_gaps),
                                  note="printed total less the sum of its printed parts"
                                  + ("; held in forecast years" if statement == "balance_sheet" else
                                     "; 0 in forecast years")))
                parts = parts + (gap_key,)
            kind = "subtotal" if parts else ("model" if model_line else "data")
            lines.append(Line(key, statement, raw["en"], raw.get("zh", ""), kind, parts, source, rule, rule_text,
                              printed=not parts or raw.get("printed", True) is not False, memo=bool(raw.get("memo")),
                              plug=bool(raw.get("plug")), note=raw.get("label_note", "")))
    by_key = {line.key: line for line in lines}
    for line in lines:
        for node in walk(line.rule) if line.rule else ():
            if node[0] == "line" and node[1] not in by_key:
                _fail(path, f"{line.statement}.{line.key}.forecast uses unknown line '{node[1]}'")
            if node[0] == "driver" and node[1] not in driver_keys:
                _fail(path, f"{line.statement}.{line.key}.forecast uses unknown driver '${node[1]}'")
    for d in drivers:
        for node in walk(d.actual) if d.actual else ():
            if node[0] == "line" and node[1] not in by_key:
                _fail(path, f"drivers.{d.key}.actual uses unknown line '{node[1]}'")
            if node[0] == "driver":
                _fail(path, f"drivers.{d.key}.actual may use lines only, not drivers")

    roles = dict(fc.get("roles", {}))
    for role in LINE_ROLES:
        key = roles.get(role)
        if key is None:
            _fail(path, f"forecast.roles has no '{role}' (the line the valuation reads as {role})")
        if key not in by_key:
            _fail(path, f"forecast.roles.{role} names unknown line '{key}'")
    for role in LIST_ROLES:
        for key in roles.get(role, []):
            if key.lstrip("-") not in by_key:
                _fail(path, f"forecast.roles.{role} names unknown line '{key}'")
    for role in DRIVER_ROLES:
        if roles.get(role) not in driver_keys:
            _fail(path, f"forecast.roles.{role} must name a driver")
    plug = fc.get("plug")
    if plug not in by_key:
        _fail(path, "forecast.plug must name the line that balances the forecast balance sheet")
    result = Plan(source_years, history, forecast, lines, drivers, scenarios, roles, plug,
                  fc.get("reference_label", "source"), by_key)
    _order(result, path)  # refuses a rule that depends on itself within a year
    return result


def _same_year_dependencies(line: Line) -> set[str]:
    if line.kind == "subtotal":
        return set(line.parts)
    if line.rule is None:
        return set()
    return {node[1] for node in walk(line.rule) if node[0] == "line" and node[2] == 0}


def _order(p: Plan, path="") -> list[str]:
    """Line keys in an order in which every forecast cell's same-year inputs come first."""
    done, visiting, order = set(), set(), []

    def visit(key, trail):
        if key in done:
            return
        if key in visiting:
            _fail(path, "forecast rules refer to each other within a year: " + " -> ".join(trail + [key]))
        visiting.add(key)
        for dep in sorted(_same_year_dependencies(p.by_key[key])):
            visit(dep, trail + [key])
        visiting.discard(key)
        done.add(key)
        order.append(key)

    for line in p.lines:
        visit(line.key, [])
    return order


# ------------------------------------------------------------------------------------------------
# Evaluation in Python


@dataclass(frozen=True)
class Run:
    plan: Plan
    scenario: str
    values: dict            # line key -> np.ndarray over plan.years
    drivers: dict           # driver key -> np.ndarray over plan.forecast

    def line(self, key: str) -> np.ndarray:
        return self.values[key]

    def role(self, role: str) -> np.ndarray:
        return self.values[self.plan.roles[role]]

    def combined(self, role: str) -> np.ndarray:
        out = np.zeros(len(self.plan.years))
        for sign, key in self.plan.signed(role):
            out = out + sign * self.values[key]
        return out


def _printed_history(p: Plan, key: str, k: int) -> float:
    """What the source prints for ``key`` in history year k (a computed subtotal: its printed parts)."""
    line = p.by_key[key]
    if line.kind == "model":
        return 0.0
    if line.kind == "gap":
        return 0.0
    if line.kind == "subtotal" and not line.printed:
        return sum(_printed_history(p, part, k) for part in line.parts)
    return line.source[k]


def run(p: Plan, scenario: str) -> Run:
    """Every line in every model year under ``scenario``'s drivers."""
    years, n_hist, n = p.years, len(p.history), len(p.forecast)
    values = {line.key: np.zeros(len(years)) for line in p.lines}
    drivers = {d.key: np.array(driver_path(d.values[scenario], n)) for d in p.drivers}
    for k in range(n_hist):
        for key in _order(p):
            line = p.by_key[key]
            if line.kind == "data":
                values[key][k] = line.source[k]
            elif line.kind == "gap":
                total = p.by_key[line.gap_of]
                values[key][k] = total.source[k] - sum(
                    _printed_history(p, part, k) for part in total.parts if part != key)
            elif line.kind == "subtotal":
                values[key][k] = sum(values[part][k] for part in line.parts)
    order = _order(p)
    for j in range(n):
        k = n_hist + j
        for key in order:
            line = p.by_key[key]
            if line.kind == "subtotal":
                values[key][k] = sum(values[part][k] for part in line.parts)
            elif line.kind == "gap":  # a stock keeps the source's rounding; a flow has none
                values[key][k] = values[key][k - 1] if line.statement == "balance_sheet" else 0.0
            else:
                values[key][k] = evaluate(line.rule, lambda name, lag: values[name][k - lag],
                                          lambda name: drivers[name][j])
    return Run(p, scenario, values, drivers)


def actual_ratio(p: Plan, r: Run, driver: Driver, k: int) -> float | None:
    """A driver's value in reported year k, from its ``actual`` expression (None where not defined)."""
    if driver.actual is None:
        return None
    lagged = [node for node in walk(driver.actual) if node[0] == "line" and node[2]]
    if k == 0 and lagged:
        return None
    try:
        return evaluate(driver.actual, lambda name, lag: r.values[name][k - lag], lambda name: 0.0)
    except BookError:
        return None
