"""Substitution records and the ANS compliance of each termination (docs/metrics.md), on a real
DuckDB file: the credentialing file read by line, records matched to cases, every status and edge
computed by hand, a gestor's scope, the CLI import and `export compliance`."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from forms_factory import form_text, make_record
from retention_analytics.filters import Filters
from retention_analytics.forms.sources import Document
from retention_analytics.metrics import compliance, compliance_kpis
from retention_analytics.store import open_store
from retention_analytics.store.substitutions import (
    COLUMNS, SubstitutionFileError, SubstitutionRow, read_substitutions, template_csv,
)

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2024, 5, 1)
HEADER = ";".join(COLUMNS)


def _form(name: str, **fields) -> Document:
    return Document(name, form_text(make_record(**fields)).encode("utf-8"))


@pytest.fixture
def store(tmp_path: Path):
    """Four terminations and one retained case, every one finished 2024-03-20 in João Monlevade
    (MG) unless said otherwise; the city lists 1 CRO and each termination loses 2 (sole provider)
    except T-4 (10 listed)."""
    s = open_store(tmp_path / "conformidade.duckdb")
    s.ingest([
        _form("t1.txt", protocol_number="T-1"),
        _form("t2.txt", protocol_number="T-2", operator="SorrisoMax"),
        _form("t3.txt", protocol_number="T-3", lives=40),
        _form("t4.txt", protocol_number="T-4", unique_cros_listed=10, lives=7),
        _form("r1.txt", protocol_number="R-1", outcome="retencao_efetiva", termination_reasons=[]),
    ])
    return s


def _csv(*lines: str) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *lines]) + "\r\n").encode("utf-8")


def _by_protocol(store, f: Filters | None = None) -> dict:
    with store.connect() as con:
        frame = compliance(con, f or Filters(), as_of=TODAY)
    def plain(value):  # dates as dates, missing numbers as None: what the rules are written in
        if hasattr(value, "date") and not isinstance(value, dt.date):
            return value.date()
        if isinstance(value, dt.datetime):
            return value.date()
        return None if value is None or value != value else value

    return {row["protocol_number"]: {k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")}


# --------------------------------------------------------------------------- the file
def test_template_reads_back_and_has_the_documented_columns():
    data = template_csv()
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8-sig").splitlines()[0] == HEADER
    rows = read_substitutions("modelo.csv", data)
    assert rows[0].exit_date == dt.date(2024, 3, 15) and rows[0].substitute_ibge_code == 3106200


@pytest.mark.parametrize("line, problem", [
    (";15/03/2024;;;;;", "linha 2: protocolo: vazio"),
    ("T-1;2024-03-15;;;;;", "linha 2: data_saida: “2024-03-15” não é uma data no formato DD/MM/AAAA"),
    ("T-1;31/02/2024;;;;;", "não é uma data que exista"),
    ("T-1;;;12345;XX;;", "uf_substituto: “XX” não é uma UF"),
    ("T-1;;;ABC;MG;;", "cro_substituto: “ABC” não é um número de CRO"),
    ("T-1;;;;MG;Cidade Que Nao Existe;", "não é um município de MG"),
    ("T-1;;;;;Belo Horizonte;", "uf_substituto: vazia"),
])
def test_every_bad_line_is_reported_by_number(line, problem):
    with pytest.raises(SubstitutionFileError) as caught:
        read_substitutions("s.csv", _csv("T-9;;;;;;", line))
    assert any(p.startswith("linha 3") and problem.split(": ", 1)[-1] in p for p in caught.value.problems), \
        caught.value.problems
    assert "Nada foi importado" in str(caught.value)


@pytest.mark.parametrize("data, problem", [
    (b"", "vazio"),
    ("protocolo;data_saida\nT-1;01/01/2024\n".encode(), "faltam as colunas data_aviso"),
    (_csv(), "nenhuma linha"),
])
def test_files_that_are_not_substitution_files(data, problem):
    with pytest.raises(SubstitutionFileError, match=problem):
        read_substitutions("s.csv", data)


def test_xlsx_with_real_dates_and_cp1252_csv():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    sheet.append(["T-1", dt.datetime(2024, 3, 20), "18/02/2024", 54321, "mg", "joao monlevade", "Dra. Substituta"])
    buffer = io.BytesIO()
    book.save(buffer)
    row = read_substitutions("s.xlsx", buffer.getvalue())[0]
    assert (row.exit_date, row.notice_date, row.substitute_cro, row.substitute_uf) == (
        dt.date(2024, 3, 20), dt.date(2024, 2, 18), "54321", "MG")
    assert row.substitute_ibge_code == 3136207  # João Monlevade, written without accents
    windows = (HEADER + "\r\nT-1;;;;MG;São João del Rei;\r\n").encode("cp1252")
    assert read_substitutions("s.csv", windows)[0].substitute_ibge_code == 3162500


# --------------------------------------------------------------------------- matching
def test_unknown_or_not_terminated_protocols_store_nothing(store):
    rows = read_substitutions("s.csv", _csv("T-1;;10/02/2024;;;;", "NAO-EXISTE;;;;;;", "R-1;;;;;;"))
    with pytest.raises(SubstitutionFileError) as caught:
        store.add_substitutions(rows, "importacao", "ana")
    assert caught.value.problems == [
        "linha 3: protocolo NAO-EXISTE: nenhum caso com esse Nº do protocolo",
        "linha 4: protocolo R-1: o caso não terminou em desligamento; substituições só valem para desligamentos",
    ]
    with store.connect() as con:
        assert con.execute("select count(*) from substitutions").fetchone()[0] == 0


def test_a_gestor_matches_only_their_operators_cases(store):
    rows = [SubstitutionRow("T-1", 2, notice_date=dt.date(2024, 2, 1)), SubstitutionRow("T-2", 3)]
    with pytest.raises(SubstitutionFileError, match="linha 3: protocolo T-2: nenhum caso"):
        store.add_substitutions(rows, "importacao", "gestora", allowed_operators=frozenset({"odontolife"}))
    assert store.add_substitutions(rows[:1], "importacao", "gestora", allowed_operators=frozenset({"odontolife"})) == 1
    assert _by_protocol(store, Filters().restrict_to({"odontolife"})).keys() == {"T-1", "T-3", "T-4"}


# --------------------------------------------------------------------------- the rules, by hand
def test_every_status_and_edge_computed_by_hand(store):
    store.add_substitutions(read_substitutions("s.csv", _csv(
        # exit 20/03 (the form's finished_on) → due 19/02: a notice on the due date is on time;
        # a substitute in the same city written without accents is the same municipality.
        "T-1;;19/02/2024;11111;MG;Joao Monlevade;Dr. Um",
        # a recorded exit date wins over finished_on: exit 10/04 → due 11/03; notice 12/03 is late;
        # substitute elsewhere.
        "T-2;10/04/2024;12/03/2024;22222;MG;Belo Horizonte;Dra. Dois",
    )), "importacao", "ana")
    # T-3: two records, the newer wins (a notice, still no substitute).
    store.add_substitutions([SubstitutionRow("T-3", notice_date=dt.date(2024, 1, 1))], "manual", "ana")
    store.add_substitutions([SubstitutionRow("T-3", notice_date=dt.date(2024, 3, 1), notes="corrigido")], "manual", "bia")
    rows = _by_protocol(store)
    assert set(rows) == {"T-1", "T-2", "T-3", "T-4"}, "terminations only, the retained case is not listed"

    t1, t2, t3, t4 = rows["T-1"], rows["T-2"], rows["T-3"], rows["T-4"]
    assert (t1["exit_date"], t1["notice_due"], t1["notice_status"]) == (dt.date(2024, 3, 20), dt.date(2024, 2, 19), "no_prazo")
    assert t1["substitute_status"] == "mesmo_municipio" and t1["publication_until"] == dt.date(2024, 8, 17)
    assert (t2["exit_date"], t2["notice_due"], t2["notice_status"]) == (dt.date(2024, 4, 10), dt.date(2024, 3, 11), "atrasado")
    assert t2["substitute_status"] == "outro_municipio"
    assert (t3["notice_status"], t3["substitute_status"]) == ("atrasado", "sem_substituto"), "1 March > 19 Feb"
    assert t3["days_without_substitute"] == (TODAY - dt.date(2024, 3, 20)).days == 42
    assert (t4["notice_status"], t4["substitute_status"]) == ("sem_aviso", "sem_substituto")
    assert t4["days_to_notice_due"] == (dt.date(2024, 2, 19) - TODAY).days, "negative: the deadline passed"
    assert t1["days_to_notice_due"] is None, "a notice is recorded: no countdown"
    assert [rows[p]["sole_provider"] for p in ("T-1", "T-3", "T-4")] == [True, True, False]

    with store.connect() as con:
        kpis = compliance_kpis(con, Filters(), as_of=TODAY).iloc[0].to_dict()
    assert kpis == {"terminations": 4, "with_substitute_same_city": 1, "notices_on_time": 1,
                    "lives_without_substitute": 40 + 7, "sole_provider_terminations": 3}
    history = store.substitution_history(store_case_key(store, "T-3"))
    assert [h["notes"] for h in history] == ["corrigido", None] and history[0]["entered_by"] == "bia"


def store_case_key(store, protocol: str) -> str:
    with store.connect() as con:
        return con.execute("select case_key from cases where protocol_number = ? and is_current", [protocol]).fetchone()[0]


def test_remove_demo_takes_the_demo_cases_substitutions_along(tmp_path):
    s = open_store(tmp_path / "demo.duckdb")
    s.ingest([_form("d.txt", protocol_number="D-1")], origin="demo", demo=True)
    s.add_substitutions([SubstitutionRow("D-1", notice_date=dt.date(2024, 1, 1))], "manual", "demo")
    s.remove_demo()
    with s.connect() as con:
        assert con.execute("select count(*) from substitutions").fetchone()[0] == 0


# --------------------------------------------------------------------------- the CLI
def _cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retention_analytics", "--db", str(db), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_import_all_or_nothing_and_export_compliance_agrees(store, tmp_path):
    bad = tmp_path / "ruim.csv"
    bad.write_bytes(_csv("T-1;;19/02/2024;;;;", "T-2;32/01/2024;;;;;"))
    result = _cli("substitutions", "import", str(bad), db=store.path)
    assert result.returncode == 2 and "linha 3: data_saida" in result.stderr and "Traceback" not in result.stderr
    good = tmp_path / "bom.csv"
    good.write_bytes(_csv("T-1;;19/02/2024;11111;MG;João Monlevade;Dr. Um"))
    result = _cli("substitutions", "import", str(good), db=store.path)
    assert result.returncode == 0, result.stderr
    assert "1 registros" in result.stdout
    exported = _cli("export", "compliance", "--format", "json", db=store.path)
    assert exported.returncode == 0, exported.stderr
    rows = json.loads(exported.stdout)
    rows = rows if isinstance(rows, list) else rows.get("rows", rows)
    by = {r["protocol_number"]: r for r in rows}
    assert set(by) == {"T-1", "T-2", "T-3", "T-4"}
    for key in ("protocol_number", "operator", "uf", "city", "exit_date", "notice_due", "notice_date",
                "notice_status", "substitute_status", "sole_provider", "lives"):
        assert key in by["T-1"], key
    assert by["T-1"]["notice_status"] == "no_prazo" and by["T-1"]["substitute_status"] == "mesmo_municipio"
    template = tmp_path / "modelo.csv"
    assert _cli("substitutions", "template", str(template), db=store.path).returncode == 0
    assert template.read_bytes() == template_csv()


# --------------------------------------------------------------------------- the form's own block
# (fields.py, section "substitution"): the third source, read by the parser and stored by the store.

FORM_BLOCK = {"exit_date": "2024-04-15", "notice_date": "2024-03-10",
              "substitute_cro": "33333", "substitute_uf": "MG", "substitute_city": "João Monlevade",
              "substitute_name": "Clínica Substituta"}


def _form_rows(store) -> list[tuple]:
    with store.connect() as con:
        return con.execute(
            "select c.protocol_number, s.source, s.notice_date, s.substitute_city, s.entered_by from substitutions s "
            "join cases c on c.case_key = s.case_key and c.is_current order by s.substitution_id").fetchall()


def test_a_terminations_form_with_the_block_is_a_substitution_record_audited(store):
    original = form_text(make_record(protocol_number="T-5", substitution=dict(FORM_BLOCK))).encode()
    store.ingest([Document("t5_com_bloco.txt", original),
                  _form("r2_com_bloco.txt", protocol_number="R-2", outcome="retencao_efetiva",
                        termination_reasons=[], substitution=dict(FORM_BLOCK))])
    assert _form_rows(store) == [("T-5", "formulario", dt.date(2024, 3, 10), "João Monlevade", "t5_com_bloco.txt")], \
        "the retained case's block is only warned about"
    row = _by_protocol(store)["T-5"]
    assert (row["exit_date"], row["notice_due"], row["notice_status"]) == (dt.date(2024, 4, 15), dt.date(2024, 3, 16), "no_prazo")
    assert (row["substitute_status"], row["record_source"], row["sole_provider"]) == ("mesmo_municipio", "formulario", True)
    with store.connect() as con:
        assert con.execute("select content from documents where file_name = 't5_com_bloco.txt'").fetchone()[0] == original
        audit = con.execute("select username, action, target, detail from audit_log").fetchall()
    assert audit == [("formulário", "registrar_substituicao", store_case_key(store, "T-5"),
                      "bloco Substituição do formulário t5_com_bloco.txt")]


def test_a_newer_form_or_an_import_supersedes_the_block_and_repeats_and_reparse_add_nothing(store):
    store.ingest([_form("v1.txt", protocol_number="T-5", substitution=dict(FORM_BLOCK))])
    # the same block again in a new version of the form: nothing new to record
    store.ingest([_form("v2.txt", protocol_number="T-5", lives=17, substitution=dict(FORM_BLOCK))])
    assert [r[1:] for r in _form_rows(store)] == [("formulario", dt.date(2024, 3, 10), "João Monlevade", "v1.txt")]
    # a file import is newer: it is the case's record now
    store.add_substitutions([SubstitutionRow("T-5", notice_date=dt.date(2024, 2, 1))], "importacao", "ana")
    assert _by_protocol(store)["T-5"]["record_source"] == "importacao"
    # a version whose block changed is newer still
    changed = {**FORM_BLOCK, "notice_date": "2024-04-01", "substitute_city": "Itabira"}
    store.ingest([_form("v3.txt", protocol_number="T-5", lives=18, substitution=changed)])
    row = _by_protocol(store)["T-5"]
    assert (row["record_source"], row["notice_status"], row["substitute_status"]) == ("formulario", "atrasado", "outro_municipio")
    before = _form_rows(store)
    store.reparse()
    assert _form_rows(store) == before and len(before) == 3, "append-only: nothing rewritten, nothing repeated"
