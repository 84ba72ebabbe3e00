"""positions reads many cell references at once: the same (row, column) as position for each, and the same
error for a malformed one."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.calc.fast_engine import position, positions
from workbook.errors import BookError
from workbook.xlsx import references as pkg

plain = st.builds(lambda c, r: f"{pkg.column_letters(c)}{r}", st.integers(1, 16_384), st.integers(1, 1_048_576))
odd = st.sampled_from(["$A$1", "A01", "ZZZ9", "B$2", "$C3"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(plain, plain, odd), max_size=40))
def test_positions_are_position_of_each(refs):
    rows, cols = positions(refs)
    assert list(zip(rows, cols)) == [position(ref) for ref in refs]


def test_a_malformed_reference_gives_positions_error():
    with pytest.raises(BookError, match="bad cell reference 'A1B'"):
        positions(["A1", "A1B"])


def test_a_row_too_long_to_convert_is_named_not_a_crash():
    ref = "A" + "9" * 5000
    with pytest.raises(BookError, match=r"A9{15}\.\.\. is a cell reference with a row of 5,000 digits"):
        position(ref)
    with pytest.raises(BookError, match=r"a row of 5,000 digits"):
        positions(["A1", ref])


@pytest.mark.parametrize("refs", [["A1\nB2", ""], ["", "A1\nB2"], ["A1\nB2", "", "C3"]])
def test_a_reference_holding_a_line_end_is_not_read_as_two(refs):
    # Joined by line ends, "A1\nB2" and "" would read as A1 and B2; each is read on its own instead.
    with pytest.raises(BookError, match="bad cell reference"):
        positions(refs)
