"""cell_keys reads many references at once as one number each: distinct references, distinct numbers,
each the row and column split_cell reads; anything else is None (then callers compare the texts)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.xlsx.references import KEY_COLUMNS, cell_keys, column_letters, split_cell

plain = st.builds(lambda c, r: f"{column_letters(c)}{r}", st.integers(1, 18_278), st.integers(0, 999_999_999))


@settings(max_examples=300, deadline=None)
@given(st.lists(plain, max_size=40))
def test_keys_are_the_row_and_column_of_each(refs):
    keys = cell_keys(refs).tolist()
    assert keys == [r * KEY_COLUMNS + c for r, c in map(split_cell, refs)]
    assert len(set(keys)) == len(set(refs))


@pytest.mark.parametrize("refs", [["A1", "$A$1"], ["A1", "A1B"], ["A1\nB2", ""], ["AAAA1"], ["A1234567890"], ["a1"],
                                  ["A"], ["1"], [""]])
def test_a_reference_not_plain_gives_none(refs):
    assert cell_keys(refs) is None


def test_no_reference():
    assert cell_keys([]).tolist() == []
