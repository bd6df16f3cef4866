"""Numbers, dates and section numerals written the way Chinese official documents write them.

Rounding is half up (97.25 -> 97.3), as readers of official figures expect,
never Python's round-half-even on binary floats. Approximations follow common
usage: ``近5万人`` for 48,600, ``600多人次`` for 612, ``1100余条`` for 1,131.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

_DIGITS = "零一二三四五六七八九"


def round_half_up(value: float | int | Decimal, digits: int = 1) -> Decimal:
    """``value`` rounded half up to ``digits`` decimals (via its shortest decimal repr)."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def decimal_text(value: float | int | Decimal, digits: int = 1) -> str:
    """Half-up rounded text; whole values print without decimals (``100``, ``88.9``)."""
    if float(value) == int(float(value)):
        return str(int(float(value)))
    return f"{round_half_up(value, digits):f}"


def percent_text(value: float | int, digits: int = 1) -> str:
    """A share already in percent (0-100), always with ``digits`` decimals: ``88.9%``, ``100.0%``,
    ``4.0%``. GB/T 15835 allows either way; a document keeps one, and a report with a single
    rate of 64.4% keeps one decimal throughout (never ``下降4%`` beside ``下降5.6%``)."""
    return f"{round_half_up(value, digits):f}%"


def points_text(value: float | int | Decimal) -> str:
    """A difference between two rates in 百分点, one decimal as the rates: ``4.4个百分点``, ``15.0个百分点``."""
    return f"{round_half_up(value, 1):f}个百分点"


def integer_text(value: float | int) -> str:
    return str(int(round_half_up(value, 0)))


def _floor_to(value: int, step: int) -> int:
    return (value // step) * step


def _approx_step(value: int) -> int:
    if value < 100:
        return 10
    return 100


def approx_text(value: float | int, suffix: str = "多") -> str:
    """Round down to a round number and say "more than": ``600多`` (612), ``1100余`` (1131).

    Values under 10, and values that are already round, are written exactly.
    Values of 10,000 and more are written in 万 (``4.8万余``).
    """
    n = int(value)
    if n < 10:
        return str(n)
    if n >= 10_000:
        wan = Decimal(n) / Decimal(10_000)
        wan_floor = wan.quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
        text = f"{wan_floor.normalize():f}万"
        return text if wan_floor == wan else text + suffix
    floored = _floor_to(n, _approx_step(n))
    return str(n) if floored == n else f"{floored}{suffix}"


def near_text(value: float | int) -> str:
    """Large amounts as officials say them: ``近5万`` (48,600), ``1.7万`` (17,000), ``5万余`` (50,400).

    ``近N`` only when the amount is within 6% below N, ``N余`` only within 5% above,
    so the wording never misleads. Below 10,000 this is :func:`approx_text`; from
    100 million on, the unit is 亿.
    """
    n = float(value)
    if n < 10_000:
        return approx_text(n)
    unit, size = ("亿", Decimal(100_000_000)) if n >= 99_500_000 else ("万", Decimal(10_000))
    amount = Decimal(str(n)) / size
    if amount == amount.to_integral_value():
        return f"{int(amount)}{unit}"
    ceiling = Decimal(math.ceil(amount))
    if (ceiling - amount) / ceiling <= Decimal("0.06"):
        return f"近{int(ceiling)}{unit}"
    floor = Decimal(math.floor(amount))
    if (amount - floor) / floor < Decimal("0.05"):
        return f"{int(floor)}{unit}余"
    return f"{round_half_up(amount, 1).normalize():f}{unit}"


def large_text(value: float | int) -> str:
    """Exact below 10,000; in 万 or 亿 above, one decimal half up (``12.5万``, ``1.2亿``)."""
    n = float(value)
    if abs(n) >= 1e8:
        return decimal_text(n / 1e8) + "亿"
    if abs(n) >= 1e4:
        return decimal_text(n / 1e4) + "万"
    return decimal_text(n)


def _count_change(current: float, previous: float, unit: str) -> tuple[str, str] | None:
    """A count's change as (``增加12家``, ``增长5.2%``; the second empty when last year was 0), or
    ``None`` when it held."""
    diff = current - previous
    if diff == 0:
        return None
    verb, noun = ("增加", "增长") if diff > 0 else ("减少", "下降")
    growth = f"{noun}{percent_text(abs(diff) / previous * 100)}" if previous else ""
    return f"{verb}{decimal_text(abs(diff))}{unit}", growth


def _rate_change(current: float, previous: float) -> str | None:
    """A rate's change in 百分点 as printed (both rounded first): ``提高3.2个百分点``, ``None`` when held."""
    points = round_half_up(current, 1) - round_half_up(previous, 1)
    if points == 0:
        return None
    return ("提高" if points > 0 else "下降") + points_text(abs(points))


def count_change_text(current: float, previous: float, unit: str = "") -> str:
    """``比上年增加12家，增长5.2%`` / ``比上年减少3个`` / ``与上年持平``."""
    change = _count_change(current, previous, unit)
    if change is None:
        return "与上年持平"
    amount, growth = change
    return f"比上年{amount}" + (f"，{growth}" if growth else "")


def change_phrase(current: float, previous: float, unit: str = "", rate: bool = False) -> str:
    """A change from last year as the predicate of a clause whose subject names the figure:
    ``增加18家（增长4.2%）``, ``减少3个``, ``提高14.9个百分点``, ``持平``."""
    if rate:
        return _rate_change(current, previous) or "持平"
    change = _count_change(current, previous, unit)
    if change is None:
        return "持平"
    amount, growth = change
    return amount + (f"（{growth}）" if growth else "")


def rate_change_text(current: float, previous: float) -> str:
    """A change between two percentages, in 百分点: ``比上年提高3.2个百分点``."""
    change = _rate_change(current, previous)
    return f"比上年{change}" if change else "与上年持平"


def yoy_text(current: float, previous: float) -> str:
    """``同比增长5.2%`` / ``同比下降1.3%`` / ``同比持平``."""
    if previous == 0:
        return "同比持平" if current == 0 else "上年为零，无同比"
    change = (current - previous) / previous * 100
    if round_half_up(change, 1) == 0:
        return "同比持平"
    verb = "增长" if change > 0 else "下降"
    return f"同比{verb}{percent_text(abs(change))}"


def cn_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九 (1..99)."""
    if not 1 <= n <= 99:
        raise ValueError(f"section numeral out of range: {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def section_number(level: int, n: int) -> str:
    """The number of the n-th heading at a level: ``一、`` ``（一）`` ``1.`` ``（1）``."""
    if level == 1:
        return f"{cn_numeral(n)}、"
    if level == 2:
        return f"（{cn_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def date_text(day: dt.date) -> str:
    """``2025年12月5日``: Arabic numerals, no zero padding (GB/T 9704 成文日期)."""
    return f"{day.year}年{day.month}月{day.day}日"


def month_day_text(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def period_text(start: dt.date, end: dt.date) -> str:
    """``2025年11月25日至30日`` within a month, ``2025年11月25日至12月2日`` across months, both years
    when they differ: the year is always stated, so a survey date is never read against the wrong year."""
    if start.year != end.year:
        return f"{date_text(start)}至{date_text(end)}"
    if start.month == end.month:
        return f"{date_text(start)}至{end.day}日"
    return f"{date_text(start)}至{month_day_text(end)}"


PLACE_KINDS = ("街道", "镇", "乡")
"""Kinds of township-level place, told apart by the last characters of their names."""


def places_text(names: list[str], fallback_word: str = "街道（乡镇）") -> str:
    """How many places of each kind the names are: ``9个街道和1个镇``, ``8个街道、3个镇和2个乡``,
    ``10个街道``. A name of no known kind (开发区) makes it ``11个街道（乡镇）``, counted together."""
    counts = dict.fromkeys(PLACE_KINDS, 0)
    for name in names:
        kind = next((k for k in PLACE_KINDS if str(name).strip().endswith(k)), None)
        if kind is None:
            return f"{len(names)}个{fallback_word}"
        counts[kind] += 1
    parts = [f"{n}个{kind}" for kind, n in counts.items() if n]
    if not parts:
        return f"0个{fallback_word}"
    return parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "和" + parts[-1]
