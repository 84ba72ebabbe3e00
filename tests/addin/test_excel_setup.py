from pathlib import Path

from addin import excel_setup
from workbook import commands as cli


def test_plan_points_xlwings_at_our_module_and_this_python(tmp_path):
    plan = excel_setup.plan(r"C:\Python311\python.exe", Path("C:/Users/ana"), None)
    assert plan.commands == [[r"C:\Python311\python.exe", "-m", "xlwings", "addin", "install"]]
    assert plan.config_path == Path("C:/Users/ana") / ".xlwings" / "xlwings.conf"
    assert plan.config_text == '"UDF Modules","addin.functions"\n"Interpreter_Win","C:\\Python311\\python.exe"\n'
    assert "Import Functions" in plan.manual_step and "Self-check" in plan.manual_step


def test_plan_keeps_other_settings_and_adds_the_source_folder():
    existing = '"UDF Modules","old_module"\n"Show Console","True"\n'
    plan = excel_setup.plan("py.exe", Path("/home/a"), Path("/src/kc"), existing)
    assert plan.config_text.splitlines() == ['"Show Console","True"', '"UDF Modules","addin.functions"',
                                             '"Interpreter_Win","py.exe"', '"PYTHONPATH","/src/kc"']


def test_excel_setup_refuses_off_windows(capsys):
    assert excel_setup.run("linux") == 2
    assert "needs Windows" in capsys.readouterr().err
    assert cli.main(["excel-setup"]) == 2


def test_template_carries_the_same_udf_module(built_book):
    import openpyxl

    conf = openpyxl.load_workbook(built_book)["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", excel_setup.UDF_MODULE)
