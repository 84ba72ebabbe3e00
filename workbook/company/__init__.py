"""A company's data file: statements, market data and valuation assumptions (TOML, human-edited).

``load_company`` reads and checks it; the rest of the product takes the returned dict. The schema is
the one of ``workbook/data/kc.toml`` (the embedded default, Kingsoft Cloud): ``statements.years``;
``income_statement``, ``balance_sheet`` and ``cash_flow`` as lists of lines (key, en, zh, values one per
year, sum_of for subtotals, source_gap where the source itself does not tie); ``scenarios``;
``valuation`` (the live assumptions the model uses).
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from workbook.errors import BookError

STATEMENTS = ("income_statement", "balance_sheet", "cash_flow")
DEFAULT_DATA = "kc.toml"


def default_data_path() -> Path:
    return Path(str(resources.files("workbook.company") / "data" / DEFAULT_DATA))


MAX_DATA_BYTES = 16 * 1024 * 1024


def read_data(path: str | Path) -> dict:
    """A data file's TOML as a dict, or a one-line BookError: missing, a directory or device, too large,
    not UTF-8, not TOML."""
    from workbook.xlsx.package import open_regular

    path = Path(path)
    with open_regular(path, "data file") as handle:
        raw = handle.read(MAX_DATA_BYTES + 1)
    if len(raw) > MAX_DATA_BYTES:
        raise BookError(f"data file {path} is larger than {MAX_DATA_BYTES:,} bytes; not a company data file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BookError(f"data file {path} is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
                        f"{error.start}); save it as UTF-8") from None
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as error:
        raise BookError(f"data file {path} is not valid TOML: {error}") from None


def load_company(path: str | Path | None = None) -> dict:
    """A complete data file (what ``kc build`` and ``kc value`` need), checked."""
    path = Path(path) if path is not None else default_data_path()
    data = read_data(path)
    check_company(data, path)
    data["_path"] = str(path)
    return data


def load_data_file(path: str | Path) -> dict:
    """A data file for ``--data``: complete or partial (only some keys). Whatever it gives is checked; what
    it leaves out is not required."""
    path = Path(path)
    data = read_data(path)
    check_partial(data, path)
    data["_path"] = str(path)
    return data


def _need(data: dict, key: str, where: str, path: Path):
    if key not in data:
        raise BookError(f"data file {path}: {where} has no '{key}'")
    return data[key]


def _type_name(value) -> str:
    return {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _table(value, where: str, path: Path) -> dict:
    if not isinstance(value, dict):
        raise BookError(f"data file {path}: {where} must be a table ([{where}]), not {_type_name(value)}")
    return value


def _tables(value, where: str, path: Path) -> list:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BookError(f"data file {path}: {where} must be a list of tables ([[{where}]])")
    return value


def _text(value, where: str, path: Path) -> str:
    if not isinstance(value, str):
        raise BookError(f"data file {path}: {where} ({value!r}) must be text")
    return value


def _numbers(value, where: str, path: Path) -> list:
    if not isinstance(value, list):
        raise BookError(f"data file {path}: {where} must be a list of numbers, not {_type_name(value)}")
    for k, item in enumerate(value, start=1):
        _number(item, f"{where}[{k}]", path)
    return value


def _number(value, where: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BookError(f"data file {path}: {where} ({value!r}) must be a finite number")
    return float(value)


def _check_line(line: dict, where: str, path: Path, years: list | None) -> str:
    key = _text(_need(line, "key", where, path), f"{where}.key", path)
    where = where.split(" line")[0] + f".{key}"
    if "en" in line:
        _text(line["en"], f"{where}.en", path)
    if "values" in line:
        values = _numbers(line["values"], f"{where}.values", path)
        if years is not None and len(values) != len(years):
            raise BookError(f"data file {path}: {where} has {len(values)} values for {len(years)} years")
    gap = line.get("source_gap", [])
    if gap:
        _numbers(gap, f"{where}.source_gap", path)
        if years is not None and len(gap) != len(years):
            raise BookError(f"data file {path}: {where}.source_gap has {len(gap)} values for {len(years)} years")
    if not isinstance(line.get("sum_of", []), list):
        raise BookError(f"data file {path}: {where}.sum_of must be a list of line keys")
    return key


def check_inputs(data: dict, path: Path) -> None:
    """Every value the data file gives a named input, by the rules of ``workbook.company.rules`` (the ones
    the KC functions apply): no NaN price, negative share count, text price or TRUE exchange rate."""
    from kcfuncs.errors import KCInputError
    from workbook.company import rules
    from workbook.company.inputs import input_sources

    for name, (value, where) in input_sources(data).items():
        kind = rules.kind_of(name)
        if kind is None:
            continue
        try:
            if isinstance(value, list):
                for k, item in enumerate(value, start=1):
                    rules.from_data(f"{where}[{k}]", kind, item)
            else:
                rules.from_data(where, kind, value)
        except KCInputError as error:
            raise BookError(f"data file {path}: {error}") from None


def check_partial(data: dict, path: Path) -> None:
    """The parts a data file gives, each of the right shape and every input value valid."""
    if "company" in data:
        _table(data["company"], "company", path)
    years = None
    if "statements" in data:
        statements = _table(data["statements"], "statements", path)
        if "years" in statements:
            years = statements["years"]
            if not isinstance(years, list) or not years or not all(isinstance(y, str) for y in years):
                raise BookError(f"data file {path}: statements.years must be a list of labels such as '2024A'")
    for statement in STATEMENTS:
        if statement in data:
            for n, line in enumerate(_tables(data[statement], statement, path), start=1):
                _check_line(line, f"{statement} line {n}", path, years)
    for section in ("valuation", "market_000", "market_002"):
        if section in data:
            _table(data[section], section, path)
    if "multiple" in data.get("valuation", {}):
        _table(data["valuation"]["multiple"], "valuation.multiple", path)
    if "scenarios" in data:
        for n, case in enumerate(_tables(data["scenarios"], "scenarios", path), start=1):
            _text(_need(case, "name", f"scenarios[{n}]", path), f"scenarios[{n}].name", path)
    check_inputs(data, path)


def check_company(data: dict, path: Path) -> None:
    """Structure and numbers, so that every later failure is about finance, not a typo."""
    company = _table(_need(data, "company", "the file", path), "company", path)
    _text(_need(company, "name_en", "[company]", path), "company.name_en", path)
    statements = _table(_need(data, "statements", "the file", path), "statements", path)
    years = _need(statements, "years", "[statements]", path)
    if not isinstance(years, list) or not years or not all(isinstance(y, str) for y in years):
        raise BookError(f"data file {path}: statements.years must be a list of labels such as '2024A'")
    keys: set[str] = set()
    for statement in STATEMENTS:
        for n, line in enumerate(_tables(_need(data, statement, "the file", path), statement, path), start=1):
            where = f"{statement} line {n}"
            key = _check_line(line, where, path, years)
            if key in keys:
                raise BookError(f"data file {path}: line key '{key}' appears twice")
            keys.add(key)
            _need(line, "en", f"{statement}.{key}", path)
            if not line.get("model"):  # a driver model's own line (workbook.company.forecast) has no source values
                _need(line, "values", f"{statement}.{key}", path)
    for statement in STATEMENTS:
        for line in data[statement]:
            for part in line.get("sum_of", []):
                if part not in keys:
                    raise BookError(f"data file {path}: {statement}.{line['key']} sums unknown line '{part}'")
    valuation = _table(_need(data, "valuation", "the file", path), "valuation", path)
    for key in ("price", "shares", "net_debt", "fx", "live_scenario", "rating_scale"):
        _need(valuation, key, "[valuation]", path)
    for section in ("market_000", "market_002"):
        if section in data:
            _table(data[section], section, path)
    names = []
    for n, case in enumerate(_tables(_need(data, "scenarios", "the file", path), "scenarios", path), start=1):
        where = f"scenarios[{n}]"
        names.append(_text(_need(case, "name", where, path), f"{where}.name", path))
        for key in ("base_revenue_m", "wacc", "terminal_growth"):
            _number(_need(case, key, where, path), f"{where}.{key}", path)
        growth = _numbers(_need(case, "growth", where, path), f"{where}.growth", path)
        margins = _numbers(_need(case, "fcf_margin", where, path), f"{where}.fcf_margin", path)
        if len(margins) != len(growth) + 1:
            raise BookError(f"data file {path}: {where} needs one more fcf_margin than growth rates")
        if case["wacc"] <= case["terminal_growth"]:
            raise BookError(f"data file {path}: {where} ({case['name']}): wacc ({case['wacc']:.2%}) must exceed "
                            f"terminal_growth ({case['terminal_growth']:.2%})")
    if len(set(names)) != len(names):
        raise BookError(f"data file {path}: two scenarios share a name ({', '.join(names)})")
    if valuation["live_scenario"] not in names:
        raise BookError(f"data file {path}: valuation.live_scenario '{valuation['live_scenario']}' "
                        f"is not one of the scenarios ({', '.join(names)})")
    if "multiple" in valuation:
        multiple = _table(valuation["multiple"], "valuation.multiple", path)
        for key in ("multiple", "count", "ads_fx", "price"):
            _number(_need(multiple, key, "[valuation.multiple]", path), f"valuation.multiple.{key}", path)
        if _need(multiple, "metric_key", "[valuation.multiple]", path) not in keys:
            raise BookError(f"data file {path}: valuation.multiple.metric_key '{multiple['metric_key']}' is not a "
                            f"statement line")
        if _need(multiple, "metric_year", "[valuation.multiple]", path) not in years:
            raise BookError(f"data file {path}: valuation.multiple.metric_year '{multiple['metric_year']}' is not "
                            f"one of the years ({', '.join(years)})")
        _need(multiple, "rating_scale", "[valuation.multiple]", path)
    check_inputs(data, path)
