import pytest

from kcfuncs import KCInputError, rating, upside


def test_seed_000_buy():
    assert upside(17.6, 13.77) == pytest.approx(0.278, abs=0.0005)
    assert rating(17.6, 13.77) == "Buy"
    assert rating(17.6, 13.77, "buy_hold_sell", "zh") == "买入"


def test_seed_002_underweight():
    assert rating(5.10, 8.30, "overweight_underweight") == "Underweight"
    assert rating(5.10, 8.30, "overweight_underweight", "zh") == "减持"


@pytest.mark.parametrize("target, expected", [
    (12.0, "Buy"),      # exactly +20% (12 / 10 - 1 is 0.19999999999999996 in floating point)
    (11.99, "Hold"), (10.0, "Hold"), (8.01, "Hold"),
    (8.0, "Sell"),      # exactly -20%
    (1.0, "Sell"),
])
def test_buy_hold_sell_boundaries_as_the_seed_words_them(target, expected):
    assert rating(target, 10.0) == expected


@pytest.mark.parametrize("target, expected", [(11.0, "Overweight"), (10.99, "Neutral"), (9.01, "Neutral"),
                                              (9.0, "Underweight")])
def test_overweight_underweight_boundaries(target, expected):
    assert rating(target, 10.0, "overweight_underweight") == expected


def test_chinese_labels():
    assert [rating(t, 10, "buy_hold_sell", "zh") for t in (13, 10, 7)] == ["买入", "持有", "卖出"]
    assert [rating(t, 10, "overweight_underweight", "zh") for t in (12, 10, 8)] == ["增持", "中性", "减持"]


def test_custom_scale():
    scale = [(0.3, "Strong buy"), (0.1, "Buy"), (-0.1, "Hold"), (-1.0, "Sell")]
    assert rating(13.0, 10.0, scale) == "Strong buy"
    assert rating(11.0, 10.0, scale) == "Buy"
    assert rating(9.0, 10.0, scale) == "Hold"
    assert rating(8.0, 10.0, scale) == "Sell"
    assert rating(0.0, 10.0, scale) == "Sell"   # below the lowest minimum: still the lowest label


@pytest.mark.parametrize("args, message", [
    ((1, 0), r"price \(0\) must be greater than zero"),
    ((1, 10, "stars"), r"scale \('stars'\) must be one of: buy_hold_sell, overweight_underweight"),
    ((1, 10, "buy_hold_sell", "fr"), r"language \('fr'\) must be one of: en, zh"),
    ((1, 10, [(0.1, "Buy"), (0.1, "Hold")]), "share the minimum"),
    ((1, 10, [(0.1, 5)]), "label .* must be text"),
    ((1, 10, []), r"scale has 0 row\(s\); give at least two"),
    ((12, 10, [(0.2, "Buy")]), r"scale has 1 row\(s\); give at least two"),
    ((float("nan"), 10), r"target \(NaN\)"),
])
def test_errors(args, message):
    with pytest.raises(KCInputError, match=message):
        rating(*args)
