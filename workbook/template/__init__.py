"""The model workbook: a company's statements and a valuation driven by KC_* formulas.

``write_template`` lays the sheets out with XlsxWriter from a company data file (``workbook.company``);
``workbook.commands.build`` then fills every formula's cached value. Every input is a defined name on the
Assumptions sheet; nothing volatile (OFFSET, INDIRECT, TODAY, NOW, RAND) sits upstream of a KC_* cell.

One module per sheet (``summary``, ``assumptions``, ``dcf``, ...), sharing ``layout`` and ``styles``.
Sheets: Summary, Assumptions, DCF, Sensitivity, Rating, Comps, Income Statement, Balance Sheet,
Cash Flow, Checks, Self-check, About, xlwings.conf.
"""

from __future__ import annotations

import xlsxwriter

from workbook.company import STATEMENTS
from workbook.template.about import write_about
from workbook.template.assumptions import write_assumptions
from workbook.template.checks import write_checks
from workbook.template.comps import write_comps
from workbook.template.dcf import write_dcf
from workbook.template.layout import SHEET_ORDER, STATEMENT_SHEETS, Model, Writer, localiser
from workbook.template.rating import write_rating
from workbook.template.self_check import write_self_check
from workbook.template.sensitivity import write_sensitivity
from workbook.template.statements import add_tie_out_checks, write_statement
from workbook.template.styles import make_formats
from workbook.template.summary import write_summary
from workbook.template.xlwings_conf import write_xlwings_conf


def write_template(data: dict, path: str) -> Model:
    """Lay the workbook out at ``path`` (formulas carry placeholder cached values)."""
    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"title": f"{data['company']['name_en']} valuation model", "company": "KC valuation add-in",
                         "comments": "Built by `kc build`; cached values computed by the KC core."})
    formats = make_formats(book)
    model = Model(data, list(data["statements"]["years"]))
    localise = localiser(data["valuation"])
    writers = {name: Writer(book, formats, name, localise) for name in SHEET_ORDER}
    for statement in STATEMENTS:
        write_statement(writers[STATEMENT_SHEETS[statement][0]], model, statement)
    add_tie_out_checks(model)
    write_assumptions(writers["Assumptions"], model)
    write_dcf(writers["DCF"], model)
    write_sensitivity(writers["Sensitivity"], model)
    write_comps(writers["Comps"], model)
    write_rating(writers["Rating"], model)
    write_self_check(writers["Self-check"], model)
    write_checks(writers["Checks"], model)
    write_summary(writers["Summary"], model)
    write_about(writers["About"], model)
    write_xlwings_conf(writers["xlwings.conf"], model)
    for writer in writers.values():
        writer.ws.set_paper(9)
        if writer.name == "Summary":  # its chart floats right of the tables
            writer.ws.print_area(0, 0, max(writer.extent[0], 24), 16)
        elif writer.name not in ("xlwings.conf", "Checks"):
            # Checks has none: LibreOffice 7.4 aborts its PDF export when that sheet has a print area too.
            writer.ws.print_area(0, 0, *writer.extent)
        if writer.name != "Summary":
            writer.ws.set_landscape()
            writer.ws.fit_to_pages(1, 0)
    writers["Summary"].ws.activate()
    book.close()
    return model
