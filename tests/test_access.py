"""A gestor of one operator cannot reach another operator's cases: by any page, URL, link or export.

The demo database has six operators; the gestor here sees ODONTOLIFE only. Every page runs as that
gestor through AppTest (logged in with the session hook of app_helpers.open_as), plain and with a
URL asking for another operator, and nothing of the others may reach the browser: not their names
in tables, charts or the sidebar, not a case opened by `?caso=`, not a version in a case's history,
not a download. The metrics behind every exportable table and the CLI export (`--user`) are
checked the same way, and the importer refuses to store a gestor's form of another operator.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app_helpers import PAGES, ROOT, assert_ok, csv_downloads, each_tab, open_as, rendered_text
from forms_factory import make_record
from retention_analytics import auth, metrics
from retention_analytics.auth import User
from retention_analytics.demo import render
from retention_analytics.filters import Filters
from retention_analytics.store import Store
from retention_analytics.ui import importer

GESTOR = User("gestora", "gestor", ("ODONTOLIFE",))
ANALISTA = User("analista1", "analista", ("ODONTOLIFE",))
OWN = "odontolife"
OTHERS = ("SorrisoMax", "Bem Sorrir Odonto", "Dental Prime", "OdontoSul", "Uniodonto Vale")
OTHER_KEY = "sorrisomax"


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with Store(db).connect() as con:
        return con.execute(sql, params or []).fetchall()



def assert_nothing_of_the_others(text: str, where: str) -> None:
    for name in OTHERS:
        assert name not in text, f"{name} aparece em {where}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_only_the_gestors_operator(page, demo_db, use_db, downloads):
    use_db(demo_db)
    for at in each_tab(open_as(page, GESTOR)):
        assert_ok(at)
        assert_nothing_of_the_others(rendered_text(at), page)
        for data in csv_downloads(at, downloads):
            assert_nothing_of_the_others(data.decode("utf-8-sig"), f"um CSV de {page}")
    if page == "pages/5_Casos.py":
        own_cases = query(demo_db, "select count(*) from case_facts where operator_key = ?", [OWN])[0][0]
        assert any(f"{own_cases} casos encontrados" in c.value for c in at.caption)
    if page == "pages/7_Qualidade_dos_dados.py":
        assert not any("Motivo da rejeição" in d.value.columns for d in at.dataframe), "rejected documents are admin-only"


@pytest.mark.parametrize("page", PAGES)
def test_a_url_asking_for_another_operator_shows_nothing(page, demo_db, use_db):
    use_db(demo_db)
    for at in each_tab(open_as(page, GESTOR, {"op": OTHER_KEY, "uf": "' or 1=1--"})):
        assert_ok(at)
        assert_nothing_of_the_others(rendered_text(at), f"{page}?op={OTHER_KEY}")
    if page not in ("pages/6_Importar.py",):
        # Filters.where() intersects ?op= with the restriction: no case at all.
        assert at.session_state["_retention_filters"].allowed_operators == frozenset({OWN})


def test_a_link_to_another_operators_case_is_not_found(demo_db, use_db):
    use_db(demo_db)
    other_case, other_protocol = query(
        demo_db, "select case_id, protocol_number from cases where operator_key <> ? and is_current limit 1", [OWN])[0]
    at = open_as("pages/5_Casos.py", GESTOR, {"caso": str(other_case)})
    assert_ok(at)
    assert any("não foi encontrado" in w.value for w in at.warning)
    assert not any("Formulário do caso" in s.value for s in at.subheader)
    text = rendered_text(at)
    assert other_protocol not in text
    assert not at.get("download_button") or not any("casos_original" in b.proto.id for b in at.get("download_button"))

    # Its own cases open, without the original-document download (admins only) and with no other
    # operator's version in the history.
    own_case = query(demo_db, "select case_id from cases where operator_key = ? and is_current limit 1", [OWN])[0][0]
    at = open_as("pages/5_Casos.py", GESTOR, {"caso": str(own_case)})
    assert_ok(at)
    assert any("Formulário do caso" in s.value for s in at.subheader)
    assert not any("casos_original" in b.proto.id for b in at.get("download_button"))
    assert any("só um administrador pode baixá-lo" in c.value for c in at.caption)


def test_the_history_of_a_case_lists_only_versions_the_user_may_see(tmp_path):
    store = Store(tmp_path / "historia.duckdb")
    forms = [importer.Upload("a.xlsx", render(make_record(protocol_number="HIST-1", operator="ODONTOLIFE"), "xlsx")),
             importer.Upload("b.xlsx", render(make_record(protocol_number="HIST-1", operator="SorrisoMax",
                                                          lives=99), "xlsx"))]
    summary = importer.commit(store, importer.prepare(store, forms))
    first, second = (r.case_id for r in summary.results)
    restricted = GESTOR.restrict(Filters())
    detail = metrics.case_detail(store, restricted, case_id=first)
    assert detail is not None and [v["case_id"] for v in detail["versions"]] == [first]
    assert metrics.case_detail(store, restricted, case_id=second) is None
    assert metrics.case_detail(store, Filters(), case_id=first)["versions"][0]["case_id"] == second


def test_every_exportable_table_is_restricted_in_sql(demo_db):
    store = Store(demo_db)
    restricted = GESTOR.restrict(Filters())
    asked_for_other = GESTOR.restrict(Filters(operators=(OTHER_KEY,)))
    for name in metrics.TABLES:
        frame = metrics.compute(name, store, restricted)
        text = frame.to_csv()
        assert_nothing_of_the_others(text, f"metrics.compute({name!r})")
        if "operator_key" in frame.columns:
            assert set(frame["operator_key"].dropna()) <= {OWN}, name
        other = metrics.compute(name, store, asked_for_other)
        for column in ("cases", "attempts", "terminated", "lives"):
            if column in other.columns and name not in ("quality_blank_fields",):
                assert other[column].fillna(0).sum() == 0, (name, column)
    options = metrics.filter_options(store, restricted)
    assert set(options["operators"]["value"]) == {OWN}


def test_cli_export_for_a_user_exports_only_their_operators(demo_db, tmp_path, monkeypatch):
    users = {}
    auth.add_user(users, "gestora", "gestor", ["ODONTOLIFE"], password="senha-forte-1", rounds=4)
    path = auth.save_users(users, tmp_path / "users.toml")
    env = {"RETENTION_USERS": str(path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "retention_analytics", "--db", str(demo_db), "export", "cases", "--format", "csv",
         "--user", "gestora"],
        cwd=ROOT, env=env, capture_output=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr.decode()
    text = out.stdout.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text.partition("\r\n\r\n")[2]), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert body and {row[header.index("operator")] for row in body} == {"ODONTOLIFE"}
    assert_nothing_of_the_others(text, "export --user gestora")

    # Asking the CLI for another operator by name, as that gestor: not found (not even listed).
    out = subprocess.run(
        [sys.executable, "-m", "retention_analytics", "--db", str(demo_db), "export", "cases", "--operator",
         "SorrisoMax", "--user", "gestora"], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert out.returncode == 2 and "não encontrado" in out.stderr.decode()
    assert "Conhecidos: ODONTOLIFE." in out.stderr.decode(), "the known operators listed are the gestor's only"


def test_a_gestor_cannot_import_another_operators_form(real_db, tmp_path):
    db = tmp_path / "gestor_importa.duckdb"
    shutil.copy(real_db, db)
    store = Store(db)
    before = query(db, "select count(*) from documents")[0][0]
    other_protocol = query(db, "select protocol_number from cases where operator_key = ? and is_current "
                               "and protocol_number is not null limit 1", [OTHER_KEY])[0][0]
    uploads = [
        importer.Upload("minha.xlsx", render(make_record(protocol_number="GES-1", operator="ODONTOLIFE"), "xlsx")),
        importer.Upload("alheia.xlsx", render(make_record(protocol_number="GES-2", operator="SorrisoMax"), "xlsx")),
        # Same operator as the gestor, but the protocol of another operator's case: it would replace it.
        importer.Upload("tomada.xlsx", render(make_record(protocol_number=other_protocol, operator="ODONTOLIFE"), "xlsx")),
        importer.Upload("quebrada.xlsx", b"PK\x03\x04 lixo"),
    ]
    preview = importer.prepare(store, uploads, user=GESTOR)
    assert [p.name for p in preview.parsed] == ["minha.xlsx"]
    refused = dict(preview.refused)
    assert set(refused) == {"alheia.xlsx", "tomada.xlsx", "quebrada.xlsx"}
    assert "não está entre as suas" in refused["alheia.xlsx"]
    assert "outra operadora" in refused["tomada.xlsx"]
    frame = preview.frame()
    assert (frame["Situação"] == importer.REFUSED_LABEL).sum() == 3
    summary = importer.commit(store, preview, GESTOR)
    assert summary.new == 1
    assert query(db, "select count(*) from documents")[0][0] == before + 1
    assert query(db, "select operator_key from cases where protocol_number = ? and is_current", [other_protocol]) == [
        (OTHER_KEY,)], "the other operator's case is still the current one"

    # A duplicate is reported without naming the stored file (it may be another operator's).
    again = importer.prepare(store, [importer.Upload("de_novo.xlsx", uploads[0].data)], user=GESTOR)
    assert again.parsed[0].status == "duplicate" and "minha.xlsx" not in (again.parsed[0].reason or "")


def test_an_analista_only_reads(demo_db, use_db):
    use_db(demo_db)
    at = open_as("pages/6_Importar.py", ANALISTA)
    assert_ok(at)
    assert not at.get("file_uploader")
    # Importar is not in an analista's menu (ui/nav.py): the link opens the home page instead.
    assert [t.value for t in at.title] == ["Visão geral"]
    at = open_as("pages/1_Motivos_de_desligamento.py", ANALISTA)
    assert_ok(at)
    assert_nothing_of_the_others(rendered_text(at), "Motivos as analista")
    assert not at.get("toggle"), "only admins get the 'Mostrar dados pessoais' switch"
