"""The model workbook: a company's three statements forecast from drivers, and its valuation.

``write_template`` lays the sheets out with XlsxWriter from a company data file (``workbook.company``)
and its driver model (``workbook.company.forecast``); ``workbook.commands.build`` then fills every
formula's cached value. Every input is a defined name; nothing volatile (OFFSET, INDIRECT, TODAY, NOW,
RAND) sits upstream of a KC_* cell. Every sheet that lays years out gives each model year the same
column.

One module per sheet, sharing ``layout`` and ``styles``. Sheets: Cover, Summary, Assumptions, Drivers,
Income Statement, Balance Sheet, Cash Flow, DCF, Scenarios, Sensitivity, Report cases, Comps, Rating,
Checks, Self-check, Change log, About, xlwings.conf.
"""

from __future__ import annotations

import xlsxwriter

from workbook.company import STATEMENTS
from workbook.company.forecast import plan
from workbook.company.house import house_view
from workbook.template.about import write_about
from workbook.template.assumptions import write_assumptions
from workbook.template.checks import write_checks
from workbook.template.comps import write_comps
from workbook.template.cover import write_change_log, write_cover
from workbook.template.dcf import write_dcf
from workbook.template.drivers import place_drivers, write_drivers
from workbook.template.layout import SHEET_ORDER, STATEMENT_SHEETS, Model, Writer, localiser
from workbook.template.rating import write_rating
from workbook.template.report_cases import write_report_cases
from workbook.template.scenarios import write_scenarios
from workbook.template.self_check import write_self_check
from workbook.template.sensitivity import write_sensitivity
from workbook.template.statements import add_tie_out_checks, place_lines, write_statement
from workbook.template.styles import make_formats
from workbook.template.summary import write_summary
from workbook.template.xlwings_conf import write_xlwings_conf

PORTRAIT = {"Cover", "Summary", "Change log", "About"}
ONE_PAGE = {"Cover", "Summary", "Sensitivity", "Rating", "Self-check", "Change log", "About", "Comps"}


def write_template(data: dict, path: str) -> Model:
    """Lay the workbook out at ``path`` (formulas carry placeholder cached values)."""
    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False})
    company = data["company"]["name_en"]
    book.set_properties({"title": f"{company} valuation model", "company": "KC valuation add-in",
                         "comments": "Built by `kc build`; cached values computed by the KC core."})
    formats = make_formats(book)
    model = Model(data, plan(data), house_view(data))
    localise = localiser(data["valuation"])
    writers = {name: Writer(book, formats, name, localise) for name in SHEET_ORDER}
    place_lines(model)
    place_drivers(model)
    write_assumptions(writers["Assumptions"], model)
    write_drivers(writers["Drivers"], model)
    for statement in STATEMENTS:
        write_statement(writers[STATEMENT_SHEETS[statement][0]], model, statement)
    add_tie_out_checks(model)
    write_dcf(writers["DCF"], model)
    write_scenarios(writers["Scenarios"], model)
    write_sensitivity(writers["Sensitivity"], model)
    write_report_cases(writers["Report cases"], model)
    write_comps(writers["Comps"], model)
    write_rating(writers["Rating"], model)
    write_self_check(writers["Self-check"], model)
    write_checks(writers["Checks"], model)
    write_summary(writers["Summary"], model)
    write_cover(writers["Cover"], model)
    write_change_log(writers["Change log"], model)
    write_about(writers["About"], model)
    write_xlwings_conf(writers["xlwings.conf"], model)
    header = f'&L&"Arial"&8{company.replace("&", "&&")} · valuation model&R&"Arial"&8&A'
    footer = (f'&L&"Arial"&8Valuation date {data["valuation"]["valuation_date"]} · for discussion only'
              f'&C&"Arial"&8Page &P of &N&R&"Arial"&8&F')
    for writer in writers.values():
        ws = writer.ws
        if writer.name == "xlwings.conf":
            continue
        ws.set_paper(9)
        ws.set_header(header, {"margin": 0.2})
        ws.set_footer(footer, {"margin": 0.2})
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        if writer.name != "Checks":  # LibreOffice 7.4 aborts its PDF export when Checks has a print area
            ws.print_area(0, 0, *writer.extent)
        if writer.name in PORTRAIT:
            ws.set_portrait()
        else:
            ws.set_landscape()
        ws.fit_to_pages(1, 1 if writer.name in ONE_PAGE else 0)
    writers["Summary"].ws.activate()
    book.close()
    return model
