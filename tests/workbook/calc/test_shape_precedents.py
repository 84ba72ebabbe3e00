"""The precedents of many cells of one formula shape found together (formulas_in_each) are exactly what
formulas_in finds for each cell alone: the counted tables only decide which cells need the look."""

from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.calc.fast_engine import _FormulaIndex
from workbook.calc.grammar import place_area

coordinate = st.tuples(st.sampled_from(["S", "T"]), st.integers(1, 40), st.integers(1, 12))
end = st.tuples(st.booleans(), st.integers(-6, 40), st.booleans(), st.integers(-4, 12))


def legal(ends, keys):
    """Ends whose placed corners stay on the sheet for every key (as a compiled shape's do)."""
    for key in keys:
        r1, c1, r2, c2 = place_area(ends, key[1], key[2])
        if r1 < 1 or c1 < 1:
            return False
    return True


@settings(max_examples=400, deadline=None)
@given(st.lists(coordinate, min_size=1, max_size=80, unique=True), st.data())
def test_formulas_in_each_is_formulas_in_of_each(formulas, data):
    nodes = {key: None for key in formulas}
    members = {}
    for key in data.draw(st.lists(coordinate, max_size=10, unique=True)):
        if key not in nodes:
            members[key] = formulas[0]           # a cell of an array formula's range
    index = _FormulaIndex(nodes, members)
    keys = [key for key in formulas if key[0] == "S"] or [("S", 20, 6)]
    keys += [("S", r, 6) for r in range(1, 25)]    # enough cells to take the counted path
    keys = list(dict.fromkeys(keys))
    areas = []
    for _ in range(data.draw(st.integers(1, 3))):
        ends = tuple(data.draw(st.lists(end, min_size=1, max_size=2)))
        if legal(ends, keys):
            areas.append((data.draw(st.sampled_from(["S", "T"])), ends))
    out = {}
    index.formulas_in_each(tuple(areas), keys, out)
    for key in keys:
        assert out[key] == index.formulas_in([(sheet, place_area(ends, key[1], key[2])) for sheet, ends in areas])


def test_a_row_past_int64_is_read_one_by_one():
    # $A$99999999999999999999 does not fit the counted tables' int64: each cell is looked up alone, as before.
    keys = [("S", r, 2) for r in range(1, 21)]
    index = _FormulaIndex({key: None for key in keys}, {})
    for ends in (((True, 99999999999999999999, True, 1),), ((False, 99999999999999999999, False, -1),)):
        out = {}
        index.formulas_in_each((("S", ends),), keys, out)
        assert out == {key: [] for key in keys}
    huge = ("S", 99999999999999999999, 2)                  # a formula cell there too
    index = _FormulaIndex({key: None for key in keys + [huge]}, {})
    out = {}
    index.formulas_in_each((("S", ((False, 0, False, -1),)),), keys + [huge], out)
    assert out == {key: [] for key in keys + [huge]}
