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

_SHEET = r"(?:'(?:[^']|'')+'|[A-Za-z_\u00a1-\uffff][\w.\u00a1-\uffff]*)"
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_AREA = rf"(?:{_CELL}(?::{_CELL})?|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?\d+:\$?\d+)"
_TOKEN = re.compile(rf"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"]|"")*")
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
  | (?P<op><=|>=|<>|[-+*/^&=<>%(),;{{}}])
""", re.X)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens = []
    scanner = _TOKEN.scanner(text)
    end = 0
    for match in iter(scanner.match, None):
        kind = match.lastgroup
        if kind != "ws":
            if kind == "sheets3d":
                raise Unsupported("3-D references across sheets")
            tokens.append((kind, match.group()))
        end = match.end()
    if end != len(text):
        raise Unsupported(f"cannot read {text[end:end + 12]!r}")
    return tokens


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


_RUN = re.compile(r"[0-9]+")


class ShapeReader:
    """``cell_shape`` for many cells, each formula read once per *skeleton* (its text with every run of
    digits as one 0): cells filled down or across differ only in their digits, and how a formula splits
    into tokens does not depend on its digits' values, so the tokens are kept as templates whose digit
    runs are filled in per cell, and references are placed from those digits directly. A formula whose
    digits do not fit its skeleton's template is read from scratch (the result is the same)."""

    def __init__(self):
        self.plans: dict[str, tuple | None] = {}
        self.seen: set[str] = set()
        self.shaped: dict[tuple, tuple] = {}

    def shape(self, formula: str, row: int, col: int) -> tuple:
        key = _RUN.sub("0", formula)
        plan = self.plans.get(key, False)
        if plan is False:
            if key not in self.seen:            # a skeleton met once is read directly: no template for it
                self.seen.add(key)
                return cell_shape(formula, row, col)
            plan = self.plans[key] = self._plan(formula)
        if plan is not None:
            runs = _RUN.findall(formula)
            if len(runs) == plan[0]:
                # Cells filled down share their digits relative to their row: the shape is kept per
                # (skeleton, column, digits made relative), so most cells skip the filling in.
                seen = (key, col, tuple([int(run) - row if relative else run
                                         for run, relative in zip(runs, plan[2])]))
                shaped = self.shaped.get(seen)
                if shaped is None:
                    shaped = self._fill(plan[1], runs, row, col)
                    if shaped is not None and len(self.shaped) < 100_000:
                        self.shaped[seen] = shaped
                if shaped is not None:
                    return shaped
        return cell_shape(formula, row, col)

    @staticmethod
    def _plan(formula: str):
        tokens = tokenize(formula)
        steps, slots = [], 0
        for kind, value in tokens:
            parts = _RUN.split(value)
            runs = len(parts) - 1
            if kind in ("ref", "sref"):
                sheet, _, area = value.rpartition("!")
                ends = []
                for part in area.split(":"):
                    absolute_col, letters, absolute_row, digits = _ENDPOINT.fullmatch(part).groups()
                    if letters is None or digits is None:
                        return None                      # whole rows or columns: read from scratch
                    if _RUN.search(sheet):
                        return None                      # digits in the sheet name: read from scratch
                    ends.append((bool(absolute_row), slots + len(ends), bool(absolute_col), _column(letters)))
                steps.append(("rref", _sheet_name(sheet) if kind == "sref" else None, tuple(ends)))
            elif kind == "error" and runs:
                steps.append(("fixed", kind, value, slots, _RUN.findall(value)))
            else:
                steps.append(("text", kind, parts, slots))
            slots += runs
        if slots != len(_RUN.findall(formula)):
            return None                                  # digits outside the tokens: cannot happen, but be sure
        relative_rows = [False] * slots                  # the slots holding the row of a relative reference
        for step in steps:
            if step[0] == "rref":
                for absolute_row, slot, _, _ in step[2]:
                    relative_rows[slot] = not absolute_row
        return slots, steps, tuple(relative_rows)

    @staticmethod
    def _fill(steps, runs, row, col):
        out = []
        for step in steps:
            if step[0] == "rref":
                ends = []
                for absolute_row, slot, absolute_col, c in step[2]:
                    r = int(runs[slot])
                    ends.append((absolute_row, r if absolute_row else r - row, absolute_col, c if absolute_col else c - col))
                out.append(("rref", (step[1], tuple(ends))))
            elif step[0] == "text":
                _, kind, parts, first = step
                if len(parts) == 1:
                    out.append((kind, parts[0]))
                else:
                    value = parts[0]
                    for k, part in enumerate(parts[1:]):
                        value += runs[first + k] + part
                    out.append((kind, value))
            else:
                _, kind, value, first, expected = step
                if runs[first:first + len(expected)] != expected:
                    return None
                out.append((kind, value))
        return tuple(out)


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
