"""The shared sidebar: operator, UF, city, analyst, status, who requested, period.

Drawn by every page with the same widget keys. One widget per row of filters.DIMENSIONS (its
label, placeholder and kind come from there), then the period. Widgets are seeded from the session's `Filters`
(state.py) before they are drawn, and their callbacks write the new `Filters` back, so the
selection survives page switches and "Limpar filtros", URLs and access restrictions all go
through one value. Choices come from the cases the user may see.

It must not compute metrics.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from .. import formatting as fmt
from ..filters import DIMENSIONS, Dimension, Filters
from . import state


def _widget_key(dimension: Dimension) -> str:
    return f"flt_{dimension.field}"


# How each widget kind of filters.DIMENSIONS is drawn (every dimension is a multiselect today).
_WIDGET_KINDS = {"multiselect": st.multiselect}
_PERIOD_KEY = "flt_period"
_RANGE_KEY = "flt_range"
_BASIS_KEY = "flt_basis"
# The user chose "Personalizado…": the period stays custom even while its dates equal a preset's
# (they do at first: the picker starts from the preset that was active), so it never snaps back.
_CUSTOM_KEY = "_retention_custom_period"
CUSTOM = "Personalizado…"
ALL_TIME = "Todo o período"
BASIS_LABELS = {"reference": "Início do caso", "finished": "Data final"}


def _presets(options: dict[str, Any], today: dt.date) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    presets: dict[str, tuple[dt.date | None, dt.date | None]] = {ALL_TIME: (None, None)}
    presets["Últimos 30 dias"] = (today - dt.timedelta(days=29), today)
    presets["Últimos 90 dias"] = (today - dt.timedelta(days=89), today)
    presets["Últimos 12 meses"] = (today - dt.timedelta(days=364), today)
    first, last = options.get("min_date"), options.get("max_date")
    if first and last:
        for year in range(max(last.year, today.year), first.year - 1, -1):
            presets[str(year)] = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    return presets


def _preset_of(filters: Filters, presets: dict[str, tuple[dt.date | None, dt.date | None]]) -> str:
    for name, (start, end) in presets.items():
        if (filters.start, filters.end) == (start, end):
            return name
    return CUSTOM


def _seed(key: str, value: Any) -> None:
    """Set a widget's value before it is drawn (only then may session state change it).

    Always set, even when `st.session_state[key]` already reads `value`: right after a page switch
    that value is the previous page's widget (a widget's identity includes its page), and the new
    page's widget would start empty unless the key is written again."""
    st.session_state[key] = value


def relative_period(filters: Filters, options: dict[str, Any], today: dt.date | None = None) -> str | None:
    """Why a relative period ("Últimos 30 dias") may be empty: none of the user's cases is that
    recent. "nenhum caso nos últimos 30 dias; o mais recente é de 14/08/2026", or None when the
    period is not a relative preset or there are cases in it."""
    today = today or dt.date.today()
    presets = _presets(options, today)
    name = _preset_of(filters, presets)
    last = options.get("max_date")
    if not name.startswith("Últimos") or st.session_state.get(_CUSTOM_KEY) or not last or not filters.start:
        return None
    if last >= filters.start:
        return None
    return f"nenhum caso nos {name[0].lower()}{name[1:]}; o mais recente é de {fmt.date(last)}"


# A national store has ~10 thousand cities: sent with every run of every page, their options cost
# the browser ~130 ms per page switch (docs/performance.md), and nobody scrolls a list that long.
# With one UF chosen the list is that UF's cities (at most 853: MG); with several, theirs up to
# CITY_OPTIONS_LIMIT (SP and MG alone have ~1,500); without, the CITY_OPTIONS_LIMIT with most
# cases. A city already chosen is always offered, and the sidebar says how to reach the others.
CITY_OPTIONS_LIMIT = 1000


def city_options(frame: pd.DataFrame, ufs: tuple[str, ...], chosen: tuple[str, ...]) -> tuple[pd.DataFrame, int | None]:
    """The city options to offer (the filter_options frame: value, label, uf, cases) and, when
    the list was cut to the CITY_OPTIONS_LIMIT cities with most cases, of how many (else None)."""
    if ufs:
        frame = frame[frame["uf"].isin(ufs) | frame["value"].isin(chosen)]
        if len(ufs) == 1:  # every city of the UF: the way to reach any city
            return frame, None
    if len(frame) <= CITY_OPTIONS_LIMIT:
        return frame, None
    top = frame.sort_values(["cases", "value"], ascending=[False, True]).head(CITY_OPTIONS_LIMIT)["value"]
    return frame[frame["value"].isin(set(top) | set(chosen))], len(frame)


def _choices(frame: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    values = [str(v) for v in frame["value"]]
    labels = {str(v): str(l) for v, l in zip(frame["value"], frame["label"])}
    return values, labels


def draw_filters(options: dict[str, Any], today: dt.date | None = None) -> Filters:
    """Draw the sidebar and return the filters in force after this run's interactions."""
    today = today or dt.date.today()
    filters = state.current_filters()
    presets = _presets(options, today)
    cities, cities_of = city_options(options["cities"], filters.ufs, filters.cities)
    choices = {d.field: _choices(cities if d.field == "cities" else options[d.field]) for d in DIMENSIONS}

    # Seed every widget from the filters (a page switch dropped their state; a link set them).
    for dimension in DIMENSIONS:
        values, _ = choices[dimension.field]
        _seed(_widget_key(dimension), [v for v in filters.values(dimension) if v in values])
    _seed(_PERIOD_KEY, CUSTOM if st.session_state.get(_CUSTOM_KEY) else _preset_of(filters, presets))
    if filters.start or filters.end:
        _seed(_RANGE_KEY, (filters.start or options.get("min_date") or today, filters.end or today))
    _seed(_BASIS_KEY, filters.period_basis)

    def on_change() -> None:
        new: dict[str, Any] = {d.field: tuple(st.session_state.get(_widget_key(d)) or ()) for d in DIMENSIONS}
        current = state.current_filters()
        if set(new["ufs"]) and new["cities"]:
            new["cities"] = tuple(c for c in new["cities"] if c.split("|")[0] in set(new["ufs"]))
        preset = st.session_state.get(_PERIOD_KEY, ALL_TIME)
        st.session_state[_CUSTOM_KEY] = preset == CUSTOM
        if preset == CUSTOM:
            chosen = st.session_state.get(_RANGE_KEY) or ()
            if not chosen and not (current.start or current.end):
                # Just switched to "Personalizado…": start from the whole range of the data, so
                # the choice sticks and the date picker appears with sensible ends.
                chosen = (options.get("min_date") or today, options.get("max_date") or today)
                st.session_state[_RANGE_KEY] = chosen
            start = chosen[0] if len(chosen) > 0 else current.start
            end = chosen[1] if len(chosen) > 1 else start
        else:
            start, end = presets.get(preset, (None, None))
        state.set_filters(
            replace(current, **new, start=start, end=end, period_basis=st.session_state.get(_BASIS_KEY, "reference"))
        )

    def clear() -> None:
        st.session_state[_CUSTOM_KEY] = False
        state.set_filters(Filters(allowed_operators=state.current_filters().allowed_operators))

    with st.sidebar:
        st.markdown("### Filtros")
        for dimension in DIMENSIONS:
            values, labels = choices[dimension.field]
            # The options' labels say all (a city's carries its UF: "Abadia de Goiás (GO)").
            _WIDGET_KINDS[dimension.widget](
                dimension.label, values, format_func=lambda v, names=labels: names.get(v, v),
                key=_widget_key(dimension), on_change=on_change, placeholder=dimension.placeholder,
            )
            if dimension.field == "cities" and cities_of is not None:
                where = "nas UFs escolhidas" if filters.ufs else "no total"
                how = "escolha uma UF só" if filters.ufs else "escolha a UF"
                st.caption(f"As {fmt.integer(CITY_OPTIONS_LIMIT)} cidades com mais casos, de {fmt.integer(cities_of)} "
                           f"{where}: {how} para ver todas as cidades dela.")
        st.selectbox("Período", [*presets, CUSTOM], key=_PERIOD_KEY, on_change=on_change)
        if st.session_state.get(_PERIOD_KEY) == CUSTOM:
            if _RANGE_KEY not in st.session_state:
                st.session_state[_RANGE_KEY] = (options.get("min_date") or today, options.get("max_date") or today)
            st.date_input("De / até", key=_RANGE_KEY, on_change=on_change, format="DD/MM/YYYY")
        st.radio("Período conta pela", list(BASIS_LABELS), format_func=BASIS_LABELS.get, key=_BASIS_KEY,
                 on_change=on_change, horizontal=True)
        st.button("Limpar filtros", on_click=clear, width="stretch", disabled=state.current_filters().is_empty())
        first, last = options.get("min_date"), options.get("max_date")
        if first and last:
            st.caption(f"Dados de {fmt.date(first)} a {fmt.date(last)}.")
    return state.current_filters()
