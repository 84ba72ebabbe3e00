"""A refresh rewrites what charts keep of the cells they plot, so viewers that do not recalculate draw the
new numbers; nothing else of a chart part changes."""

import re
import zipfile

from workbook.commands.refresh import refresh_book
from workbook.xlsx.book import Workbook
from workbook.xlsx.chart_caches import area_cells, chart_parts


def chart_points(path) -> dict:
    """{(chart part, formula): [(idx, text)]} of every number cache in the book's charts."""
    book = Workbook.open(path)
    found = {}
    for part in chart_parts(book):
        data = book.part(part).decode()
        for formula, cache in re.findall(r"<c:f>([^<]*)</c:f><c:numCache>(.*?)</c:numCache>", data):
            found[(part, formula)] = re.findall(r'<c:pt idx="(\d+)"><c:v>([^<]*)</c:v>', cache)
    return found


def test_a_scenario_change_redraws_the_football_field_in_the_cached_chart(book_copy):
    before = chart_points(book_copy)
    assert before, "the template has a chart with number caches"
    refresh_book(book_copy, assignments=["Scenario=bull", "Price=9.99"])
    after = chart_points(book_copy)
    book = Workbook.open(book_copy)
    changed = 0
    for (part, formula), points in after.items():
        sheet, cells = area_cells(book, formula.replace("&apos;", "'"))
        for idx, text in points:
            stored = book.value(sheet, cells[int(idx)])
            assert abs(float(text) - stored) <= 1e-9 * max(1.0, abs(stored)), (formula, idx, text, stored)
        changed += points != before[(part, formula)]
    assert changed, "no chart cache followed the new values"


def test_only_the_points_of_a_chart_part_change(book_copy):
    with zipfile.ZipFile(book_copy) as z:
        old = {n: z.read(n) for n in z.namelist() if n.startswith("xl/charts/")}
    refresh_book(book_copy, assignments=["Price=9.99"])
    with zipfile.ZipFile(book_copy) as z:
        new = {n: z.read(n) for n in z.namelist() if n.startswith("xl/charts/")}
    assert old.keys() == new.keys()
    strip = re.compile(rb"<c:pt idx=\"\d+\"><c:v>[^<]*</c:v></c:pt>")
    for name in old:
        assert strip.sub(b"", old[name]) == strip.sub(b"", new[name]), name
