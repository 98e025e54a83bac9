"""Synthetic case stores at national scale: N realistic cases straight into DuckDB, no documents.

    tables = synthesize(cases=1_000_000, seed=7)     # {"cases": pa.Table, "case_reasons": …}
    write_synthetic(store, cases, seed)              # one transaction; is_demo=true; data_version+1

What for: benchmarks and load tests need a million cases, and the demo corpus (generator.py: one
Python dict per case, ~0.3 ms each, then a file per form and a parse per file) would take hours at
that size. This module draws the same distributions column by column with numpy and hands Arrow
tables in the store's layouts (store.CASE_SCHEMA, store.CHILD_SCHEMAS) to DuckDB, so a million
cases take seconds. Every weight, rate, vocabulary and name comes from generator.py (imported,
never copied): operators and their shares, retention and reason biases, analysts with their speed
and skill, UF weights by population, the Zipf-like city ranking with heavy capitals, the network of
lives and listed CROs per (operator, city), month seasonality, reasons and their retention odds,
actions per outcome, the open share, ~3 % cases filed twice and ~5 % defective forms. The few
formulas of `_Generator.case` (the outcome's log-odds, the closure time, the contact dates) are
re-expressed on arrays here; tests/test_synth.py checks the resulting distributions against the
demo corpus so the two cannot drift apart unnoticed.

Low-cardinality text columns leave here dictionary-encoded (indices into a small list of values):
DuckDB reads them as VARCHAR, and nothing materializes a million copies of "ODONTOLIFE" in Python.

It must NOT: write documents (there are no form files; `documents` stays empty and a case has no
original to download), use global random state or the clock (same `(cases, seed)`, same tables),
or write anywhere but through `Store.bulk_insert_cases` (one transaction, data_version bumped).
Simplified on purpose: warnings are written for the defects drawn here (blank fields, two outcomes
checked, a days mismatch, SIM and NÃO both checked, no answer on "Atende outros convênios") and
city typos drop one letter, instead of running the reader's validator over rendered forms.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import string
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..brazil import match_city, municipalities_of
from ..record import HEADER_LABELS
from ..text import key, strip_accents
from ..vocab import ACTIONS, OUTCOMES, REASONS, SECTORS
from .generator import (
    ACTION_PROB,
    ALNUM_CNPJ_SINCE,
    ANALYSTS,
    ANCHOR,
    BLANKABLE,
    DEFECT_RATE,
    DUPLICATE_RATE,
    FORMAT_SHARES,
    OPERATORS,
    OTHER_PLANS,
    PROCESS,
    REASON_RETENTION_ODDS,
    REASON_WEIGHTS,
    REMUNERATION,
    RETENTION_CALIBRATION,
    SECTOR_OF_REASON,
    STALE_OPEN_RATE,
    _FIRST,
    _LAST,
    _MIDDLE,
    _REASON_PHRASE,
    _Generator,
    _Notes,
)
from .render import EXTENSIONS

# Bump when the rows drawn for a given (cases, seed) change: benchmark caches key on it.
SYNTH_VERSION = "1"

_EPOCH = np.datetime64("1970-01-01", "D")
_ANCHOR_DAY = int((np.datetime64(ANCHOR, "D") - _EPOCH).astype(np.int64))
_ALNUM_DAY = int((np.datetime64(ALNUM_CNPJ_SINCE, "D") - _EPOCH).astype(np.int64))

_OUTCOME_CODES = tuple(t.code for t in OUTCOMES)
_OUTCOME_LABEL = {t.code: t.label for t in OUTCOMES}
RETAINED, TERMINATED, NOT_RETENTION, OPEN = range(4)  # status codes of the arrays below
_STATUS = ("retencao_efetiva", "desligamento", "nao_se_trata_de_retencao", "open")
assert set(_STATUS[:3]) == set(_OUTCOME_CODES)

_REASON_CODES = tuple(REASON_WEIGHTS)  # the generator's draw order
_ACTION_CODES = tuple(t.code for t in ACTIONS)
_SECTOR_CODES = tuple(t.code for t in SECTORS)
_REASON_LABEL = {t.code: t.label for t in REASONS}

_BLANKABLE = BLANKABLE  # generator._defect_blank_fields's candidates, in its draw order
_WARN_BLANK = "Campo não preenchido: {label}"
_WARN_NO_ANSWER = "Campo não preenchido: Atende outros convênios (nem SIM nem NÃO marcado)"
_WARN_BOTH = {
    "accepts_other_plans": "Atende outros convênios: SIM e NÃO marcados; resposta deixada em branco",
    "protocol_required": "Necessário abertura de protocolo: SIM e NÃO marcados; resposta deixada em branco",
}


# --------------------------------------------------------------------------- columns
class Coded:
    """A text column as indices into a short list of values (-1 = null): cheap to copy and mask."""

    def __init__(self, values: list[str], index: np.ndarray):
        self.values = list(values)
        self.index = index.astype(np.int32)

    def arrow(self) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(self.index, mask=self.index < 0), pa.array(self.values, pa.string()))

    def strings(self) -> pa.Array:
        return self.arrow().cast(pa.string())


class Numbers:
    """A numeric, boolean or date (days since 1970) column with a null mask."""

    def __init__(self, values: np.ndarray, type_: pa.DataType, null: np.ndarray | None = None):
        self.values = values
        self.type = type_
        self.null = np.zeros(values.shape[0], dtype=bool) if null is None else null

    def arrow(self) -> pa.Array:
        if self.type == pa.date32():
            return pa.array(self.values.astype(np.int32), mask=self.null).cast(pa.date32())
        return pa.array(self.values, mask=self.null).cast(self.type)


class Text:
    """A high-cardinality text column (names, documents, notes) already in Arrow."""

    def __init__(self, array: pa.Array | pa.ChunkedArray):
        self.array = array

    def arrow(self) -> pa.Array | pa.ChunkedArray:
        return self.array


Column = Coded | Numbers | Text


def _extend(col: Column, rows: np.ndarray) -> Column:
    """The column followed by its own values at `rows` (the earlier versions' copies)."""
    if isinstance(col, Coded):
        return Coded(col.values, np.concatenate([col.index, col.index[rows]]))
    if isinstance(col, Numbers):
        return Numbers(np.concatenate([col.values, col.values[rows]]), col.type, np.concatenate([col.null, col.null[rows]]))
    # chunked: the million values already built are not copied again
    chunks = col.array.chunks if isinstance(col.array, pa.ChunkedArray) else [col.array]
    return Text(pa.chunked_array([*chunks, col.array.take(pa.array(rows))], pa.string()))


def _blank(col: Column, mask: np.ndarray) -> Column:
    if isinstance(col, Coded):
        return Coded(col.values, np.where(mask, -1, col.index))
    if isinstance(col, Numbers):
        return Numbers(col.values, col.type, col.null | mask)
    return Text(pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), col.array))


def _is_null(col: Column) -> np.ndarray:
    if isinstance(col, Coded):
        return col.index < 0
    if isinstance(col, Numbers):
        return col.null
    return pc.is_null(col.array).to_numpy(zero_copy_only=False)


def _strings(values: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """values[index] as plain strings, for Arrow string functions."""
    return Coded(list(values), index).strings()


def _fill(template: str, values: dict[str, pa.Array], n: int) -> pa.Array:
    """`template.format(**row)` for n rows, in Arrow: literal pieces joined with the columns."""
    pieces: list[Any] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(pa.scalar(literal))
        if field:
            pieces.append(values[field])
    if not any(isinstance(p, pa.Array) for p in pieces):
        return pa.array([template] * n, pa.string())
    return pc.binary_join_element_wise(*pieces, "")


def _weighted_top(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Per row, `k` column indices drawn without replacement with probabilities ∝ weights, in
    draw order: the Gumbel-top-k trick, the same distribution as successive rng.choice draws."""
    keys = np.log(weights) - np.log(-np.log(rng.random(weights.shape)))
    top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


def _chars(codes: np.ndarray) -> pa.Array:
    """Rows of ASCII codes (uint8) → one string per row, without a Python loop."""
    codes = np.ascontiguousarray(codes.astype(np.uint8))
    return pa.array(codes.view(f"S{codes.shape[1]}").ravel()).cast(pa.string())


def _check_digit(values: np.ndarray, weights: list[int]) -> np.ndarray:
    rest = (values * np.array(weights)).sum(axis=1) % 11
    return np.where(rest < 2, 0, 11 - rest)


def _cpfs(rng: np.random.Generator, n: int) -> pa.Array:
    nine = rng.integers(0, 10, (n, 9))
    same = (nine == nine[:, :1]).all(axis=1)
    while same.any():  # all digits equal is never a CPF (the generator redraws too)
        nine[same] = rng.integers(0, 10, (int(same.sum()), 9))
        same = (nine == nine[:, :1]).all(axis=1)
    ten = np.column_stack([nine, _check_digit(nine, list(range(10, 1, -1)))])
    eleven = np.column_stack([ten, _check_digit(ten, list(range(11, 1, -1)))])
    return _chars(eleven + ord("0"))


def _cnpjs(rng: np.random.Generator, n: int, alphanumeric: np.ndarray) -> pa.Array:
    """Valid CNPJs; alphanumeric ones (allowed from July 2026) where asked. A character's value is
    ord(c) - 48, so a digit d is d and a letter with alphabet index i (A = 10) is i + 7."""
    base = np.where(alphanumeric[:, None], rng.integers(0, 36, (n, 8)), rng.integers(0, 10, (n, 8)))
    no_letter = alphanumeric & (base < 10).all(axis=1)
    base[no_letter, 0] = rng.integers(10, 36, int(no_letter.sum()))
    branch = np.where(rng.random(n) < 0.93, 1, rng.integers(2, 6, n))
    twelve = np.column_stack([base, np.zeros((n, 3), dtype=np.int64), branch])
    value = np.where(twelve >= 10, twelve + 7, twelve)
    value = np.column_stack([value, _check_digit(value, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])])
    value = np.column_stack([value, _check_digit(value, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])])
    return _chars(value + ord("0"))


def _day_text(first: int, last: int, fmt: str) -> tuple[list[str], int]:
    """strftime of every day in [first, last] (days since 1970) and the offset to index it by."""
    base = dt.date(1970, 1, 1)
    return [(base + dt.timedelta(days=d)).strftime(fmt) for d in range(first, last + 1)], first


# --------------------------------------------------------------------------- the draws
class _Draw:
    """All the draws of one synthetic store, column by column, from one seeded Generator."""

    def __init__(self, cases: int, seed: int) -> None:
        self.n = cases
        self.rng = np.random.default_rng([seed, 0x5E7])
        # The generator's own tables (month weights, operator and UF probabilities, city ranking,
        # network per city) come from a _Generator of the same seed: the same code builds them.
        self.gen = _Generator(seed)
        self.uf_codes: tuple[str, ...] = self.gen._uf_codes
        self.cols: dict[str, Column] = {}

    # -- who, where, when --------------------------------------------------------------------
    def people_and_places(self) -> None:
        rng, n, gen = self.rng, self.n, self.gen
        self.op = rng.choice(len(OPERATORS), n, p=gen._op_p)
        self.analyst = np.empty(n, dtype=np.int64)
        self.uf = np.empty(n, dtype=np.int64)
        for i in range(len(OPERATORS)):
            rows = np.flatnonzero(self.op == i)
            team = np.array([j for j, a in enumerate(ANALYSTS) if a.operator == i])
            act = np.array([ANALYSTS[j].activity for j in team])
            self.analyst[rows] = team[rng.choice(team.size, rows.size, p=act / act.sum())]
            self.uf[rows] = rng.choice(len(self.uf_codes), rows.size, p=gen._uf_p[i])

        # Cities: each UF's municipalities ranked as _Generator.city ranks them (capital first,
        # then a seeded order) with its Zipf-like weights; one flat list over every UF.
        self.city_names: list[str] = []
        self.city_ibge: list[int] = []
        self.city_uf: list[int] = []
        self.city_rank_of: list[int] = []
        self.city_index = np.empty(n, dtype=np.int64)
        for u, code in enumerate(self.uf_codes):
            gen.city(code)
            ranked, p = gen._cities[code]
            ibge = {m.name: m.ibge_code for m in municipalities_of(code)}
            offset = len(self.city_names)
            self.city_names += ranked
            self.city_ibge += [ibge[name] for name in ranked]
            self.city_uf += [u] * len(ranked)
            self.city_rank_of += list(range(len(ranked)))
            rows = np.flatnonzero(self.uf == u)
            self.city_index[rows] = offset + rng.choice(len(ranked), rows.size, p=p)

        months, p = gen._months
        month = rng.choice(len(months), n, p=p)
        first = np.array([(dt.date(y, m, 1) - dt.date(1970, 1, 1)).days for y, m in months])
        following = np.array([(dt.date(y + m // 12, m % 12 + 1, 1) - dt.date(1970, 1, 1)).days for y, m in months])
        start = first[month] + np.floor(rng.random(n) * (following - first)[month]).astype(np.int64)
        weekday = (start + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        shift = (weekday >= 5) & (rng.random(n) < 0.9)  # cases are opened on working days
        self.started = np.minimum(np.where(shift, start + 7 - weekday, start), _ANCHOR_DAY)
        self.by_operator = rng.random(n) < 0.62  # "Demandado por": operadora, else prestador

    # -- why and how it ends -------------------------------------------------------------------
    def reasons_and_outcome(self) -> None:
        rng, n = self.rng, self.n
        codes = _REASON_CODES
        base = np.array([REASON_WEIGHTS[c] for c in codes])
        self.complaint = np.full((n, 3), -1, dtype=np.int64)
        how_many = rng.choice((1, 2, 3), n, p=(0.55, 0.32, 0.13))
        lost = codes.index("perda_de_contato")
        for i, op in enumerate(OPERATORS):
            for by_operator in (False, True):
                rows = np.flatnonzero((self.op == i) & (self.by_operator == by_operator))
                if not rows.size:
                    continue
                w = base * np.array([op.reason_bias.get(c, 1.0) for c in codes])
                if by_operator:
                    w[lost] *= 1.8  # the operator opens the case when a provider goes quiet
                top = _weighted_top(rng, np.broadcast_to(w / w.sum(), (rows.size, len(codes))), 3)
                self.complaint[rows] = np.where(np.arange(3) < how_many[rows, None], top, -1)
        cited = self.complaint >= 0
        odds_of = np.array([REASON_RETENTION_ODDS[c] for c in codes])
        reason_odds = np.where(cited, odds_of[np.maximum(self.complaint, 0)], 1.0).prod(axis=1)
        self.lost_contact = (self.complaint == lost).any(axis=1)

        # The outcome: a few cases are no retention at all; otherwise the operator's base odds,
        # the analyst's skill and the reasons behind it decide (generator._Generator.case).
        retention = np.array([op.retention for op in OPERATORS])[self.op]
        skill = np.array([a.skill for a in ANALYSTS])[self.analyst]
        logit = np.log(retention / (1 - retention)) + skill + RETENTION_CALIBRATION
        logit -= np.where(self.by_operator, 0.0, 0.35)
        odds = np.exp(logit) * reason_odds
        not_retention = rng.random(n) < 0.06
        retained = rng.random(n) < odds / (1 + odds)
        outcome = np.where(not_retention, NOT_RETENTION, np.where(retained, RETAINED, TERMINATED))

        median = np.array([a.median_days for a in ANALYSTS])[self.analyst] * np.where(self.lost_contact, 1.3, 1.0)
        days = np.clip(np.round(rng.lognormal(np.log(median), 0.55)), 0, 420).astype(np.int64)
        self.days = np.where(not_retention, np.minimum(days, rng.integers(1, 20, n)), days)
        self.finished = self.started + self.days
        self.is_open = (self.finished > _ANCHOR_DAY) | (rng.random(n) < STALE_OPEN_RATE)
        self.status = np.where(self.is_open, OPEN, outcome)

    # -- contacts ----------------------------------------------------------------------------
    def contact_dates(self) -> None:
        """Up to five contact dates per case (generator.contact_dates, then the open cut)."""
        rng, n, span = self.rng, self.n, self.days
        count = np.minimum(5, 1 + rng.binomial(4, np.minimum(0.9, span / 150 + 0.2)))
        first = rng.integers(0, np.minimum(3, span) + 1)
        last = np.where(rng.random(n) < 0.7, span, span - rng.integers(0, np.minimum(5, span) + 1))
        last = np.maximum(last, first)
        inner = np.sort(rng.integers(first[:, None], last[:, None] + 1, (n, 3)), axis=1)
        offsets = np.zeros((n, 5), dtype=np.int64)
        offsets[:, 0] = first
        for c in range(2, 6):  # [first, c - 2 inner dates, last]
            rows = count == c
            offsets[rows, 1:c - 1] = inner[rows, : c - 2]
            offsets[rows, c - 1] = last[rows]
        days = self.started[:, None] + offsets
        valid = np.arange(5) < count[:, None]
        # Open cases: only what happened by the anchor, or (abandoned half-way) the first contacts.
        future = self.finished > _ANCHOR_DAY
        stale = self.is_open & ~future
        keep_future = valid & (days <= _ANCHOR_DAY)
        cut = rng.integers(1, np.maximum(2, count))
        keep_stale = valid & (np.arange(5) < cut[:, None])
        valid = np.where(future[:, None], keep_future, np.where(stale[:, None], keep_stale, valid))
        nothing = ~valid.any(axis=1)
        days[nothing, 0] = self.started[nothing]
        valid[nothing, 0] = True
        self.contact_day = days
        self.contact_valid = valid
        self.n_contacts = valid.sum(axis=1)

    # -- the header fields -----------------------------------------------------------------------
    def header(self) -> None:
        rng, n, cols = self.rng, self.n, self.cols
        names = [a.name for a in ANALYSTS]
        cols["analyst"] = Coded(names + [x.upper() for x in names], self.analyst + (rng.random(n) < 0.12) * len(names))
        cols["analyst_key"] = Coded([key(x) for x in names], self.analyst)
        spellings: list[str] = []
        first_spelling = []
        for op in OPERATORS:
            first_spelling.append(len(spellings))
            spellings += [op.name, *op.variants]
        variant = np.where(rng.random(n) < 0.75, 0, 1 + rng.integers(0, 3, n))
        cols["operator"] = Coded(spellings, np.array(first_spelling)[self.op] + variant)
        cols["operator_key"] = Coded([key(op.name) for op in OPERATORS], self.op)

        juridical = rng.random(n) < 0.62
        cols["person_type"] = Coded(["F", "J"], juridical.astype(np.int64))
        cols["cro_count"] = Numbers(np.where(juridical, np.minimum(12, rng.geometric(0.55, n)), 1), pa.int32())
        middle = pc.if_else(pa.array(rng.random(n) < 0.35), _strings(_MIDDLE, rng.integers(0, len(_MIDDLE), n)),
                            pa.scalar(None, pa.string()))
        second = pc.if_else(pa.array(rng.random(n) < 0.6), _strings(_LAST, rng.integers(0, len(_LAST), n)),
                            pa.scalar(None, pa.string()))
        name = pc.binary_join_element_wise(
            _strings(_FIRST, rng.integers(0, len(_FIRST), n)), middle,
            _strings(_LAST, rng.integers(0, len(_LAST), n)), second, " ", null_handling="skip")
        cols["dentist_name"] = Text(pc.if_else(pa.array(rng.random(n) < 0.5), pc.utf8_upper(name), name))
        sp = self.uf == self.uf_codes.index("SP")
        cols["cro"] = Text(pc.cast(pa.array(rng.integers(1200, np.where(sp, 140000, 60000))), pa.string()))
        cols["cro_uf"] = Coded(list(self.uf_codes), np.where(rng.random(n) < 0.95, self.uf,
                                                               rng.integers(0, len(self.uf_codes), n)))

        started = self.started
        new_company = (started >= _ALNUM_DAY + 31) & (rng.random(n) < 0.35)
        quick_quit = rng.random(n) < 0.1  # a recently credentialed provider who gives up early
        inclusion = np.where(
            new_company,
            _ALNUM_DAY + np.floor(rng.random(n) * np.maximum(started - _ALNUM_DAY - 14, 1)).astype(np.int64),
            np.where(quick_quit, started - rng.integers(20, 300, n),
                     started - np.clip(rng.lognormal(math.log(5 * 365), 0.7, n), 300, 9000).astype(np.int64)),
        )
        cols["inclusion_date"] = Numbers(inclusion, pa.date32())
        alnum = juridical & (inclusion >= _ALNUM_DAY) & (rng.random(n) < 0.5)
        cols["cnpj"] = Text(pc.if_else(pa.array(juridical), _cnpjs(rng, n, alnum), pa.scalar(None, pa.string())))
        has_cpf = ~juridical | (rng.random(n) < 0.45)
        cols["cpf"] = Text(pc.if_else(pa.array(has_cpf), _cpfs(rng, n), pa.scalar(None, pa.string())))
        cols["requested_by"] = Coded(["prestador", "operadora"], self.by_operator.astype(np.int64))

        numbers = rng.integers(0, 10**12, n)
        while True:  # protocol numbers are unique (the generator redraws a repeat)
            _, first_seen = np.unique(numbers, return_index=True)
            repeat = np.ones(n, dtype=bool)
            repeat[first_seen] = False
            if not repeat.any():
                break
            numbers[repeat] = rng.integers(0, 10**12, int(repeat.sum()))
        cols["protocol_number"] = Text(pc.binary_join_element_wise(
            "SAD", pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), 12, "0"), ""))
        cols["protocol_opened_on"] = Numbers(
            np.where(rng.random(n) < 0.7, started, started - rng.integers(1, 21, n)), pa.date32())
        cols["uf"] = Coded(list(self.uf_codes), self.uf)
        self.city()
        self.network()

        u = rng.random(n)
        self.accepts = np.where(u < 0.55, 1, np.where(u < 0.95, 0, -1))
        cols["accepts_other_plans"] = Numbers(self.accepts == 1, pa.bool_(), self.accepts < 0)
        plans: list[str] = []
        first_of_size: dict[int, int] = {}
        for k in (1, 2, 3):  # a uniform subset of size k, listed in the generator's order
            first_of_size[k] = len(plans)
            plans += [", ".join(OTHER_PLANS[i] for i in c) for c in itertools.combinations(range(len(OTHER_PLANS)), k)]
        size = rng.choice((1, 2, 3), n, p=(0.5, 0.35, 0.15))
        count = np.array([math.comb(len(OTHER_PLANS), k) for k in (1, 2, 3)])[size - 1]
        pick = np.array([first_of_size[k] for k in (1, 2, 3)])[size - 1] + np.floor(rng.random(n) * count).astype(np.int64)
        says_which = (self.accepts == 1) & (rng.random(n) < 0.85)
        cols["other_plans"] = Coded(plans, np.where(says_which, pick, -1))
        self.coin = np.round(np.clip(np.array([op.coin for op in OPERATORS])[self.op]
                                     + rng.integers(-4, 5, n) / 100, 0.35, 0.60), 2)
        cols["coin_value"] = Numbers(self.coin, pa.float64())
        no_production = rng.random(n) < np.where(self.lost_contact, 0.5, 0.25)
        day_in_month = (started.astype("datetime64[D]") - started.astype("datetime64[D]").astype("datetime64[M]")).astype(np.int64)
        month = (started - day_in_month - rng.integers(0, 300, n)).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        first_month = int(month.min())
        labels = [f"{(m % 12) + 1:02d}/{m // 12 + 1970}" for m in range(first_month, int(month.max()) + 1)]
        self.production = Coded(labels + ["sem produção"], np.where(no_production, len(labels), month - first_month))
        cols["last_production"] = self.production
        cents = np.clip(rng.lognormal(math.log(90000), 1.0, n), 1500, 2_500_000).astype(np.int64)
        cols["last_production_value"] = Numbers(np.where(no_production, 0.0, cents / 100), pa.float64())
        cols["started_on"] = Numbers(started, pa.date32())
        closed = ~self.is_open
        cols["finished_on"] = Numbers(self.finished, pa.date32(), ~closed)
        cols["days_to_close"] = Numbers(self.days, pa.int32(), ~closed)
        cols["outcome"] = Coded(list(_STATUS[:3]), np.where(closed, self.status, -1))
        u = rng.random(n)
        cols["protocol_required"] = Numbers(u >= 0.87, pa.bool_(), u < 0.75)

    def city(self) -> None:
        """The city as written (official, ASCII upper case as many systems print it, or upper case),
        its key and IBGE match; ~1 % of forms drop a letter and match no municipality."""
        rng, n, cols = self.rng, self.n, self.cols
        names = self.city_names
        total = len(names)
        written = names + [strip_accents(x).upper() for x in names] + [x.upper() for x in names]
        keys = [key(x) for x in names]
        u = rng.random(n)
        spelling = np.where(u < 0.55, 0, np.where(u < 0.9, 1, 2))
        city = self.city_index + spelling * total
        key_index = self.city_index.copy()
        matched = np.ones(n, dtype=bool)
        typo_rows = np.flatnonzero(rng.random(n) < DEFECT_RATE * 0.2)  # generator._defect_city_typo
        extra_written: list[str] = []
        extra_keys: list[str] = []
        cuts = rng.integers(1, 1 << 30, typo_rows.size)
        for r, cut in zip(typo_rows.tolist(), cuts.tolist()):
            text = written[city[r]]
            if len(text) < 5:
                continue
            i = 1 + cut % (len(text) - 2)
            typo = text[:i] + text[i + 1:]
            if " " in (typo[0], typo[-1]) or "  " in typo:
                continue
            m = match_city(self.uf_codes[self.uf[r]], typo)
            if m is not None:  # still some municipality's name: the store would match it
                continue
            city[r] = len(written) + len(extra_written)
            extra_written.append(typo)
            key_index[r] = total + len(extra_keys)
            extra_keys.append(key(typo))
            matched[r] = False
        cols["city"] = Coded(written + extra_written, city)
        cols["city_key"] = Coded(keys + extra_keys, key_index)
        cols["ibge_code"] = Numbers(np.array(self.city_ibge)[self.city_index], pa.int32(), ~matched)
        cols["city_official"] = Coded(names, np.where(matched, self.city_index, -1))

    def network(self) -> None:
        """Lives and listed CROs: a property of (operator, city), drawn once per pair by
        _Generator.network, drifting slowly from case to case."""
        rng, n, gen = self.rng, self.n, self.gen
        pair = self.op * len(self.city_names) + self.city_index
        unique, inverse = np.unique(pair, return_inverse=True)
        lives = np.empty(unique.size)
        listed = np.empty(unique.size)
        for j, p in enumerate(unique.tolist()):
            op, city = divmod(p, len(self.city_names))
            uf, name = self.uf_codes[self.city_uf[city]], self.city_names[city]
            gen.network(op, uf, name, self.city_rank_of[city])
            lives[j], listed[j] = gen._network[(op, uf, name)]
        lives_now = np.clip(np.round(lives[inverse] * np.exp(rng.normal(0, 0.04, n))), 1, 5000)
        drift = np.where(rng.random(n) < 0.1, rng.choice((-1, 1), n), 0)
        self.cols["lives"] = Numbers(lives_now, pa.int32())
        self.cols["unique_cros_listed"] = Numbers(np.clip(listed[inverse] + drift, 1, 40), pa.int32())

    # -- checkboxes --------------------------------------------------------------------------
    def checkboxes(self) -> None:
        rng, n, status = self.rng, self.n, self.status
        keep_first = (
            ((status == RETAINED) & (rng.random(n) < 0.4))
            | ((status == OPEN) & (rng.random(n) < 0.5))
            | ((status == NOT_RETENTION) & (rng.random(n) < 0.1))
        )
        keep = np.where((status == TERMINATED)[:, None], self.complaint >= 0,
                        keep_first[:, None] & (np.arange(3) == 0))
        self.reasons = np.where(keep, self.complaint, -1)

        remuneration = np.isin(self.complaint, [_REASON_CODES.index(c) for c in REMUNERATION]).any(axis=1)
        process = np.isin(self.complaint, [_REASON_CODES.index(c) for c in PROCESS]).any(axis=1)
        self.actions = np.zeros((n, len(_ACTION_CODES)), dtype=bool)
        for j, action in enumerate(_ACTION_CODES):
            p = np.array([ACTION_PROB[s][action] for s in _STATUS])[status]
            if action == "novos_valores":
                p = np.where(remuneration, np.minimum(0.95, p * 1.5), p)
            if action == "suporte":
                p = np.where(process, np.minimum(0.95, p * 1.7), p)
            self.actions[:, j] = rng.random(n) < p

        sector_of = np.full(len(_REASON_CODES) + 1, -1)  # index -1 (no reason) → no sector
        for code, sector in SECTOR_OF_REASON.items():
            sector_of[_REASON_CODES.index(code)] = _SECTOR_CODES.index(sector)
        complaint_sector = sector_of[self.complaint]
        sectors = np.stack([(complaint_sector == s).any(axis=1) for s in range(len(_SECTOR_CODES))], axis=1)
        self.sectors = sectors & (sectors.any(axis=1) & (rng.random(n) < 0.35))[:, None]

    # -- notes -------------------------------------------------------------------------------
    def contact_notes(self, case: np.ndarray, number: np.ndarray, day: np.ndarray, last: np.ndarray,
                      has_note: np.ndarray) -> tuple[np.ndarray, pa.ChunkedArray]:
        """A note per contact from the generator's templates: the first contact's by who asked, the
        last one's by how the case ended, the ones in between from the middle pool. Returned as
        (order, notes): notes[i] belongs to contact order[i] (one chunk per template, so a few
        million notes are never copied into contact order)."""
        rng, m = self.rng, case.size
        dm, dm_first = _day_text(int(day.min()), int(day.max()) + 5, "%d/%m")
        cents = np.round(self.coin * 100).astype(np.int64)[case]  # R$ 0,35 .. 0,63: a short list
        coin_text = [f"R$ {c // 100},{c % 100:02d}" for c in range(0, 100)]
        production = self.production.values[:-1] + ["o último ano"]
        hours = [f"{h:02d}h{q * 5:02d}" for h in range(8, 18) for q in range(12)]
        index = {
            "motivo": (list(_REASON_PHRASE[c] for c in _REASON_CODES), self.complaint[case, 0]),
            "prod": (production, self.production.index[case]),
            "hora": (hours, rng.integers(0, len(hours), m)),
            "coin": (coin_text, cents),
            "coin_new": (coin_text, cents + 3),
            **{f"d{k}": (dm, day + k - dm_first) for k in (1, 2, 3, 5)},
        }
        status = self.status[case]
        pools: list[tuple[np.ndarray, tuple[str, ...]]] = [
            ((number == 1) & self.by_operator[case], _Notes.FIRST_OPERATOR),
            ((number == 1) & ~self.by_operator[case], _Notes.FIRST_PROVIDER),
        ]
        ending = (number > 1) & last & (status != OPEN)
        for s, name in enumerate(_STATUS[:3]):
            pools.append((ending & (status == s), _Notes.LAST[name]))
        pools.append(((number > 1) & ~ending, _Notes.MIDDLE))
        pieces: list[tuple[np.ndarray, pa.Array]] = []
        blank = np.flatnonzero(~has_note)
        pieces.append((blank, pa.nulls(blank.size, pa.string())))
        for rows_mask, pool in pools:
            rows = np.flatnonzero(rows_mask & has_note)
            choice = rng.integers(0, len(pool), rows.size)
            for t, template in enumerate(pool):
                chosen = rows[choice == t]
                if chosen.size:
                    values = {k: _strings(v, i[chosen]) for k, (v, i) in index.items() if "{" + k + "}" in template}
                    pieces.append((chosen, _fill(template, values, chosen.size)))
        order = np.concatenate([rows for rows, _ in pieces])
        assert order.size == m
        return order, pa.chunked_array([text for _, text in pieces], pa.string())

    def general_notes(self) -> Coded:
        """The general observation: few distinct texts (template × reason × action), so coded."""
        rng, n, status = self.rng, self.n, self.status
        texts: list[str] = []
        at: dict[tuple[int, int, int, int], int] = {}
        for s, name in enumerate(_STATUS):
            for t, template in enumerate(_Notes.GENERAL[name]):
                for r, code in enumerate(_REASON_CODES):
                    for a, acao in enumerate(("suporte e ajustes no atendimento", "oferta de novos valores")):
                        at[(s, t, r, a)] = len(texts)
                        texts.append(template.format(label=_REASON_LABEL[code], acao=acao))
        says = rng.random(n) < np.where(status == OPEN, 0.15, 0.55)
        template = np.floor(rng.random(n) * np.array([len(_Notes.GENERAL[s]) for s in _STATUS])[status]).astype(np.int64)
        offered_values = self.actions[:, _ACTION_CODES.index("novos_valores")].astype(np.int64)
        lookup = np.full((4, 2, len(_REASON_CODES), 2), -1, dtype=np.int64)
        for (s, t, r, a), i in at.items():
            lookup[s, t, r, a] = i
        base = np.where(says, lookup[status, template, self.complaint[:, 0], offered_values], -1)
        # "Outros" needs a justification: the text gets one of the generator's sentences appended.
        outros = self.actions[:, _ACTION_CODES.index("outros")]
        justification = rng.integers(0, len(_Notes.OUTROS), n)
        extended = [f"{t} {o}" for t in texts for o in _Notes.OUTROS]
        plain = len(texts) + len(extended)
        index = np.where(~outros, base,
                         np.where(base >= 0, len(texts) + base * len(_Notes.OUTROS) + justification,
                                  plain + justification))
        return Coded(texts + extended + list(_Notes.OUTROS), index)


# --------------------------------------------------------------------------- the tables
def synthesize(cases: int, seed: int) -> dict[str, pa.Table]:
    """The rows of a store holding `cases` current cases (plus ~3 % earlier versions), as Arrow
    tables with the columns of the store's tables: "cases" and every child table. Text columns
    may be dictionary-encoded. Same arguments, same tables."""
    from ..store.store import CASE_SCHEMA, CHILD_SCHEMAS

    if cases < 0:
        raise ValueError("cases must be >= 0")
    if cases == 0:
        return {"cases": CASE_SCHEMA.empty_table(), **{k: s.empty_table() for k, s in CHILD_SCHEMAS.items()}}
    d = _Draw(cases, seed)
    rng, n = d.rng, cases
    d.people_and_places()
    d.reasons_and_outcome()
    d.contact_dates()
    d.header()
    d.checkboxes()
    d.cols["general_note"] = d.general_notes()

    # Contacts of the current versions: a written date (3 % missing) and a note (2 % missing).
    case_of, slot = np.nonzero(d.contact_valid)
    number = slot + 1
    day = d.contact_day[case_of, slot]
    last = number == d.n_contacts[case_of]
    u = rng.random(case_of.size)
    order, notes = d.contact_notes(case_of, number, day, last, has_note=(u < 0.03) | (u >= 0.05))
    case_of, number, day, u = case_of[order], number[order], day[order], u[order]  # in the notes' order
    dated = u >= 0.03

    # The form is dated when it was last touched: its closing day, or else its last contact.
    none = np.iinfo(np.int64).min
    written_last = np.full(n, none)
    np.maximum.at(written_last, case_of[dated], day[dated])
    has_written = written_last > none
    last_contact = np.where(has_written, written_last, d.started)
    closed = ~d.is_open
    filed = np.where(closed & ((rng.random(n) < 0.85) | ~has_written), d.finished, last_contact)

    # ~3 % of closed cases were filed earlier too, while still open (generator.earlier_version):
    # fewer contacts, no ending, reasons half the time, each action half the time.
    early_of = np.flatnonzero(closed & (d.n_contacts >= 2) & (rng.random(n) < DUPLICATE_RATE / 0.85))
    m = early_of.size
    early_k = np.zeros(n, dtype=np.int64)
    early_k[early_of] = rng.integers(1, d.n_contacts[early_of])
    in_early = number <= early_k[case_of]
    early_last = np.full(n, none)
    np.maximum.at(early_last, case_of[in_early & dated], day[in_early & dated])
    early_filed = np.where(early_last[early_of] > none, early_last[early_of], d.started[early_of])

    # Rows: current versions 0..n-1, then the earlier versions n..n+m-1; src = the case of each.
    total = n + m
    src = np.concatenate([np.arange(n), early_of])
    is_early = np.arange(total) >= n
    row_filed = np.concatenate([filed, early_filed])
    order = np.lexsort((~is_early, src, row_filed))  # filing order = ingestion order = id order
    case_id = np.empty(total, dtype=np.int64)
    case_id[order] = np.arange(1, total + 1)
    cols = {name: _extend(col, early_of) for name, col in d.cols.items()}
    for name in ("outcome", "finished_on", "days_to_close", "general_note"):
        cols[name] = _blank(cols[name], is_early)
    cols["form_date"] = Numbers(row_filed, pa.date32())
    reasons = d.reasons[src]
    reasons[n:][rng.random(m) < 0.5] = -1
    actions = d.actions[src]
    actions[n:] &= rng.random((m, actions.shape[1])) < 0.5
    sectors = d.sectors[src]

    # Defects (~5 % of forms) and the warnings the reader writes about them.
    warnings: list[tuple[np.ndarray, list[str] | str]] = []
    defective = rng.random(total) < DEFECT_RATE
    row_closed = np.concatenate([closed, np.zeros(m, dtype=bool)])
    kind = np.where(row_closed, rng.integers(0, 4, total), rng.integers(0, 2, total))
    # kind 0: blank fields; 1: SIM and NÃO both checked; 2: two outcomes checked; 3: days mismatch
    rows = np.flatnonzero(defective & (kind == 0))
    how_many = rng.integers(1, 5, rows.size)
    picks = _weighted_top(rng, np.ones((rows.size, len(_BLANKABLE))), 4)
    for j, field in enumerate(_BLANKABLE):
        mask = np.zeros(total, dtype=bool)
        mask[rows[((picks == j) & (np.arange(4) < how_many[:, None])).any(axis=1)]] = True
        if field == "cnpj_or_cpf":
            has_cnpj = ~_is_null(cols["cnpj"])
            cols["cnpj"] = _blank(cols["cnpj"], mask & has_cnpj)
            cols["cpf"] = _blank(cols["cpf"], mask & ~has_cnpj)
            continue
        related = {"city": ("city", "city_key", "ibge_code", "city_official"), "analyst": ("analyst", "analyst_key")}
        for name in related.get(field, (field,)):
            cols[name] = _blank(cols[name], mask)
    for field in _BLANKABLE:  # what validate.add_warnings says about the blank header fields
        if field == "cnpj_or_cpf":
            missing = _is_null(cols["cnpj"]) & _is_null(cols["cpf"])
            warnings.append((np.flatnonzero(missing), _WARN_BLANK.format(label="CNPJ/CPF")))
        else:
            warnings.append((np.flatnonzero(_is_null(cols[field])), _WARN_BLANK.format(label=HEADER_LABELS[field])))
    rows = np.flatnonzero(defective & (kind == 1))
    which = rng.random(rows.size) < 0.6
    both = np.zeros(total, dtype=bool)
    for field, chosen in (("accepts_other_plans", rows[which]), ("protocol_required", rows[~which])):
        mask = np.zeros(total, dtype=bool)
        mask[chosen] = True
        cols[field] = _blank(cols[field], mask)
        warnings.append((chosen, _WARN_BOTH[field]))
        both |= mask if field == "accepts_other_plans" else False
    warnings.append((np.flatnonzero(_is_null(cols["accepts_other_plans"]) & ~both), _WARN_NO_ANSWER))
    rows = np.flatnonzero(defective & (kind == 2))
    outcome_now = cols["outcome"].index[rows]
    other = (outcome_now + 1 + rng.integers(0, 2, rows.size)) % 3
    texts = [
        "Status da retenção: mais de uma opção marcada ("
        + ", ".join(_OUTCOME_LABEL[_OUTCOME_CODES[i]] for i in sorted((a, b))) + "); status deixado em branco"
        for a, b in zip(outcome_now.tolist(), other.tolist())
    ]
    mask = np.zeros(total, dtype=bool)
    mask[rows] = True
    cols["outcome"] = _blank(cols["outcome"], mask)
    warnings.append((rows, texts))
    rows = np.flatnonzero(defective & (kind == 3))
    true_days = d.days[src[rows]]
    written = np.maximum(0, true_days + rng.choice((-1, 1), rows.size) * rng.integers(1, 40, rows.size))
    written = np.where(written == true_days, true_days + 1, written)
    days_col = cols["days_to_close"]
    assert isinstance(days_col, Numbers)
    days_col.values = days_col.values.copy()
    days_col.values[rows] = written
    warnings.append((rows, [f"Tempo finalização ({w} dia(s)) difere das datas ({t} dia(s)); valem as datas"
                            for w, t in zip(written.tolist(), true_days.tolist())]))

    w_rows = np.concatenate([r for r, _ in warnings])
    w_text = pa.concat_arrays([pa.array(t if isinstance(t, list) else [t] * r.size, pa.string()) for r, t in warnings])
    w_order = np.argsort(w_rows, kind="stable")  # each form's warnings in the order listed above
    w_rows = w_rows[w_order]
    w_text = w_text.take(pa.array(w_order))
    warning_count = np.bincount(w_rows, minlength=total)
    w_position = np.arange(w_rows.size) - (np.cumsum(warning_count) - warning_count)[w_rows] + 1

    # Identity and history: ids in filing order, the newest version of each protocol current.
    formats = list(FORMAT_SHARES)
    share = np.array([FORMAT_SHARES[f] for f in formats])
    ext = Coded([EXTENSIONS[f] for f in formats], rng.choice(len(formats), total, p=share / share.sum()))
    protocol = cols["protocol_number"].arrow()
    width = max(4, len(str(total)))
    source = pc.binary_join_element_wise(
        pc.utf8_lpad(pc.cast(pa.array(case_id), pa.string()), width, "0"), "_", protocol, ext.strings(), "")
    superseded_by = np.concatenate([np.zeros(n, dtype=np.int64), case_id[:n][early_of]])
    arrays: dict[str, pa.Array] = {name: col.arrow() for name, col in cols.items()}
    arrays.update({
        "case_id": pa.array(case_id),
        "case_key": protocol,
        "is_current": pa.array(~is_early),
        "superseded_by": pa.array(superseded_by, mask=~is_early),
        "source": source,
        "warning_count": pa.array(warning_count.astype(np.int32)),
    })
    arrays["is_demo"] = pa.array(np.ones(len(case_id), dtype=bool))  # invented, every one (bulk_insert_cases says so too)
    # A field of the registry (fields.py) these draws do not know yet is blank, as on a form without it.
    out = {"cases": pa.table({
        name: arrays[name] if name in arrays else pa.nulls(len(case_id), CASE_SCHEMA.field(name).type)
        for name in CASE_SCHEMA.names
    })}

    r, c = np.nonzero(reasons >= 0)
    out["case_reasons"] = _child(case_id[r], reason_code=Coded(list(_REASON_CODES), reasons[r, c]).arrow())
    r, c = np.nonzero(actions)
    out["case_actions"] = _child(case_id[r], action_code=Coded(list(_ACTION_CODES), c).arrow())
    r, c = np.nonzero(sectors)
    out["case_sectors"] = _child(case_id[r], sector_code=Coded(list(_SECTOR_CODES), c).arrow())
    # Contacts: a current version has all of its case's; an earlier version its first early_k.
    early_row = np.full(n, -1)
    early_row[early_of] = np.arange(n, total)
    copied = np.flatnonzero(in_early)
    out["case_contacts"] = _child(
        case_id[np.concatenate([case_of, early_row[case_of[copied]]])],
        number=pa.array(np.concatenate([number, number[copied]]).astype(np.int32)),
        contact_date=Numbers(np.concatenate([day, day[copied]]), pa.date32(),
                             ~np.concatenate([dated, dated[copied]])).arrow(),
        note=pa.chunked_array([*notes.chunks, *_take_chunked(notes, copied)], pa.string()),
    )
    # Signatories: none, one or two of the operator's supervisors, in their listed order.
    signers = rng.choice((0, 1, 2), total, p=(0.1, 0.55, 0.35))
    ops = d.op[src]
    names: list[str] = []
    sign_rows, sign_pos, sign_name = [], [], []
    for i, op in enumerate(OPERATORS):
        offset = len(names)
        names += list(op.supervisors)
        for k in (1, 2):
            rows = np.flatnonzero((ops == i) & (signers == k))
            combos = np.array(list(itertools.combinations(range(len(op.supervisors)), k)))
            chosen = combos[rng.integers(0, len(combos), rows.size)]
            for position in range(k):
                sign_rows.append(rows)
                sign_pos.append(np.full(rows.size, position + 1))
                sign_name.append(offset + chosen[:, position])
    out["case_signatories"] = _child(
        case_id[np.concatenate(sign_rows)],
        position=pa.array(np.concatenate(sign_pos).astype(np.int32)),
        name=Coded(names, np.concatenate(sign_name)).arrow(),
    )
    out["case_warnings"] = _child(case_id[w_rows], position=pa.array(w_position.astype(np.int32)), message=w_text)
    for name, schema in CHILD_SCHEMAS.items():
        assert out[name].column_names == schema.names, name
    return out


def _take_chunked(array: pa.ChunkedArray, rows: np.ndarray) -> list[pa.Array]:
    """array[rows] (rows ascending) chunk by chunk: ChunkedArray.take would first glue every chunk."""
    out = []
    start = 0
    for chunk in array.chunks:
        lo, hi = np.searchsorted(rows, [start, start + len(chunk)])
        if hi > lo:
            out.append(chunk.take(pa.array(rows[lo:hi] - start)))
        start += len(chunk)
    return out


def _child(case_ids: np.ndarray, **columns: pa.Array) -> pa.Table:
    return pa.table({"case_id": pa.array(case_ids.astype(np.int64)), **columns})


def write_synthetic(store: Any, cases: int, seed: int) -> dict[str, int]:
    """Synthesize `cases` cases and write them into `store` (an empty Store) in one transaction;
    returns the rows written per table. The store is marked is_demo=true and its data_version
    bumped, like any committed write. Callers check first that the file holds no real data."""
    tables = synthesize(cases, seed)
    store.bulk_insert_cases(tables, origin="demo", is_demo=True)
    return {name: t.num_rows for name, t in tables.items()}
