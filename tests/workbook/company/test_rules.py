"""The rules for named inputs: text as typed and data-file values, checked as the KC functions check them."""

import datetime as dt

import pytest

from kcfuncs.errors import KCInputError
from workbook.company import rules


@pytest.mark.parametrize("name, kind", [
    ("Price", rules.POSITIVE), ("NetDebt", rules.NUMBER), ("ValuationDate", rules.DATE),
    ("Case_bear_WACC", rules.RATE), ("Case_my case_Margins", rules.RATE), ("Case_base_Revenue", rules.POSITIVE),
    ("Line_revenue", rules.NUMBER), ("Sens_WACC_Step", rules.POSITIVE),
    ("Case_base_TaxRate", rules.RATE), ("EquityRiskPremium", rules.RATE),   # named like rates: rates
    ("ADS_Ratio", rules.POSITIVE), ("Beta", None),
])
def test_kinds_by_name(name, kind):
    assert rules.kind_of(name) is kind


@pytest.mark.parametrize("kind, text, expected", [
    (rules.RATE, "11%", 0.11), (rules.RATE, "0.11", 0.11), (rules.RATE, "(1.5%)", -0.015),
    (rules.POSITIVE, "1,234.5", 1234.5), (rules.NUMBER, "-161.8", -161.8), (rules.NONNEGATIVE, "0", 0.0),
    (rules.DATE, "2025-12-31", 46022.0), (rules.CONVENTION, "Mid-Year", "mid"), (rules.TEXT, "", ""),
    (rules.RATING_SCALE, "ow_uw", "overweight_underweight"),
])
def test_text_as_typed(kind, text, expected):
    assert rules.from_text("X", kind, text) == expected


@pytest.mark.parametrize("kind, text, message", [
    (rules.RATE, "11", "X (11) would be 1100.0%; write 11% or 0.11"),
    (rules.RATE, "-100%", "X (-100.0%) must be above -100%"),
    (rules.POSITIVE, "nan", "X ('nan') must be a number"),
    (rules.POSITIVE, "inf", "X ('inf') must be a number"),
    (rules.POSITIVE, "-1", "X (-1) must be greater than zero"),
    (rules.NUMBER, "", "X is empty; a number is required"),
    (rules.NONNEGATIVE, "-0.5", "X (-0.5) must not be negative"),
    (rules.DATE, "31/12/2025", "X ('31/12/2025') must be a date such as 2026-12-31"),
    (rules.CONVENTION, "xirr", "X ('xirr') must be one of: end, mid, dated"),
])
def test_text_refused_in_one_line(kind, text, message):
    with pytest.raises(KCInputError) as error:
        rules.from_text("X", kind, text)
    assert str(error.value) == message


def test_the_books_own_list_decides_options():
    assert rules.from_text("Scenario", rules.SCENARIO, "BULL", ["bear", "base", "bull"]) == "bull"
    with pytest.raises(KCInputError, match=r"Convention \('dated'\) must be one of: end, mid"):
        rules.from_text("Convention", rules.CONVENTION, "dated", ["end", "mid"])


@pytest.mark.parametrize("value, message", [
    (float("nan"), "must be a finite number"), (True, "must be a number"), ("8.30", "must be a number"),
    (-3, "must be greater than zero"), (None, "must be a number"),
])
def test_data_values_refused(value, message):
    with pytest.raises(KCInputError, match=message):
        rules.from_data("valuation.price", rules.POSITIVE, value)


def test_data_dates_and_text():
    assert rules.from_data("d", rules.DATE, dt.date(2025, 9, 16)) == 45916.0
    assert rules.from_data("d", rules.DATE, "2025-09-16") == 45916.0
    with pytest.raises(KCInputError, match="must be text"):
        rules.from_data("t", rules.TEXT, 2025)


def test_shown_as_the_analyst_reads_it():
    assert rules.shown(rules.RATE, 0.105) == "10.5%"
    assert rules.shown(rules.DATE, 45916.0) == "2025-09-16"
    assert rules.shown(rules.NUMBER, 4099.28) == "4,099.28"
    assert rules.shown(rules.TEXT, "base") == "'base'"
    assert rules.shown(None, None) == "empty"


def test_cross_checks_only_what_a_change_touches():
    standing = {"Case_bear_WACC": 0.02, "Case_bear_TerminalGrowth": 0.03,      # already wrong in the book
                "Case_base_WACC": 0.105, "Case_base_TerminalGrowth": 0.03}
    rules.check_scenarios(standing, touched={"Case_base_WACC"})                 # not this change's doing
    with pytest.raises(KCInputError, match=r"Case_bear_WACC \(2.0%\) must exceed Case_bear_TerminalGrowth"):
        rules.check_scenarios(standing, touched={"Case_bear_TerminalGrowth"})
    with pytest.raises(KCInputError, match="W52_Low .* must not exceed W52_High"):
        rules.check_scenarios({"W52_Low": 20.0, "W52_High": 10.0}, touched={"W52_High"})
