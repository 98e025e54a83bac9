"""A small hand-written case store for the metrics, export and CLI tests.

The DuckDB file is built from the package's schema.sql and views.sql, with the vocabularies from
vocab.py/brazil.py and ~15 invented cases (anonymized look-alikes: no real person). Every expected
value in test_metrics.py is computed by hand from the table below, so change both together.

Period 2024 (reference date = started_on, else protocol_opened_on):

id  protocol op (spelling)   analyst uf city            lives listed cro outcome      started     finished    days
1   P1       ODONTOLIFE      Ana     MG João Monlevade   16    1      2  desligamento 2024-01-10  2024-02-09  30
2   P2       OdontoLife      Ana     MG JOAO MONLEVADE   20    2      -  retencao     2024-03-01  2024-04-10  40
3   P3       Odonto Life     Bruno   MG Belo Horizonte   1000  50     2  desligamento 2024-05-01  2024-07-30  90
4   P4       UNIODONTO       Bruno   SP São Paulo        500   3      3  desligamento 2024-02-01  2024-02-11  10
5   P5       Uniodonto       Ana     SP Sao Paulo        800   -      -  retencao     2024-06-01  2024-06-21  20
6   P6       ODONTOLIFE      Ana     MG Joao Monlevade   -     -      -  nao_se_trata 2024-04-01  2024-04-06  5
7   P7       ODONTOLIFE      Bruno   MG Belo Horizonte   -     -      -  (open)       2024-10-01  -
8   P8       UNIODONTO       Ana     SP São Paulo        -     -      -  (open)       2024-12-10  -
9   P9       ODONTOLIFE      Ana     MG Vila Inventada*  10    2      2  desligamento (prot. 2024-08-01) 2024-09-20 45 (form)
10  P10      ODONTOLIFE      Ana     MG Joao Monlevade   99    9      -  desligamento 2023-12-01  2023-12-20  19
12  P12      UNIODONTO       Bruno   SP São Paulo        700   4      -  (open)       2024-06-01  -
13  P13      ODONTOLIFE      Ana     MG Joao Monlevade   30    2      -  (open)       2025-01-15  -
100 P1       ODONTOLIFE      Ana     MG Joao Monlevade   5000  1      1  superseded version of P1 (not current)
* unmatched city (no IBGE code).
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import duckdb

from retention_analytics import brazil, vocab
from retention_analytics.fields import cases_column_ddl

D = dt.date

CASE_COLUMNS = (
    "case_id", "case_key", "is_current", "superseded_by", "source", "operator", "operator_key", "analyst",
    "analyst_key", "uf", "city", "city_key", "ibge_code", "city_official", "lives", "unique_cros_listed",
    "cro_count", "outcome", "started_on", "finished_on", "days_to_close", "protocol_opened_on",
    "protocol_number", "requested_by", "cpf", "cnpj", "dentist_name", "general_note", "warning_count",
)

JM = (3136207, "João Monlevade")
BH = (3106200, "Belo Horizonte")
SP = (3550308, "São Paulo")
NONE = (None, None)


def _case(case_id, protocol, operator, analyst, uf, city, city_key, ibge, lives, listed, cro, outcome, started,
          finished, days=None, opened=None, requested=None, cpf=None, cnpj=None, note=None, warnings=0,
          current=True, superseded_by=None):
    operator_key = "".join(ch for ch in operator.lower() if ch.isalnum())
    analyst_key = analyst.lower()
    return (
        case_id, protocol, current, superseded_by, f"form_{case_id:03d}.xlsx", operator, operator_key, analyst,
        analyst_key, uf, city, city_key, ibge[0], ibge[1], lives, listed, cro, outcome, started, finished, days,
        opened, protocol, requested, cpf, cnpj, f"Dentista {case_id}", note, warnings,
    )


CASES = [
    _case(1, "P1", "ODONTOLIFE", "Ana", "MG", "João Monlevade", "joaomonlevade", JM, 16, 1, 2, "desligamento",
          D(2024, 1, 10), D(2024, 2, 9), 30, requested="operadora", cpf="12345969601",
          note="Ligar para (31) 98765-4321 ou ana.souza@example.com"),
    _case(2, "P2", "OdontoLife", "Ana", "MG", "JOAO MONLEVADE", "joaomonlevade", JM, 20, 2, None,
          "retencao_efetiva", D(2024, 3, 1), D(2024, 4, 10), requested="operadora"),
    _case(3, "P3", "Odonto Life", "Bruno", "MG", "Belo Horizonte", "belohorizonte", BH, 1000, 50, 2,
          "desligamento", D(2024, 5, 1), D(2024, 7, 30), requested="operadora"),
    _case(4, "P4", "UNIODONTO", "Bruno", "SP", "São Paulo", "saopaulo", SP, 500, 3, 3, "desligamento",
          D(2024, 2, 1), D(2024, 2, 11), requested="prestador", cnpj="11222333000181"),
    _case(5, "P5", "Uniodonto", "Ana", "SP", "Sao Paulo", "saopaulo", SP, 800, None, None, "retencao_efetiva",
          D(2024, 6, 1), D(2024, 6, 21), requested="prestador", cnpj="12ABC34501DE35"),
    _case(6, "P6", "ODONTOLIFE", "Ana", "MG", "Joao Monlevade", "joaomonlevade", JM, None, None, None,
          "nao_se_trata_de_retencao", D(2024, 4, 1), D(2024, 4, 6)),
    _case(7, "P7", "ODONTOLIFE", "Bruno", "MG", "Belo Horizonte", "belohorizonte", BH, None, None, None, None,
          D(2024, 10, 1), None),
    _case(8, "P8", "UNIODONTO", "Ana", "SP", "São Paulo", "saopaulo", SP, None, None, None, None,
          D(2024, 12, 10), None),
    # No start date: reference = protocol opening, days to close = the form's value.
    _case(9, "P9", "ODONTOLIFE", "Ana", "MG", "Vila Inventada", "vilainventada", NONE, 10, 2, 2, "desligamento",
          None, D(2024, 9, 20), days=45, opened=D(2024, 8, 1), warnings=1),
    _case(10, "P10", "ODONTOLIFE", "Ana", "MG", "Joao Monlevade", "joaomonlevade", JM, 99, 9, None,
          "desligamento", D(2023, 12, 1), D(2023, 12, 20)),
    _case(12, "P12", "UNIODONTO", "Bruno", "SP", "São Paulo", "saopaulo", SP, 700, 4, None, None,
          D(2024, 6, 1), None),
    _case(13, "P13", "ODONTOLIFE", "Ana", "MG", "Joao Monlevade", "joaomonlevade", JM, 30, 2, None, None,
          D(2025, 1, 15), None),
    _case(100, "P1", "ODONTOLIFE", "Ana", "MG", "Joao Monlevade", "joaomonlevade", JM, 5000, 1, 1,
          "desligamento", D(2024, 12, 1), D(2024, 12, 2), current=False, superseded_by=1),
]

REASONS = [
    (1, "valores"), (1, "glosas"),
    (3, "valores"),
    (4, "perda_de_contato"),
    (9, "prazo_liberacao_de_guias"), (9, "valores"),
    (10, "aposentou"),
    (100, "obito"),
]
ACTIONS = [(1, "novos_valores"), (2, "novos_valores"), (2, "suporte"), (3, "suporte"), (5, "treinamento")]
CONTACTS = [
    (1, 1, D(2024, 1, 12), "Tel 31 99999-8888, falou com a secretária"),
    (1, 2, D(2024, 1, 20), None),
    (7, 1, D(2024, 10, 5), "Sem retorno"),
]
WARNINGS = [(9, 1, "Cidade “Vila Inventada” não encontrada no IBGE para MG.")]


def _sql(name: str) -> str:
    return resources.files("retention_analytics.store").joinpath(name).read_text(encoding="utf-8")


def build_db(path: Path) -> Path:
    """Create the fixture store at `path` (a DuckDB file) and return the path."""
    con = duckdb.connect(str(path))
    try:
        con.execute(_sql("schema.sql"))
        con.execute(cases_column_ddl())  # as the store does: the registry's fields have their columns
        con.execute(_sql("views.sql"))
        con.executemany("insert into outcomes values (?, ?)", [(t.code, t.label) for t in vocab.OUTCOMES])
        con.executemany("insert into actions values (?, ?)", [(t.code, t.label) for t in vocab.ACTIONS])
        con.executemany("insert into sectors values (?, ?)", [(t.code, t.label) for t in vocab.SECTORS])
        con.executemany(
            "insert into reason_categories values (?, ?, ?)",
            [(c, c in vocab.CONTROLLABLE_CATEGORIES, i) for i, c in enumerate(vocab.REASON_CATEGORIES, start=1)],
        )
        con.executemany(
            "insert into reasons values (?, ?, ?, ?)",
            [(t.code, t.label, vocab.CATEGORY_OF_REASON[t.code], i) for i, t in enumerate(vocab.REASONS, start=1)],
        )
        con.executemany(
            "insert into ufs values (?, ?, ?, ?, ?, ?)",
            [(u.code, u.name, u.population, u.capital, u.tile[0], u.tile[1]) for u in brazil.UFS.values()],
        )
        placeholders = ", ".join("?" for _ in CASE_COLUMNS)
        con.executemany(f"insert into cases ({', '.join(CASE_COLUMNS)}) values ({placeholders})", CASES)
        con.executemany("insert into case_reasons values (?, ?)", REASONS)
        con.executemany("insert into case_actions values (?, ?)", ACTIONS)
        con.executemany("insert into case_contacts values (?, ?, ?, ?)", CONTACTS)
        con.executemany("insert into case_warnings values (?, ?, ?)", WARNINGS)
        con.execute(
            """
            insert into documents (document_id, sha256, file_name, content, size_bytes, ingested_at, batch_id,
                parser_version, status, rejection_reason)
            values (200, 'abc', 'planilha_vazia.xlsx', ''::blob, 0, timestamp '2024-05-01 10:00:00', 1, '1',
                'rejected', 'O arquivo não é um formulário de retenção.')
            """
        )
    finally:
        con.close()
    return path
