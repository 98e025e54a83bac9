"""The dashboard's filters: one frozen value shared by the sidebar, the URL, the SQL and the exports.

A `Filters` says which cases a number is computed over (operators, UFs, cities, analysts, status,
who asked for the case, a period on the reference date or on the closing date) and, separately,
which operators the user may see at all (`restrict_to`). The six dimensions are declared once, in
`DIMENSIONS` (field, URL key, Portuguese label, normalizer, SQL, widget): normalizing, `where()`,
the URL round trip, `describe()` and the sidebar (ui/sidebar.py) all loop over it, so a new
dimension is one row there plus its field on `Filters`. `where()` turns it into a SQL fragment
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
from typing import Any, Callable, Iterable, Mapping

from .brazil import UFS
from .text import key, slug
from .vocab import OUTCOMES, requester_label

OPEN_STATUS = "aberto"  # the status of a case that is not closed (metrics.md, "Cases")
STATUS_CODES: tuple[str, ...] = tuple(t.code for t in OUTCOMES) + (OPEN_STATUS,)
STATUS_LABELS: dict[str, str] = {t.code: t.label for t in OUTCOMES} | {OPEN_STATUS: "Em aberto"}

PERIOD_BASES: tuple[str, ...] = ("reference", "finished")
# URL value of each period basis (the default is left out of the URL).
_BASIS_PARAM = {"finished": "final"}
_BASIS_FROM_PARAM = {"final": "finished", "finished": "finished", "reference": "reference", "referencia": "reference"}

_ALIAS = re.compile(r"^[a-z_][a-z0-9_]*$")
_CITY = re.compile(r"^([A-Z]{2})\|([0-9a-z]+)$")
_KEY = re.compile(r"^[0-9a-z]+$")
_SLUG = re.compile(r"^[0-9a-z]+(?:_[0-9a-z]+)*$")


def city_value(uf: str, ibge_code: int | None, city_key: str | None = None) -> str:
    """The value that identifies a city in `Filters.cities` and in the URL (metrics.md: a city is
    its IBGE municipality when its name matched one, else its name in its UF): "MG|3136207", or
    "MG|vilaqualquer" for an unmatched name. coverage_city's `city_id` column holds the same."""
    return f"{uf}|{ibge_code}" if ibge_code is not None else f"{uf}|{city_key}"


def _norm_city(value: str) -> str:
    uf, _, city = value.partition("|")
    return f"{uf.strip().upper()}|{key(city)}"


def _city_words(value: str) -> str:
    uf, _, city = value.partition("|")
    return f"{city} ({uf})"


def _in_list(name: str, column: str) -> Callable[[str, tuple[str, ...]], tuple[str, dict[str, Any]]]:
    """The SQL of a dimension whose values are one case_facts column: `list_contains`, bound."""

    def condition(a: str, values: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
        return f"list_contains($f_{name}, {column.format(a=a)})", {f"f_{name}": list(values)}

    return condition


def _status_condition(a: str, values: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """Outcome codes of closed cases, and "aberto" for the cases not closed yet."""
    parts, params = [], {}
    codes = [o for o in values if o != OPEN_STATUS]
    if codes:
        parts.append(f"({a}.is_closed and list_contains($f_outcomes, {a}.outcome))")
        params["f_outcomes"] = codes
    if OPEN_STATUS in values:
        parts.append(f"not {a}.is_closed")
    return "(" + " or ".join(parts) + ")", params


@dataclass(frozen=True)
class Dimension:
    """One filter dimension, declared once: the `Filters` field, its short URL key (pt-BR, as the
    address bar shows it), its Portuguese label (singular, plural) and the sidebar's placeholder,
    how a value is normalized and checked (an odd value is dropped, never raised), its SQL over
    `case_facts` (bound parameters; columns from this table only), how a value reads when the
    caller has no name for it, and the sidebar widget that picks it."""

    field: str
    url_key: str
    label: str
    plural: str
    normalize: Callable[[str], str]
    valid: Callable[[str], Any]
    condition: Callable[[str, tuple[str, ...]], tuple[str, dict[str, Any]]]
    words: Callable[[str], str] = str
    widget: str = "multiselect"
    placeholder: str = "Todas"

    def clean(self, values: Iterable[str] | str | None) -> tuple[str, ...]:
        """The valid values among `values`, normalized, without repeats, sorted."""
        if values is None:
            return ()
        if isinstance(values, str):
            values = (values,)
        out = set()
        for value in values:
            if value is None:
                continue
            try:
                normal = self.normalize(str(value))
            except Exception:  # noqa: BLE001 - an odd value is dropped, never raised
                continue
            if normal and self.valid(normal):
                out.add(normal)
        return tuple(sorted(out))

    def heading(self, count: int) -> str:
        return self.label if count == 1 else self.plural


# The six dimensions, in the order the sidebar draws them and the description names them.
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("operators", "op", "Operadora", "Operadoras", key, _KEY.match,
              _in_list("operators", "{a}.operator_key")),
    Dimension("ufs", "uf", "UF", "UFs", lambda v: v.strip().upper(), UFS.__contains__, _in_list("ufs", "{a}.uf")),
    Dimension("cities", "cidade", "Cidade", "Cidades", _norm_city, _CITY.match,
              _in_list("cities", "{a}.uf || '|' || coalesce(cast({a}.ibge_code as varchar), {a}.city_key)"),
              words=_city_words),
    Dimension("analysts", "analista", "Analista", "Analistas", key, _KEY.match,
              _in_list("analysts", "{a}.analyst_key"), placeholder="Todos"),
    Dimension("outcomes", "status", "Status", "Status", lambda v: v.strip().lower(), STATUS_CODES.__contains__,
              _status_condition, words=lambda v: STATUS_LABELS.get(v, v), placeholder="Todos"),
    Dimension("requested_by", "demandado", "Demandado por", "Demandado por", slug, _SLUG.match,
              _in_list("requested_by", "{a}.requested_by"), words=requester_label, placeholder="Todos"),
)

# Short URL keys (pt-BR, as the address bar shows them): the dimensions' and the period's.
QUERY_KEYS: dict[str, str] = {d.field: d.url_key for d in DIMENSIONS} | {
    "start": "de",
    "end": "ate",
    "period_basis": "base",
}


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
        for dimension in DIMENSIONS:
            setattr_(self, dimension.field, dimension.clean(getattr(self, dimension.field)))
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
        return not (any(self.values(d) for d in DIMENSIONS) or self.start or self.end)

    def values(self, dimension: Dimension) -> tuple[str, ...]:
        """The values chosen on `dimension` (one of DIMENSIONS)."""
        return getattr(self, dimension.field)

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
        for dimension in DIMENSIONS:
            values = self.values(dimension)
            if values:
                condition, bound = dimension.condition(a, values)
                parts.append(condition)
                params.update(bound)
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
        for dimension in DIMENSIONS:
            values = self.values(dimension)
            if values:
                out[dimension.url_key] = list(values)
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
            **{d.field: tuple(values(d.field)) for d in DIMENSIONS},
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
        parts = []
        for dimension in DIMENSIONS:
            values = self.values(dimension)
            if values:
                mapping = names.get(dimension.field, {}) or {}
                shown = ", ".join(str(mapping[v]) if v in mapping else dimension.words(v) for v in values)
                parts.append(f"{dimension.heading(len(values))}: {shown}")
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
