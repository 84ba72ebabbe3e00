"""The declarations every Excel function is derived from: consistent with the core they call, and the one
source of the xlwings metadata and of the registry's signatures."""

import inspect

import pytest

from addin import catalog, offline_xlwings
from addin.registry import FUNCTIONS


@pytest.mark.parametrize("declaration", catalog.FUNCTIONS, ids=lambda d: d.name)
def test_every_argument_reaches_a_parameter_of_the_core(declaration):
    parameters = inspect.signature(declaration.compute).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for arg in declaration.args:
        assert takes_any or arg.keyword in parameters, (declaration.name, arg.keyword)
    required = [n for n, p in parameters.items() if p.default is inspect.Parameter.empty
                and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert set(required) <= {a.keyword for a in declaration.args}, declaration.name


def test_names_are_unique_and_registered_in_order():
    names = [d.name for d in catalog.FUNCTIONS]
    assert len(names) == len(set(names)) and list(FUNCTIONS) == names


def test_registry_signature_is_the_declared_one():
    for declaration in catalog.FUNCTIONS:
        parameters = inspect.signature(FUNCTIONS[declaration.name]).parameters
        assert list(parameters) == [a.name for a in declaration.args]
        assert [p.default is inspect.Parameter.empty for p in parameters.values()] == \
            [a.required for a in declaration.args]


def test_xlwings_metadata_comes_from_the_declarations():
    module = offline_xlwings.load_udf_module("addin.functions")
    for declaration in catalog.FUNCTIONS:
        info = getattr(module, declaration.name).__xlfunc__
        assert info["category"] == catalog.CATEGORY
        assert info["ret"]["doc"] == declaration.doc
        assert [(a["name"], a["doc"]) for a in info["args"]] == [(a.name, a.doc) for a in declaration.args]


def test_a_required_argument_after_an_optional_one_is_refused():
    with pytest.raises(ValueError, match="follows an optional one"):
        catalog.ExcelFunction("KC_X", "x", (catalog.Arg("a", "number", "a", 0.0), catalog.Arg("b", "number", "b")),
                              lambda a, b: a)
