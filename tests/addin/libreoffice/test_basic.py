"""The Basic wrappers are derived from the catalog, guarded, and added to a Standard library without touching
the modules already there."""

import re

import pytest

from addin.catalog import FUNCTIONS
from addin.libreoffice import BASIC_MODULE, SetupError, basic


def wrappers(code):
    """{function name: (parameters, body)} of every public Function of the module."""
    found = {}
    for m in re.finditer(r"^Function (\w+)\((.*?)\)\n(.*?)^End Function", code, re.S | re.M):
        params = [p.strip() for p in m[2].replace("_\n", " ").split(",") if p.strip()]
        found[m[1]] = (params, m[3])
    return found


def test_one_wrapper_per_catalog_function_with_every_parameter_optional_and_prefixed():
    found = wrappers(basic.module_code())
    assert list(found) == [f.name for f in FUNCTIONS]
    for function in FUNCTIONS:
        params, body = found[function.name]
        assert params == [f"Optional p_{a.name}" for a in function.args], function.name
        # Every declared parameter is forwarded, in order, through KcArg (missing -> Empty).
        forwarded = re.findall(r"KcArg\((p_\w+)\)", body)
        assert forwarded == [f"p_{a.name}" for a in function.args]
        assert f'KcCall("{function.name}", Array(' in body.replace(" _\n        ", "")


def test_every_function_handles_its_errors_and_no_name_is_a_basic_keyword():
    code = basic.module_code()
    functions = re.findall(r"^(?:Private )?Function (\w+)\(", code, re.M)
    bodies = re.findall(r"^(?:Private )?Function \w+\(.*?^End Function", code, re.S | re.M)
    public = [b for b in bodies if not b.startswith("Private")]
    assert len(public) == len(FUNCTIONS)
    assert all("On Error GoTo failed" in b and "KcFailure(" in b for b in public)
    # Parameter names that are Basic keywords (Output, Name, ...) stop the module compiling: all prefixed.
    for params in re.findall(r"^Function \w+\((.*?)\)$", code, re.S | re.M):
        names = re.findall(r"Optional (\w+)", params)
        assert names and all(n.startswith("p_") for n in names)
    assert len(functions) == len(set(f.upper() for f in functions))


def test_the_module_file_escapes_the_code():
    xml = basic.module_xml('x = "a<b" & c')
    assert "&quot;a&lt;b&quot; &amp; c" in xml and f'script:name="{BASIC_MODULE}"' in xml


PRESET_XLB = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Module1"/>
 <library:element library:name="MyTools"/>
</library:library>
"""


def standard_library(tmp_path, xlb=PRESET_XLB):
    folder = tmp_path / "basic"
    (folder / "Standard").mkdir(parents=True)
    (folder / "script.xlc").write_text("container", encoding="utf-8")
    (folder / "Standard" / "script.xlb").write_text(xlb, encoding="utf-8")
    (folder / "Standard" / "Module1.xba").write_bytes(b"user's own module \x00 bytes")
    (folder / "Standard" / "MyTools.xba").write_bytes(b"more of the user's work")
    return folder


def test_adding_the_module_keeps_the_other_modules_and_is_idempotent(tmp_path):
    folder = standard_library(tmp_path)
    before = {p.name: p.read_bytes() for p in (folder / "Standard").iterdir()}
    module = basic.add_module(folder)
    assert module == folder / "Standard" / f"{BASIC_MODULE}.xba"
    index = (folder / "Standard" / "script.xlb").read_text(encoding="utf-8")
    assert index == PRESET_XLB.replace("</library:library>",
                                       f' <library:element library:name="{BASIC_MODULE}"/>\n</library:library>')
    for name in ("Module1.xba", "MyTools.xba"):
        assert (folder / "Standard" / name).read_bytes() == before[name]
    assert (folder / "script.xlc").read_text(encoding="utf-8") == "container"
    first = {p.name: p.read_bytes() for p in (folder / "Standard").iterdir()}
    basic.add_module(folder)
    assert {p.name: p.read_bytes() for p in (folder / "Standard").iterdir()} == first
    assert not list(folder.rglob("*.kc-tmp"))


def test_an_empty_library_and_a_missing_folder(tmp_path):
    empty = PRESET_XLB.split("<library:library ")[0] + ('<library:library xmlns:library="http://openoffice.org/2000/'
                                                         'library" library:name="Standard" library:readonly="false" '
                                                         'library:passwordprotected="false"/>\n')
    folder = standard_library(tmp_path, empty)
    basic.add_module(folder)
    index = (folder / "Standard" / "script.xlb").read_text(encoding="utf-8")
    assert index.endswith(f'>\n <library:element library:name="{BASIC_MODULE}"/>\n</library:library>\n')
    fresh = tmp_path / "fresh"
    basic.add_module(fresh)
    assert {p.name for p in fresh.rglob("*") if p.is_file()} == {"script.xlc", "dialog.xlc", "script.xlb",
                                                                 "dialog.xlb", f"{BASIC_MODULE}.xba"}


@pytest.mark.parametrize("attribute", ['library:passwordprotected="true"', 'library:readonly="true"'])
def test_a_protected_library_is_refused_in_one_line(tmp_path, attribute):
    xlb = PRESET_XLB.replace('library:passwordprotected="false"', "").replace('library:readonly="false"', attribute)
    folder = standard_library(tmp_path, xlb)
    with pytest.raises(SetupError) as raised:
        basic.add_module(folder)
    assert str(raised.value).startswith(str(folder / "Standard" / "script.xlb")) and "\n" not in str(raised.value)
    assert not (folder / "Standard" / f"{BASIC_MODULE}.xba").exists()
