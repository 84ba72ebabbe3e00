"""The Excel-side refresh, against a stand-in for xlwings' Book built from a real template's names."""

import pytest

from addin.excel_refresh import RefreshError, names_of, refresh
from workbook.company import load_company
from workbook.xlsx.book import Workbook
from workbook.xlsx.references import range_cells


class Name:
    def __init__(self, name, refers_to):
        self.name, self.refers_to = name, refers_to


CONTENTS = {}  # (sheet, cell) -> what the stand-in workbook holds


class Range:
    def __init__(self, sheet, ref, log):
        self.sheet, self.ref, self.log = sheet, ref, log

    @property
    def value(self):
        return CONTENTS.get((self.sheet, self.ref))

    @value.setter
    def value(self, v):
        self.log.append((self.sheet, self.ref, v))

    def __iter__(self):  # xlwings' Range iterates over its cells, row by row
        return iter([Range(self.sheet, ref, self.log) for ref in range_cells(self.ref)])


class Sheet:
    def __init__(self, name, log):
        self.name, self.log = name, log

    def range(self, ref):
        return Range(self.name, ref, self.log)


class Book:
    def __init__(self, names):
        self.log, self.calculated = [], 0
        self.names = [Name(n, f"='{s}'!${r.split(':')[0][0]}${r.split(':')[0][1:]}" if ":" not in r else
                           f"='{s}'!{r}") for n, (s, r) in names.items()]
        self.sheets = _Sheets(self.log)
        self.app = self

    def calculate(self):
        self.calculated += 1


class _Sheets:
    def __init__(self, log):
        self.log = log

    def __getitem__(self, name):
        return Sheet(name, self.log)


def test_refresh_writes_every_named_input_then_recalculates(built_book):
    names = Workbook.open(built_book).names
    book = Book(names)
    assert names_of(book)["Price"] == names["Price"]
    written = refresh(book)
    data = load_company()
    assert book.calculated == 1
    assert written == len(book.log) > 250
    sheet, ref = names["Price"]
    assert (sheet, ref, data["valuation"]["price"]) in book.log
    sheet, ref = names["Line_revenue"]
    first = ref.split(":")[0]
    assert (sheet, first, data["income_statement"][0]["values"][0]) in book.log


def test_refresh_with_a_missing_data_file_says_so(built_book, tmp_path):
    book = Book(Workbook.open(built_book).names)
    with pytest.raises(RefreshError, match="does not exist"):
        refresh(book, str(tmp_path / "nope.toml"))


def test_the_data_file_named_in_the_workbook_is_used(built_book, tmp_path, monkeypatch):
    names = Workbook.open(built_book).names
    assert "DataFile" in names
    monkeypatch.setitem(CONTENTS, names["DataFile"], str(tmp_path / "analyst_data.toml"))
    with pytest.raises(RefreshError, match="analyst_data.toml does not exist"):
        refresh(Book(names))
