import pytest

from workbook.xlsx import formula_columns, number_cells


@pytest.fixture(params=["one by one", "as arrays"])
def few(request, monkeypatch):
    """The cell finders' two paths: up to ``FEW`` candidates tried one by one by the expression, or every
    candidate read as arrays."""
    if request.param == "as arrays":
        monkeypatch.setattr(number_cells, "FEW", 0)
        monkeypatch.setattr(formula_columns, "FEW", 0)
    return request.param


@pytest.fixture(params=["from the tags", "from the pieces"])
def between(request, monkeypatch):
    """The two ways of reading what lies between the cells kept as columns."""
    from workbook.xlsx import cells

    monkeypatch.setattr(cells, "OTHER_TAGS_PER_COLUMN_CELL", 10 ** 9 if request.param == "from the tags" else -1)
    return request.param
