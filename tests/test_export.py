"""Downloads (CSV for Excel-BR, XLSX, JSON) and the `export` command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from metrics_fixture import build_db
from retention_analytics import export, metrics
from retention_analytics.filters import Filters

D = dt.date
WHEN = dt.datetime(2026, 11, 22, 14, 5)
REPO = Path(__file__).resolve().parents[1]
DANGEROUS = ["=1+1", "+x", "-x", "@x", "\tx", "\rx"]


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reason_code": ["valores", "glosas", None],
            "cases": [3, 1, 0],
            "share": [0.75, 0.25, float("nan")],
            "delta": [-5, 2, 0],
            "ratio": [-1.5, 0.125, 2.0],
            "controllable": [True, False, True],
            "day": [D(2024, 3, 26), D(2024, 1, 2), None],
        }
    )


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# --------------------------------------------------------------------------- CSV
def test_csv_for_excel_br():
    data = export.to_csv_bytes(sample(), "reasons", "Operadora: ODONTOLIFE · Período: 2024", generated_at=WHEN)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = read_csv(data)
    assert rows[0] == ["Motivos de desligamento"]
    assert rows[1] == ["Filtros: Operadora: ODONTOLIFE · Período: 2024"]
    assert rows[2] == ["Gerado em: 22/11/2026 14:05"]
    assert rows[3] == []
    assert rows[4] == ["reason_code", "cases", "share", "delta", "ratio", "controllable", "day"]
    assert rows[5] == ["valores", "3", "0,75", "-5", "-1,5", "sim", "26/03/2024"]
    assert rows[6] == ["glosas", "1", "0,25", "2", "0,125", "não", "02/01/2024"]
    assert rows[7] == ["", "0", "", "0", "2", "sim", ""]
    assert b";" in data.splitlines()[4]


def test_csv_headers_in_portuguese_on_request():
    """The people's version: the screen's columns (the code is for machines), Portuguese headers,
    the screen's precision: 0,3401015228426396 is written as 34,0."""
    df = pd.DataFrame({"reason_code": ["valores", "glosas"], "label": ["Valores", "Glosas"],
                       "controllable": [True, False], "share": [0.3401015228426396, 0.5]})
    rows = read_csv(export.to_csv_bytes(df, "reasons", "Todos os casos", WHEN, header="labels"))
    assert rows[4] == ["Motivo", "Controlável pela operadora", "% dos desligamentos"]
    assert rows[5] == ["Valores", "Sim", "34,0"]
    assert rows[6] == ["Glosas", "Não", "50,0"]


def test_the_peoples_version_follows_the_catalogue_for_every_table():
    for name, spec in metrics.TABLES.items():
        df = pd.DataFrame({c.key: [None] for c in spec.catalogue})
        people, _ = export.for_people(df, name)
        shown = [c for c in spec.catalogue if c.shown]
        assert len(people.columns) == len(shown), name
        for header, column in zip(people.columns, shown):
            assert header.startswith(column.label), (name, header)
        assert not any(c.key in people.columns for c in spec.catalogue if c.label != c.key), name


def test_labels_keep_case_ids_plain_and_rates_rounded_in_both_files():
    from openpyxl import load_workbook

    df = pd.DataFrame({"attempts": [197], "retained": [67], "retention_rate": [67 / 197], "ci_low": [0.27],
                       "ci_high": [0.41], "small_sample": [False], "requested_by": ["operadora"],
                       "label": ["Operadora"], "cases": [3095]})
    rows = read_csv(export.to_csv_bytes(df, "requested_by", "Todos os casos", WHEN, header="labels"))
    assert rows[4] == ["Demandado por", "Casos", "Tentativas", "Retidos", "Taxa de retenção (%)",
                       "IC 95%", "Amostra pequena"]
    assert rows[5] == ["Operadora", "3095", "197", "67", "34,0", "27,0–41,0%", "Não"], "the interval as one column"
    assert "operadora" not in rows[5], "the code stays with the machines"
    sheet = load_workbook(io.BytesIO(export.to_xlsx_bytes(df, "requested_by", "Todos os casos", WHEN,
                                                          header="labels")))["Dados"]
    assert [c.value for c in sheet[1]][:5] == ["Demandado por", "Casos", "Tentativas", "Retidos", "Taxa de retenção"]
    rate = sheet["E2"]
    assert rate.value == pytest.approx(0.340) and rate.number_format == "0.0%"
    assert isinstance(sheet["B2"].value, int) and sheet["B2"].number_format == "#,##0"
    cases = pd.DataFrame({"case_id": [3095], "protocol_number": ["P-1"]})
    sheet = load_workbook(io.BytesIO(export.to_xlsx_bytes(cases, "cases", "x", WHEN, header="labels")))["Dados"]
    assert sheet["A1"].value == "Caso" and sheet["A2"].value == 3095 and sheet["A2"].number_format == "0"
    assert read_csv(export.to_csv_bytes(cases, "cases", "x", WHEN, header="labels"))[5] == ["3095", "P-1"]


def test_machine_keys_by_default():
    df = pd.DataFrame({"reason_code": ["valores"], "share": [0.3401015228426396]})
    rows = read_csv(export.to_csv_bytes(df, "reasons", "Todos os casos", WHEN))
    assert rows[4] == ["reason_code", "share"]
    assert rows[5] == ["valores", "0,3401015228426396"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_neutralizes_formulas(text):
    df = pd.DataFrame({"label": [text], "value": [-3]})
    rows = read_csv(export.to_csv_bytes(df, "reasons", "Todos os casos", WHEN))
    assert rows[5] == ["'" + text, "-3"]  # text made inert; the negative number stays a number


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_csv_round_trips_any_text(texts):
    df = pd.DataFrame({"label": texts})
    rows = read_csv(export.to_csv_bytes(df, "reasons", "Todos os casos", WHEN))
    assert [r[0] if r else "" for r in rows[5:]] == [export.neutralize(t) for t in texts]


# --------------------------------------------------------------------------- XLSX
def test_xlsx_reopened_equals_the_frame():
    df = sample()
    book = load_workbook(io.BytesIO(export.to_xlsx_bytes(df, "reasons", "UF: MG", generated_at=WHEN)))
    assert book.sheetnames == ["Dados", "Filtros"]
    sheet = book["Dados"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(df.columns)
    expected = [
        ["valores", 3, 0.75, -5, -1.5, True, dt.datetime(2024, 3, 26)],
        ["glosas", 1, 0.25, 2, 0.125, False, dt.datetime(2024, 1, 2)],
        [None, 0, None, 0, 2, True, None],
    ]
    assert [list(row) for row in values[1:]] == expected
    assert sheet["B2"].number_format == "#,##0"  # reasons.cases is "int"
    assert sheet["C2"].number_format == "0.0%"  # reasons.share is "percent"
    assert sheet["G2"].number_format == "DD/MM/YYYY"
    assert sheet["D2"].data_type == "n" and sheet["D2"].value == -5  # negative numbers stay numbers

    info = book["Filtros"]
    assert info["A1"].value == "Motivos de desligamento"
    assert (info["A2"].value, info["B2"].value) == ("Filtros", "UF: MG")
    assert info["B3"].value == WHEN
    legend = {row[0]: row[1] for row in info.iter_rows(min_row=6, values_only=True)}
    assert legend["share"] == "% dos desligamentos"


@pytest.mark.parametrize("text", DANGEROUS)
def test_xlsx_neutralizes_formulas(text):
    df = pd.DataFrame({"label": [text]})
    book = load_workbook(io.BytesIO(export.to_xlsx_bytes(df, "reasons", "Todos os casos", WHEN)))
    cell = book["Dados"]["A2"]
    assert cell.data_type == "s"
    assert cell.value == "'" + text


def test_xlsx_of_a_real_table(tmp_path):
    path = build_db(tmp_path / "casos.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        df = metrics.compute("effectiveness_operator", con, Filters(start=D(2024, 1, 1), end=D(2024, 12, 31)))
    book = load_workbook(io.BytesIO(export.to_xlsx_bytes(df, "effectiveness_operator", "Período: 2024", WHEN)))
    rows = list(book["Dados"].iter_rows(values_only=True))
    assert list(rows[0]) == list(df.columns)
    got = pd.DataFrame(rows[1:], columns=rows[0])
    assert list(got["operator"]) == list(df["operator"])
    assert list(got["retention_rate"]) == pytest.approx(list(df["retention_rate"]))
    assert got["rank"].isna().all()  # small samples are never ranked


# --------------------------------------------------------------------------- names and JSON
@pytest.mark.parametrize(
    "table, extension, expected",
    [
        ("reasons", "csv", "motivos_desligamento_2026-11-22.csv"),
        ("coverage_gaps", "xlsx", "lacunas_cobertura_2026-11-22.xlsx"),
        ("effectiveness_operator", "csv", "efetividade_operadoras_2026-11-22.csv"),
        ("unknown table", "json", "unknown_table_2026-11-22.json"),
    ],
)
def test_download_names(table, extension, expected):
    assert export.download_name(table, extension, today=D(2026, 11, 22)) == expected


def test_json_records_are_typed():
    records = export.to_records(sample())
    assert records[0] == {"reason_code": "valores", "cases": 3, "share": 0.75, "delta": -5, "ratio": -1.5,
                          "controllable": True, "day": "2024-03-26"}
    assert records[2]["share"] is None and records[2]["reason_code"] is None and records[2]["day"] is None
    assert json.loads(export.to_json_text(sample())) == records


# --------------------------------------------------------------------------- the command
@pytest.fixture(scope="module")
def cli_db(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("cli") / "casos.duckdb")


def cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "retention_analytics", "--db", str(db), "export", *args],
        cwd=REPO, capture_output=True, timeout=120,
    )


def test_cli_json_equals_the_screen(cli_db):
    done = cli(cli_db, "reasons", "--format", "json", "--from", "2024-01-01", "--to", "2024-12-31")
    assert done.returncode == 0, done.stderr.decode()
    rows = json.loads(done.stdout)
    with duckdb.connect(str(cli_db), read_only=True) as con:
        screen = metrics.compute("reasons", con, Filters(start=D(2024, 1, 1), end=D(2024, 12, 31)))
    assert rows == export.to_records(screen)
    assert rows[0]["reason_code"] == "valores" and rows[0]["share"] == 0.75 and rows[0]["cases"] == 3


def test_cli_operator_by_name_and_csv_file(cli_db, tmp_path):
    out = tmp_path / "lacunas.csv"
    done = cli(cli_db, "coverage_gaps", "--format", "csv", "--output", str(out), "--operator", "Odonto Life",
               "--uf", "mg", "--from", "2024-01-01", "--to", "2024-12-31")
    assert done.returncode == 0, done.stderr.decode()
    rows = read_csv(out.read_bytes())
    assert rows[0] == ["Cidades com lacuna de cobertura"]
    assert rows[1] == ["Filtros: Operadora: ODONTOLIFE · UF: MG · Período: 2024"]
    assert rows[4][:2] == ["uf", "city"]
    assert [r[1] for r in rows[5:]] == ["João Monlevade", "Vila Inventada"]


def test_cli_labels_is_the_peoples_file(cli_db, tmp_path):
    """Machine keys by default (above); --labels gives what the page's download gives."""
    done = cli(cli_db, "reasons", "--format", "csv", "--labels", "--from", "2024-01-01", "--to", "2024-12-31")
    assert done.returncode == 0, done.stderr.decode()
    rows = read_csv(done.stdout)
    assert rows[4] == ["Motivo", "Categoria", "Controlável pela operadora", "Casos que citam", "Desligamentos",
                       "% dos desligamentos", "% acumulado das citações"]
    assert rows[5][0] == "Valores" and rows[5][5] == "75,0"
    assert not any("valores" == cell for row in rows[5:] for cell in row), "no reason code"
    with duckdb.connect(str(cli_db), read_only=True) as con:
        screen = metrics.compute("reasons", con, Filters(start=D(2024, 1, 1), end=D(2024, 12, 31)))
    assert rows[4:] == read_csv(export.to_csv_bytes(screen, "reasons", "x", WHEN, header="labels"))[4:]


def test_cli_xlsx_and_city(cli_db, tmp_path):
    out = tmp_path / "casos.xlsx"
    done = cli(cli_db, "cases", "--format", "xlsx", "-o", str(out), "--city", "joao monlevade/MG")
    assert done.returncode == 0, done.stderr.decode()
    rows = list(load_workbook(out)["Dados"].iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {1, 2, 6, 10, 13}


@pytest.mark.parametrize(
    "args, message",
    [
        (["kpis", "--operator", "Nenhuma"], "Operadora"),
        (["kpis", "--uf", "XX"], "UF inválida"),
        (["kpis", "--city", "Atlântida/MG"], "Cidade"),
        (["tabela_que_nao_existe"], "opção inválida"),
        (["kpis", "--from", "31/12/2024"], "data inválida"),
    ],
)
def test_cli_errors_are_sentences(cli_db, args, message):
    done = cli(cli_db, *args)
    assert done.returncode == 2
    assert message in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
