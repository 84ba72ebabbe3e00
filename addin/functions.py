"""The Excel functions: the module xlwings' ``UDF Modules`` setting names (``addin.functions``).

Each KC_* function here is a fresh callable from ``addin.registry`` (declared once in ``addin.catalog``)
with xlwings' decorators applied: they attach metadata only (category, argument help), from which
*Import Functions* writes the VBA wrappers and MacroOptions. On machines without Excel the decorators
do nothing and the functions are plain callables. ``RefreshKCData`` is the workbook's reload macro.
"""

from __future__ import annotations

import xlwings as xw

from addin.catalog import CATEGORY
from addin.catalog import FUNCTIONS as DECLARATIONS
from addin.registry import excel_callable


def _decorated(declaration):
    function = excel_callable(declaration)
    for arg in reversed(declaration.args):  # the order decorators stacked in source would apply them
        # err_to_str: an error cell arrives as "#N/A" (not as None, which would read as "empty: default").
        function = xw.arg(arg.name, doc=arg.doc, err_to_str=True)(function)
    return xw.func(category=CATEGORY)(function)


for _declaration in DECLARATIONS:
    globals()[_declaration.name] = _decorated(_declaration)
del _declaration


@xw.sub
def RefreshKCData():
    """Macro: reload statements and market data from the data file into this workbook, then recalculate."""
    from addin.excel_refresh import refresh

    refresh(xw.Book.caller())
