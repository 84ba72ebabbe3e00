"""The valuation core: pure functions over numbers and numpy arrays.

No Excel, no xlwings, no file I/O here. Every function checks its arguments and raises
``KCInputError`` with a one-line message naming the argument and its value.
"""

from kcfuncs.bridge import EquityBridge, equity_bridge
from kcfuncs.cost_of_capital import cost_of_equity, wacc
from kcfuncs.dcf import OUTPUTS, DCFResult, dcf_valuation
from kcfuncs.dcf_batch import dcf_batch
from kcfuncs.discounting import (CONVENTIONS, discount_factors, discount_times, present_value, rate_path,
                                 terminal_time)
from kcfuncs.errors import KCInputError
from kcfuncs.free_cash_flow import fcff
from kcfuncs.multiples import implied_multiple, multiple_target
from kcfuncs.projection import fcf_path, revenue_path
from kcfuncs.rating import SCALES, rating, rating_for_upside, upside
from kcfuncs.reverse import implied_margin_shift, implied_wacc
from kcfuncs.scenarios import weighted_value
from kcfuncs.sensitivity import sensitivity_grid
from kcfuncs.terminal import (METHODS, exit_multiple_terminal_value, gordon_terminal_value, implied_exit_multiple,
                              implied_terminal_growth, terminal_value, value_driver_terminal_value)

__all__ = [
    "CONVENTIONS", "METHODS", "OUTPUTS", "SCALES", "DCFResult", "EquityBridge", "KCInputError", "cost_of_equity",
    "dcf_batch", "dcf_valuation", "discount_factors", "discount_times", "equity_bridge", "exit_multiple_terminal_value",
    "fcf_path", "fcff", "gordon_terminal_value", "implied_exit_multiple", "implied_margin_shift",
    "implied_multiple", "implied_terminal_growth", "implied_wacc", "multiple_target", "present_value",
    "rate_path", "rating", "rating_for_upside", "revenue_path", "sensitivity_grid", "terminal_time",
    "terminal_value", "upside", "value_driver_terminal_value", "wacc", "weighted_value",
]
