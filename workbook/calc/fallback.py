"""One formula the fast evaluator cannot compute exactly, computed by the `formulas` package, or refused.

The fast evaluator (``workbook.calc.fast_engine``) hands over a single formula when it meets something
outside its vocabulary (a function such as IRR or XNPV, a construct it does not read). That formula,
and only that one, is compiled by `formulas`' own parser and fed the values the fast evaluator
computed for its precedents: the rest of the book is never affected by it.

`formulas` differs from Excel in known ways, so a formula is computed there only when none of them can
matter, and otherwise refused with a one-line error naming the cell (never a number that may differ):

* it counts TRUE and text inside ranges (SUM, AVERAGE, MAX, NPV, COUNT, SUMPRODUCT), treats a
  single-cell reference as a typed value, and reads numbers stored as text by its own rules: every
  cell the formula reads, other than a direct KC_* argument, must hold a number (not text, a logical
  value, an error or nothing);
* it has no implicit intersection: in a formula that is not an array formula, a range must sit directly
  in a parameter that takes one (``RANGE_PARAMETERS``), or inside SUMPRODUCT, which computes on whole
  arrays in Excel too; never in an operator or a one-value parameter;
* its criteria (SUMIF's ">5", wildcards), MROUND, and INDEX returning a range (taken by its first cell)
  are its own: those functions are refused, and so are text constants other than a result of IF /
  IFERROR, and error constants. (Its ^, POWER and ROUND family, which also differed, are replaced by
  Excel's rules in ``workbook.calc.formulas_engine``);
* it turns numbers into text with Python's repr (0.1+0.2 is "0.30000000000000004", Excel "0.3"): its
  text functions and the & operator are refused;
* functions whose value depends on the cell's position or on chance (ROW(), COLUMN(), OFFSET,
  INDIRECT, RAND) are refused;
* an approximate lookup (MATCH 1/-1, VLOOKUP/HLOOKUP with TRUE, LOOKUP, XLOOKUP's binary search) is
  Excel's binary search, which finds something else than a scan on data not in order: allowed only over
  numbers in strictly ascending order.
"""

from __future__ import annotations

import re

import numpy as np
from formulas.tokens.operand import XlError

from workbook.calc.grammar import absolute_ends, place_area
from workbook.calc.values import MISSING, top_left
from workbook.errors import BookError
from workbook.xlsx.formula_text import function_names
from workbook.xlsx.references import column_letters

# Parameters that take a whole range in Excel (0-based positions, ALL, or FROM + n), for the functions
# that reach the fallback and for the evaluator's own.
ALL, FROM = "all", "from"
RANGE_PARAMETERS: dict[str, object] = {
    "SUM": ALL, "PRODUCT": ALL, "MAX": ALL, "MIN": ALL, "AVERAGE": ALL, "MEDIAN": ALL, "COUNT": ALL,
    "COUNTA": ALL, "AND": ALL, "OR": ALL, "SUMPRODUCT": ALL, "SUMSQ": ALL, "STDEV": ALL, "STDEV.S": ALL,
    "STDEV.P": ALL, "STDEVP": ALL, "VAR": ALL, "VAR.S": ALL, "VAR.P": ALL, "VARP": ALL, "GEOMEAN": ALL,
    "NPV": (FROM, 1), "INDEX": {0}, "MATCH": {1}, "IRR": {0}, "MIRR": {0}, "XNPV": {1, 2}, "XIRR": {0, 1},
    "VLOOKUP": {1}, "HLOOKUP": {1}, "LOOKUP": {1, 2}, "XLOOKUP": {1, 2}, "LARGE": {0}, "SMALL": {0},
    "PERCENTILE": {0}, "QUARTILE": {0}, "RANK": {1}, "CORREL": {0, 1}, "SLOPE": {0, 1}, "INTERCEPT": {0, 1},
    "RSQ": {0, 1}, "FORECAST": {1, 2}, "ROWS": {0}, "COLUMNS": {0}, "TRANSPOSE": {0}, "MMULT": {0, 1},
}
_CRITERIA = "the `formulas` engine reads criteria (text, wildcards) by its own rules"
REFUSED_FUNCTIONS = {
    "MROUND": "the `formulas` engine's MROUND rounds the binary value",
    "INDEX": "the `formulas` engine's INDEX gives the first cell of a range it returns, where Excel intersects",
    "SUMIF": _CRITERIA, "SUMIFS": _CRITERIA, "COUNTIF": _CRITERIA, "COUNTIFS": _CRITERIA,
    "AVERAGEIF": _CRITERIA, "AVERAGEIFS": _CRITERIA, "MAXIFS": _CRITERIA, "MINIFS": _CRITERIA,
    "OFFSET": "OFFSET depends on the sheet around the cell", "INDIRECT": "INDIRECT reads a reference from text",
    "CELL": "CELL depends on the cell", "INFO": "INFO depends on the machine",
    "RAND": "a random number cannot equal Excel's", "RANDBETWEEN": "a random number cannot equal Excel's",
    "RANDARRAY": "random numbers cannot equal Excel's",
}
_TEXT = "the `formulas` engine turns numbers into text by its own rules (0.1+0.2 as 0.30000000000000004)"
POSITIONAL = ("ROW", "COLUMN")          # with no argument they give the formula's own position
_AREA_TEXT = re.compile(r"\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?|\$?[A-Z]{1,3}:\$?[A-Z]{1,3}|\$?\d+:\$?\d+")


def takes_range(name: str, position: int) -> bool:
    kinds = RANGE_PARAMETERS.get(name)
    if name.startswith("KC_") or kinds == ALL:
        return True
    if isinstance(kinds, tuple):
        return position >= kinds[1]
    return bool(kinds) and position in kinds


class Fallback:
    """Computes single formulas with `formulas`, guarded; ``engine`` supplies the precedents' values."""

    def __init__(self, engine):
        from workbook.calc import formulas_engine   # registers the KC_* functions with `formulas`

        self.engine = engine
        self.formulas = formulas_engine
        self.text_functions = formulas_engine.text_functions()
        self._compiled: dict[str, object] = {}

    def _refuse_function(self, node, name: str, why: str | None = None):
        raise BookError(f"{node.where}: function {name} is not supported headless" + (f" ({why})" if why else ""))

    def _check_functions(self, node) -> None:
        """Every function the formula calls is one the fast engine or `formulas` has, and not refused."""
        from addin.registry import FUNCTIONS as EXCEL_FUNCTIONS
        from workbook.calc.functions import LAZY, NATIVE

        for name in function_names(node.formula):
            name = name.removeprefix("_XLUDF.").removeprefix("_XLWS.")
            if name in REFUSED_FUNCTIONS:
                self._refuse_function(node, name, REFUSED_FUNCTIONS[name])
            if name in self.text_functions:
                self._refuse_function(node, name, _TEXT)
            if not (name in NATIVE or name in LAZY or name in EXCEL_FUNCTIONS or self.formulas.knows(name)):
                self._refuse_function(node, name)

    def _refuse(self, node, reason, why: str):
        because = f" (the fast engine does not compute {reason})" if reason else ""
        raise BookError(f"{node.where}: ={node.formula} needs the fallback engine{because}, and {why}; "
                        "it is not computed headless")

    # -- reading the formula with `formulas` --

    def _compile(self, node):
        if node.formula not in self._compiled:
            try:
                self._compiled[node.formula] = self.formulas.compile_formula(node.formula)
            except BookError as error:
                raise BookError(f"{node.where}: {error}") from None
        return self._compiled[node.formula]

    def _input_area(self, node, text: str):
        """(sheet, (r1, c1, r2, c2)) of one input as `formulas` names it ('SHEET'!A1:B2, A1, or a name)."""
        engine = self.engine
        sheet_text, bang, area = text.rpartition("!")
        unreadable = f"{node.where}: the formula reads {text}, which the fallback engine cannot be fed"
        if bang and sheet_text and not sheet_text.startswith("["):
            quoted = sheet_text.startswith("'") and sheet_text.endswith("'")
            sheet = engine.sheet_named(sheet_text[1:-1].replace("''", "'") if quoted else sheet_text)
        elif bang or any(ch in text for ch in " ,()#[{"):
            raise BookError(unreadable)
        else:
            sheet = node.sheet
        if _AREA_TEXT.fullmatch(area):
            return sheet, place_area(absolute_ends(area), 0, 0)
        if bang:
            raise BookError(unreadable)
        # `formulas` drops a name's sheet qualifier (Sheet2!Rate becomes RATE): refuse rather than guess
        if re.search(rf"!\s*{re.escape(area)}\b", node.formula, re.I):
            raise BookError(f"{node.where}: the sheet-qualified name {area} in a formula only the fallback reads")
        definition = engine.name_definition(node.sheet, None, area)
        if definition is None or definition[0] != "areas" or len(definition[1]) != 1:
            raise BookError(f"{node.where}: the name {area} is not one range, which the fallback engine needs")
        name_sheet, ends = definition[1][0]
        return name_sheet, place_area(ends, 0, 0)

    def areas(self, node) -> list:
        """The areas a formula the fast evaluator could not read refers to, as `formulas` finds them."""
        return [self._input_area(node, text) for text in self._compile(node).inputs]

    # -- the guards --

    def _tree_areas(self, node, reference) -> list:
        engine = self.engine
        if reference[0] == "ref":
            sheet = engine.sheet_named(reference[1]) if reference[1] else node.sheet
            return [(sheet, place_area(reference[2], node.row, node.col))]
        qualifier = engine.sheet_named(reference[1]) if reference[1] else None
        definition = engine.name_definition(node.sheet, qualifier, reference[2])
        if definition is None:
            self._refuse(node, None, f"the name {reference[2]} is not defined")
        kind, content = definition
        if kind != "areas":
            self._refuse(node, None, f"the name {reference[2]} stands for a formula")
        return [(sheet, place_area(ends, 0, 0)) for sheet, ends in content]

    def _check_tree(self, node, reason) -> list:
        """Walk the formula's tree; refuse what `formulas` may compute differently. Returns the areas whose
        values must be numbers (all but the direct arguments of KC_* functions, which read their own).

        Each step carries where it sits: "value" (a range would meet implicit intersection), "range"
        (a parameter taking a whole range), "kc" (a direct KC_* argument) or "array" (computed on whole
        arrays: inside SUMPRODUCT, or an array formula); and whether a text constant is allowed there
        (a direct result of IF or IFERROR)."""
        inner = "array" if node.array else "value"
        todo = [(node.compiled.tree, inner, False)]
        checked = []
        while todo:
            current, where, text_ok = todo.pop()
            kind = current[0]
            if kind == "const":
                value = current[1]
                if isinstance(value, str) and not text_ok:
                    self._refuse(node, reason, "its text constants would be read by the `formulas` engine's own rules")
                if isinstance(value, XlError):
                    self._refuse(node, reason, "it holds an error constant")
                if isinstance(value, np.ndarray) and any(type(v) is not float for v in value.flat):
                    self._refuse(node, reason, "its array constant holds something other than numbers")
                continue
            if kind in ("ref", "name"):
                for sheet, box in self._tree_areas(node, current):
                    if where == "value" and (box[0] != box[2] or box[1] != box[3]):
                        self._refuse(node, reason, "a range there meets Excel's implicit intersection, which the "
                                     "`formulas` engine does not do")
                    if where != "kc":
                        checked.append((sheet, box))
                continue
            if kind == "xref":
                self._refuse(node, reason, "it reads another workbook")
            if kind == "call":
                name, args = current[1], current[2]
                if name in POSITIONAL and not args:
                    self._refuse(node, reason, f"{name}() depends on the cell's position")
                self._check_lookup(node, reason, name, args)
                for position, arg in enumerate(args):
                    direct = arg[0] in ("ref", "name")
                    if name.startswith("KC_") and direct:
                        place = "kc"
                    elif direct and takes_range(name, position):
                        place = "range"
                    elif name == "SUMPRODUCT" or where == "array":
                        place = "array"
                    else:
                        place = "value"
                    branch = position > 0 and name in ("IF", "IFERROR")
                    todo.append((arg, place, branch))
                continue
            if kind == "bin" and current[1] == "&":
                self._refuse(node, reason, _TEXT)
            children = [current[1]] if kind in ("neg", "pct") else [current[2], current[3]] if kind == "bin" else []
            todo.extend((child, "array" if where == "array" else "value", False) for child in children)
        return checked

    def _check_lookup(self, node, reason, name, args) -> None:
        """An approximate lookup is Excel's binary search: on data that is not in strict order it finds
        what a scan (the `formulas` engine) may not. Allowed over numbers in strictly ascending order."""
        from workbook.calc.functions import strictly_monotonic

        def constant(position, default):
            if position >= len(args) or args[position][0] == "missing":
                return default
            return args[position][1] if args[position][0] == "const" else None

        why = "an approximate lookup over data not in strictly ascending numbers follows Excel's binary search"
        if name == "LOOKUP":
            self._refuse(node, reason, why)
        if name == "MATCH" and constant(2, 1.0) not in (0, 0.0):
            self._refuse(node, reason, why)      # the fast engine computes the ordered case itself
        if name == "XLOOKUP" and constant(5, 1.0) not in (1, 1.0, -1, -1.0):
            self._refuse(node, reason, why)
        if name in ("VLOOKUP", "HLOOKUP"):
            exact = constant(3, True)
            if exact is None:
                self._refuse(node, reason, "its range_lookup is computed, so whether it is exact is not known")
            if exact not in (False, 0, 0.0):
                if len(args) < 2 or args[1][0] not in ("ref", "name"):
                    self._refuse(node, reason, why)
                for sheet, (r1, c1, r2, c2) in self._tree_areas(node, args[1]):
                    keys = self.engine.block(sheet, r1, c1, r2 if name == "VLOOKUP" else r1,
                                             c1 if name == "VLOOKUP" else c2).ravel().tolist()
                    if not strictly_monotonic(keys):
                        self._refuse(node, reason, why)

    def _check_text(self, node, reason) -> list:
        """Guards for a formula the fast evaluator could not read at all: what the text and `formulas`
        show. Returns the areas to check."""
        for name in function_names(node.formula):
            if name in POSITIONAL:
                self._refuse(node, reason, f"{name} depends on the cell's position")
        if "&" in node.formula:
            self._refuse(node, reason, _TEXT)
        if any(name in ("MATCH", "LOOKUP", "VLOOKUP", "HLOOKUP", "XLOOKUP") for name in function_names(node.formula)):
            self._refuse(node, reason, "it looks values up, which the fast engine could not read to check")
        if '"' in node.formula:
            self._refuse(node, reason, "its text constants would be read by the `formulas` engine's own rules")
        areas = self.areas(node)
        if not node.array and any(box[0] != box[2] or box[1] != box[3] for _, box in areas):
            self._refuse(node, reason, "it reads a range the fast engine cannot place, which may meet Excel's "
                         "implicit intersection")
        return areas

    def _check_values(self, node, reason, areas) -> None:
        values = self.engine.values
        for sheet, (r1, c1, r2, c2) in areas:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    value = values.get((sheet, r, c))
                    if isinstance(value, float):
                        continue
                    what = ("nothing" if value is None else "an error" if isinstance(value, XlError)
                            else "a logical value" if isinstance(value, bool) else "text")
                    self._refuse(node, reason, f"{sheet}!{column_letters(c)}{r} holds {what}, which the "
                                 "`formulas` engine does not treat as Excel does")

    # -- computing --

    def evaluate(self, node, reason):
        """The formula's value, computed by `formulas`, or a BookError saying why it is refused."""
        reason = str(reason) if reason else None
        function = self._compile(node)
        self._check_functions(node)
        if node.compiled.tree is not None:
            checked = self._check_tree(node, reason)
        else:
            checked = self._check_text(node, reason)
        self._check_values(node, reason, checked)
        inputs = []
        for text in function.inputs:
            sheet, (r1, c1, r2, c2) = self._input_area(node, text)
            area = f"'{sheet.replace(chr(39), chr(39) * 2)}'!{column_letters(c1)}{r1}:{column_letters(c2)}{r2}"
            inputs.append(self.formulas.engine_input(area, self.engine.block(sheet, r1, c1, r2, c2)))
        try:
            with np.errstate(all="ignore"):         # overflow becomes #NUM! through the values, not a warning
                result = self.formulas.plain_result(function(*inputs))
        except Exception as error:  # noqa: BLE001 - the package raises many kinds
            raise BookError(f"{node.where}: the fallback engine failed on ={node.formula} "
                            f"({type(error).__name__})") from None
        if not node.array:
            if isinstance(result, np.ndarray) and result.size > 1:
                self._refuse(node, reason, "the `formulas` engine returns an array where Excel shows one value")
            result = top_left(result)
            if result is None or result is MISSING:
                result = 0.0
        return result
