"""--data for refresh and set: every input a data file gives, a partial file only its own keys, every value
checked; a data file that cannot be read is one line."""

import pytest

from workbook import commands as cli
from workbook.company import default_data_path
from workbook.xlsx.book import Workbook

from tests.conftest import named


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def value(path, name):
    sheet, ref = named(path, name)
    return Workbook.open(path).value(sheet, ref)


def write(tmp_path, text, name="partial.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_partial_data_file_changes_only_its_keys(book_copy, tmp_path, capsys):
    code, _, err = run(capsys, "set", book_copy, "Shares=5000")          # an earlier edit
    assert code == 0, err
    before = {n: value(book_copy, n) for n in ("Price", "Shares", "NetDebt", "Case_base_WACC", "Case_bull_WACC")}
    data = write(tmp_path, '[valuation]\nprice = 9.10\n\n[[scenarios]]\nname = "base"\nwacc = 0.11\n')
    code, out, err = run(capsys, "refresh", book_copy, "--data", data)
    assert code == 0, err
    after = {n: value(book_copy, n) for n in before}
    assert after == {**before, "Price": 9.1, "Case_base_WACC": 0.11}   # Shares stays 5000: not reverted
    assert f"Price {where(book_copy, 'Price')}: 8.3 -> 9.1" in out
    assert f"Case_base_WACC {where(book_copy, 'Case_base_WACC')}: 10.5% -> 11.0%" in out
    assert "2 inputs changed (0 unchanged)" in out


def where(path, name) -> str:
    sheet, ref = named(path, name)
    return f"{sheet}!{ref}"


def test_the_options_dates_and_multiples_of_a_data_file_are_applied(book_copy, tmp_path, capsys):
    data = write(tmp_path, '[valuation]\nlive_scenario = "bull"\nconvention = "mid"\nvaluation_date = "2025-12-31"\n'
                           'rating_scale = "buy_hold_sell"\n\n[valuation.multiple]\nmultiple = 4.0\ncount = 280\n')
    code, out, err = run(capsys, "refresh", book_copy, "--data", data)
    assert code == 0, err
    assert [value(book_copy, n) for n in ("Scenario", "Convention", "RatingScale", "PS_Multiple", "PS_Count")] == \
        ["bull", "mid", "buy_hold_sell", 4.0, 280.0]
    assert f"ValuationDate {where(book_copy, 'ValuationDate')}: 2025-09-16 -> 2025-12-31" in out
    assert "6 inputs changed" in out


def test_the_whole_embedded_data_file_changes_nothing_in_a_book_built_from_it(book_copy, tmp_path, capsys):
    before = tmp_path / "before.xlsx"
    before.write_bytes(book_copy.read_bytes())
    code, out, err = run(capsys, "refresh", book_copy, "--data", default_data_path())
    assert code == 0, err
    assert ": 0 changed" not in out and " 0 changed, 0 inputs changed" in out
    assert Workbook.open(book_copy).cached_values() == Workbook.open(before).cached_values()


def test_set_applies_the_data_file_first_then_the_pairs(book_copy, tmp_path, capsys):
    data = write(tmp_path, "[valuation]\nprice = 9.10\nshares = 4100\n")
    code, out, err = run(capsys, "set", book_copy, "--data", data, "Price=9.50")
    assert code == 0, err
    assert value(book_copy, "Price") == 9.5 and value(book_copy, "Shares") == 4100


@pytest.mark.parametrize("text, message", [
    ("[valuation]\nprice = nan\n", "valuation.price (NaN) must be a finite number"),
    ("[valuation]\nshares = -4099.28\n", "valuation.shares (-4099.28) must be greater than zero"),
    ('[valuation]\nprice = "8.30"\n', "valuation.price ('8.30') must be a number"),
    ("[valuation]\nfx = true\n", "valuation.fx (True) must be a number"),
    ('[valuation]\nlive_scenario = "worst"\n', "valuation.live_scenario ('worst') must be one of: bear, base, bull"),
    ('[valuation]\nconvention = "dated"\n', "valuation.convention ('dated') must be one of: end, mid"),
    ('[valuation]\nvaluation_date = "yesterday"\n', "valuation.valuation_date ('yesterday') must be a date"),
    ('[[scenarios]]\nname = "base"\nterminal_growth = 0.12\n',
     "Case_base_WACC (10.5%) must exceed Case_base_TerminalGrowth (12.0%)"),
    ('[[scenarios]]\nname = "base"\ngrowth = [0.1, 0.1]\n', "defined name Case_base_Growth covers 4 cells but the "
                                                             "data file gives 2 value(s)"),
    ("valuation = 5\n", "valuation must be a table"),
    ('scenarios = "base"\n', "scenarios must be a list of tables"),
    ("[[scenarios]]\nwacc = 0.1\n", "scenarios[1] has no 'name'"),
    ("[[income_statement]]\nkey = \"revenue\"\nvalues = [1, \"x\", 3, 4, 5]\n",
     "income_statement.revenue.values[2] ('x') must be a finite number"),
    ("price = = 3\n", "is not valid TOML"),
])
def test_a_bad_data_file_is_one_line_and_writes_nothing(book_copy, tmp_path, capsys, text, message):
    data = write(tmp_path, text)
    before = book_copy.read_bytes()
    for verb in ("refresh", "set"):
        code, out, err = run(capsys, verb, book_copy, "--data", data)
        assert code == 2 and out == "", (verb, out)
        assert err.count("\n") == 1 and message in err, (verb, err)
        assert book_copy.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Model.xlsx", "partial.toml"]


@pytest.mark.parametrize("kind, message", [
    ("directory", "is a directory, not a file"),
    ("latin-1", "is not UTF-8 text (byte 0xe9 at offset"),
    ("missing", "does not exist"),
    ("device", "is not a regular file"),
])
def test_a_data_file_that_cannot_be_read(book_copy, tmp_path, capsys, kind, message):
    if kind == "directory":
        data = tmp_path / "data.toml"
        data.mkdir()
    elif kind == "latin-1":
        data = tmp_path / "data.toml"
        data.write_bytes('[company]\nname_en = "Société"\n'.encode("latin-1"))
    elif kind == "missing":
        data = tmp_path / "nope.toml"
    else:
        data = "/dev/zero"
    before = book_copy.read_bytes()
    for argv in (["refresh", book_copy, "--data", data], ["value", "--data", data], ["build", "--data", data,
                                                                                      "-o", tmp_path / "B.xlsx"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and err.count("\n") == 1 and message in err, (argv[0], err)
    assert book_copy.read_bytes() == before


def test_kc_value_refuses_what_refresh_refuses(tmp_path, capsys):
    text = default_data_path().read_text(encoding="utf-8").replace("price = 8.30 ", "price = nan ", 1)
    data = write(tmp_path, text, "nan_price.toml")
    code, out, err = run(capsys, "value", "--data", data)
    assert code == 2 and "valuation.price (NaN) must be a finite number" in err
