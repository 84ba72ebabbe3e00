r"""The tokenizer's sheet-name class is spelt so that it compiles fast; it must match exactly what the plain
spelling [A-Za-z_\u00a1-\uffff][\w.\u00a1-\uffff]* matches."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.calc import grammar

PLAIN_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_\u00a1-\uffff][\w.\u00a1-\uffff]*)"
PLAIN = re.compile(grammar._TOKEN.pattern.replace(grammar._SHEET, PLAIN_SHEET), grammar._TOKEN.flags)
ALPHABET = list("aZ_.!'$:1 09(),;{}\"#&+-*/^<>=%[]") + ["\u00a0", "\u00a1", "é", "中", "\uffff", "😀",
                                                       "\U00010000", "٣", "ß", "Ω"]


def tokens(pattern, text):
    return [(m.lastgroup, m.group()) for m in iter(pattern.scanner(text).match, None)]


def test_the_plain_spelling_was_replaced():
    assert PLAIN.pattern != grammar._TOKEN.pattern


@settings(max_examples=3000)
@given(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=16).map("".join))
def test_same_tokens_as_the_plain_spelling(text):
    assert tokens(grammar._TOKEN, text) == tokens(PLAIN, text)


def test_sheet_names_beyond_latin():
    for text in ["Données!A1", "中文!B2:C3", "Ω.1!A1", "\uffff!A1", "😀!A1", "\u00a0!A1"]:
        assert tokens(grammar._TOKEN, text) == tokens(PLAIN, text)
