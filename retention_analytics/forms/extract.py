"""Label-anchored extraction: from a Grid (any format) to the case record of form-schema.md.

The form has two halves. The header is a grid of labels with their values beside them (same row,
after the label) or below them (the next row with values, at about the same column, sometimes a
cell to the side). The lower half is a sequence of sections (status, five contacts, actions,
reasons, protocol, general note, sectors, signatures) made of checkboxes and free text.

Header values are read in two steps: labels are found wherever they are (any case, accents,
punctuation, misspellings, wrapped lines), then each row of values is aligned with the labels
waiting for one by a small dynamic program that scores how well each value fits each field's type
("16/03/2024" fits a date, "MG" a UF, "11.222.333/0001-81" a CNPJ) and how well their columns line
up. That is what makes values shifted a cell, blank fields and text without columns
(pdftotext) come out right.

Speed: a batch's forms share their labels, option lines and template text, so the steps that are
pure in the text they are given (label candidates, header cells, checkbox splitting, option and
heading matching, value fits) are memoized with bounded lru_caches; what they return is immutable
(tuples, frozen Check/Cell/Row), so sharing it between forms is safe. The record of a form must
not depend on what was parsed before it (tests/test_forms.py checks it).

This module must not read files or touch the database; validate.py owns the consistency warnings.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .. import text as T
from ..brazil import UFS, document_chars, is_uf, match_city
from ..fields import BLOCK_TITLE_VARIANTS, BY_KEY, PARSED, SUBSTITUTION_KEYS
from ..record import FormReadError, empty_record
from ..vocab import ACTIONS, OUTCOMES, REASONS, SECTORS, Term, match_term
from .grid import CHECKED, UNCHECKED, UNKNOWN, Cell, Grid, Row

# --------------------------------------------------------------------------- header label catalog

# field -> (value kind, label variants as `fold`ed text), from the field registry (fields.py): the
# header's fields and the optional "Substituição" block's. Longest variants win; a field's label is
# used once (UF twice: the CRO's and the city's, both matched by the city's "uf" and told apart by
# their row in `_resolve_field`), so a later "Operadora" is the value of "Demandado por?", not a
# second label.
HEADER_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {f.key: (f.kind, f.variants) for f in PARSED if f.variants}
# The block's title: a label of kind "title", which no value fits and which never waits for one.
_BLOCK_TITLE = "_substitution_title"
HEADER_FIELDS[_BLOCK_TITLE] = ("title", BLOCK_TITLE_VARIANTS)
# Every parsed field's kind, "cro_uf" included.
_KIND: dict[str, str] = {**{f.key: f.kind for f in PARSED}, _BLOCK_TITLE: "title"}
_BLOCK_KEYS: frozenset[str] = frozenset(SUBSTITUTION_KEYS)

_VARIANTS: list[tuple[tuple[str, ...], str]] = sorted(
    ((tuple(v.split()), f) for f, (_, vs) in HEADER_FIELDS.items() for v in vs),
    key=lambda item: -len(" ".join(item[0])),
)
_CITY_ROW_FIELDS = {"city", "lives", "unique_cros_listed"}
_CRO_ROW_FIELDS = {"cro", "operator", "dentist_name"}

SECTION_HEADINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("status", ("status retencao", "status da retencao", "status de retencao")),
    ("actions", ("acao retencao", "acoes retencao", "acao de retencao", "acoes de retencao")),
    ("reasons", ("motivo desligamento", "motivos desligamento", "motivo de desligamento", "motivos de desligamento", "motivo do desligamento")),
    ("protocol", ("necessario abertura de protocolo", "necessario abertura protocolo", "necessaria abertura de protocolo")),
    ("general_note", ("obs geral", "observacao geral", "observacoes gerais", "obs gerais")),
    ("sectors", ("setor responsavel", "setores responsaveis", "setor responsaveis")),
)
_HEADING_VARIANTS: tuple[tuple[str, str, int], ...] = tuple(
    (section, variant, len(variant.split())) for section, variants in SECTION_HEADINGS for variant in variants
)
_CONTACT = re.compile(r"^([1-5])\s*(?:o|a)?\s*contato\b")
_OUTROS_SENTENCE = re.compile(r"obrigat[óo]rio\s+justificativa\s+caso\s+selecione\s*\W*outros\W*\.?", re.I)
_DATE_IN_TEXT = re.compile(r"\b(\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}|\d{4}-\d{2}-\d{2})\b")
YES_NO: tuple[Term, ...] = (Term("sim", "SIM"), Term("nao", "NÃO"))
_VOCABULARIES: dict[str, tuple[Term, ...]] = {
    "outcomes": OUTCOMES, "actions": ACTIONS, "reasons": REASONS, "sectors": SECTORS, "yes_no": YES_NO,
}
_VOCABULARY_NAME: dict[int, str] = {id(terms): name for name, terms in _VOCABULARIES.items()}


# ------------------------------------------------------------------------------------ row items


@dataclass
class Label:
    field: str
    x0: float
    x1: float


@dataclass
class Value:
    text: str
    x0: float
    x1: float
    item: int  # values of one cell share an item id: a span may not cross cells
    tabular: bool


@dataclass(frozen=True)
class Check:
    text: str
    checked: bool | None  # None: the box's state was lost (see grid.UNKNOWN)


@dataclass
class HeaderState:
    seen: set[str] = field(default_factory=set)
    pending: list[Label] = field(default_factory=list)
    pending_tabular: bool = False
    values: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    next_item: int = 0
    # Text converters that read a page column by column (pdftotext without -layout) can write a
    # value far from its label. Labels left blank and whole value cells left unused in text runs
    # wait here; _adopt_orphans pairs them at the end when the type leaves no doubt.
    blank: list[str] = field(default_factory=list)
    # (text, blank labels before it, checkboxes read before it)
    orphans: list[tuple[str, int, int]] = field(default_factory=list)


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]


@lru_cache(maxsize=65536)
def _token_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    # A typo, not another word: same first letter, about the same length, mostly the same letters.
    if len(a) >= 5 and len(b) >= 5 and a[0] == b[0] and abs(len(a) - len(b)) <= 2:
        return T.similarity(a, b) >= 0.8
    return False


# (rank, variant, field) by the first letter of the variant's first word: a token can only be
# that word when it starts with the same letter (see _token_equal), so most tokens (values) are
# turned down after looking at a handful of variants instead of all of them.
_VARIANTS_BY_LETTER: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
for _rank, (_variant, _fld) in enumerate(_VARIANTS):
    _VARIANTS_BY_LETTER.setdefault(_variant[0][0], []).append((_rank, _variant, _fld))


@lru_cache(maxsize=16384)
def _variants_starting_with(token: str) -> tuple[tuple[int, tuple[str, ...], str], ...]:
    """(rank, variant, field) of the label variants whose first word `token` may be."""
    return tuple(
        (rank, variant, fld)
        for rank, variant, fld in _VARIANTS_BY_LETTER.get(token[:1], ())
        if _token_equal(token, variant[0])
    )


def _labels_in(tokens: tuple[str, ...], seen: frozenset[str], row_fields: frozenset[str]) -> tuple[tuple[int, int, str], ...]:
    """(start, end, field) of labels among folded tokens, longest first, each field used once
    (`seen`: fields labelled in earlier rows; `row_fields`: those this row labels, which decide
    which "UF" is which).

    Both steps are pure and memoized: the label rows of a form repeat from one form to the next,
    so a batch pays for finding "Colaborador  Qtd CRO(s)  Data" once, not once per form."""
    candidates = _label_candidates(tokens)
    if not candidates:
        return ()  # a row of values (most rows of a filled form): nothing to resolve
    return _resolve_labels(tokens, candidates, seen, row_fields)


@lru_cache(maxsize=32768)
def _label_candidates(tokens: tuple[str, ...]) -> tuple[tuple[int, int, tuple[str, ...], str], ...]:
    """(rank, start, variant, field) of every label variant the tokens spell, best rank first."""
    candidates: list[tuple[int, int, tuple[str, ...], str]] = []
    for start, token in enumerate(tokens):
        for rank, variant, fld in _variants_starting_with(token):
            n = len(variant)
            if start + n <= len(tokens) and all(_token_equal(w, v) for w, v in zip(tokens[start + 1 : start + n], variant[1:])):
                candidates.append((rank, start, variant, fld))
    return tuple(sorted(candidates))


@lru_cache(maxsize=32768)
def _resolve_labels(
    tokens: tuple[str, ...],
    candidates: tuple[tuple[int, int, tuple[str, ...], str], ...],
    seen: frozenset[str],
    row_fields: frozenset[str],
) -> tuple[tuple[int, int, str], ...]:
    found: list[tuple[int, int, str]] = []
    taken = [False] * len(tokens)
    claimed: set[str] = set()
    used_variants: set[int] = set()
    for rank, start, variant, fld in candidates:
        n = len(variant)
        if rank in used_variants or any(taken[start : start + n]):
            continue
        resolved = _resolve_field(fld, seen, claimed, row_fields)
        if resolved is None:
            continue
        used_variants.add(rank)
        claimed.add(resolved)
        for i in range(start, start + n):
            taken[i] = True
        found.append((start, start + n, resolved))
    return tuple(sorted(found))


def _resolve_field(fld: str, seen: frozenset[str], claimed: set[str], row_fields: frozenset[str]) -> str | None:
    used = seen | claimed
    if fld != "uf":
        return None if fld in used else fld
    if row_fields & _CITY_ROW_FIELDS and "uf" not in used:
        return "uf"
    if row_fields & _CRO_ROW_FIELDS and "cro_uf" not in used:
        return "cro_uf"
    for candidate in ("cro_uf", "uf"):
        if candidate not in used:
            return candidate
    return None


def _split_checks(text: str, one_word: bool) -> tuple[tuple[Check, ...], str]:
    """Checkbox segments of a cell, and the text left without them."""
    if CHECKED not in text and UNCHECKED not in text and UNKNOWN not in text:
        return (), text
    return _split_boxes(text, one_word)


@lru_cache(maxsize=16384)
def _split_boxes(text: str, one_word: bool) -> tuple[tuple[Check, ...], str]:
    # Memoized: the form's option lines ("☐ Valores  ☐ Franquia") repeat in every form.
    parts = re.split(f"([{CHECKED}{UNCHECKED}{UNKNOWN}])", text)
    rest = [parts[0]]
    checks: list[Check] = []
    for mark, segment in zip(parts[1::2], parts[2::2]):
        segment = segment.strip()
        if one_word:
            option, _, remainder = segment.partition(" ")
            checks.append(Check(option, None if mark == UNKNOWN else mark == CHECKED))
            rest.append(remainder)
        else:
            checks.append(Check(segment, None if mark == UNKNOWN else mark == CHECKED))
    return tuple(checks), " ".join(p for p in rest if p.strip())


_COLON_GLUED = re.compile(r":(?=\S)")


@lru_cache(maxsize=32768)
def _header_cell(text: str) -> tuple[tuple[Check, ...], str, tuple[tuple[str, int, int], ...], tuple[str, ...], tuple[int, ...]]:
    """A header cell's checkboxes, its text without them, its words (with offsets) and their
    folded tokens with the word each comes from. Memoized: cells repeat across forms (and
    Check is frozen, so sharing them is safe)."""
    checks, rest = _split_checks(text, one_word=True)
    rest = _COLON_GLUED.sub(": ", rest)
    words = tuple(_words(rest))
    tokens: list[str] = []
    owners: list[int] = []
    for index, (word, _, _) in enumerate(words):
        for token in T.fold(word).split():
            tokens.append(token)
            owners.append(index)
    return tuple(checks), rest, words, tuple(tokens), tuple(owners)


_NO_FIELDS: frozenset[str] = frozenset()


def _value_items(row: Row, prepared: list[Any], state: HeaderState) -> list[Label | Value]:
    """_row_items of a row without any label (the value rows of a filled form): each cell's
    words are one value, exactly as the general loop below makes them."""
    items: list[Label | Value] = []
    for cell, rest, words, _, _ in prepared:
        if not words:
            continue
        text = rest[words[0][1] : words[-1][2]].strip(" :")
        if not text:
            continue
        item = state.next_item
        state.next_item += 1
        if row.tabular:
            items.append(Value(text, cell.x0, cell.x1, item, True))
        else:
            width = max(len(rest), 1)
            span = cell.x1 - cell.x0
            x0 = cell.x0 + span * words[0][1] / width
            x1 = cell.x0 + span * words[-1][2] / width
            items.append(Value(text, x0, x1, item, False))
    return items


def _row_items(row: Row, state: HeaderState) -> list[Label | Value]:
    """A header row as labels and values in reading order; checkboxes go to state.checks."""
    # First pass: which fields does this row label (decides the two "UF"s).
    prepared: list[tuple[Cell, str, tuple[tuple[str, int, int], ...], tuple[str, ...], tuple[int, ...]]] = []
    row_fields: set[str] = set()
    seen = frozenset(state.seen)
    any_label = False
    for cell in row.cells:
        checks, rest, words, tokens, owners = _header_cell(cell.text)
        if checks:
            state.checks += checks
        prepared.append((cell, rest, words, tokens, owners))
        if _label_candidates(tokens):
            any_label = True
            for _, _, fld in _labels_in(tokens, seen, _NO_FIELDS):
                row_fields.add(fld)
    if not any_label:
        return _value_items(row, prepared, state)
    items: list[Label | Value] = []
    for cell, rest, words, tokens, owners in prepared:
        if not words:
            continue
        labels = _labels_in(tokens, frozenset(state.seen), frozenset(row_fields))
        state.seen.update(f for _, _, f in labels)
        word_label: dict[int, str] = {}
        for start, end, fld in labels:
            for t in range(start, end):
                word_label[owners[t]] = fld
        width = max(len(rest), 1)

        def xpos(offset: int) -> float:
            return cell.x0 + (cell.x1 - cell.x0) * offset / width

        index = 0
        while index < len(words):
            if index in word_label:
                fld = word_label[index]
                start_offset = words[index][1]
                while index + 1 < len(words) and word_label.get(index + 1) == fld:
                    index += 1
                end_offset = words[index][2]
                if row.tabular:
                    items.append(Label(fld, cell.x0, cell.x1))
                else:
                    items.append(Label(fld, xpos(start_offset), xpos(end_offset)))
                index += 1
                continue
            start = index
            while index + 1 < len(words) and index + 1 not in word_label:
                index += 1
            text = rest[words[start][1] : words[index][2]].strip(" :")
            if text:
                item = state.next_item
                state.next_item += 1
                if row.tabular:
                    items.append(Value(text, cell.x0, cell.x1, item, True))
                else:
                    items.append(Value(text, xpos(words[start][1]), xpos(words[index][2]), item, False))
            index += 1
    if row.tabular:
        _widen_labels(items)
    return items


def _widen_labels(items: list[Label | Value]) -> None:
    """A label's column runs until the next label of its row (the last one, to the right edge):
    spreadsheets right-align dates and numbers, so a value may sit far right of its label's text
    yet still in its column."""
    labels = [item for item in items if isinstance(item, Label)]
    for label, following in zip(labels, labels[1:] + [None]):
        label.x1 = max(label.x1, following.x0) if following is not None else float("inf")


# ---------------------------------------------------------------------------------- value types


def _fit(fld: str, text: str) -> float | None:
    """How well `text` fits field `fld` (higher is better), None when it cannot be that field."""
    return _fit_cached(*_FIT_KEY[fld], text, T.is_us_locale())


_FLOAT_DIGITS = re.compile(r"^(\d+)\.0+$")  # "51554.0": a number a converter read as a float
_LETTER = re.compile(r"[A-Za-zÀ-ÿ]")
_NUMBERISH = re.compile(r"[-R$\s\d.,/()%]+")


@lru_cache(maxsize=65536)
def _fit_cached(kind: str, plausible_max: int, text: str, us_locale: bool) -> float | None:
    # Keyed by the field's kind (and its plausible maximum), not the field: a date is tried
    # against five date fields, and the answer is the same for all of them. us_locale is part of
    # the key: "05/10/24" fits a date either way, "1,234" does not.
    raw = text.strip()
    if not raw:
        return None
    if kind in ("cro", "cpf", "cnpj"):
        raw = _FLOAT_DIGITS.sub(r"\1", raw)
    if kind == "date":
        try:
            return 3.0 if T.parse_date(raw) is not None else None
        except T.InvalidDate:
            return 2.0
    if kind == "int":
        value = T.parse_int(raw)
        if value is None:
            return None
        # An 11-digit CPF is not a count of CROs: out of range, a number is only taken when it
        # sits right under its label (the column bonus outweighs this), and then warned about.
        return 3.0 if abs(value) <= plausible_max else -1.0
    if kind == "decimal":
        value = T.parse_decimal(raw)
        if value is None:
            return None
        return 3.0 if "," in raw or "." in raw else 1.5
    if kind == "money":
        value = T.parse_money(raw)
        if value is None:
            return None
        return 3.5 if "R" in raw.upper() and "$" in raw else 1.5
    if kind == "days":
        value = T.parse_days(raw)
        if value is None:
            return None
        if abs(value) > plausible_max:
            return -1.0
        return 3.5 if "dia" in raw.lower() else 1.5
    if kind == "uf":
        if is_uf(raw) or _uf_from_name(raw):
            return 3.0
        # Two letters where a UF goes: kept (and warned about) rather than lost.
        return 0.3 if re.fullmatch(r"[A-Za-z]{2}", raw) else None
    if kind == "cro":
        if re.fullmatch(r"(?:CRO\s*[-/]?\s*(?:[A-Z]{2})?\s*[-:/]?\s*)?\d{1,8}(?:\s*[-/]\s*[A-Z]{2})?", raw, re.I):
            return 3.0
        return None
    if kind == "cpf":
        chars = document_chars(raw)
        if re.fullmatch(r"[\d.\-\s/]+", raw) and 9 <= len(chars) <= 11:
            return 4.0 if len(chars) == 11 else 1.0
        return None
    if kind == "cnpj":
        chars = document_chars(raw)
        if re.fullmatch(r"[0-9A-Za-z.\-\s/]+", raw) and 12 <= len(chars) <= 14 and sum(c.isdigit() for c in chars) >= 4:
            return 4.0 if len(chars) == 14 else 1.0
        return None
    if kind == "person_type":
        return 3.0 if _person_type(raw) else None
    if kind == "protocol":
        if " " not in raw and re.search(r"\d", raw) and len(raw) >= 4:
            return 3.0
        if re.fullmatch(r"[A-Za-z]{0,4}-?\d{1,3}", raw):
            return 1.6  # a short protocol number ("P7", "12"): fits, but weaker than a real one
        if re.fullmatch(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+){1,2}", raw) and re.search(r"\d{4}", raw):
            return 2.5  # a protocol number wrapped over two lines of a narrow column
        if re.fullmatch(r"[\w./-]+(?: [\w./-]+){0,2}", raw) and re.search(r"\d{4}", raw):
            return 1.0
        return None
    if kind == "note":
        return 0.8  # free text (the block's notes): any words, but weaker than anything typed
    # Only the text kinds below need these (computed here, not for every date or number).
    folded = T.fold(raw)
    has_letters = bool(_LETTER.search(raw))
    numberish = bool(_NUMBERISH.fullmatch(raw))
    if kind == "production":
        if folded.startswith("sem prod") or folded in {"nao ha", "sem producao", "nenhuma"}:
            return 3.0
        if re.fullmatch(r"\d{1,2}\s*/\s*\d{2,4}", raw):
            return 3.0
        if T.looks_like_date(raw):
            return 2.0
        if numberish:
            return None
        return 0.8
    if kind == "requested":
        if folded in {"operadora", "prestador", "beneficiario", "dentista", "clinica"}:
            return 3.0
        return 1.0 if has_letters and not numberish else None
    if kind == "name":
        if not has_letters or re.search(r"\d", raw):
            return None
        return 1.5
    if kind == "text":
        if not has_letters or numberish or T.looks_like_date(raw):
            return None
        return 1.2
    return None


# field -> the (kind, plausible maximum) _fit_cached is keyed by. Beyond its plausible maximum
# (fields.py) a number is implausible for that field: taken only where the layout says so.
_FIT_KEY: dict[str, tuple[str, int]] = {f.key: (f.kind, f.plausible_max or 10**9) for f in PARSED}
_FIT_KEY[_BLOCK_TITLE] = ("title", 10**9)  # _fit_cached: no value is a title


def _uf_from_name(text: str) -> str | None:
    return _UF_BY_FOLDED_NAME.get(T.fold(text))


_UF_BY_FOLDED_NAME: dict[str, str] = {}
for _uf in UFS.values():
    _UF_BY_FOLDED_NAME.setdefault(T.fold(_uf.name), _uf.code)


def _person_type(text: str) -> str | None:
    folded = T.fold(text)
    if folded in {"j", "pj", "juridica", "pessoa juridica", "p j"}:
        return "J"
    if folded in {"f", "pf", "fisica", "pessoa fisica", "p f"}:
        return "F"
    return None


# ------------------------------------------------------------------------------- value alignment


def _position_bonus(label: Label, value: Value, tabular: bool) -> float:
    return _position_bonus_at(label.x0, label.x1, value.x0, value.x1) if tabular else 0.0


def _position_bonus_at(lx0: float, lx1: float, vx0: float, vx1: float) -> float:
    if lx0 < vx1 and vx0 < lx1:
        return 1.5
    width = max(min(lx1, vx1 + 1e6) - lx0, vx1 - vx0, 1e-9)
    gap = max(vx0 - lx1, lx0 - vx1)
    if gap <= 0.5 * width:
        return 0.0
    return -0.6 * min(gap / width, 4.0)


def _align(labels: list[Label], values: list[Value], tabular: bool) -> dict[str, str]:
    """Best order-preserving assignment of value spans to labels (a small dynamic program).

    Values are split into words; a span joins consecutive words of one cell. Scores: the type fit,
    column alignment, a penalty for each word left unassigned and for splitting a table cell.
    """
    # Tokens as parallel lists (word, x0, x1, cell item, tabular): the DP below runs for every
    # value row of every form, so it works on plain floats instead of building objects.
    words_of: list[str] = []
    xs0: list[float] = []
    xs1: list[float] = []
    items: list[int] = []
    tabs: list[bool] = []
    for value in values:
        words = value.text.split()
        if not words:
            continue
        n = len(words)
        span = value.x1 - value.x0
        for i, word in enumerate(words):
            words_of.append(word)
            xs0.append(value.x0 + span * i / n)
            xs1.append(value.x0 + span * (i + 1) / n)
            items.append(value.item)
            tabs.append(value.tabular)
    n_labels, n_tokens = len(labels), len(words_of)
    if not n_labels or not n_tokens:
        return {}
    item_sizes: dict[int, int] = {}
    for item in items:
        item_sizes[item] = item_sizes.get(item, 0) + 1
    skip_token = -0.6
    neg = float("-inf")
    us_locale = T.is_us_locale()
    fit_of = _fit_cached
    # The spans starting at each token (within its cell): (end, text, is a part of its cell).
    spans: list[list[tuple[int, str, bool]]] = []
    for j in range(n_tokens):
        item = items[j]
        out: list[tuple[int, str, bool]] = []
        text = ""
        for k in range(j + 1, n_tokens + 1):
            if items[k - 1] != item:
                break
            text = words_of[k - 1] if k == j + 1 else f"{text} {words_of[k - 1]}"
            out.append((k, text, k - j != item_sizes[item]))
        spans.append(out)
    # best/back as flat tables: state (i labels done, j tokens done) at i * width + j.
    width = n_tokens + 1
    best = [neg] * ((n_labels + 1) * width)
    back: list[tuple[int, int, int] | None] = [None] * ((n_labels + 1) * width)
    best[0] = 0.0
    for i in range(n_labels + 1):
        row, below = i * width, (i + 1) * width
        has_label = i < n_labels
        if has_label:
            label = labels[i]
            fit_kind, fit_max = _FIT_KEY[label.field]
            lx0, lx1 = label.x0, label.x1
            # The tiny term breaks ties toward earlier labels: a lone date under "Data início /
            # Data final" with no columns to go by is the start date.
            tie = 0.001 * i
        for j in range(width):
            here = best[row + j]
            if here == neg:
                continue
            if has_label and here > best[below + j]:  # label left blank
                best[below + j], back[below + j] = here, (i, j, -1)
            if j == n_tokens:
                continue
            if here + skip_token > best[row + j + 1]:  # word not used
                best[row + j + 1], back[row + j + 1] = here + skip_token, (i, j, -2)
            if not has_label:
                continue
            piece_tabular = tabs[j]
            aligned = tabular and piece_tabular
            vx0 = xs0[j]
            for k, text, partial in spans[j]:
                fit = fit_of(fit_kind, fit_max, text, us_locale)
                if fit is None:
                    continue
                if aligned:
                    # _position_bonus_at, inlined: this is the innermost loop of the parser.
                    vx1 = xs1[k - 1]
                    if lx0 < vx1 and vx0 < lx1:
                        bonus = 1.5
                    else:
                        span_width = max(min(lx1, vx1 + 1e6) - lx0, vx1 - vx0, 1e-9)
                        gap = max(vx0 - lx1, lx0 - vx1)
                        bonus = 0.0 if gap <= 0.5 * span_width else -0.6 * min(gap / span_width, 4.0)
                else:
                    bonus = 0.0
                score = here + fit + bonus - tie
                if partial and piece_tabular:
                    score -= 1.0
                if score > best[below + k]:
                    best[below + k], back[below + k] = score, (i, j, k)
    assigned: dict[str, str] = {}
    used_tokens: set[int] = set()
    i, j = n_labels, n_tokens
    while (i, j) != (0, 0):
        step = back[i * width + j]
        if step is None:
            break
        pi, pj, k = step
        if k >= 0:
            assigned[labels[pi].field] = " ".join(words_of[pj:k])
            used_tokens.update(range(pj, k))
        i, j = pi, pj
    # Converters that read a table column by column put some values before the label they answer
    # would follow in reading order; a whole unused cell that clearly fits a label still left
    # blank is matched by type, best fits first.
    if len(assigned) == n_labels or len(used_tokens) == n_tokens:
        return assigned  # no label left blank, or no value left over
    unused_items: dict[int, list[int]] = {}
    for index, item in enumerate(items):
        unused_items.setdefault(item, []).append(index)
    leftovers = [ids for ids in unused_items.values() if not used_tokens.intersection(ids)]
    candidates = []
    for ids in leftovers:
        text = " ".join(words_of[t] for t in ids)
        for label in labels:
            if label.field in assigned:
                continue
            fit = _fit(label.field, text)
            if fit is not None and fit >= 1.5:
                candidates.append((fit, label.field, text, ids[0]))
    taken: set[int] = set()
    for fit, fld, text, first in sorted(candidates, key=lambda c: (-c[0], c[3])):
        if fld in assigned or first in taken:
            continue
        assigned[fld] = text
        taken.add(first)
    return assigned


_VARIANT_TOKENS: frozenset[tuple[str, ...]] = frozenset(v for v, _ in _VARIANTS)


def _join_wrapped_labels(rows: list[Row]) -> list[Row]:
    """Text rows with label lines wrapped by a narrow column joined back: pdftotext -layout of a
    sheet printed with narrow columns writes "Demandado" on one line and "por?" under it, and the
    line "por?  protocolo" would otherwise be read as the values of the labels above."""
    out: list[Row] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        if index + 1 < len(rows):
            joined = _wrapped_label_row(row, rows[index + 1])
            if joined is not None:
                out.append(joined)
                index += 2
                continue
        out.append(row)
        index += 1
    return out


def _wrapped_label_row(upper: Row, lower: Row) -> Row | None:
    """`upper` with each cell of `lower` appended to the one cell above it, when every such join
    makes a known label ("Dt. abertura" + "protocolo"); None when `lower` is anything else."""
    pieces = [c for c in lower.cells if c.text.strip()]
    if not pieces:
        return None
    cells = list(upper.cells)
    for piece in pieces:
        above = [k for k, cell in enumerate(cells) if cell.text.strip() and cell.overlaps(piece)]
        if len(above) != 1:
            return None
        cell = cells[above[0]]
        if _header_cell(cell.text)[3] + _header_cell(piece.text)[3] not in _VARIANT_TOKENS:
            return None
        cells[above[0]] = Cell(f"{cell.text} {piece.text}", min(cell.x0, piece.x0), max(cell.x1, piece.x1))
    return Row(cells, upper.tabular)


def _has_label(row: Row) -> bool:
    return any(_label_candidates(_header_cell(c.text)[3]) for c in row.cells)


def _join_wrapped_values(rows: list[Row]) -> list[Row]:
    """Text values wrapped by a narrow column joined back: -layout text writes "Priscila Luiz
    Correia" in its column and "Moraes" under it, just above the next line of labels. Only under
    a line of several columns (one value per line is how raw text reads, not a wrap), only words
    with letters and no digits, each under one cell of the line above, and only when labels (or
    nothing) follow: a second line of values is values."""
    out: list[Row] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        below = index + 1
        cells = list(row.cells)
        while (len([c for c in cells if c.text.strip()]) >= 2 and below < len(rows) and below - index <= 3
               and _continues_values(cells, rows[below])):
            after = rows[below + 1] if below + 1 < len(rows) else None
            if after is not None and not after.blank and not _has_label(after) and not _continues_values(cells, after):
                break
            for part in rows[below].cells:
                if part.text.strip():
                    k = next(k for k, c in enumerate(cells) if c.x0 - 2 <= part.x0 <= c.x1 + 2)
                    cells[k] = Cell(f"{cells[k].text} {part.text.strip()}", cells[k].x0, max(cells[k].x1, part.x1))
            below += 1
        out.append(Row(cells, row.tabular) if below > index + 1 else row)
        index = below
    return out


def _continues_values(cells: list[Cell], lower: Row) -> bool:
    parts = [c for c in lower.cells if c.text.strip()]
    if not parts or _has_label(lower) or _has_box(lower.text):
        return False
    for part in parts:
        text = part.text.strip()
        if re.search(r"\d", text) or not _LETTER.search(text):
            return False
        above = [c for c in cells if c.text.strip() and c.x0 - 2 <= part.x0 <= c.x1 + 2]
        if len(above) != 1 or not _LETTER.search(above[0].text) or _label_candidates(_header_cell(above[0].text)[3]):
            return False
    return True


def _read_header(rows: list[Row]) -> HeaderState:
    rows = _join_wrapped_values(_join_wrapped_labels(rows))
    state = HeaderState()
    # Values of consecutive value-only lines wait here until a line with labels (or the end)
    # arrives: text converters often put each cell of a table row on a line of its own.
    run: list[Value] = []
    run_tabular = True
    # The checkboxes already read when each value of the run arrived (see _adopt_orphans).
    checks_at: dict[int, int] = {}

    def align_run() -> None:
        nonlocal run, run_tabular
        text_run = not run_tabular
        if run and state.pending:
            tabular = state.pending_tabular and run_tabular
            assigned = _align(state.pending, run, tabular)
            for fld, value in assigned.items():
                state.values.setdefault(fld, value)
            if not tabular:
                state.blank += [label.field for label in state.pending if label.field not in assigned]
                used = list(assigned.values())
                state.orphans += [(v.text, len(state.blank), checks_at.get(id(v), 0)) for v in run
                                  if not any(v.text in u for u in used)]
            state.pending = []
        elif run and text_run:
            state.orphans += [(v.text, len(state.blank), checks_at.get(id(v), 0)) for v in run]
        run, run_tabular = [], True
        checks_at.clear()

    for row in rows:
        checks_before = len(state.checks)
        items = _row_items(row, state)
        if not items:
            if row.tabular and (row.blank or len(state.checks) > checks_before):
                align_run()
                state.pending = []  # a blank value row (or only checkboxes): the waiting labels are blank
            continue
        # Values before the row's first label answer the labels waiting from rows above.
        leading: list[Value] = []
        index = 0
        while index < len(items) and isinstance(items[index], Value):
            leading.append(items[index])  # type: ignore[arg-type]
            index += 1
        run += leading
        for value in leading:
            checks_at[id(value)] = len(state.checks)
        run_tabular = run_tabular and row.tabular
        if index == len(items):
            if row.tabular:
                align_run()  # a table row is complete in itself
            continue
        had_values = bool(run)
        state_was_tabular = state.pending_tabular
        align_run()
        waiting_from_above = len(state.pending)
        # Each label takes the values that follow it in the same row, when they fit.
        while index < len(items):
            label = items[index]
            index += 1
            assert isinstance(label, Label)
            inline: list[Value] = []
            while index < len(items) and isinstance(items[index], Value):
                inline.append(items[index])  # type: ignore[arg-type]
                index += 1
            if _KIND[label.field] in ("check", "title"):
                continue  # its value is the SIM/NÃO checkboxes (accepts_other_plans), or it has none
            if inline:
                # Beside its own label a value is that label's, even when implausible.
                assigned = _align([label], inline, True)
                if label.field in assigned:
                    state.values.setdefault(label.field, assigned[label.field])
                    continue
            if label.field not in state.values:
                if not state.pending:
                    state.pending_tabular = row.tabular
                state.pending_tabular = state.pending_tabular and row.tabular
                state.pending.append(label)
        # Labels waiting from rows above get their values in the row right below them or not at
        # all: in a table, that row is the next one (a blank value row may not even exist in the
        # file); in text, once a line with values has passed. Only label-only text lines (a
        # converter writing each cell on its own line) let labels keep waiting.
        in_table = state_was_tabular and row.tabular
        if waiting_from_above and (in_table or had_values or any(isinstance(item, Value) for item in items)):
            state.pending = state.pending[waiting_from_above:]
    align_run()
    _adopt_orphans(state)
    return state


_ORPHAN_KINDS = frozenset({"date", "cpf", "cnpj"})  # types a value cannot be mistaken for


def _adopt_orphans(state: HeaderState) -> None:
    """A value cell left over in text gets the blank label of its type written before it, when
    exactly one fits it strongly: pdftotext's raw text writes "CNPJ / CPF / 18/03/2024" when the
    date belonged to "Data" three labels above. Two blank date labels before it are ambiguous and
    both stay blank (and warned about as blank).

    The same text writes the plans a dentist also serves right after the "☒ SIM ☐ NÃO" boxes and
    before the labels "Atende outros convênios / Quais?": text just after those boxes, with "Quais?"
    blank, is its answer."""
    previous_checks = -1
    for text, before, checks in state.orphans:
        fits = {f for f in state.blank[:before]
                if f not in state.values and _FIT_KEY[f][0] in _ORPHAN_KINDS and (_fit(f, text) or 0) >= 3.0}
        if len(fits) == 1:
            state.values[fits.pop()] = text
        elif (checks >= 2 and checks != previous_checks and "other_plans" in state.seen
              and "other_plans" not in state.values and _fit("other_plans", text) is not None
              and {T.fold(c.text) for c in state.checks[checks - 2:checks]} == {"sim", "nao"}):
            state.values["other_plans"] = text
        previous_checks = checks


# ------------------------------------------------------------------------- lower half (sections)


@lru_cache(maxsize=8192)
def _heading(row_text: str) -> tuple[str, str] | None:
    """(section, rest of the row) when the row starts with a section heading: the first variant
    (in SECTION_HEADINGS order) the row's first words equal or, for variants of 8 letters or
    more, resemble (similarity ≥ 0.86)."""
    folded = T.fold(row_text)
    if not folded:
        return None
    tokens = folded.split()
    matches: list[int] = []
    # Grouped by the variants' number of words: one head per group, and the fuzzy comparisons of
    # a group in one call (this runs for every row of every form that is not a cached one).
    for n, (exact, fuzzy_indexes, fuzzy_variants) in _HEADING_GROUPS.items():
        head = " ".join(tokens[:n])
        if head in exact:
            matches.append(exact[head])
        matches += [fuzzy_indexes[k] for k in T.similar_among(head, fuzzy_variants, 0.86)]
    if not matches:
        return None
    section, _, n = _HEADING_VARIANTS[min(matches)]
    return section, _drop_words(row_text, n)


def _heading_groups() -> dict[int, tuple[dict[str, int], list[int], list[str]]]:
    groups: dict[int, tuple[dict[str, int], list[int], list[str]]] = {}
    for index, (_, variant, n) in enumerate(_HEADING_VARIANTS):
        exact, fuzzy_indexes, fuzzy_variants = groups.setdefault(n, ({}, [], []))
        exact.setdefault(variant, index)
        if len(variant) >= 8:
            fuzzy_indexes.append(index)
            fuzzy_variants.append(variant)
    return groups


_HEADING_GROUPS = _heading_groups()


def _drop_words(text: str, n_folded_tokens: int) -> str:
    """`text` without its first words covering `n_folded_tokens` folded tokens."""
    count = 0
    for match in re.finditer(r"\S+", text):
        count += len(T.fold(match.group()).split())
        if count >= n_folded_tokens:
            return text[match.end() :].strip(" :-")
    return ""


def _is_outcome_row(row: Row) -> bool:
    for cell in row.cells:
        checks, _ = _split_checks(cell.text, one_word=False)
        if any(_match_option(c.text, OUTCOMES) for c in checks):
            return True
    return False


def _match_option(text: str, terms: tuple[Term, ...]) -> Term | None:
    """The option a checkbox's text names; tolerates trailing words ("Outros (especificar)")."""
    # Memoized per vocabulary name: hashing a tuple of Terms on every call cost more than matching.
    return _match_option_in(text, _VOCABULARY_NAME[id(terms)])


@lru_cache(maxsize=32768)
def _match_option_in(text: str, vocabulary: str) -> Term | None:
    terms = _VOCABULARIES[vocabulary]
    term = match_term(text, terms)
    if term:
        return term
    words = text.split()
    for n in range(len(words) - 1, 0, -1):
        term = match_term(" ".join(words[:n]), terms)
        if term:
            return term
    return None


_X_MARKS = {"x": CHECKED, "✓": CHECKED, "true": CHECKED, "verdadeiro": CHECKED, "false": UNCHECKED, "falso": UNCHECKED}


def _x_cells_to_marks(row: Row) -> Row:
    """Tables that mark a box by typing "X" (or TRUE/FALSE) in the cell beside its label."""
    if not row.tabular or len(row.cells) < 2:
        return row
    marks = _X_MARKS
    texts = [c.text for c in row.cells]
    if not any(text.strip().lower() in marks for text in texts):
        return row  # no cell is a typed mark (nearly every row)
    converted = False
    for i, text in enumerate(texts):
        mark = marks.get(text.strip().lower())
        if not mark:
            continue
        for j in (i + 1, i - 1):
            if 0 <= j < len(texts) and texts[j] and texts[j].strip().lower() not in marks and not texts[j].startswith((CHECKED, UNCHECKED)):
                if _any_option(texts[j]):
                    texts[j] = f"{mark} {texts[j]}"
                    texts[i] = ""
                    converted = True
                    break
    if not converted:
        return row
    for i, text in enumerate(texts):
        if text and not text.startswith((CHECKED, UNCHECKED)) and _any_option(text):
            texts[i] = f"{UNCHECKED} {text}"
    return Row([Cell(t, c.x0, c.x1) for t, c in zip(texts, row.cells)], row.tabular)


@lru_cache(maxsize=8192)
def _any_option(text: str) -> Term | None:
    for terms in (OUTCOMES, ACTIONS, REASONS, SECTORS, YES_NO):
        term = match_term(text, terms)
        if term:
            return term
    return None


@dataclass
class LowerState:
    section: str | None = None
    contact: int | None = None
    in_note: bool = False
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    outcomes: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    protocol: list[str] = field(default_factory=list)
    note_lines: list[str] = field(default_factory=list)
    signatories: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_boxes: int = 0
    unfinished: Check | None = None  # a checkbox whose label matched nothing yet (wrapped line)


def _has_box(text: str) -> bool:
    return CHECKED in text or UNCHECKED in text or UNKNOWN in text


def _add_unique(target: list[str], code: str) -> None:
    if code not in target:
        target.append(code)


def _record_check(state: LowerState, check: Check) -> bool:
    """Files a checkbox under its section's vocabulary (or any, when the heading is missing)."""
    found = _option_of(check.text, state.section)
    if found is None:
        return False
    vocabulary, term = found
    if vocabulary == "yes_no" and state.section not in ("protocol", None):
        return False
    if check.checked is None:
        state.unknown_boxes += 1
    elif check.checked:
        _add_unique(getattr(state, _CHECK_TARGET[vocabulary]), term.code)
    if vocabulary == "sectors":
        state.section = "sectors"
    return True


# Which list of LowerState a checked option of each vocabulary goes to.
_CHECK_TARGET = {"outcomes": "outcomes", "actions": "actions", "reasons": "reasons", "sectors": "sectors", "yes_no": "protocol"}
_SECTION_VOCABULARY = {"status": "outcomes", "actions": "actions", "reasons": "reasons", "protocol": "yes_no", "sectors": "sectors"}


@lru_cache(maxsize=16384)
def _option_of(text: str, section: str | None) -> tuple[str, Term] | None:
    """(vocabulary, term) a checkbox's text names: its section's vocabulary first, then any."""
    first = _SECTION_VOCABULARY.get(section or "")
    order = ([first] if first else []) + ["outcomes", "actions", "reasons", "sectors", "yes_no"]
    for vocabulary in order:
        term = _match_option_in(text, vocabulary)
        if term is not None:
            return vocabulary, term
    return None


def _name_like(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 8 or re.search(r"\d|@|:", text):
        return False
    if re.fullmatch(r"[_\-.=\s]+", text):
        return False
    folded = T.fold(text)
    return not folded.startswith(("assinatura", "responsavel", "carimbo", "gestor", "visto"))


_BOXES = (CHECKED, UNCHECKED, UNKNOWN)


def _join_wrapped_options(rows: list[Row]) -> list[Row]:
    """Option lines wrapped by narrow columns joined back, column by column: pdftotext -layout
    writes "☒ Ofertado Novos   ☐ Ofertado" and under it "Valores   Suporte", sometimes over four
    lines and with a word cut ("procediment" / "os Estéticos"). The lines with no box under a line
    of boxes join it when each of their cells sits under one box and, once joined, every box that
    got text names an option that its first line alone did not."""
    out: list[Row] = []
    index = 0
    while index < len(rows):
        found = _wrapped_option_rows(rows, index)
        if found is not None:
            row, index = found
            out.append(row)
            continue
        out.append(rows[index])
        index += 1
    return out


def _split_box_cells(row: Row) -> Row:
    """Cells holding two boxes ("☒ Dificuldades com o ☐ Prazo", one space apart in -layout text)
    split at the second box, each part at its share of the cell's extent."""
    if sum(row.text.count(b) for b in _BOXES) < 2:
        return row
    cells: list[Cell] = []
    for cell in row.cells:
        starts = [m.start() for m in re.finditer("[" + "".join(_BOXES) + "]", cell.text) if m.start() > 0]
        if not starts:
            cells.append(cell)
            continue
        width = (cell.x1 - cell.x0) / max(len(cell.text), 1)
        bounds = [0, *starts, len(cell.text)]
        for a, b in zip(bounds, bounds[1:]):
            part = cell.text[a:b].strip()
            if part:
                cells.append(Cell(part, cell.x0 + a * width, cell.x0 + b * width))
    return Row(cells, row.tabular)


def _option_text(first: str, pieces: list[str]) -> str | None:
    """The option a box's first line plus the pieces under it names, trying each cut word fused
    back ("procediment" + "os"); None when no way of joining them names one."""
    for fused in itertools.product((" ", ""), repeat=len(pieces)):
        text = first
        for glue, piece in zip(fused, pieces):
            text = f"{text}{glue}{piece}"
        if _any_option(text) is not None:
            return text
    return None


def _wrapped_option_rows(rows: list[Row], index: int) -> tuple[Row, int] | None:
    upper = rows[index]
    if not _has_box(upper.text) or index + 1 >= len(rows) or _has_box(rows[index + 1].text) or rows[index + 1].blank:
        return None
    upper = _split_box_cells(upper)
    cells = list(upper.cells)
    labels = {k: c.text[1:].strip() for k, c in enumerate(cells) if c.text.startswith(_BOXES)}
    closed = {k for k, label in labels.items() if _any_option(label) is not None}
    pieces: dict[int, list[tuple[int, str]]] = {}  # box → (line, text) of the lines under it
    best: tuple[Row, int] | None = None
    starts = sorted((c.x0, k) for k, c in enumerate(cells) if c.text.strip())
    for below in range(index + 1, min(index + 7, len(rows))):
        lower = rows[below]
        parts = [c for c in lower.cells if c.text.strip()]
        folded = T.fold(lower.text)
        if not parts or _has_box(lower.text) or folded.startswith("obs") or _heading(lower.text) or _CONTACT.match(folded):
            break
        # Each word goes to the column it starts in: the cell above that starts last before it
        # ("Liberação de Encerramento" is two columns' words, one space apart).
        fits = True
        for part in parts:
            width = (part.x1 - part.x0) / max(len(part.text), 1)
            for word, offset, _ in _words(part.text):
                x = part.x0 + offset * width
                owners = [k for x0, k in starts if x0 <= x + 2 * width]  # a box glyph can sit a column right
                owner = owners[-1] if owners else None
                if owner is None or owner not in labels or owner in closed or x >= cells[owner].x1 + 12 * width:
                    fits = False
                    break
                column = pieces.setdefault(owner, [])
                if column and column[-1][0] == below:
                    column[-1] = (below, f"{column[-1][1]} {word}")
                else:
                    column.append((below, word))
            if not fits:
                break
        if not fits:
            break
        named = {k: _option_text(labels[k], [text for _, text in p]) for k, p in pieces.items()}
        if all(named.values()):
            joined = [Cell(f"{c.text[0]} {named[k]}", c.x0, c.x1) if k in named else c for k, c in enumerate(cells)]
            best = (Row(joined, upper.tabular), below + 1)
    return best


def _join_wrapped_headings(rows: list[Row]) -> list[Row]:
    """A section heading wrapped by a narrow column ("Necessário" / "abertura de" / "protocolo",
    one per line) joined back into one line, when the lines together are a heading and the first
    alone is not."""
    out: list[Row] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        joined = None
        if len(row.cells) == 1 and row.text.strip() and not _heading(row.text):
            text = row.text.strip()
            for below in range(index + 1, min(index + 3, len(rows))):
                if not rows[below].text.strip():
                    break
                text = f"{text} {rows[below].text.strip()}"
                found = _heading(text)
                # The heading's last line may carry the section's boxes ("protocolo ☒ SIM  ☐ NÃO").
                if found and (not found[1] or _has_box(found[1])):
                    joined = (Row([Cell(text, row.cells[0].x0, row.cells[0].x1)], row.tabular), below + 1)
                    break
        if joined is not None:
            out.append(joined[0])
            index = joined[1]
            continue
        out.append(row)
        index += 1
    return out


def _read_lower(rows: list[Row]) -> LowerState:
    state = LowerState()
    previous_signature = False  # the line right above was a signature (blank lines reset it)
    for raw_row in _join_wrapped_options(_join_wrapped_headings(rows)):
        row = _x_cells_to_marks(raw_row)
        text = row.text.strip()
        if not text:
            previous_signature = False
            continue
        contact = _CONTACT.match(T.fold(text))
        if contact:
            number = int(contact.group(1))
            state.section, state.contact, state.in_note = "contact", number, False
            entry = state.contacts.setdefault(number, {"number": number, "date": None, "note": []})
            date_match = _DATE_IN_TEXT.search(text)
            if date_match:
                try:
                    entry["date"] = T.parse_date(re.sub(r"\s", "", date_match.group(1)))
                except T.InvalidDate:
                    state.warnings.append(f"{number}º contato: a data {date_match.group(1)} não existe no calendário")
            continue
        heading = _heading(text)
        if heading:
            state.section, state.contact, state.in_note = heading[0], None, False
            rest = heading[1]
            if heading[0] == "general_note":
                if rest:
                    state.note_lines.append(rest)
                continue
            if not rest:
                continue
            row = Row([Cell(rest, 0.0, float(len(rest)))], False)
        folded = T.fold(text)
        if state.section == "contact" and state.contact is not None:
            entry = state.contacts[state.contact]
            if folded.startswith("obs") and not state.in_note:
                state.in_note = True
                inline = re.sub(r"^\W*obs\w*\W*", "", text, flags=re.I).strip()
                if inline:
                    entry["note"].append(inline)
                continue
            if not state.in_note and not entry["note"] and re.fullmatch(r"data\W*", text.strip(), re.I):
                continue  # the contact's "Data" label on a line of its own (pdftotext)
            if entry["date"] is None and not state.in_note and not entry["note"]:
                only_date = re.fullmatch(r"(?:data\W*)?(\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})", text.strip(), re.I)
                if only_date:
                    try:
                        entry["date"] = T.parse_date(only_date.group(1))
                    except T.InvalidDate:
                        state.warnings.append(f"{state.contact}º contato: a data {only_date.group(1)} não existe no calendário")
                    continue
            if not _has_box(text):
                entry["note"].append(text)
                continue
        if state.section == "general_note" and not _has_box(text):
            state.note_lines.append(text)
            continue
        if state.section == "actions" and folded.startswith("obs"):
            continue  # the template's "OBRIGATÓRIO JUSTIFICATIVA…" line
        checks: list[Check] = []
        lead = ""
        for cell in row.cells:
            found, rest = _split_checks(cell.text, one_word=False)
            if not checks and not found:
                lead = f"{lead} {rest}".strip()
            checks += found
        if state.unfinished is not None and (checks or not _has_box(text)):
            # An option's label wrapped onto this line ("☒ Falta de" / "Suporte da Operadora").
            continuation = lead if checks else text
            joined = Check(f"{state.unfinished.text} {continuation}", state.unfinished.checked)
            state.unfinished = None
            if continuation and _record_check(state, joined):
                if not checks:
                    continue
        if checks:
            for check in checks:
                if not _record_check(state, check):
                    state.unfinished = check
            continue
        if state.section == "sectors" or state.section == "signatures":
            state.section = "signatures"
            names = [T.collapse(cell.text) for cell in row.cells]
            names = [name for name in names if name and _name_like(name)]
            if (len(names) == 1 and len(names[0].split()) == 1 and state.signatories and previous_signature
                    and len(state.signatories[-1].split()) >= 2):
                # A surname wrapped under its name by a narrow column ("Leandro Zanella" / "Rocha").
                state.signatories[-1] = f"{state.signatories[-1]} {names[0]}"
                continue
            state.signatories += names
            previous_signature = bool(names)
            continue
        previous_signature = False
    return state


# ---------------------------------------------------------------------------------------- record


def _split_header(grid: Grid) -> tuple[list[Row], list[Row]]:
    for index, row in enumerate(grid):
        text = row.text
        folded = T.fold(text)
        if not folded:
            continue
        if _CONTACT.match(folded) or (_heading(text) or ("", ""))[0] in ("status", "actions", "reasons"):
            return grid[:index], grid[index:]
        if _is_outcome_row(row):
            return grid[:index], grid[index:]
    return grid, []


def _clean_note(lines: list[str]) -> str | None:
    text = T.collapse(" ".join(lines))
    if not text:
        return None
    text = _OUTROS_SENTENCE.sub("", text)
    text = re.sub(r"^\W*obs\.?\s*:?\s*$", "", text, flags=re.I)
    return T.collapse(text)


def _convert(record: dict[str, Any], values: dict[str, str], block: dict[str, Any]) -> None:
    """Header values into the record, in their normal forms; the "Substituição" block's into `block`."""
    warnings: list[str] = record["warnings"]
    for fld, raw in values.items():
        raw = T.collapse(raw) or ""
        if not raw:
            continue
        kind = _KIND[fld]
        label = BY_KEY[fld].people_label
        target = block if fld in _BLOCK_KEYS else record
        try:
            if kind == "date":
                value = T.parse_date(raw)
                target[fld] = value.isoformat() if value else None
            elif kind == "int":
                target[fld] = T.parse_int(raw)
            elif kind == "decimal":
                target[fld] = T.parse_decimal(raw)
            elif kind == "money":
                target[fld] = T.parse_money(raw)
            elif kind == "days":
                target[fld] = T.parse_days(raw)
            elif kind == "uf":
                target[fld] = raw.upper() if is_uf(raw) else _uf_from_name(raw) or raw.upper()[:2]
            elif kind == "cro":
                raw = _FLOAT_DIGITS.sub(r"\1", raw)
                target[fld] = re.sub(r"\D", "", re.sub(r"(?i)cro\s*[-/]?\s*[a-z]{2}", "", raw)) or None
            elif kind == "cpf":
                chars = document_chars(_FLOAT_DIGITS.sub(r"\1", raw))
                target[fld] = chars.zfill(11) if chars.isdigit() and len(chars) < 11 else chars
            elif kind == "cnpj":
                chars = document_chars(_FLOAT_DIGITS.sub(r"\1", raw))
                target[fld] = chars.zfill(14) if chars.isdigit() and len(chars) < 14 else chars
            elif kind == "person_type":
                target[fld] = _person_type(raw)
            elif kind == "requested":
                target[fld] = T.slug(raw) or None
            elif kind == "protocol":
                target[fld] = re.sub(r"\s+", "", raw)
            else:
                target[fld] = raw
        except T.InvalidDate:
            warnings.append(f"{label}: a data {raw} não existe no calendário; campo deixado em branco")


def _yes_no(codes: list[str], what: str, warnings: list[str]) -> bool | None:
    if "sim" in codes and "nao" in codes:
        warnings.append(f"{what}: SIM e NÃO marcados; resposta deixada em branco")
        return None
    if "sim" in codes:
        return True
    if "nao" in codes:
        return False
    return None


def extract_record(grid: Grid, source: str) -> dict[str, Any]:
    """The case record of a form's Grid. Raises FormReadError when the grid is not a form at all."""
    record = empty_record(source)
    with T.us_locale(T.guess_us_locale([row.text for row in grid])):
        return _extract(grid, record)


def _extract(grid: Grid, record: dict[str, Any]) -> dict[str, Any]:
    source = record["source"]
    header_rows, lower_rows = _split_header(grid)
    header = _read_header(header_rows)
    lower = _read_lower(lower_rows)
    anchors = len(header.seen) + len(lower.contacts) + (1 if lower_rows else 0)
    if anchors < 3:
        raise FormReadError(
            f"{source}: não parece um Formulário - Processo de Retenção (nenhum rótulo do formulário, como "
            "Colaborador, Operadora ou Motivo desligamento, foi encontrado). Confira se enviou o arquivo certo."
        )
    warnings: list[str] = record["warnings"]
    block: dict[str, Any] = {}
    _convert(record, header.values, block)

    yes_no = []
    for check in header.checks:
        term = match_term(check.text, YES_NO)
        if term and check.checked is True:
            yes_no.append(term.code)
    record["accepts_other_plans"] = _yes_no(yes_no, "Atende outros convênios", warnings)
    if record["other_plans"] is not None:
        record["other_plans"] = T.collapse(record["other_plans"])

    if len(lower.outcomes) > 1:
        names = ", ".join(t.label for t in OUTCOMES if t.code in lower.outcomes)
        warnings.append(f"Status da retenção: mais de uma opção marcada ({names}); status deixado em branco")
    elif lower.outcomes:
        record["outcome"] = lower.outcomes[0]
    record["retention_actions"] = [t.code for t in ACTIONS if t.code in lower.actions]
    record["termination_reasons"] = [t.code for t in REASONS if t.code in lower.reasons]
    record["responsible_sectors"] = [t.code for t in SECTORS if t.code in lower.sectors]
    record["protocol_required"] = _yes_no(lower.protocol, "Necessário abertura de protocolo", warnings)
    record["general_note"] = _clean_note(lower.note_lines)
    contacts = []
    for number in sorted(lower.contacts):
        entry = lower.contacts[number]
        note = _clean_note(entry["note"])
        date = entry["date"].isoformat() if entry["date"] else None
        if date or note:
            contacts.append({"number": number, "date": date, "note": note})
    record["contacts"] = contacts
    record["signatories"] = lower.signatories
    warnings += lower.warnings
    unknown = lower.unknown_boxes + sum(1 for c in header.checks if c.checked is None)
    if unknown:
        warnings.append(
            f"{unknown} caixa(s) de seleção ilegível(is): o arquivo foi salvo numa codificação que perdeu os símbolos ☐/☒. "
            "Salve o CSV como UTF-8 e reenvie para ler status, motivos e ações."
        )
    for fld in ("analyst", "operator", "dentist_name", "city", "last_production"):
        if record[fld] is not None:
            record[fld] = T.collapse(record[fld])
    if record["city"] is not None:
        record["city"] = _unbroken_city(record["uf"], record["city"])
    # The optional "Substituição" block: every key of it, null where blank; no block, no object.
    if any(v is not None for v in block.values()):
        record["substitution"] = {key: block.get(key) for key in SUBSTITUTION_KEYS}
    return record


def _unbroken_city(uf: str | None, city: str) -> str:
    """A city name cut inside a word by a narrow column ("FLORIANÓPO LIS") with the spaces its
    IBGE name does not have taken out, as written otherwise (case and accents kept)."""
    municipality = match_city(uf, city) if " " in city else None
    if municipality is None or city.count(" ") <= municipality.name.count(" "):
        return city
    # Spaces of the official name, counted in letters before each (punctuation aside).
    keep: set[int] = set()
    letters = 0
    for char in municipality.name:
        if char == " ":
            keep.add(letters)
        elif char.isalnum():
            letters += 1
    out, letters = [], 0
    for char in city:
        if char == " ":
            if letters in keep:
                out.append(char)
            continue
        out.append(char)
        letters += char.isalnum()
    return "".join(out)
