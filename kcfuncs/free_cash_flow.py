"""Free cash flow to the firm, year by year, from operating line items.

FCFF_k = EBIT_k * (1 - t_k) + D&A_k - capex_k - change in NWC_k

Sign conventions, all amounts as an analyst types them from a forecast table:

* ``ebit``: operating profit before interest and tax; a loss is negative (and then EBIT * (1 - t) is a
  tax credit, i.e. the loss is assumed to shelter other profit).
* ``d_and_a``: depreciation and amortisation as a positive number (a non-cash charge added back).
* ``capex``: capital expenditure as a positive number *spent*; a negative capex means net disposals.
  Cash-flow statements print capex in parentheses: enter it without the minus sign.
* ``change_in_nwc``: the increase in net working capital as a positive number (it absorbs cash, so
  it reduces FCFF); a release of working capital is negative.
* ``tax_rate``: one rate for every year or one rate per year, at least 0 and below 1.

Every array holds one value per forecast year, in the same order and length.
"""

from __future__ import annotations

import numpy as np

from kcfuncs.errors import KCInputError
from kcfuncs.validation import finite_array, unit_fraction


def _same_length(name: str, values: np.ndarray, years: int) -> np.ndarray:
    if len(values) != years:
        raise KCInputError(f"{name} has {len(values)} value(s) but ebit has {years} years")
    return values


def _tax_rates(tax_rate, years: int) -> np.ndarray:
    """One tax rate per year, from one rate or one per year."""
    if not isinstance(tax_rate, (list, tuple, np.ndarray)):
        return np.full(years, unit_fraction("tax_rate", tax_rate))
    rates = finite_array("tax_rate", tax_rate)
    if len(rates) == 1:
        return np.full(years, unit_fraction("tax_rate", rates[0]))
    _same_length("tax_rate", rates, years)
    return np.array([unit_fraction(f"tax_rate[{k + 1}]", t) for k, t in enumerate(rates.tolist())])


def fcff(ebit, tax_rate, d_and_a, capex, change_in_nwc) -> np.ndarray:
    """FCFF per year as the module docstring defines it (one value per year of ``ebit``)."""
    operating = finite_array("ebit", ebit)
    years = len(operating)
    taxes = _tax_rates(tax_rate, years)
    added_back = _same_length("d_and_a", finite_array("d_and_a", d_and_a), years)
    spent = _same_length("capex", finite_array("capex", capex), years)
    working_capital = _same_length("change_in_nwc", finite_array("change_in_nwc", change_in_nwc), years)
    with np.errstate(over="ignore", invalid="ignore"):
        flows = operating * (1.0 - taxes) + added_back - spent - working_capital
    if not np.isfinite(flows).all():
        k = int(np.flatnonzero(~np.isfinite(flows))[0])
        raise KCInputError(f"FCFF of year {k + 1} is beyond the floating-point range (about 1.8e308)")
    return flows
