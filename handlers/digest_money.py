"""Money and time for leaders: learner-hours, trainer time, external cost avoided, net value, return.

Every amount comes with the formula that produced it, in one short line a
leader can check by hand. Amounts are formatted by Babel from the community's
ISO currency code (no hand-written currency tables); without rates the digest
shows hours only and one line saying how an admin sets them.

The model, on purpose simple enough to check:

- delivery hours = the held sessions' lengths;
- trainer time invested = delivery hours × (1 + prep-ratio);
- external cost avoided = delivery hours × external-rate (what a comparable
  external trainer would have charged for the same hours);
- internal cost = trainer time invested × internal-rate (the employees' time);
- net value = external cost avoided − internal cost; return = avoided ÷ internal cost.

Learners' own time is left out: they would spend it with an external trainer too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal, get_currency_symbol, list_currencies

from handlers.tokens import UsageError, clip, whole_number

HOW_TO_SET = ("💡 To see cost avoided and return, an admin sets the rates: `admin set external-rate 150`, "
              "`admin set internal-rate 60`, `admin set currency EUR` (and `admin set prep-ratio 2`).")
LOCALE = "en"


@dataclass(frozen=True)
class MoneySettings:
    """The digest's admin settings; None when not set."""

    external_rate: Decimal | None = None
    internal_rate: Decimal | None = None
    currency: str | None = None
    prep_ratio: Decimal | None = None
    headcount: int | None = None

    @property
    def currency_code(self) -> str:
        return self.currency or "USD"


def known_currency(code: str) -> bool:
    return code.upper() in list_currencies()


def money(amount: float | Decimal, currency: str) -> str:
    """``€12,345`` — whole units: leaders read orders of magnitude, not cents."""
    return format_currency(Decimal(round(amount)), currency, format="¤#,##0", locale=LOCALE, currency_digits=False)


def rate(amount: Decimal, currency: str) -> str:
    """``€150``, or ``€62.50`` when the rate has cents."""
    pattern = "¤#,##0" if amount == amount.to_integral_value() else "¤#,##0.00"
    return format_currency(amount, currency, format=pattern, locale=LOCALE, currency_digits=False)


def hours(value: float) -> str:
    """``12.3 h``: one decimal, rounded half up as people round."""
    tenths = Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{format_decimal(tenths, format='#,##0.#', locale=LOCALE)} h"


def number(value: Decimal | float) -> str:
    return format_decimal(value, format="#,##0.##", locale=LOCALE)


@dataclass(frozen=True)
class Money:
    """One period's time and money; amounts are None without the rate they need."""

    delivery_hours: float
    learner_hours: float
    invested_hours: float
    avoided: float | None
    internal: float | None

    @property
    def net(self) -> float | None:
        return None if self.avoided is None or self.internal is None else self.avoided - self.internal

    @property
    def ratio(self) -> float | None:
        return self.avoided / self.internal if self.avoided is not None and self.internal else None


def compute(delivery_minutes: int, learner_minutes: int, settings: MoneySettings) -> Money:
    delivery = delivery_minutes / 60
    invested = delivery * (1 + float(settings.prep_ratio or 0))
    return Money(
        delivery_hours=delivery,
        learner_hours=learner_minutes / 60,
        invested_hours=invested,
        avoided=None if settings.external_rate is None else delivery * float(settings.external_rate),
        internal=None if settings.internal_rate is None else invested * float(settings.internal_rate),
    )


@dataclass(frozen=True)
class Formulas:
    """The one-line formula under each money and time figure, with this period's numbers in it."""

    learner_hours: str
    invested: str
    avoided: str | None
    internal: str | None
    net: str | None
    ratio: str | None


def formulas(m: Money, learners: int, settings: MoneySettings) -> Formulas:
    cur = settings.currency_code
    prep = settings.prep_ratio or Decimal(0)
    invested = (f"{hours(m.delivery_hours)} delivery + {hours(m.delivery_hours)} × {number(prep)} preparation "
                "(prep-ratio)" if prep else f"{hours(m.delivery_hours)} delivery (no prep-ratio set)")
    avoided = internal = net = ratio = None
    if settings.external_rate is not None and m.avoided is not None:
        avoided = f"{hours(m.delivery_hours)} delivered × {rate(settings.external_rate, cur)}/h external rate"
    if settings.internal_rate is not None and m.internal is not None:
        internal = f"{hours(m.invested_hours)} invested × {rate(settings.internal_rate, cur)}/h internal rate"
    if m.net is not None and m.avoided is not None and m.internal is not None:
        net = f"{money(m.avoided, cur)} avoided − {money(m.internal, cur)} internal cost"
    if m.ratio is not None and m.avoided is not None and m.internal is not None:
        ratio = f"{money(m.avoided, cur)} avoided ÷ {money(m.internal, cur)} internal cost"
    return Formulas(
        learner_hours=f"{learners:,} attendances × their sessions' lengths",
        invested=invested, avoided=avoided, internal=internal, net=net, ratio=ratio,
    )


# --- the settings' parsers (rows of ``handlers.admin.SETTINGS``) -----------------------------------------------------

CLEAR = ("none", "off", "-")
NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
MAX_RATE = 1_000_000
MAX_PREP = 50
MAX_HEADCOUNT = 10_000_000


def _number(text: str, what: str, example: str, high: float) -> float | None:
    """A non-negative number up to ``high`` (``1,500.50`` reads too); ``none`` clears the setting."""
    raw = text.strip().lstrip("€$£¥").strip()
    if raw.lower() in CLEAR:
        return None
    if not NUMBER.fullmatch(raw):
        raise UsageError(f"`{clip(text)}` isn't a number I can read; e.g. `{example}` (or `none` to clear it).",
                         "admin")
    value = float(raw.replace(",", ""))
    if value < 0:
        raise UsageError(f"{what.capitalize()} can't be negative; e.g. `{example}`.", "admin")
    if value > high:
        raise UsageError(f"{what.capitalize()} should be at most {high:,.0f}; e.g. `{example}`.", "admin")
    return value


def parse_external_rate(text: str) -> float | None:
    return _number(text, "the external rate", "admin set external-rate 150", MAX_RATE)


def parse_internal_rate(text: str) -> float | None:
    return _number(text, "the internal rate", "admin set internal-rate 60", MAX_RATE)


def parse_prep_ratio(text: str) -> float | None:
    return _number(text, "the prep ratio", "admin set prep-ratio 2", MAX_PREP)


def parse_currency(text: str) -> str | None:
    code = text.strip().upper()
    if code.lower() in CLEAR:
        return None
    if not re.fullmatch(r"[A-Z]{3}", code) or not known_currency(code):
        raise UsageError(f"`{clip(text)}` isn't a currency code I know; use the three-letter ISO code, "
                         "e.g. `admin set currency EUR` (or USD, GBP, CHF…).", "admin")
    return code


def parse_headcount(text: str) -> int | None:
    if text.strip().lower() in CLEAR:
        return None
    return whole_number(text.strip().replace(",", ""), "the headcount", 1, MAX_HEADCOUNT, "admin")


def show_rate(value: object) -> str:
    return "not set" if value is None else f"{number(Decimal(str(value)))} an hour"


def show_currency(value: object) -> str:
    return "not set (amounts in USD)" if value is None else f"{value} ({get_currency_symbol(str(value), LOCALE)})"


def show_ratio(value: object) -> str:
    return "not set" if value is None else f"{number(Decimal(str(value)))} h per delivery hour"


def show_headcount(value: object) -> str:
    return "not set" if value is None else f"{int(value):,} employees"  # type: ignore[call-overload]
