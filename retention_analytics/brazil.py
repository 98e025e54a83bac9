"""Brazilian reference facts: the 27 UFs, IBGE municipalities, CPF/CNPJ check digits.

City matching is the one definition used by the store for the coverage pages (metrics.md,
"Network coverage"): a (UF, city) is matched accent-, case- and spacing-insensitively to the IBGE
municipality of that UF; unmatched names are kept as written. Works offline from the CSV shipped
in `data/`. It must not touch the database or any file format.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from validate_docbr import CNPJ, CPF

from .text import key


@dataclass(frozen=True)
class UF:
    code: str
    name: str
    population: int  # Censo 2022
    capital: str
    tile: tuple[int, int]  # (row, column) in the tile-grid cartogram, north at the top


UFS: dict[str, UF] = {
    uf.code: uf
    for uf in (
        UF("RR", "Roraima", 636_707, "Boa Vista", (0, 2)),
        UF("AP", "Amapá", 733_759, "Macapá", (0, 4)),
        UF("AM", "Amazonas", 3_941_613, "Manaus", (1, 1)),
        UF("PA", "Pará", 8_120_131, "Belém", (1, 3)),
        UF("MA", "Maranhão", 6_776_699, "São Luís", (1, 4)),
        UF("CE", "Ceará", 8_794_957, "Fortaleza", (1, 5)),
        UF("RN", "Rio Grande do Norte", 3_302_729, "Natal", (1, 6)),
        UF("AC", "Acre", 830_018, "Rio Branco", (2, 0)),
        UF("RO", "Rondônia", 1_581_196, "Porto Velho", (2, 1)),
        UF("TO", "Tocantins", 1_511_460, "Palmas", (2, 3)),
        UF("PI", "Piauí", 3_271_199, "Teresina", (2, 4)),
        UF("PE", "Pernambuco", 9_058_931, "Recife", (2, 5)),
        UF("PB", "Paraíba", 3_974_687, "João Pessoa", (2, 6)),
        UF("MT", "Mato Grosso", 3_658_649, "Cuiabá", (3, 2)),
        UF("GO", "Goiás", 7_056_495, "Goiânia", (3, 3)),
        UF("BA", "Bahia", 14_141_626, "Salvador", (3, 4)),
        UF("SE", "Sergipe", 2_210_004, "Aracaju", (3, 5)),
        UF("AL", "Alagoas", 3_127_683, "Maceió", (3, 6)),
        UF("MS", "Mato Grosso do Sul", 2_757_013, "Campo Grande", (4, 2)),
        UF("DF", "Distrito Federal", 2_817_381, "Brasília", (4, 3)),
        UF("MG", "Minas Gerais", 20_539_989, "Belo Horizonte", (4, 4)),
        UF("ES", "Espírito Santo", 3_833_712, "Vitória", (4, 5)),
        UF("PR", "Paraná", 11_444_380, "Curitiba", (5, 2)),
        UF("SP", "São Paulo", 44_411_238, "São Paulo", (5, 3)),
        UF("RJ", "Rio de Janeiro", 16_054_524, "Rio de Janeiro", (5, 4)),
        UF("SC", "Santa Catarina", 7_610_361, "Florianópolis", (6, 2)),
        UF("RS", "Rio Grande do Sul", 10_882_965, "Porto Alegre", (7, 2)),
    )
}


def is_uf(text: str | None) -> bool:
    return bool(text) and text.strip().upper() in UFS


@dataclass(frozen=True)
class Municipality:
    uf: str
    ibge_code: int
    name: str


@lru_cache(maxsize=1)
def municipalities() -> tuple[Municipality, ...]:
    with resources.files(__package__).joinpath("data/ibge_municipios.csv").open(encoding="utf-8") as fh:
        return tuple(Municipality(r["uf"], int(r["ibge_code"]), r["name"]) for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], Municipality]:
    index: dict[tuple[str, str], Municipality] = {}
    for m in municipalities():
        index[(m.uf, key(m.name))] = m
        # "Santa Bárbara d'Oeste" is often typed "Santa Barbara D Oeste" or "...do Oeste".
        index.setdefault((m.uf, key(m.name.replace("d'", "do "))), m)
    return index


def match_city(uf: str | None, city: str | None) -> Municipality | None:
    """The IBGE municipality named `city` in `uf`, ignoring case, accents, punctuation, spacing."""
    if not uf or not city:
        return None
    return _index().get((uf.strip().upper(), key(city)))


def municipalities_of(uf: str) -> tuple[Municipality, ...]:
    return tuple(m for m in municipalities() if m.uf == uf)


_CPF = CPF()
_CNPJ = CNPJ()
_DOC_CHARS = re.compile(r"[^0-9A-Za-z]")


def document_chars(text: str | None) -> str:
    """Digits (and letters, for the alphanumeric CNPJ) without the mask: "11.222.333/0001-81" → "11222333000181"."""
    return _DOC_CHARS.sub("", text or "").upper()


def valid_cpf(cpf: str | None) -> bool:
    return bool(cpf) and len(cpf) == 11 and cpf.isdigit() and _CPF.validate(cpf)


def valid_cnpj(cnpj: str | None) -> bool:
    """Numeric or alphanumeric (valid since July 2026) CNPJ with correct check digits."""
    return bool(cnpj) and len(cnpj) == 14 and _CNPJ.validate(cnpj)


def cpf_check_digits(first_nine: str) -> str:
    """The two check digits of a CPF: used by the demo generator and the tests' look-alikes."""
    digits = [int(c) for c in first_nine]
    for weight_start in (10, 11):
        total = sum(d * w for d, w in zip(digits, range(weight_start, 1, -1)))
        rest = total % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return first_nine + "".join(str(d) for d in digits[-2:])


def cnpj_check_digits(first_twelve: str) -> str:
    """The two check digits of a CNPJ (numeric or alphanumeric: each char counts as ord(c) - 48)."""
    chars = list(first_twelve.upper())
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        total = sum((ord(c) - 48) * w for c, w in zip(chars, weights))
        rest = total % 11
        chars.append(str(0 if rest < 2 else 11 - rest))
    return "".join(chars)
