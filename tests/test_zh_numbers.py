import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from report_gen import zh_numbers as zn


@pytest.mark.parametrize(
    ("value", "expected"),
    [(97.25, "97.3"), (88.85, "88.9"), (0.05, "0.1"), (2.675, "2.7"), (100, "100"), (64.0, "64")],
)
def test_half_up_not_bankers(value, expected):
    assert zn.decimal_text(value) == expected


def test_percent_text():
    assert zn.percent_text(400 / 450 * 100) == "88.9%"
    assert zn.percent_text(100) == "100.0%"  # one decimal throughout a document
    assert zn.percent_text(4) == "4.0%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (48_612, "近5万"),
        (48_600, "近5万"),
        (50_000, "5万"),
        (50_400, "5万余"),
        (32_100, "3.2万"),
        (17_000, "1.7万"),
        (19_500, "近2万"),
        (612, "600多"),
        (9_999, "9900多"),
        (99_999_999, "近1亿"),
    ],
)
def test_near_text(value, expected):
    assert zn.near_text(value) == expected


@pytest.mark.parametrize(
    ("value", "suffix", "expected"),
    [
        (612, "多", "600多"),
        (1131, "余", "1100余"),
        (600, "多", "600"),
        (7, "多", "7"),
        (45, "多", "40多"),
        (12_345, "余", "1.2万余"),
    ],
)
def test_approx_text(value, suffix, expected):
    assert zn.approx_text(value, suffix) == expected


def test_change_wording():
    assert zn.count_change_text(450, 432, "家") == "比上年增加18家，增长4.2%"
    assert zn.count_change_text(10, 12, "个") == "比上年减少2个，下降16.7%"
    assert zn.count_change_text(5, 5, "个") == "与上年持平"
    assert zn.rate_change_text(64.44, 49.5) == "比上年提高14.9个百分点"
    assert zn.rate_change_text(50.0, 52.0) == "比上年下降2.0个百分点"
    assert zn.yoy_text(105, 100) == "同比增长5.0%"
    assert zn.yoy_text(100, 100) == "同比持平"


def test_numerals_and_dates():
    assert [zn.cn_numeral(n) for n in (1, 3, 10, 11, 20, 23, 99)] == [
        "一",
        "三",
        "十",
        "十一",
        "二十",
        "二十三",
        "九十九",
    ]
    assert zn.date_text(dt.date(2025, 12, 5)) == "2025年12月5日"
    assert zn.period_text(dt.date(2025, 11, 25), dt.date(2025, 11, 30)) == "2025年11月25日至30日"
    assert zn.period_text(dt.date(2025, 11, 25), dt.date(2025, 12, 2)) == "2025年11月25日至12月2日"


@given(st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False))
def test_round_half_up_matches_decimal_arithmetic(value):
    # Half up means: add half a unit and cut; never round-half-even.
    expected = (value * 10 + Decimal("0.5")).to_integral_value(rounding="ROUND_FLOOR") / 10
    assert zn.round_half_up(value, 1) == expected


@given(st.integers(min_value=10, max_value=9_999_999))
def test_approx_never_overstates(n):
    text = zn.approx_text(n, "多")
    number = text.rstrip("多")
    shown = float(number[:-1]) * 10_000 if number.endswith("万") else float(number)
    # "600多" means 600 <= n < 700: the next round number of the same step is never reached.
    step = 10 if n < 100 else (100 if n < 10_000 else 1_000)
    assert shown <= n < shown + step
    assert text.endswith("多") == (shown != n)


@given(st.integers(min_value=10_000, max_value=99_999_999))
def test_near_is_within_a_tenth(n):
    text = zn.near_text(n)
    scale = 100_000_000 if "亿" in text else 10_000
    number = float(text.strip("近余万亿")) * scale
    assert abs(number - n) / n < 0.07
    if text.startswith("近"):
        assert number > n
    if text.endswith("余"):
        assert number < n


@given(st.integers(min_value=1, max_value=99))
def test_numerals_are_distinct_and_parse_back(n):
    table = {c: i for i, c in enumerate("零一二三四五六七八九")}
    text = zn.cn_numeral(n)
    if text.startswith("十"):
        text = "一" + text
    tens, _, ones = text.partition("十") if "十" in text else ("零", "", text)
    assert table[tens] * 10 + (table[ones] if ones else 0) == n


def test_places_are_counted_by_kind_from_their_names():
    streets = ["清河街道"] * 1 + [f"{c}街道" for c in "甲乙丙丁戊己庚辛"] + ["石桥镇"]
    assert zn.places_text(streets) == "9个街道和1个镇"
    assert zn.places_text(["甲街道", "乙镇", "丙镇", "丁乡"]) == "1个街道、2个镇和1个乡"
    assert zn.places_text(["甲街道", "乙街道"]) == "2个街道"
    assert zn.places_text(["甲街道", "经济开发区"]) == "2个街道（乡镇）"  # a kind it cannot tell


def test_a_change_as_a_predicate():
    assert zn.change_phrase(450, 432, "家") == "增加18家（增长4.2%）"
    assert zn.change_phrase(64.44, 49.5, rate=True) == "提高14.9个百分点"
    assert zn.change_phrase(50, 50, "家") == "持平"
