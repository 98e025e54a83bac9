"""pt-BR display of numbers, money, percentages, dates and months (babel), for pages and exports.

One place decides how a value looks to a Brazilian reader: "1.234,5", "R$ 1.234,56", "45,3%",
"26/03/2024", "março de 2024". Missing values (None, NaN, NaT) show as "—". `format_value` applies
the format kinds used by `metrics.TABLES` ("int", "decimal", "percent", "money", "days", "date",
"month", "bool", "text").

It must not compute metrics, query the database or import streamlit. Machine-readable exports
(CSV values, JSON) do not go through here: only what people read does.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from babel.dates import format_date as _babel_date
from babel.dates import get_month_names
from babel.numbers import format_currency, format_decimal, format_percent

LOCALE = "pt_BR"
MISSING = "—"
_NBSP = "\u00a0"


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (str, bytes, list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def _plain(text: str) -> str:
    return text.replace(_NBSP, " ").replace("\u202f", " ")


def number(value: Any, decimals: int | None = None) -> str:
    """1234.5 → "1.234,5"; `decimals` fixes the number of decimal places (1234 → "1.234,0")."""
    if is_missing(value):
        return MISSING
    if decimals is None:
        return _plain(format_decimal(value, locale=LOCALE))
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return _plain(format_decimal(value, format=pattern, locale=LOCALE))


def integer(value: Any) -> str:
    """12345 → "12.345"."""
    if is_missing(value):
        return MISSING
    return number(round(float(value)), 0)


def money(value: Any) -> str:
    """1234.56 → "R$ 1.234,56" (a plain space after R$)."""
    if is_missing(value):
        return MISSING
    return _plain(format_currency(value, "BRL", locale=LOCALE))


def percent(value: Any, decimals: int = 1) -> str:
    """A share 0–1 as a percentage: 0.453 → "45,3%"."""
    if is_missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return _plain(format_percent(value, format=pattern, locale=LOCALE))


def days(value: Any) -> str:
    """12 → "12 dias", 1 → "1 dia", 12.5 → "12,5 dias"."""
    if is_missing(value):
        return MISSING
    v = float(value)
    text = integer(v) if v == int(v) else number(v, 1)
    return f"{text} dia" if v == 1 else f"{text} dias"


def _as_date(value: Any) -> dt.date | None:
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def date(value: Any) -> str:
    """2024-03-26 → "26/03/2024"."""
    d = _as_date(value)
    return MISSING if d is None else _babel_date(d, format="dd/MM/yyyy", locale=LOCALE)


def datetime(value: Any) -> str:
    """A timestamp → "26/03/2024 14:05"."""
    if is_missing(value):
        return MISSING
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    return date(value)


def month_name(month: int, short: bool = False) -> str:
    """3 → "março" ("mar" when short)."""
    names = get_month_names("abbreviated" if short else "wide", locale=LOCALE)
    return str(names[int(month)]).rstrip(".")


def month(value: Any, short: bool = False) -> str:
    """A date's month: "março de 2024", or "mar/2024" when short."""
    d = _as_date(value)
    if d is None:
        return MISSING
    if short:
        return f"{month_name(d.month, short=True)}/{d.year}"
    return f"{month_name(d.month)} de {d.year}"


def quarter(value: Any) -> str:
    """A date, or "2024-T1", as "1º tri 2024"."""
    if isinstance(value, str) and "-T" in value:
        year, _, q = value.partition("-T")
        return f"{q}º tri {year}"
    d = _as_date(value)
    if d is None:
        return MISSING
    return f"{(d.month - 1) // 3 + 1}º tri {d.year}"


def boolean(value: Any) -> str:
    if is_missing(value):
        return MISSING
    return "sim" if bool(value) else "não"


def interval(low: Any, high: Any, decimals: int = 1) -> str | None:
    """A 95% interval of shares as one text: (0.395, 0.491) → "39,5–49,1%"; None when a bound is
    missing."""
    if is_missing(low) or is_missing(high):
        return None
    return f"{number(float(low) * 100, decimals)}–{number(float(high) * 100, decimals)}%"


def format_value(value: Any, kind: str | None) -> str:
    """`value` as people read it, for a format kind of metrics.TABLES."""
    if kind in (None, "text"):
        return MISSING if is_missing(value) else str(value)
    formatter = {
        "int": integer,
        "decimal": lambda v: number(v, 1),
        "percent": percent,
        "money": money,
        "days": lambda v: number(v, 1) if not is_missing(v) and float(v) != int(float(v)) else integer(v),
        "date": date,
        "datetime": datetime,
        "month": month,
        "quarter": quarter,
        "bool": boolean,
    }.get(kind)
    if formatter is None:
        return MISSING if is_missing(value) else str(value)
    return formatter(value)
