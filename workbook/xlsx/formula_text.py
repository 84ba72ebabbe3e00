"""Reading formula text without evaluating it: which functions a formula calls and which cells it reads.

String literals are blanked first, so text inside quotes never looks like a call or a reference.
"""

from __future__ import annotations

import re

import numpy as np

from workbook.xlsx import references as pkg

VOLATILE = ("OFFSET", "INDIRECT", "TODAY", "NOW", "RAND", "RANDBETWEEN", "RANDARRAY", "CELL", "INFO")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_CALL = re.compile(r"(?<![A-Za-z0-9_.$])([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
_REFERENCE = re.compile(
    r"(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z0-9_.]+)!)?(?P<a>\$?[A-Z]{1,3}\$?\d+)(?::(?P<b>\$?[A-Z]{1,3}\$?\d+))?"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?![A-Za-z0-9_.]*\s*\()")


_QUOTED_OR_REF = re.compile(
    r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'|(?<![A-Za-z0-9_.$])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\w.(!])')


def translate(formula: str, rows: int, columns: int) -> str:
    """The formula moved by (rows, columns), as Excel copies it: relative references shift, $-anchored
    parts stay; text in quotes (strings, quoted sheet names) is untouched. How a shared formula's other
    cells read their formula from the first one."""

    def move(match):
        if match.group(2) is None:
            return match.group(0)
        col_abs, letters, row_abs, digits = match.groups()
        col = pkg.column_number(letters) + (0 if col_abs else columns)
        row = int(digits) + (0 if row_abs else rows)
        if col < 1 or row < 1:
            return "#REF!"
        return f"{col_abs}{pkg.column_letters(col)}{row_abs}{row}"

    return _QUOTED_OR_REF.sub(move, formula)


def resolved_formulas(cells) -> dict[str, str]:
    """{cell: formula text} for a sheet's scanned cells, the cells of shared formulas included."""
    masters, out = {}, {}
    for cell in cells:
        if cell.formula is None:
            continue
        if cell.formula_type == "shared" and cell.shared_index is not None:
            if cell.formula:  # the first cell of the group carries the text
                masters[cell.shared_index] = SharedFormula(cell.ref, cell.formula)
                out[cell.ref] = cell.formula
            elif cell.shared_index in masters:
                out[cell.ref] = masters[cell.shared_index].at(cell.ref)
        else:
            out[cell.ref] = cell.formula
    return out


class SharedFormula:
    """A shared formula's text as its other cells read it: ``translate`` of the first cell's text, which is
    split into its references once, so that each cell only fills in its rows (for each column offset, the
    text with its columns moved is made once)."""

    def __init__(self, origin: str, text: str):
        self.text = text
        self.row, self.col = pkg.split_cell(origin)
        self.literals, self.references = [], []     # the text between references, and each reference
        at = 0
        for match in _QUOTED_OR_REF.finditer(text):
            if match.group(2) is not None:
                col_abs, letters, row_abs, digits = match.groups()
                self.literals.append(text[at:match.start()])
                self.references.append((col_abs, pkg.column_number(letters), row_abs, int(digits)))
                at = match.end()
        self.literals.append(text[at:])
        self.lowest = min((row for _, _, absolute, row in self.references if not absolute), default=None)
        self._forms: dict[int, tuple[str, list[int]]] = {}

    def at(self, ref: str) -> str:
        row, col = pkg.split_cell(ref)
        return self._moved(row - self.row, col - self.col)

    def _moved(self, rows: int, columns: int) -> str:
        if self.lowest is not None and self.lowest + rows < 1:
            return translate(self.text, rows, columns)      # (a row moved off the sheet: #REF!)
        text, bases = self._form_at(columns)
        return text % tuple([base + rows for base in bases]) if bases else text

    def texts(self, rows, cols) -> list[str]:
        """The formula of each cell at (row, column): for the cells of one column offset, the moved text
        filled in for all of them by one % (each followed by a NUL, which no formula holds)."""
        try:
            at_rows, at_cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        except OverflowError:
            at_rows = None
        bound = 2 ** 61                             # (so that no sum below passes int64)
        if (at_rows is None or any(abs(row) >= bound for _, _, _, row in self.references)
                or abs(self.row) >= bound or (len(at_rows) and max(np.abs(at_rows).max(), np.abs(at_cols).max()) >= bound)):
            return [self._moved(int(row) - self.row, int(col) - self.col) for row, col in zip(rows, cols)]
        drs, dcs = at_rows - self.row, at_cols - self.col
        out: list = [None] * len(drs)
        off = np.zeros(len(drs), dtype=bool) if self.lowest is None else self.lowest + drs < 1
        for k in np.flatnonzero(off).tolist():      # a row moved off the sheet: #REF!, as translate makes it
            out[k] = translate(self.text, int(drs[k]), int(dcs[k]))
        for columns in np.unique(dcs[~off]).tolist():
            which = np.flatnonzero((dcs == columns) & ~off)
            text, bases = self._form_at(columns)
            if bases:
                filled = ((text + "\0") * len(which)) % tuple((drs[which][:, None] + np.array(bases)).ravel().tolist())
                found = filled.split("\0")
                found.pop()
            else:
                found = [text] * len(which)
            if len(which) == len(out):
                return found
            for k, moved in zip(which.tolist(), found):
                out[k] = moved
        return out

    def _form_at(self, columns: int) -> tuple[str, list[int]]:
        form = self._forms.get(columns)
        if form is None:
            form = self._forms[columns] = self._form(columns)
        return form

    def _form(self, columns: int) -> tuple[str, list[int]]:
        """The text with every column moved by ``columns`` and each relative row left as %d, with those
        rows as they are in the first cell."""
        pieces, bases = [self.literals[0].replace("%", "%%")], []
        for (col_abs, col, row_abs, row), literal in zip(self.references, self.literals[1:]):
            col = col + (0 if col_abs else columns)
            if col < 1 or (row_abs and row < 1):         # (as translate: a row 0, even anchored, is #REF!)
                pieces.append("#REF!")
            else:
                pieces.append(f"{col_abs}{pkg.column_letters(col)}{row_abs}" + (str(row) if row_abs else "%d"))
                if not row_abs:
                    bases.append(row)
            pieces.append(literal.replace("%", "%%"))
        text = "".join(pieces)
        return (text, bases) if bases else (text.replace("%%", "%"), bases)


def without_strings(formula: str) -> str:
    return _STRING.sub('""', formula or "")


def function_names(formula: str) -> list[str]:
    """Upper-case names of the functions called, without Excel's _xlfn. prefix."""
    names = []
    for name in _CALL.findall(without_strings(formula)):
        name = name.upper()
        names.append(name[6:] if name.startswith("_XLFN.") else name)
    return names


def calls_kc(formula: str) -> bool:
    return any(name.startswith("KC_") for name in function_names(formula))


def volatile_function(formula: str) -> str | None:
    return next((name for name in function_names(formula) if name in VOLATILE), None)


def range_references(formula: str) -> list[str]:
    """The A1:B2 ranges a formula names ($ removed), text in quotes left out."""
    text = without_strings(formula) if '"' in formula else formula
    return [f"{a}:{b}".replace("$", "") for _, a, b, _ in _REFERENCE.findall(text) if a and b]


def precedents(sheet: str, formula: str, names: dict) -> list[tuple[str, str]]:
    """(sheet, cell) of every cell the formula reads, through ranges and defined names."""
    found = []
    for match in _REFERENCE.finditer(without_strings(formula)):
        if match.group("a"):
            target = (match.group("sheet") or sheet).strip("'").replace("''", "'")
            ref = match.group("a") + (":" + match.group("b") if match.group("b") else "")
            found += [(target, c) for c in pkg.range_cells(ref.replace("$", ""))]
        elif match.group("name") in names:
            target, ref = names[match.group("name")]
            found += [(target, c) for c in pkg.range_cells(ref)]
    return found
