"""The hidden xlwings.conf sheet: which Python module serves the KC_* functions."""

from __future__ import annotations

from workbook.template.layout import UDF_MODULE, Model, Writer


def write_xlwings_conf(w: Writer, model: Model) -> None:
    # xlwings reads key/value pairs from columns A and B of a sheet with this name.
    w.ws.write(0, 0, "UDF Modules")
    w.ws.write(0, 1, UDF_MODULE)
    w.ws.hide()
