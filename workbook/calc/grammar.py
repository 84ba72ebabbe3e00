"""Reading a formula: tokens, the R1C1 shape of a cell's formula, and an expression tree.

The parser is an operator-precedence (shunting-yard) loop with explicit stacks, not recursive
descent, so nesting depth (400 parentheses, long chains) never reaches Python's recursion limit.
The tree is made of tuples:

    ("const", value)                   number, text, logical, error or a 2-D array constant
    ("missing",)                       an omitted argument, f(a,,c)
    ("ref", sheet | None, ends)        a cell or range; ends as ``relative_tokens`` makes them
    ("xref", text)                     a reference into another workbook ([1]Sheet1!A1)
    ("name", sheet | None, name)       a defined name, optionally sheet-qualified (Sheet1!Rate)
    ("neg", node) ("pct", node)        unary minus, postfix percent (unary plus is dropped)
    ("bin", op, left, right)           binary operators, all left-associative as in Excel
    ("call", NAME, [args])             upper-case name without Excel's _xlfn./_xlws./_xludf. prefix

Anything outside this grammar (union and intersection operators, 3-D and whole-row references
between names, structured table references, spill references A1#) raises ``Unsupported``.
"""

from __future__ import annotations

import re

from workbook.calc.values import ERRORS, Unsupported
from workbook.xlsx import references as pkg

MAX_ROW, MAX_COLUMN = 1_048_576, 16_384
LONGEST_ROW = 4_000      # digits: a longer row cannot even be converted to an int (Python's limit is 4,300)

# U+00A1 to U+FFFF written as "not below U+00A1 and not past U+FFFF": the same characters, but Python's regex
# compiler builds no 65,536-entry map for it (spelt as a range, it cost every process 33 ms at import).
_ABOVE_LATIN = r"[^\x00-\xa0\U00010000-\U0010ffff]"
_SHEET = rf"(?:'(?:[^']|'')+'|(?:[A-Za-z_]|{_ABOVE_LATIN})(?:[\w.]|{_ABOVE_LATIN})*)"
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_AREA = rf"(?:{_CELL}(?::{_CELL})?|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?\d+:\$?\d+)"
# The first alternative that matches wins. Operators and strings are tried first, although listed last
# and second before: no other alternative can start with their characters, so no token changes, and
# the commonest tokens no longer fail eleven alternatives first.
_TOKEN = re.compile(rf"""
    (?P<op><=|>=|<>|[-+*/^&=<>%(),;{{}}])
  | (?P<string>"(?:[^"]|"")*")
  | (?P<ws>\s+)
  | (?P<deleted>(?:{_SHEET}!)?\#REF!(?:{_AREA})?)(?![\w.(])
  | (?P<error>\#(?:DIV/0!|N/A|NAME\?|NULL!|NUM!|REF!|VALUE!|SPILL!|CALC!|GETTING_DATA))
  | (?P<xref>(?:'\[[^\]]+\][^']*'|\[[^\]]+\]{_SHEET}?)!(?:{_AREA}|[A-Za-z_][\w.]*))
  | (?P<sheets3d>{_SHEET}:{_SHEET}!)
  | (?P<sref>{_SHEET}!{_AREA})(?![\w.(#])
  | (?P<sname>{_SHEET}![A-Za-z_\\][\w.]*)(?![\w.(])
  | (?P<ref>{_AREA})(?![\w.(#])
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<func>[A-Za-z_\\][\w.]*)(?=\()
  | (?P<name>[A-Za-z_\\][\w.]*)(?![\[#])
""", re.X)


def _scan(text: str) -> list[re.Match]:
    """The matches of ``tokenize``'s tokens, for a reader that needs to know where each one sits."""
    matches = []
    end = 0
    for match in iter(_TOKEN.scanner(text).match, None):
        kind = match.lastgroup
        if kind != "ws":
            if kind == "sheets3d":
                raise Unsupported("3-D references across sheets")
            matches.append(match)
        end = match.end()
    if end != len(text):
        raise Unsupported(f"cannot read {text[end:end + 12]!r}")
    return matches


def tokenize(text: str) -> list[tuple[str, str]]:
    return [(match.lastgroup, match.group()) for match in _scan(text)]


_ENDPOINT = re.compile(r"(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?")
_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int:
    number = _COLUMNS.get(letters)
    if number is None:
        number = _COLUMNS[letters] = pkg.column_number(letters.upper())
    return number


def _sheet_name(text: str) -> str:
    return text[1:-1].replace("''", "'") if text.startswith("'") else text


def _ends(area: str, row: int, col: int) -> tuple:
    """Each end of an area as (absolute row?, row or offset, absolute column?, column or offset); a
    whole column has rows 1..MAX_ROW and a whole row columns 1..MAX_COLUMN, both absolute."""
    ends = []
    for part in area.split(":"):
        absolute_col, letters, absolute_row, digits = _ENDPOINT.fullmatch(part).groups()
        if digits is not None and len(digits) > LONGEST_ROW:
            raise Unsupported(f"the reference {part[:16]}... has a row of {len(digits):,} digits, past any sheet's "
                              f"last row ({MAX_ROW:,})")
        if letters is None:
            ends.append([bool(absolute_row), int(digits) if absolute_row else int(digits) - row, True, None])
        elif digits is None:
            c = _column(letters)
            ends.append([True, None, bool(absolute_col), c if absolute_col else c - col])
        else:
            r, c = int(digits), _column(letters)
            ends.append([bool(absolute_row), r if absolute_row else r - row,
                         bool(absolute_col), c if absolute_col else c - col])
    if len(ends) == 2:
        (first, last) = ends
        if first[1] is None:            # A:C, whole columns
            first[1], last[1] = 1, MAX_ROW
        if first[3] is None:            # 1:3, whole rows
            first[3], last[3] = 1, MAX_COLUMN
    return tuple(tuple(end) for end in ends)


def relative_tokens(tokens, row: int, col: int) -> tuple:
    """The tokens with every reference made relative to the cell at (row, col), Excel's R1C1 view: cells
    that hold the same formula copied along a row or column then share one tuple, hence one compiled
    form. A reference becomes ('rref', (sheet or None, ends))."""
    out = []
    for kind, value in tokens:
        if kind == "ref":
            out.append(("rref", (None, _ends(value, row, col))))
        elif kind == "sref":
            sheet, _, area = value.rpartition("!")
            out.append(("rref", (_sheet_name(sheet), _ends(area, row, col))))
        else:
            out.append((kind, value))
    return tuple(out)


def place_area(ends, row: int, col: int) -> tuple[int, int, int, int]:
    """(r1, c1, r2, c2) of a reference's ends for the formula at (row, col), corners in order."""
    absolute_row, r, absolute_col, c = ends[0]
    r1, c1 = (r if absolute_row else row + r), (c if absolute_col else col + c)
    absolute_row, r, absolute_col, c = ends[-1]
    r2, c2 = (r if absolute_row else row + r), (c if absolute_col else col + c)
    if r1 > r2:
        r1, r2 = r2, r1
    if c1 > c2:
        c1, c2 = c2, c1
    return r1, c1, r2, c2


def cell_shape(formula: str, row: int, col: int) -> tuple:
    return relative_tokens(tokenize(formula), row, col)


# A formula's *slots*, what changes when it is filled down or across: each run of digits, and the column
# letters of a reference such as E5 or $E5 (one to three letters before a digit, not after a letter,
# digit, _ or point: never part of a longer word or a number's exponent). _DIGITS finds the digits alone,
# which is all a cell needs once a formula with the same letters has been read.
_DIGITS = re.compile(r"([0-9]+)")
_SLOTS = re.compile(r"((?<![\w.])[A-Za-z]{1,3}(?=[0-9])|[0-9]+)")
_TEXT, _ROW, _COLUMN = 0, 1, 2     # how a slot enters a shape's cache key: as written, or made relative


class ShapeReader:
    """``cell_shape`` for many cells, each formula tokenized once per *skeleton* (its text with every slot
    as one 0) into a plan whose tokens are filled in from each cell's slots.

    Why the cells of one skeleton split into the same tokens: every test the tokenizer makes of a slot's
    characters gives the same answer whatever the slot holds. Its classes treat all digits alike and all
    ASCII letters alike, a reference's ``{1,3}`` takes one to three letters alike, and ``[eE]`` and the
    letters of #REF! and the error names are only tried right after a digit, a point or #, where a
    slot's letters either never are or can never complete them. A run is always taken whole, since
    ending a token inside one leaves a letter or digit that the token's own lookahead refuses. Three
    exceptions are caught: a name cut short before # or [ gives its last digit back (A12#REF! is A1, 2,
    #REF!; A5#REF! is A, 5, #REF!), so such a skeleton is read from scratch; #DIV/0! names one digit, so
    a cell with another one there is; and so is a reference whose row has digits other than 0-9.

    Cells are looked up by their digits alone (a *view* of the plan: the letters are part of the digit
    skeleton), and the shapes are kept per plan and slots made relative to the cell (rows of relative
    references less the cell's row, their column letters less its column), so most cells filled down or
    across skip the filling in."""

    def __init__(self):
        self.plans: dict[str, _Plan | None] = {}      # skeleton -> plan
        self.views: dict[str, _View | None] = {}      # digit skeleton -> view of a plan
        self.shaped: dict[tuple, tuple] = {}

    def shape(self, formula: str, row: int, col: int) -> tuple:
        parts = _DIGITS.split(formula)                 # text, digits, text, ..., digits, text
        skeleton = "0".join(parts[::2])                # no text holds a digit: "0" keeps them apart
        view = self.views.get(skeleton, False)
        if view is False:
            view = self.views[skeleton] = self._view(formula)
        if view is None:
            return cell_shape(formula, row, col)
        digits = parts[1::2]
        try:
            head = view.heads.get(col)
            if head is None:
                head = view.heads[col] = view.head(col)
            here = str(row)                            # most relative rows are the cell's own: no int()
            key = (head, tuple([(0 if run == here else int(run) - row) if relative else run
                                for run, relative in zip(digits, view.relative)]))
            shaped = self.shaped.get(key)
            if shaped is None:
                shaped = view.plan.fill(view.slots(digits), row, col)
                if shaped is None:
                    return cell_shape(formula, row, col)
                if len(self.shaped) < 100_000:
                    self.shaped[key] = shaped
            return shaped
        except ValueError:          # a row past int()'s digit limit: cell_shape raises what it raises
            return cell_shape(formula, row, col)

    def _view(self, formula: str):
        parts = _SLOTS.split(formula)
        skeleton = "0".join(parts[::2])
        plan = self.plans.get(skeleton, False)
        if plan is False:                              # raises Unsupported as cell_shape would
            plan = self.plans[skeleton] = _Plan.read(formula, parts)
        return None if plan is None else _View(plan, parts[1::2])


class _View:
    """A plan seen from one digit skeleton, where its letter slots are fixed and only its digits vary."""

    __slots__ = ("plan", "template", "relative", "heads")

    def __init__(self, plan: _Plan, slots: list[str]):
        self.plan, self.template, self.relative = plan, slots, plan.relative
        self.heads: dict[int, tuple] = {}              # column -> the letters' part of a shape's key

    def head(self, col: int) -> tuple:
        plan, template = self.plan, self.template
        return (plan, col if plan.needs_col else 0,
                tuple([_column(template[i]) - col if relative else template[i] for i, relative in plan.letters]))

    def slots(self, digits: list[str]) -> list[str]:
        slots = list(self.template)
        for i, run in zip(self.plan.digits, digits):
            slots[i] = run
        return slots


class _Plan:
    """A skeleton's tokens: the fixed ones as they are, the others as text around slots, references as
    where each end's row and column come from."""

    __slots__ = ("how", "needs_col", "tokens", "texts", "refs", "fixed", "digits", "relative", "letters")

    def __init__(self, slots: int):
        self.how = [_TEXT] * slots  # per slot, made final (with the three below) once all tokens are read
        self.digits: list = []      # where the digit slots are
        self.relative: list = []    # per digit slot: the row of a relative reference?
        self.letters: list = []     # per letter slot: (where, the column of a relative reference?)
        self.needs_col = False      # a relative column written in the skeleton itself (E$5, A:A)
        self.tokens: list = []      # every token; the filled ones are replaced in a copy
        self.texts: list = []       # (index, kind, text pieces around its slots, first slot)
        self.refs: list = []        # (index, sheet name | (pieces, first slot) | None, ends)
        self.fixed: list = []       # (slot, digits) an error value needs, #DIV/0!

    @classmethod
    def read(cls, formula: str, parts: list[str]):
        """The plan of a formula's skeleton, or None when it is to be read from scratch every time."""
        matches = _scan(formula)
        spans, at = [], 0                              # where each slot sits in the formula
        for i, part in enumerate(parts):
            if i % 2:
                spans.append((at, at + len(part)))
            at += len(part)
        plan = cls(len(spans))
        where = {span: s for s, span in enumerate(spans)}
        spans.append((at + 1, at + 1))                 # one past the end: the loop needs no bounds check
        k = 0
        for index, match in enumerate(matches):
            kind, value = match.lastgroup, match.group()
            start, end = match.span()
            plan.tokens.append((kind, value))
            first = k
            while spans[k][1] <= end:
                k += 1
            if spans[first][0] < start or spans[k][0] < end:
                return None                             # a slot across two tokens: cannot happen, be sure
            if kind == "name" and spans[k][0] == end:
                return None                             # a name that gave its last digit back
            if kind == "ref" or kind == "sref":
                if not plan._reference(index, formula, match, spans, where, first, k):
                    return None
            elif first == k:
                continue
            elif kind == "error":
                plan.fixed.extend((s, parts[2 * s + 1]) for s in range(first, k))
            else:
                plan.texts.append((index, kind, _pieces(formula, start, end, spans[first:k]), first))
        if k != len(spans) - 1:
            return None
        for i, slot in enumerate(parts[1::2]):
            if slot.isdigit():
                plan.digits.append(i)
                plan.relative.append(plan.how[i] == _ROW)
            else:
                plan.letters.append((i, plan.how[i] == _COLUMN))
        return plan

    def _reference(self, index, formula, match, spans, where, first, k) -> bool:
        start, end = match.span()
        sheet_text, _, area = match.group().rpartition("!")
        at = end - len(area)                           # where the area starts
        in_sheet = first                               # the first slot past the sheet's name
        while in_sheet < k and spans[in_sheet][1] <= at:
            in_sheet += 1
        if match.lastgroup == "ref":
            sheet = None
        elif in_sheet > first:                         # digits or letters in the sheet's name: Sheet2!A1
            sheet = (_pieces(formula, start, at - 1, spans[first:in_sheet]), first)
        else:
            sheet = _sheet_name(sheet_text)
        ends, used = [], in_sheet - first
        for part in area.split(":"):
            found = _ENDPOINT.fullmatch(part)
            absolute_col, letters, absolute_row, digits = found.groups()
            row_slot = col_slot = r = c = None
            if digits is not None:
                row_slot = where.get((at + found.start(4), at + found.end(4)))
                if row_slot is None:
                    return False                       # a row in other Unicode digits
            if letters is not None:
                col_slot = where.get((at + found.start(2), at + found.end(2)))
                if col_slot is None:
                    c = _column(letters)
            used += (row_slot is not None) + (col_slot is not None)
            ends.append([bool(absolute_row) or digits is None, row_slot, r,
                         bool(absolute_col) or letters is None, col_slot, c])
            at += len(part) + 1
        if used != k - first:
            return False                               # a slot in the area that is neither: be sure
        if ends[0][1] is None and ends[0][2] is None:  # A:C, whole columns
            ends[0][2], ends[-1][2] = 1, MAX_ROW
        if ends[0][4] is None and ends[0][5] is None:  # 1:3, whole rows
            ends[0][5], ends[-1][5] = 1, MAX_COLUMN
        for absolute_row, row_slot, _, absolute_col, col_slot, _ in ends:
            if row_slot is not None and not absolute_row:
                self.how[row_slot] = _ROW
            if col_slot is not None and not absolute_col:
                self.how[col_slot] = _COLUMN
            if col_slot is None and not absolute_col:
                self.needs_col = True
        self.refs.append((index, sheet, tuple(tuple(e) for e in ends)))
        return True

    def fill(self, slots: list[str], row: int, col: int):
        """The shape for a cell with these slots, or None when an error value's digits differ."""
        for slot, digits in self.fixed:
            if slots[slot] != digits:
                return None
        out = list(self.tokens)
        for index, kind, pieces, first in self.texts:
            out[index] = (kind, _filled(pieces, slots, first))
        for index, sheet, ends in self.refs:
            if type(sheet) is tuple:
                sheet = _sheet_name(_filled(sheet[0], slots, sheet[1]))
            placed = []
            for absolute_row, row_slot, r, absolute_col, col_slot, c in ends:
                if row_slot is not None:
                    r = int(slots[row_slot])
                if col_slot is not None:
                    c = _column(slots[col_slot])
                placed.append((absolute_row, r if absolute_row else r - row,
                               absolute_col, c if absolute_col else c - col))
            out[index] = ("rref", (sheet, tuple(placed)))
        return tuple(out)


def _pieces(formula: str, start: int, end: int, spans) -> list[str]:
    """The text from start to end around the slots at these spans."""
    pieces = []
    for a, b in spans:
        pieces.append(formula[start:a])
        start = b
    pieces.append(formula[start:end])
    return pieces


def _filled(pieces: list[str], slots: list[str], first: int) -> str:
    text = pieces[0]
    for k in range(1, len(pieces)):
        text += slots[first + k - 1] + pieces[k]
    return text


def absolute_ends(area: str) -> tuple:
    """An area written without $ (a defined name's target) with every end absolute."""
    return _ends(re.sub(r"([A-Za-z]+|\d+)", lambda m: "$" + m.group(), area.replace("$", "")), 0, 0)


# Binary operators: (precedence, Excel's symbol). Unary minus (7) binds tighter than % (6) and ^ (5).
BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
NEGATION, PERCENT = 7, 6
_PREFIXES = ("_XLFN._XLWS.", "_XLFN.", "_XLWS.", "_XLUDF.")


def function_name(text: str) -> str:
    name = text.upper()
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


class Parser:
    """Excel's operators over operands, with explicit operand and operator stacks."""

    def __init__(self, formula):
        """``formula``: text (references kept as written, as if the formula sat in A1) or the tuple
        ``relative_tokens`` gives."""
        self.tokens = list(relative_tokens(tokenize(formula), 0, 0) if isinstance(formula, str) else formula)

    def parse(self):
        tokens, i = self.tokens, 0
        output: list = []          # operand nodes
        stack: list = []           # operators, "(" markers and open calls
        expect_operand = True

        def reduce_top():
            kind = stack.pop()
            if kind[0] == "unary":
                operand = output.pop()
                output.append(("neg", operand) if kind[1] == "-" else operand)
            elif kind[0] == "bin":
                right, left = output.pop(), output.pop()
                output.append(("bin", kind[1], left, right))
            else:
                raise Unsupported("unbalanced parentheses")

        def reduce_while(precedence):
            while stack and stack[-1][0] in ("unary", "bin") and stack[-1][2] >= precedence:
                reduce_top()

        while i < len(tokens):
            kind, value = tokens[i]
            i += 1
            if expect_operand:
                if kind == "op" and value in "+-":
                    stack.append(("unary", value, NEGATION))
                    continue
                if kind == "op" and value == "(":
                    stack.append(("paren",))
                    continue
                if kind == "op" and value == "{":
                    node, i = self._array(tokens, i)
                    output.append(node)
                    expect_operand = False
                    continue
                if kind == "func":
                    name = function_name(value)
                    if i >= len(tokens) or tokens[i] != ("op", "("):
                        raise Unsupported(f"expected ( after {value}")
                    i += 1
                    stack.append(["call", name, []])
                    if i < len(tokens) and tokens[i] == ("op", ")"):
                        i += 1
                        output.append(("call", name, stack.pop()[2]))
                        expect_operand = False
                    continue
                if kind == "op" and value in ",)" and stack and stack[-1][0] == "call":
                    stack[-1][2].append(("missing",))   # an omitted argument, f(a,,c)
                    if value == ")":
                        output.append(("call", stack[-1][1], stack.pop()[2]))
                        expect_operand = False
                    continue
                output.append(self._operand(kind, value))
                expect_operand = False
                continue
            # after an operand: an operator, %, a closing bracket or an argument separator
            if kind == "op" and value == "%":
                reduce_while(PERCENT + 1)
                output.append(("pct", output.pop()))
                continue
            if kind == "op" and value in BINARY:
                precedence = BINARY[value]
                reduce_while(precedence)        # left-associative: equal precedence reduces first
                stack.append(("bin", value, precedence))
                expect_operand = True
                continue
            if kind == "op" and value == ")":
                reduce_while(0)
                if stack and stack[-1][0] == "paren":
                    stack.pop()
                    output.append(("paren", output.pop()))
                    continue
                if stack and stack[-1][0] == "call":
                    call = stack.pop()
                    call[2].append(output.pop())
                    output.append(("call", call[1], call[2]))
                    continue
                raise Unsupported("unbalanced parentheses")
            if kind == "op" and value == ",":
                reduce_while(0)
                if stack and stack[-1][0] == "call":
                    stack[-1][2].append(output.pop())
                    expect_operand = True
                    continue
                raise Unsupported("the union operator (a list of references)")
            raise Unsupported(f"unexpected {value!r}")
        if expect_operand:
            raise Unsupported("the formula ends early")
        reduce_while(0)
        if stack:
            raise Unsupported("unbalanced parentheses")
        if len(output) != 1:
            raise Unsupported("unexpected text after the formula")
        return _unwrap(output[0])

    @staticmethod
    def _operand(kind, value):
        if kind == "number":
            return ("const", float(value))
        if kind == "string":
            return ("const", value[1:-1].replace('""', '"'))
        if kind == "error":
            return ("const", ERRORS[value])
        if kind == "deleted":                   # what Excel leaves of a reference to a deleted sheet/cell
            return ("const", ERRORS["#REF!"])
        if kind == "rref":
            return ("ref", value[0], value[1])
        if kind == "xref":
            return ("xref", value)
        if kind == "sname":
            sheet, _, name = value.rpartition("!")
            return ("name", _sheet_name(sheet), name)
        if kind == "name":
            upper = value.upper()
            if upper in ("TRUE", "FALSE"):
                return ("const", upper == "TRUE")
            return ("name", None, value)
        raise Unsupported(f"unexpected {value!r}")

    @staticmethod
    def _array(tokens, i):
        """An array constant {1,2;3,4}: constants only (a sign allowed before a number)."""
        import numpy as np

        rows, row = [], []
        while True:
            if i >= len(tokens):
                raise Unsupported("unterminated array constant")
            sign = 1.0
            while tokens[i] in (("op", "-"), ("op", "+")):
                sign = -sign if tokens[i][1] == "-" else sign
                i += 1
            kind, value = tokens[i]
            i += 1
            if kind == "number":
                row.append(sign * float(value))
            elif sign == 1.0 and kind == "string":
                row.append(value[1:-1].replace('""', '"'))
            elif sign == 1.0 and kind == "error":
                row.append(ERRORS[value])
            elif sign == 1.0 and kind == "name" and value.upper() in ("TRUE", "FALSE"):
                row.append(value.upper() == "TRUE")
            else:
                raise Unsupported("array constants hold constants only")
            if i >= len(tokens):
                raise Unsupported("unterminated array constant")
            kind, value = tokens[i]
            i += 1
            if value == ",":
                continue
            rows.append(row)
            row = []
            if value == ";":
                continue
            if value == "}":
                if len({len(r) for r in rows}) != 1:
                    raise Unsupported("ragged array constant")
                return ("const", np.array(rows, dtype=object)), i
            raise Unsupported("bad array constant")


def _unwrap(node):
    """The tree without its ("paren", x) nodes (grouping is in the tree's shape), built iteratively."""
    todo = [node]
    rebuilt: dict[int, tuple] = {}
    order = []
    while todo:                          # post-order without recursion
        current = todo.pop()
        order.append(current)
        todo.extend(_children(current))
    for current in reversed(order):
        rebuilt[id(current)] = _rebuild(current, rebuilt)
    return rebuilt[id(node)]


def _children(node):
    kind = node[0]
    if kind in ("neg", "pct"):
        return [node[1]]
    if kind == "paren":
        return [node[1]]
    if kind == "bin":
        return [node[2], node[3]]
    if kind == "call":
        return list(node[2])
    return []


def _rebuild(node, rebuilt):
    kind = node[0]
    if kind == "paren":
        inner = rebuilt[id(node[1])]
        return inner
    if kind in ("neg", "pct"):
        return (kind, rebuilt[id(node[1])])
    if kind == "bin":
        return ("bin", node[1], rebuilt[id(node[2])], rebuilt[id(node[3])])
    if kind == "call":
        return ("call", node[1], [rebuilt[id(a)] for a in node[2]])
    return node


def references(node):
    """Every reference-like node of a tree (ref, name, xref), without recursion."""
    todo, found = [node], []
    while todo:
        current = todo.pop()
        if current[0] in ("ref", "name", "xref"):
            found.append(current)
        todo.extend(_children(current))
    return found
