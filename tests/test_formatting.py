"""pt-BR display of values (babel)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from retention_analytics import formatting as fmt

D = dt.date


@pytest.mark.parametrize(
    "function, value, expected",
    [
        (fmt.number, 1234.5, "1.234,5"),
        (fmt.number, -1234.5, "-1.234,5"),
        (fmt.number, 0, "0"),
        (lambda v: fmt.number(v, 2), 1234, "1.234,00"),
        (fmt.integer, 1234567, "1.234.567"),
        (fmt.integer, 12.6, "13"),
        (fmt.money, 1234.56, "R$ 1.234,56"),
        (fmt.money, 0, "R$ 0,00"),
        (fmt.percent, 0.453, "45,3%"),
        (fmt.percent, 1, "100,0%"),
        (lambda v: fmt.percent(v, 0), 0.4567, "46%"),
        (fmt.date, D(2024, 3, 26), "26/03/2024"),
        (fmt.date, pd.Timestamp("2024-03-26"), "26/03/2024"),
        (fmt.date, "2024-03-26", "26/03/2024"),
        (fmt.datetime, dt.datetime(2024, 3, 26, 14, 5), "26/03/2024 14:05"),
        (fmt.month, D(2024, 3, 1), "março de 2024"),
        (lambda v: fmt.month(v, short=True), D(2024, 2, 1), "fev/2024"),
        (fmt.quarter, "2024-T1", "1º tri 2024"),
        (fmt.quarter, D(2024, 8, 1), "3º tri 2024"),
        (fmt.days, 1, "1 dia"),
        (fmt.days, 12, "12 dias"),
        (fmt.days, 42.5, "42,5 dias"),
        (fmt.boolean, True, "sim"),
        (fmt.boolean, False, "não"),
    ],
)
def test_formats(function, value, expected):
    assert function(value) == expected


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, pd.NaT])
@pytest.mark.parametrize("function", [fmt.number, fmt.integer, fmt.money, fmt.percent, fmt.date, fmt.month, fmt.days])
def test_missing_values_show_a_dash(function, missing):
    assert function(missing) == fmt.MISSING


@pytest.mark.parametrize("month, name", [(1, "janeiro"), (3, "março"), (12, "dezembro")])
def test_month_names(month, name):
    assert fmt.month_name(month) == name


@pytest.mark.parametrize(
    "value, kind, expected",
    [
        (0.25, "percent", "25,0%"),
        (1234, "int", "1.234"),
        (42.5, "days", "42,5"),
        (40.0, "days", "40"),
        (D(2024, 1, 2), "date", "02/01/2024"),
        (True, "bool", "sim"),
        ("Valores", "text", "Valores"),
        (None, "text", "—"),
    ],
)
def test_format_value_by_kind(value, kind, expected):
    assert fmt.format_value(value, kind) == expected
