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


def load_company(path: str | Path | None = None) -> dict:
    path = Path(path) if path is not None else default_data_path()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise BookError(f"data file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise BookError(f"data file {path} is not valid TOML: {error}") from None
    check_company(data, path)
    data["_path"] = str(path)
    return data


def _need(data: dict, key: str, where: str, path: Path):
    if key not in data:
        raise BookError(f"data file {path}: {where} has no '{key}'")
    return data[key]


def _number(value, where: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BookError(f"data file {path}: {where} ({value!r}) must be a finite number")
    return float(value)


def check_company(data: dict, path: Path) -> None:
    """Structure and numbers, so that every later failure is about finance, not a typo."""
    company = _need(data, "company", "the file", path)
    _need(company, "name_en", "[company]", path)
    years = _need(_need(data, "statements", "the file", path), "years", "[statements]", path)
    if not years or not all(isinstance(y, str) for y in years):
        raise BookError(f"data file {path}: statements.years must be a list of labels such as '2024A'")
    keys: set[str] = set()
    for statement in STATEMENTS:
        for n, line in enumerate(_need(data, statement, "the file", path), start=1):
            where = f"{statement} line {n}"
            key = _need(line, "key", where, path)
            where = f"{statement}.{key}"
            if key in keys:
                raise BookError(f"data file {path}: line key '{key}' appears twice")
            keys.add(key)
            _need(line, "en", where, path)
            values = _need(line, "values", where, path)
            if len(values) != len(years):
                raise BookError(f"data file {path}: {where} has {len(values)} values for {len(years)} years")
            for year, value in zip(years, values):
                _number(value, f"{where} {year}", path)
            gap = line.get("source_gap", [])
            if gap and len(gap) != len(years):
                raise BookError(f"data file {path}: {where}.source_gap has {len(gap)} values for {len(years)} years")
    for statement in STATEMENTS:
        for line in data[statement]:
            for part in line.get("sum_of", []):
                if part not in keys:
                    raise BookError(f"data file {path}: {statement}.{line['key']} sums unknown line '{part}'")
    valuation = _need(data, "valuation", "the file", path)
    for key in ("price", "shares", "net_debt", "fx", "live_scenario", "rating_scale"):
        _need(valuation, key, "[valuation]", path)
    names = []
    for n, case in enumerate(_need(data, "scenarios", "the file", path), start=1):
        where = f"scenarios[{n}]"
        names.append(_need(case, "name", where, path))
        for key in ("base_revenue_m", "wacc", "terminal_growth"):
            _number(_need(case, key, where, path), f"{where}.{key}", path)
        if len(_need(case, "fcf_margin", where, path)) != len(_need(case, "growth", where, path)) + 1:
            raise BookError(f"data file {path}: {where} needs one more fcf_margin than growth rates")
    if valuation["live_scenario"] not in names:
        raise BookError(f"data file {path}: valuation.live_scenario '{valuation['live_scenario']}' "
                        f"is not one of the scenarios ({', '.join(names)})")
