"""Numbers for people: money with k/M/B suffixes, rates as %, months.

Every helper takes ``None`` (a statistic no path defines) and returns ``—``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Concatenate, ParamSpec

from saas_sim.model.catalog.metrics import METRICS, Kind, label_of

MISSING = "—"

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥"}

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
FIXED_BELOW = 1e5
"""A rate, a multiple, a duration or points this large or larger reads in scientific notation (``2.08e9×``):
written out it would outgrow any column (exp.yaml: LTV/CAC ``2079161311.1×``)."""

P = ParamSpec("P")


def _dash_when_undefined(
    format_value: Callable[Concatenate[float, P], str],
) -> Callable[Concatenate[float | None, P], str]:
    """Let ``format_value`` see only finite numbers; ``None``, NaN and infinities read ``—``."""

    @functools.wraps(format_value)
    def formatter(value: float | None, /, *args: P.args, **kwargs: P.kwargs) -> str:
        return format_value(value, *args, **kwargs) if value is not None and math.isfinite(value) else MISSING

    return formatter


def _three_digits(magnitude: float, keep_zeros: bool = False) -> str:
    """``magnitude`` (>= 0) with about three significant digits.

    With a k/M/B suffix the trailing zeros stay (``3.00k`` beside ``2.94k``), so a
    column keeps one precision; plain numbers drop them (``950``, ``12.5``).
    """
    decimals = 2 if magnitude < 10 else 1 if magnitude < 100 else 0
    text = f"{magnitude:.{decimals}f}"
    if decimals and float(text) in (10.0, 100.0):  # rounded up a decade (9.996 -> 10.00): one decimal less
        text = f"{float(text):.{decimals - 1}f}"
    if keep_zeros:
        return text
    return text.rstrip("0").rstrip(".") if "." in text else text


def scientific(magnitude: float, digits: int = 3, keep_zeros: bool = False) -> str:
    """``magnitude`` (>= 0) in scientific notation with ``digits`` significant digits: ``2.40e28``, ``1.2e-5``;
    without ``keep_zeros`` the mantissa's trailing zeros go (``2.4e28``)."""
    mantissa, exponent = f"{magnitude:.{digits - 1}e}".split("e")
    if not keep_zeros and "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _fixed(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, or to three significant digits in scientific notation from
    :data:`FIXED_BELOW` (where it would round to that or more)."""
    if abs(round(value, decimals)) < FIXED_BELOW:
        return f"{value:.{decimals}f}"
    return ("-" if value < 0 else "") + scientific(abs(value), keep_zeros=True)


@_dash_when_undefined
def format_compact(value: float, keep_zeros: bool = False) -> str:
    """``1234567`` -> ``1.23M``, ``-950`` -> ``-950``, ``12_300`` -> ``12.3k``; from a thousand trillions
    on, scientific notation: ``2.4e28``.

    ``keep_zeros``: ``3.00k`` rather than ``3k``, for columns of figures.
    """
    magnitude = abs(value)
    for size, suffix in _SUFFIXES:
        scaled = _three_digits(magnitude / size, keep_zeros)
        if float(scaled) >= 1:  # after rounding, so that 999_999 reads 1.00M, not 1000k
            text = scaled + suffix
            if float(scaled) >= 1000:  # beyond the largest suffix
                text = scientific(magnitude, keep_zeros=keep_zeros)
            break
    else:
        text = _three_digits(magnitude)
    if text == "0":
        return text
    return ("-" if value < 0 else "") + text


@_dash_when_undefined
def format_money(value: float, currency: str = "USD", keep_zeros: bool = False) -> str:
    """``2_310_000, "USD"`` -> ``$2.31M``; ``-350_000, "EUR"`` -> ``-€350k``; other codes trail: ``12k CHF``."""
    text = format_compact(value, keep_zeros)
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    if symbol is None:
        return f"{text} {currency}"
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


@_dash_when_undefined
def format_rate(value: float) -> str:
    """A fraction as a percentage: ``0.153`` -> ``15.3%``."""
    return f"{_fixed(100.0 * value, 1)}%"


@_dash_when_undefined
def format_months(value: float) -> str:
    """A duration in months: ``7.26`` -> ``7.3 mo``."""
    return f"{_fixed(value, 1)} mo"


@_dash_when_undefined
def format_month(value: float) -> str:
    """A month of the horizon: ``14`` -> ``month 14``."""
    return f"month {_fixed(value, 0)}"


@_dash_when_undefined
def format_count(value: float) -> str:
    """A number of accounts: ``1234.4`` -> ``1,234``, ``123_456`` -> ``123k``."""
    return f"{value:,.0f}" if abs(value) < 10_000 else format_compact(value)


@_dash_when_undefined
def format_multiple(value: float) -> str:
    """A ratio such as LTV/CAC: ``3.14`` -> ``3.1×``."""
    return f"{_fixed(value, 1)}×"


@_dash_when_undefined
def format_points(value: float) -> str:
    """Percentage points (rule of 40): ``41.7`` -> ``42 pts``."""
    return f"{_fixed(value, 0)} pts"


Formatter = Callable[[float | None], str]


# How a program's effects (SPEC 2.7) read where goal and sensitivity name them ``programs.<name>.<effect>``,
# and their words; the effects of saas_sim.engine.simulate.PROGRAM_EFFECTS, in its order.
PROGRAM_EFFECT_KINDS: dict[str, Kind] = {
    "cost": "money",
    "saved_customers": "count",
    "saved_arr": "money",
    "extra_gross_profit": "money",
    "roi": "multiple",
    "roi_arr": "multiple",
    "churn_change_pp": "number",  # points of annualized churn to a tenth (-0.5); its label says points
}
PROGRAM_EFFECT_LABELS: dict[str, str] = {
    "cost": "cost",
    "saved_customers": "saved customers",
    "saved_arr": "saved ARR",
    "extra_gross_profit": "extra gross profit",
    "roi": "ROI",
    "roi_arr": "ARR kept per unit spent",
    "churn_change_pp": "change of annualized churn (points)",
}


def _program_effect(metric: str) -> tuple[str, str] | None:
    """``(program, effect)`` of ``programs.<name>.<effect>``, else None."""
    head, _, effect = metric.rpartition(".")
    prefix, _, name = head.partition(".")
    return (name, effect) if prefix == "programs" and name and effect in PROGRAM_EFFECT_KINDS else None


def metric_kind(metric: str) -> Kind:
    """How a metric of SPEC 3 reads (the catalog's ``kind``), or a program's effect (``programs.Save.roi_arr``);
    a name the catalog lacks reads as a plain number."""
    found = METRICS.get(metric)
    if found is not None:
        return found.kind
    program = _program_effect(metric)
    return PROGRAM_EFFECT_KINDS[program[1]] if program is not None else "number"


_FORMATTERS: dict[str, Formatter] = {
    "count": format_count,
    "rate": format_rate,
    "month": format_month,
    "months": format_months,
    "multiple": format_multiple,
    "points": format_points,
}


def formatter_for(metric: str, currency: str = "USD") -> Formatter:
    """The formatter of a metric name of SPEC 3 (plain compact numbers when unknown)."""
    kind = metric_kind(metric)
    if kind == "money":
        return lambda value: format_money(value, currency, keep_zeros=True)
    return _FORMATTERS.get(kind, format_compact)


NOISE_SHARE = 1e-9
"""A standard error under this share of its mean's magnitude is floating-point noise on a metric every path
gives alike (vicious-cycle's LTV/CAC: 5e-18 on 1.5): it reads 0."""


def _significant(value: float, digits: int = 2) -> float:
    """``value`` rounded to ``digits`` significant digits: ``4384.3`` -> ``4400.0``."""
    return float(f"{value:.{digits}g}")


def _two_digits(value: float) -> str:
    """Two significant digits: ``0.0123`` -> ``0.012``, ``1234`` -> ``1,200``; in scientific notation
    from a million and under 0.0001, where the zeros would outgrow the figure: ``1.2e6``, ``3.5e-7``."""
    if value == 0 or not math.isfinite(value):
        return "0"
    rounded = _significant(value)
    if not 1e-4 <= abs(rounded) < 1e6:
        return ("-" if rounded < 0 else "") + scientific(abs(rounded), digits=2, keep_zeros=True)
    digits = max(0, 1 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:,.{digits}f}"


def _money_error(value: float, currency: str) -> str:
    """A sum of money to two significant digits: ``4384`` -> ``$4.4k``, ``365`` -> ``$370``, ``1.08`` -> ``$1.1``."""
    rounded = _significant(value)
    text = _two_digits(rounded) if abs(rounded) < 1000 else format_compact(rounded)
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{text} {currency}" if symbol is None else f"{symbol}{text}"


def is_noise(error: float, mean: float | None) -> bool:
    """Whether a standard error is floating-point noise beside its mean (see :data:`NOISE_SHARE`)."""
    return mean is not None and math.isfinite(mean) and error <= NOISE_SHARE * abs(mean)


def format_error(metric: str, value: float | None, currency: str = "USD", *, mean: float | None = None) -> str:
    """A standard error in its metric's unit, to two significant digits: ``0.31 pp``, ``0.042×``, ``$4.4k``.

    Given the ``mean`` it is the error of, an error that is only floating-point noise beside it
    (:data:`NOISE_SHARE`) reads 0: the metric is the same on every path.
    """
    if value is None or not math.isfinite(value):
        return MISSING
    if is_noise(value, mean):
        value = 0.0
    kind = metric_kind(metric)
    if kind == "money":
        return _money_error(value, currency)
    if kind == "rate":
        return f"{_two_digits(value * 100)} pp"
    if kind in ("month", "months"):
        return f"{_two_digits(value)} mo"
    if kind == "multiple":
        return f"{_two_digits(value)}×"
    if kind == "points":
        return f"{_two_digits(value)} pts"
    return _two_digits(value)


def metric_label(metric: str) -> str:
    """A metric name as a label: ``nrr_12m_end`` -> ``NRR 12m end``, ``ltv_cac`` -> ``LTV/CAC`` (the catalog's),
    ``programs.Save.roi_arr`` -> ``Save: ARR kept per unit spent``."""
    found = METRICS.get(metric)
    if found is not None:
        return found.label
    program = _program_effect(metric)
    return f"{program[0]}: {PROGRAM_EFFECT_LABELS[program[1]]}" if program is not None else label_of(metric)
