"""The dashboard's filters: one frozen value shared by the sidebar, the URL, the SQL and the exports.

A `Filters` says which cases a number is computed over (operators, UFs, cities, analysts, status,
who asked for the case, a period on the reference date or on the closing date) and, separately,
which operators the user may see at all (`restrict_to`). `where()` turns it into a SQL fragment
over `case_facts` with bound parameters only: column names come from a fixed whitelist, values are
never formatted into the SQL text. The access restriction is always part of `where()`, so the SQL
enforces it even when the UI is bypassed, and it never travels in the URL.

It must not run queries, import streamlit or know how any page looks; `describe()` is the only
text it produces (Portuguese, for page captions and export headers).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from .brazil import UFS
from .text import key, slug
from .vocab import OUTCOMES

OPEN_STATUS = "aberto"  # the status of a case that is not closed (metrics.md, "Cases")
STATUS_CODES: tuple[str, ...] = tuple(t.code for t in OUTCOMES) + (OPEN_STATUS,)
STATUS_LABELS: dict[str, str] = {t.code: t.label for t in OUTCOMES} | {OPEN_STATUS: "Em aberto"}

PERIOD_BASES: tuple[str, ...] = ("reference", "finished")
# URL value of each period basis (the default is left out of the URL).
_BASIS_PARAM = {"finished": "final"}
_BASIS_FROM_PARAM = {"final": "finished", "finished": "finished", "reference": "reference", "referencia": "reference"}

# Short URL keys (pt-BR, as the address bar shows them).
QUERY_KEYS: dict[str, str] = {
    "operators": "op",
    "ufs": "uf",
    "cities": "cidade",
    "analysts": "analista",
    "outcomes": "status",
    "requested_by": "demandado",
    "start": "de",
    "end": "ate",
    "period_basis": "base",
}

_ALIAS = re.compile(r"^[a-z_][a-z0-9_]*$")
_CITY = re.compile(r"^([A-Z]{2})\|([0-9a-z]+)$")
_KEY = re.compile(r"^[0-9a-z]+$")
_SLUG = re.compile(r"^[0-9a-z]+(?:_[0-9a-z]+)*$")


def city_value(uf: str, ibge_code: int | None, city_key: str | None = None) -> str:
    """The value that identifies a city in `Filters.cities` and in the URL (metrics.md: a city is
    its IBGE municipality when its name matched one, else its name in its UF): "MG|3136207", or
    "MG|vilaqualquer" for an unmatched name. coverage_city's `city_id` column holds the same."""
    return f"{uf}|{ibge_code}" if ibge_code is not None else f"{uf}|{city_key}"


def _tuple(values: Iterable[str] | str | None, normalize, valid) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    out = set()
    for value in values:
        if value is None:
            continue
        try:
            normal = normalize(str(value))
        except Exception:  # noqa: BLE001 - an odd value is dropped, never raised
            continue
        if normal and valid(normal):
            out.add(normal)
    return tuple(sorted(out))


def _norm_city(value: str) -> str:
    uf, _, city = value.partition("|")
    return f"{uf.strip().upper()}|{key(city)}"


@dataclass(frozen=True)
class Filters:
    """Which cases to count. Empty tuples mean "no restriction"; values are normalized and sorted.

    - operators / analysts: grouping keys (`text.key`, as in cases.operator_key / analyst_key)
    - ufs: two-letter codes; cities: "UF|ibge_code", or "UF|city_key" when unmatched (`city_value`)
    - outcomes: outcome codes plus "aberto" (a case that is not closed)
    - requested_by: slugs as stored ("operadora", "prestador")
    - start / end: inclusive dates on `period_basis`: "reference" (reference date, the default)
      or "finished" (finished_on)
    - allowed_operators: None = every operator; otherwise the only operator keys this user may
      see (set with `restrict_to`, never from the URL).
    """

    operators: tuple[str, ...] = ()
    ufs: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    analysts: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    requested_by: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    period_basis: str = "reference"
    allowed_operators: frozenset[str] | None = field(default=None, compare=True)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "operators", _tuple(self.operators, key, _KEY.match))
        setattr_(self, "analysts", _tuple(self.analysts, key, _KEY.match))
        setattr_(self, "ufs", _tuple(self.ufs, lambda v: v.strip().upper(), UFS.__contains__))
        setattr_(self, "cities", _tuple(self.cities, _norm_city, _CITY.match))
        setattr_(self, "outcomes", _tuple(self.outcomes, lambda v: v.strip().lower(), STATUS_CODES.__contains__))
        setattr_(self, "requested_by", _tuple(self.requested_by, slug, _SLUG.match))
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, dt.datetime):
                setattr_(self, name, value.date())
            elif value is not None and not isinstance(value, dt.date):
                raise TypeError(f"{name} must be a date, got {value!r}")
        if self.start and self.end and self.start > self.end:
            start, end = self.end, self.start
            setattr_(self, "start", start)
            setattr_(self, "end", end)
        if self.period_basis not in PERIOD_BASES:
            raise ValueError(f"period_basis must be one of {PERIOD_BASES}, got {self.period_basis!r}")
        if self.allowed_operators is not None:
            setattr_(self, "allowed_operators", frozenset(key(k) for k in self.allowed_operators if key(k)))

    # ------------------------------------------------------------------ derived filters
    def is_empty(self) -> bool:
        """True when no filter narrows the cases (the access restriction does not count)."""
        return not (
            self.operators or self.ufs or self.cities or self.analysts or self.outcomes
            or self.requested_by or self.start or self.end
        )

    def without_period(self) -> Filters:
        return replace(self, start=None, end=None)

    def access_only(self) -> Filters:
        """Only the access restriction: what this user may see at all."""
        return Filters(allowed_operators=self.allowed_operators)

    def restrict_to(self, operator_keys: Iterable[str]) -> Filters:
        """This filter, limited to `operator_keys` (intersected with any earlier restriction).

        The restriction is part of every `where()`, so a user can never see other operators'
        cases, whatever the URL or the sidebar say.
        """
        keys = frozenset(key(k) for k in operator_keys if key(k))
        if self.allowed_operators is not None:
            keys = keys & self.allowed_operators
        return replace(self, allowed_operators=keys)

    def previous_period(self) -> Filters | None:
        """The same filters over the period of the same length just before this one.

        Whole calendar months shift by months (the year 2024 → 2023, March → February); any other
        period shifts by its length in days. None when the period is open on either side.
        """
        if self.start is None or self.end is None:
            return None
        months = _whole_months(self.start, self.end)
        if months:
            end = self.start - dt.timedelta(days=1)
            start = _add_months(self.start, -months)
        else:
            length = (self.end - self.start).days + 1
            end = self.start - dt.timedelta(days=1)
            start = end - dt.timedelta(days=length - 1)
        return replace(self, start=start, end=end)

    # ------------------------------------------------------------------ SQL
    def where(self, alias: str = "c", include_period: bool = True) -> tuple[str, dict[str, Any]]:
        """A boolean SQL fragment over `case_facts` aliased `alias`, and its named parameters.

        Parameters are `$f_...` names bound by DuckDB; nothing from the filter values is ever
        formatted into the text. Always includes the access restriction. "true" when empty.
        """
        if not _ALIAS.match(alias):
            raise ValueError(f"invalid alias {alias!r}")
        a = alias
        parts: list[str] = []
        params: dict[str, Any] = {}
        if self.allowed_operators is not None:
            if self.allowed_operators:
                parts.append(f"list_contains($f_allowed, {a}.operator_key)")
                params["f_allowed"] = sorted(self.allowed_operators)
            else:
                parts.append("false")
        simple = (
            ("operators", "operator_key"),
            ("ufs", "uf"),
            ("analysts", "analyst_key"),
            ("requested_by", "requested_by"),
        )
        for name, column in simple:
            values = getattr(self, name)
            if values:
                parts.append(f"list_contains($f_{name}, {a}.{column})")
                params[f"f_{name}"] = list(values)
        if self.cities:
            city_id = f"{a}.uf || '|' || coalesce(cast({a}.ibge_code as varchar), {a}.city_key)"
            parts.append(f"list_contains($f_cities, {city_id})")
            params["f_cities"] = list(self.cities)
        if self.outcomes:
            status = []
            codes = [o for o in self.outcomes if o != OPEN_STATUS]
            if codes:
                status.append(f"({a}.is_closed and list_contains($f_outcomes, {a}.outcome))")
                params["f_outcomes"] = codes
            if OPEN_STATUS in self.outcomes:
                status.append(f"not {a}.is_closed")
            parts.append("(" + " or ".join(status) + ")")
        if include_period:
            column = f"{a}.{self.period_column()}"
            if self.start:
                parts.append(f"{column} >= $f_start")
                params["f_start"] = self.start
            if self.end:
                parts.append(f"{column} <= $f_end")
                params["f_end"] = self.end
        return (" and ".join(parts) if parts else "true"), params

    def period_column(self) -> str:
        """The case_facts column the period applies to (from a fixed whitelist)."""
        return {"reference": "reference_date", "finished": "finished_on"}[self.period_basis]

    # ------------------------------------------------------------------ URL
    def to_query_params(self) -> dict[str, list[str]]:
        """Short URL keys → values; empty filters are left out. The access restriction never is in it."""
        out: dict[str, list[str]] = {}
        for name in ("operators", "ufs", "cities", "analysts", "outcomes", "requested_by"):
            values = getattr(self, name)
            if values:
                out[QUERY_KEYS[name]] = list(values)
        if self.start:
            out[QUERY_KEYS["start"]] = [self.start.isoformat()]
        if self.end:
            out[QUERY_KEYS["end"]] = [self.end.isoformat()]
        if self.period_basis != "reference":
            out[QUERY_KEYS["period_basis"]] = [_BASIS_PARAM[self.period_basis]]
        return out

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any] | None) -> Filters:
        """The filters a URL asks for; values that are not valid are ignored, never raised on.

        Accepts {key: [values]}, {key: "value"} or Streamlit's `st.query_params` (read with get_all).
        """
        if not params:
            return cls()

        def values(name: str) -> list[str]:
            try:
                get_all = getattr(params, "get_all", None)  # st.query_params: every value of a key
                raw = get_all(QUERY_KEYS[name]) if callable(get_all) else params.get(QUERY_KEYS[name])
            except Exception:  # noqa: BLE001
                return []
            if raw is None:
                return []
            if isinstance(raw, (str, bytes)):
                raw = [raw]
            try:
                return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in raw if v is not None]
            except TypeError:
                return []

        def first_date(name: str) -> dt.date | None:
            for value in values(name):
                try:
                    return dt.date.fromisoformat(value.strip())
                except ValueError:
                    continue
            return None

        basis = "reference"
        for value in values("period_basis"):
            basis = _BASIS_FROM_PARAM.get(value.strip().lower(), basis)
        return cls(
            operators=tuple(values("operators")),
            ufs=tuple(values("ufs")),
            cities=tuple(values("cities")),
            analysts=tuple(values("analysts")),
            outcomes=tuple(values("outcomes")),
            requested_by=tuple(values("requested_by")),
            start=first_date("start"),
            end=first_date("end"),
            period_basis=basis,
        )

    # ------------------------------------------------------------------ words
    def describe(self, names: Mapping[str, Mapping[str, str]] | None = None) -> str:
        """The filters in Portuguese: "Operadora: ODONTOLIFE · UF: MG · Período: 2024".

        `names` maps a field ("operators", "analysts", "cities", "requested_by") to {value: name
        to show}; values without a name are shown as they are. "Todos os casos" when empty.
        """
        names = names or {}

        def shown(field_name: str, values: tuple[str, ...]) -> str:
            mapping = names.get(field_name, {}) or {}
            out = []
            for value in values:
                if value in mapping:
                    out.append(str(mapping[value]))
                elif field_name == "outcomes":
                    out.append(STATUS_LABELS.get(value, value))
                elif field_name == "cities":
                    uf, _, city = value.partition("|")
                    out.append(f"{city} ({uf})")
                elif field_name == "requested_by":
                    out.append(value.replace("_", " ").capitalize())
                else:
                    out.append(value)
            return ", ".join(out)

        labels = (
            ("operators", "Operadora", "Operadoras"),
            ("ufs", "UF", "UFs"),
            ("cities", "Cidade", "Cidades"),
            ("analysts", "Analista", "Analistas"),
            ("outcomes", "Status", "Status"),
            ("requested_by", "Demandado por", "Demandado por"),
        )
        parts = []
        for field_name, singular, plural in labels:
            values = getattr(self, field_name)
            if values:
                parts.append(f"{singular if len(values) == 1 else plural}: {shown(field_name, values)}")
        period = self.describe_period()
        if period:
            label = "Período" if self.period_basis == "reference" else "Período (data final)"
            parts.append(f"{label}: {period}")
        return " · ".join(parts) if parts else "Todos os casos"

    def describe_period(self) -> str:
        """"2024", "03/2024", "01/01/2024 a 15/03/2024", "a partir de …", "até …" or ""."""
        start, end = self.start, self.end
        if start and end:
            if start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31):
                return str(start.year)
            if start.day == 1 and end == _month_end(start):
                return f"{start.month:02d}/{start.year}"
            return f"{start:%d/%m/%Y} a {end:%d/%m/%Y}"
        if start:
            return f"a partir de {start:%d/%m/%Y}"
        if end:
            return f"até {end:%d/%m/%Y}"
        return ""


def _month_end(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _whole_months(start: dt.date, end: dt.date) -> int:
    """How many calendar months [start, end] spans when it is exactly whole months, else 0."""
    if start.day != 1 or end != _month_end(end):
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
