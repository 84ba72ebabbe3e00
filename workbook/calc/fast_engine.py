"""A small, fast formula evaluator for the workbooks this product builds.

The `formulas` engine handles most of Excel but spends about 3 ms per formula cell building its graph.
Model workbooks use a small vocabulary: references and defined names, arithmetic and comparisons, a
dozen native functions and the KC_* functions. This module parses each formula once into Python
closures and evaluates cells on demand (each once), about a hundred times faster. It does not guess:
any formula outside its vocabulary (an unknown function, a construct it does not parse, a circular
reference, a date cell) raises ``Unsupported`` and the caller falls back to the `formulas` engine for
the whole workbook. Tests compare the two engines cell by cell, and LibreOffice checks both.

Excel semantics kept: an empty cell is 0 in arithmetic and "" in text; numeric text is coerced in
arithmetic; TRUE/FALSE are 1/0 in arithmetic; errors propagate; text compares case-insensitively;
numbers < text < logicals when types differ; unary minus binds tighter than ^; ^ is left-associative;
functions over ranges skip text, logicals and empty cells.
"""

from __future__ import annotations

import math
import re
import statistics
import sys
from typing import Callable

import numpy as np
from formulas.tokens.operand import Error, XlError

from addin.arguments import as_handed_over
from addin.registry import FUNCTIONS as EXCEL_FUNCTIONS
from workbook.xlsx import references as pkg
from workbook.xlsx.book import Workbook

ERRORS = Error.errors
VALUE, DIV0, NA, NUM, REF = ERRORS["#VALUE!"], ERRORS["#DIV/0!"], ERRORS["#N/A"], ERRORS["#NUM!"], ERRORS["#REF!"]


class Unsupported(Exception):
    """The formula (or cell) is outside this evaluator's vocabulary."""


class _Missing:
    """An omitted argument, f(a,,c)."""


MISSING = _Missing()

# ------------------------------------------------------------------------------------------------
# Parsing

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<error>\#(?:DIV/0!|N/A|NAME\?|NULL!|NUM!|REF!|VALUE!))
  | (?P<sref>(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![\w.(])
  | (?P<ref>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![\w.(])
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<func>[A-Za-z_][A-Za-z0-9_.]*)(?=\()
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><=|>=|<>|[-+*/^&=<>%(),;{}])
""", re.X)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise Unsupported(f"cannot read {text[position:position + 10]!r}")
        kind = match.lastgroup
        if kind != "ws":
            tokens.append((kind, match.group()))
        position = match.end()
    return tokens


_ENDPOINT = re.compile(r"(\$?)([A-Z]{1,3})(\$?)(\d+)")


def relative_tokens(tokens, row: int, col: int) -> tuple:
    """The tokens with every reference made relative to the cell at (row, col), Excel's R1C1 view: cells
    that hold the same formula copied along a row or column then share one tuple, so one compiled form.
    A reference becomes ('rref', (sheet, ends)), each end (absolute row?, row or offset, absolute column?,
    column or offset)."""
    out = []
    for kind, value in tokens:
        if kind not in ("ref", "sref"):
            out.append((kind, value))
            continue
        sheet, ref = None, value
        if kind == "sref":
            sheet, _, ref = value.rpartition("!")
            sheet = sheet.strip("'").replace("''", "'")
        ends = []
        for part in ref.split(":"):
            absolute_col, letters, absolute_row, digits = _ENDPOINT.fullmatch(part).groups()
            r, c = int(digits), pkg.column_number(letters)
            ends.append((bool(absolute_row), r if absolute_row else r - row,
                         bool(absolute_col), c if absolute_col else c - col))
        out.append(("rref", (sheet, tuple(ends))))
    return tuple(out)


def absolute_ends(ref: str) -> tuple:
    first, _, last = ref.partition(":")
    ends = []
    for part in (first, last) if last else (first,):
        r, c = pkg.split_cell(part)
        ends.append((True, r, True, c))
    return tuple(ends)


class Parser:
    """Precedence climbing over Excel's operators: comparison < & < +- < */ < ^ < % < unary minus."""

    BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}

    def __init__(self, formula):
        """``formula``: text (references read as if the formula sat in A1... i.e. kept as written), or
        the tuple from ``relative_tokens``."""
        self.tokens = list(relative_tokens(tokenize(formula), 0, 0) if isinstance(formula, str) else formula)
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value=None):
        token = self.peek()
        if token[0] is None or (value is not None and token[1] != value):
            raise Unsupported(f"expected {value or 'more'}")
        self.i += 1
        return token

    def parse(self):
        node = self.expression(0)
        if self.i != len(self.tokens):
            raise Unsupported("unexpected text after the formula")
        return node

    def expression(self, minimum):
        left = self.unary()
        while True:
            kind, value = self.peek()
            precedence = self.BINARY.get(value) if kind == "op" else None
            if precedence is None or precedence < minimum:
                return left
            self.take()
            right = self.expression(precedence + 1)  # all left-associative, ^ included (as Excel)
            left = ("bin", value, left, right)

    def unary(self):
        kind, value = self.peek()
        if kind == "op" and value in "+-":
            self.take()
            operand = self.unary()
            return ("neg", operand) if value == "-" else ("pos", operand)
        node = self.primary()
        while self.peek() == ("op", "%"):
            self.take()
            node = ("pct", node)
        return node

    def primary(self):
        kind, value = self.take()
        if kind == "number":
            return ("const", float(value))
        if kind == "string":
            return ("const", value[1:-1].replace('""', '"'))
        if kind == "error":
            return ("const", ERRORS[value])
        if kind == "rref":
            return ("ref", value[0], value[1])
        if kind == "name":
            upper = value.upper()
            if upper in ("TRUE", "FALSE"):
                return ("const", upper == "TRUE")
            return ("name", value)
        if kind == "func":
            return self.call(value.upper())
        if (kind, value) == ("op", "("):
            node = self.expression(0)
            self.take(")")
            return node
        if (kind, value) == ("op", "{"):
            return self.array()
        raise Unsupported(f"unexpected {value!r}")

    def call(self, name):
        self.take("(")
        args = []
        if self.peek() == ("op", ")"):
            self.take()
            return ("call", name, args)
        while True:
            if self.peek() in (("op", ","), ("op", ")")):
                args.append(("missing",))
            else:
                args.append(self.expression(0))
            kind, value = self.take()
            if value == ")":
                return ("call", name, args)
            if value != ",":
                raise Unsupported("bad argument list")

    def array(self):
        rows, row = [], []
        while True:
            sign = 1.0
            if self.peek() == ("op", "-"):
                self.take()
                sign = -1.0
            node = self.primary()
            if node[0] != "const":
                raise Unsupported("array constants hold constants only")
            value = node[1]
            row.append(value * sign if isinstance(value, float) else value)
            kind, value = self.take()
            if value == ",":
                continue
            rows.append(row)
            row = []
            if value == ";":
                continue
            if value == "}":
                if len({len(r) for r in rows}) != 1:
                    raise Unsupported("ragged array constant")
                return ("const", np.array(rows, dtype=object))
            raise Unsupported("bad array constant")


# ------------------------------------------------------------------------------------------------
# Values


def first_error(values):
    return next((v for v in values if isinstance(v, XlError)), None)


def number(value):
    """Arithmetic coercion of one value: a float or an error."""
    value = scalar(value)
    if isinstance(value, XlError):
        return value
    if value is None or value is MISSING:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "")) if value.strip() else VALUE
        except ValueError:
            return VALUE
    return VALUE


def text(value):
    value = scalar(value)
    if isinstance(value, XlError):
        return value
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    return str(value)


def truth(value):
    value = scalar(value)
    if isinstance(value, XlError):
        return value
    if isinstance(value, str):
        upper = value.upper()
        if upper in ("TRUE", "FALSE"):
            return upper == "TRUE"
        return VALUE
    n = number(value)
    return n if isinstance(n, XlError) else n != 0


def scalar(value):
    if isinstance(value, np.ndarray):
        return value.flat[0] if value.size else None
    return value


def flat(values):
    """Every cell of every argument (arrays flattened)."""
    for value in values:
        if isinstance(value, np.ndarray):
            yield from value.ravel().tolist()
        elif value is not MISSING:
            yield value


def numbers_of(args):
    """Numbers for SUM-like functions: from ranges only numbers count; direct arguments are coerced."""
    out = []
    for arg in args:
        if arg is MISSING:
            continue
        if isinstance(arg, np.ndarray):
            for v in arg.ravel().tolist():
                if isinstance(v, XlError):
                    return v
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.append(float(v))
        else:
            n = number(arg)
            if isinstance(n, XlError):
                return n
            out.append(n)
    return out


def _rank(value):
    if isinstance(value, bool):
        return 2
    if isinstance(value, str):
        return 1
    return 0


def compare(op, a, b):
    a, b = scalar(a), scalar(b)
    error = first_error((a, b))
    if error:
        return error
    if a is None:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0.0)
    if b is None:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0.0)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        x, y = ra, rb
    elif ra == 1:
        x, y = a.lower(), b.lower()
    else:
        x, y = float(a), float(b)
    return {"=": x == y, "<>": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]


def arithmetic(op, a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a_arr = a if isinstance(a, np.ndarray) else np.array([[a]], dtype=object)
        b_arr = b if isinstance(b, np.ndarray) else np.array([[b]], dtype=object)
        try:
            pairs = np.broadcast(a_arr, b_arr)
        except ValueError:
            raise Unsupported("arrays of different shapes") from None
        out = np.empty(pairs.shape, dtype=object)
        out.flat = [arithmetic(op, x, y) for x, y in pairs]
        return out
    if op in ("=", "<>", "<", ">", "<=", ">="):
        return compare(op, a, b)
    if op == "&":
        x, y = text(a), text(b)
        return first_error((x, y)) or x + y
    x, y = number(a), number(b)
    error = first_error((x, y))
    if error:
        return error
    try:
        if op == "+":
            result = x + y
        elif op == "-":
            result = x - y
        elif op == "*":
            result = x * y
        elif op == "/":
            if y == 0:
                return DIV0
            result = x / y
        else:  # ^
            if x == 0 and y < 0:
                return DIV0
            result = x ** y
            if isinstance(result, complex):
                return NUM
    except (OverflowError, ZeroDivisionError):
        return NUM
    return result if math.isfinite(result) else NUM


# ------------------------------------------------------------------------------------------------
# Functions


def _absent(value) -> bool:
    return value is MISSING or isinstance(value, XlError)


def _kc(function):
    def call(*args):
        result = function(*[as_handed_over(a, _absent) for a in args])
        if isinstance(result, (list, np.ndarray)):
            return np.array(result, dtype=object, ndmin=2)
        return result
    return call


def _sum(*args):
    values = numbers_of(args)
    return values if isinstance(values, XlError) else float(sum(values))


def _max(*args):
    values = numbers_of(args)
    return values if isinstance(values, XlError) else (max(values) if values else 0.0)


def _min(*args):
    values = numbers_of(args)
    return values if isinstance(values, XlError) else (min(values) if values else 0.0)


def _average(*args):
    values = numbers_of(args)
    return values if isinstance(values, XlError) else (sum(values) / len(values) if values else DIV0)


def _median(*args):
    values = numbers_of(args)
    return values if isinstance(values, XlError) else (statistics.median(values) if values else NUM)


def _count(*args):
    return float(sum(1 for v in flat(args) if isinstance(v, (int, float)) and not isinstance(v, bool)))


def _abs(x):
    n = number(x)
    return n if isinstance(n, XlError) else abs(n)


def _logical(args, combine):
    values = []
    for arg in args:
        if isinstance(arg, np.ndarray):
            for v in arg.ravel().tolist():
                if isinstance(v, XlError):
                    return v
                if isinstance(v, bool) or (isinstance(v, (int, float))):
                    values.append(bool(v))
        elif arg is not MISSING:
            t = truth(arg)
            if isinstance(t, XlError):
                return t
            values.append(t)
    return combine(values) if values else VALUE


def _and(*args):
    return _logical(args, all)


def _or(*args):
    return _logical(args, any)


def _not(x):
    t = truth(x)
    return t if isinstance(t, XlError) else not t


def _round(x, digits=0.0):
    n, d = number(x), number(digits)
    error = first_error((n, d))
    if error:
        return error
    factor = 10.0 ** int(d)
    return math.copysign(math.floor(abs(n) * factor + 0.5) / factor, n)


def _index(array, row=MISSING, column=MISSING):
    if not isinstance(array, np.ndarray):
        array = np.array([[array]], dtype=object)
    grid = np.atleast_2d(array)
    r = number(row) if row is not MISSING else 0.0
    c = number(column) if column is not MISSING else 0.0
    error = first_error((r, c))
    if error:
        return error
    r, c = int(r), int(c)
    if column is MISSING:
        if grid.shape[0] == 1:      # INDEX(row, n) reads along the row
            r, c = 1, r
        elif grid.shape[1] == 1:
            c = 1
        else:
            raise Unsupported("INDEX of a block without a column number")
    if r < 1 or c < 1:
        raise Unsupported("INDEX of a whole row or column")
    if r > grid.shape[0] or c > grid.shape[1]:
        return REF
    return grid[r - 1, c - 1]


def _match(value, array, kind=MISSING):
    if kind is MISSING or number(kind) != 0:
        raise Unsupported("MATCH other than exact (0)")
    value = scalar(value)
    if isinstance(value, XlError):
        return value
    items = array.ravel().tolist() if isinstance(array, np.ndarray) else [array]
    for position, item in enumerate(items, start=1):
        if isinstance(item, XlError):
            continue
        if compare("=", value, item) is True and _rank(value) == _rank(item if item is not None else value):
            return float(position)
    return NA


def _npv(rate, *values):
    r = number(rate)
    if isinstance(r, XlError):
        return r
    flows = numbers_of(values)
    if isinstance(flows, XlError):
        return flows
    if r == -1:
        return DIV0
    return float(sum(v / (1.0 + r) ** (i + 1) for i, v in enumerate(flows)))


def _substitute(value, old, new, instance=MISSING):
    if instance is not MISSING:
        raise Unsupported("SUBSTITUTE with an instance number")
    parts = [text(value), text(old), text(new)]
    error = first_error(parts)
    if error:
        return error
    return parts[0].replace(parts[1], parts[2]) if parts[1] else parts[0]


NATIVE: dict[str, Callable] = {
    "SUM": _sum, "MAX": _max, "MIN": _min, "AVERAGE": _average, "MEDIAN": _median, "COUNT": _count,
    "ABS": _abs, "AND": _and, "OR": _or, "NOT": _not, "ROUND": _round, "INDEX": _index, "MATCH": _match,
    "NPV": _npv, "SUBSTITUTE": _substitute,
}
FUNCTIONS: dict[str, Callable] = {**NATIVE, **{name: _kc(f) for name, f in EXCEL_FUNCTIONS.items()}}
LAZY = {"IF", "IFERROR"}  # evaluate only the branch taken, as Excel does

# ------------------------------------------------------------------------------------------------
# Workbook evaluation


class Book:
    """Input values and formulas of a workbook, evaluated on demand, each cell once."""

    def __init__(self, book: Workbook, cells):
        self.values: dict[tuple[str, str], object] = {}
        self.formulas: dict[tuple[str, str], Callable] = {}
        self.spills: dict[tuple[str, str], tuple[str, str]] = {}   # spill member -> anchor
        self.anchors: dict[tuple[str, str], str] = {}               # anchor -> spill range
        self.results: dict[tuple[str, str], object] = {}
        self.blocks: dict[tuple, np.ndarray] = {}  # a range read once, then shared (never mutated)
        self.visiting: set = set()
        self._load(book)
        compiled: dict[tuple, Callable] = {}  # one closure per formula shape (R1C1 form)
        for cell in cells:
            key = (cell.sheet, cell.ref)
            row, col = pkg.split_cell(cell.ref)
            shape = relative_tokens(tokenize(cell.formula), row, col)
            if shape not in compiled:
                compiled[shape] = self.compile(Parser(shape).parse())
            self.formulas[key] = (compiled[shape], (cell.sheet, row, col))
            if cell.spill and cell.spill != cell.ref:
                self.anchors[key] = cell.spill
                for member in pkg.range_cells(cell.spill):
                    if member != cell.ref:
                        self.spills[(cell.sheet, member)] = key

    def _load(self, book: Workbook):
        self.names = book.names
        shared = book.shared_strings
        for sheet, cells in book.sheets().items():
            for c in cells:
                if c.formula is not None or c.value_text is None:
                    continue
                kind, raw = c.cell_type, c.value_text
                if kind == "s":
                    value = shared[int(raw)]
                elif kind in ("str", "inlineStr"):
                    value = raw
                elif kind == "b":
                    value = raw == "1"
                elif kind == "e":
                    value = ERRORS.get(raw, VALUE)
                elif kind in (None, "n"):
                    value = float(raw) if raw != "" else None
                else:
                    raise Unsupported(f"{sheet}!{c.ref}: cell type {kind}")
                self.values[(sheet, c.ref)] = value

    # -- compiling an expression tree into a closure over (book, sheet) --

    def compile(self, node) -> Callable:
        """A closure over ``ctx`` = (sheet, row, column) of the cell being evaluated."""
        kind = node[0]
        if kind == "const":
            value = node[1]
            return lambda ctx: value
        if kind == "missing":
            return lambda ctx: MISSING
        if kind == "ref":
            target_sheet, ends = node[1], node[2]

            def place(ctx, end):
                absolute_row, r, absolute_col, c = end
                return (r if absolute_row else ctx[1] + r), (c if absolute_col else ctx[2] + c)

            if len(ends) == 2:
                def read_block(ctx):
                    (r1, c1), (r2, c2) = place(ctx, ends[0]), place(ctx, ends[1])
                    if min(r1, c1, r2, c2) < 1:
                        return REF
                    return self.block(target_sheet or ctx[0], r1, c1, r2, c2)
                return read_block

            def read_cell(ctx):
                r, c = place(ctx, ends[0])
                if r < 1 or c < 1:
                    return REF
                return self.cell(target_sheet or ctx[0], f"{pkg.column_letters(c)}{r}")
            return read_cell
        if kind == "name":
            name = node[1]
            if name not in self.names:
                raise Unsupported(f"unknown name {name}")
            sheet_of, ref = self.names[name]
            return self.compile(("ref", sheet_of, absolute_ends(ref)))
        if kind == "neg":
            inner = self.compile(node[1])
            return lambda ctx: arithmetic("-", 0.0, inner(ctx))
        if kind == "pos":
            return self.compile(node[1])
        if kind == "pct":
            inner = self.compile(node[1])
            return lambda ctx: arithmetic("/", inner(ctx), 100.0)
        if kind == "bin":
            op, left, right = node[1], self.compile(node[2]), self.compile(node[3])
            return lambda ctx: arithmetic(op, left(ctx), right(ctx))
        if kind == "call":
            name, args = node[1], [self.compile(a) for a in node[2]]
            if name.startswith("_XLUDF."):  # how Excel may store a user-defined function's name
                name = name[len("_XLUDF."):]
            if name == "IF":
                if not 2 <= len(args) <= 3:
                    raise Unsupported("IF takes 2 or 3 arguments")
                return lambda ctx: self._if(args, ctx)
            if name == "IFERROR":
                if len(args) != 2:
                    raise Unsupported("IFERROR takes 2 arguments")
                return lambda ctx: self._iferror(args, ctx)
            function = FUNCTIONS.get(name)
            if function is None:
                raise Unsupported(f"function {name}")
            kc = name.startswith("KC_")

            def call(ctx):
                values = [a(ctx) for a in args]
                if not kc:
                    error = next((v for v in values if isinstance(v, XlError)), None)
                    if error is not None and name not in ("AND", "OR"):
                        return error
                return function(*values)

            return call
        raise Unsupported(f"node {kind}")

    def _if(self, args, ctx):
        condition = truth(args[0](ctx))
        if isinstance(condition, XlError):
            return condition
        if condition:
            value = args[1](ctx)
        else:
            value = args[2](ctx) if len(args) == 3 else False
        return 0.0 if value is MISSING else value

    def _iferror(self, args, ctx):
        value = args[0](ctx)
        return args[1](ctx) if isinstance(scalar(value), XlError) else value

    # -- evaluating cells --

    def cell(self, sheet, ref):
        key = (sheet, ref)
        if key in self.results:
            return self.results[key]
        if key in self.formulas:
            return self.evaluate(key)
        if key in self.spills:
            self.evaluate(self.spills[key])
            return self.results[key]
        return self.values.get(key)

    def block(self, sheet, r1, c1, r2, c2):
        key = (sheet, r1, c1, r2, c2)
        if key not in self.blocks:
            refs = [f"{pkg.column_letters(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
            self.blocks[key] = np.array([self.cell(sheet, ref) for ref in refs],
                                        dtype=object).reshape(r2 - r1 + 1, c2 - c1 + 1)
        return self.blocks[key]

    def evaluate(self, key):
        if key in self.visiting:
            raise Unsupported(f"circular reference at {key[0]}!{key[1]}")
        self.visiting.add(key)
        function, ctx = self.formulas[key]
        value = function(ctx)
        self.visiting.discard(key)
        if key in self.anchors:
            self._spill(key, value)
        else:
            value = scalar(value)
            self.results[key] = 0.0 if value is None or value is MISSING else value
        return self.results[key]

    def _spill(self, key, value):
        refs = pkg.range_cells(self.anchors[key])
        first, _, last = self.anchors[key].partition(":")
        r1, c1 = pkg.split_cell(first)
        r2, c2 = pkg.split_cell(last)
        rows, cols = r2 - r1 + 1, c2 - c1 + 1
        grid = value if isinstance(value, np.ndarray) else np.array([[value]], dtype=object)
        grid = np.atleast_2d(grid)
        out = np.full((rows, cols), NA, dtype=object)
        if grid.shape[0] > rows or grid.shape[1] > cols:
            out[:, :] = VALUE
        else:
            out[: grid.shape[0], : grid.shape[1]] = grid
        for ref, v in zip(refs, out.ravel().tolist()):
            self.results[(key[0], ref)] = v

    def all_values(self) -> dict[str, dict]:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20000))
        try:
            for key in self.formulas:
                if key not in self.results:
                    self.evaluate(key)
        finally:
            sys.setrecursionlimit(limit)
        out: dict[str, dict] = {}
        for (sheet, ref), value in self.results.items():
            out.setdefault(sheet, {})[ref] = value
        return out


def evaluate(book: Workbook, cells) -> dict[str, dict]:
    """{sheet: {cell: value}} for every formula cell and spill member, or Unsupported."""
    return Book(book, cells).all_values()
