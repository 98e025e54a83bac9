"""LGPD: personal data masked on every page, table and export by default; unmasked only for an admin
who asks, and each unmasked view or download recorded in the audit log first.

Raw values are read straight from the demo database (CPFs, CNPJs, and the e-mails and phones
written in notes) and searched for in everything each page sends to the browser, in every
exportable table (CSV and XLSX) and in the CLI export. Then the admin's "Mostrar dados pessoais"
switch: the values appear, the audit log says who saw what under which filters, downloads are
made only after their event is recorded, and when recording fails the data stays masked.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from streamlit.runtime import media_file_manager

from app_helpers import PAGES, ROOT, assert_ok, each_tab, open_as, open_tab, rendered_text
from retention_analytics import auth, export, metrics
from retention_analytics.filters import Filters
from retention_analytics.store import Store, StoreError

ADMIN = auth.User("chefe", "admin")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PHONE = re.compile(r"\(?\d{2}\)?\s?9?\d{4}-\d{4}")


def query(db, sql, params=None):
    with Store(db).connect() as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def raw_values(demo_db) -> list[str]:
    """Personal data as stored: CPFs and CNPJs (digits and formatted), e-mails and phones in notes."""
    values: set[str] = set()
    for cpf, cnpj in query(demo_db, "select cpf, cnpj from cases"):
        if cpf and len(cpf) == 11:
            values |= {cpf, f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"}
        if cnpj and len(cnpj) == 14:
            values |= {cnpj, f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"}
    notes = [n for (n,) in query(demo_db, "select note from case_contacts union all select general_note from cases") if n]
    for note in notes:
        values |= set(EMAIL.findall(note)) | set(PHONE.findall(note))
    assert len(values) > 100
    return sorted(values)


def leaks(text: str, raw_values: list[str]) -> list[str]:
    return [v for v in raw_values if v in text]


@pytest.fixture
def demo_copy(demo_db, tmp_path, use_db):
    path = tmp_path / "privacidade.duckdb"
    shutil.copy(demo_db, path)
    return use_db(path)


@pytest.fixture
def deferred(monkeypatch) -> dict[str, object]:
    """Every deferred download (a callable made on click) registered during the runs, by its id."""
    made: dict[str, object] = {}
    original = media_file_manager.MediaFileManager.add_deferred

    def record(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        made[file_id] = data_callable
        return file_id

    monkeypatch.setattr(media_file_manager.MediaFileManager, "add_deferred", record)
    return made


# --------------------------------------------------------------------------- masked by default
def test_every_exportable_table_is_masked(demo_db, raw_values):
    store = Store(demo_db)
    for name in metrics.TABLES:
        frame = metrics.compute(name, store, Filters())
        csv_text = export.to_csv_bytes(frame, name, "Todos os casos").decode("utf-8-sig")
        assert not leaks(csv_text, raw_values), name
        assert not leaks(export.to_json_text(frame), raw_values), name
    # The list behind Casos, with notes, and a full case with its contacts.
    cases = metrics.cases(store, Filters())
    assert not leaks(cases.to_csv(), raw_values)
    for (case_id,) in query(demo_db, "select case_id from cases where general_note is not null limit 30"):
        assert not leaks(json.dumps(metrics.case_detail(store, case_id), default=str), raw_values)


def test_cli_export_of_cases_is_masked(demo_db, raw_values):
    out = subprocess.run([sys.executable, "-m", "retention_analytics", "--db", str(demo_db), "export", "cases",
                          "--format", "json"], cwd=ROOT, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert not leaks(out.stdout.decode(), raw_values)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_masked_for_everyone_by_default(page, demo_db, use_db, raw_values):
    use_db(demo_db)
    query_params = {}
    if page == "pages/5_Casos.py":  # with a case open: notes, contacts, header
        case_id = query(demo_db, "select case_id from cases where general_note is not null and is_current "
                                 "and cpf is not null limit 1")[0][0]
        query_params = {"caso": str(case_id)}
    for at in each_tab(open_as(page, ADMIN, query_params)):
        assert_ok(at)
        assert not leaks(rendered_text(at), raw_values), page
    assert not query(demo_db, "select count(*) from audit_log where action = 'ver_dados_pessoais'")[0][0]


# --------------------------------------------------------------------------- unmasked, audited
def test_admin_reveals_personal_data_and_every_view_is_audited(demo_copy, deferred):
    case_id, cpf = query(demo_copy, "select case_id, cpf from cases where is_current and length(cpf) = 11 "
                                    "and general_note is not null limit 1")[0]
    at = open_as("pages/5_Casos.py", ADMIN, {"caso": str(case_id), "uf": "MG"})
    assert_ok(at)
    assert cpf not in rendered_text(at)
    toggle = at.toggle(key="mostrar_dados_pessoais")
    toggle.set_value(True).run()
    assert_ok(at)
    shown = rendered_text(at)
    formatted = f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"
    assert cpf in shown or formatted in shown
    events = Store(demo_copy).audit_entries()
    views = {(e["action"], e["target"], e["username"], e["page"]) for e in events}
    assert ("ver_dados_pessoais", f"caso {case_id}", "chefe", "Casos") in views
    assert ("ver_dados_pessoais", "lista de casos", "chefe", "Casos") in views
    assert all(e["filters"] and "UF" in e["filters"] for e in events if e["target"] == "lista de casos")
    count = len(events)
    at.run()  # a rerun of the same view is not a new view
    assert len(Store(demo_copy).audit_entries()) == count

    # Downloads of the unmasked list and of the original document: made on click, after the event.
    buttons = {b.proto.id: b.proto.deferred_file_id for b in at.get("download_button") if b.proto.deferred_file_id}
    csv_id = next(v for k, v in buttons.items() if "-csv_casos_tabela" in k)
    original_id = next(v for k, v in buttons.items() if "casos_original" in k)
    data = deferred[csv_id]()
    assert any(v in data.decode("utf-8-sig") for v in (cpf, formatted))
    assert deferred[original_id]()
    actions = [e["action"] for e in Store(demo_copy).audit_entries(limit=2)]
    assert actions == ["baixar_original", "exportar_dados_pessoais"]

    # Switched off: masked again, and it stays off after a page switch.
    at.toggle(key="mostrar_dados_pessoais").set_value(False).run()
    assert cpf not in rendered_text(at)


def test_oldest_open_cases_revealed_only_with_the_switch(demo_copy):
    at = open_tab(open_as("pages/2_Tempo_de_finalizacao.py", ADMIN), "Em aberto")
    assert_ok(at)
    assert any("mascarados" in m.value for m in at.markdown)
    at.toggle(key="mostrar_dados_pessoais").set_value(True).run()
    assert_ok(at)
    assert any("registrado na auditoria" in m.value for m in at.markdown)
    targets = [e["target"] for e in Store(demo_copy).audit_entries()]
    assert "casos em aberto mais antigos" in targets


def test_when_the_audit_cannot_be_written_the_data_stays_masked(demo_copy, monkeypatch):
    case_id, cpf = query(demo_copy, "select case_id, cpf from cases where is_current and length(cpf) = 11 limit 1")[0]

    def refuse(*args, **kwargs):
        raise StoreError("banco ocupado (simulado)")

    monkeypatch.setattr(Store, "record_audit", refuse)
    at = open_as("pages/5_Casos.py", ADMIN, {"caso": str(case_id)})
    at.toggle(key="mostrar_dados_pessoais").set_value(True).run()
    assert_ok(at)
    assert cpf not in rendered_text(at)
    assert any("continuam mascarados" in w.value for w in at.warning)


def test_audit_cli_lists_the_events(demo_copy, capsys):
    store = Store(demo_copy)
    store.record_audit("chefe", "ver_dados_pessoais", role="admin", page="Casos", target="caso 7",
                       filters="UF: MG")
    version = store.data_version()
    store.record_audit("chefe", "baixar_original", role="admin", page="Casos", target="documento original do caso 7")
    assert store.data_version() == version, "an audit event does not invalidate the app's caches"
    from retention_analytics.cli import main

    assert main(["--db", str(demo_copy), "audit"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "baixar_original" in out[0] and "ver_dados_pessoais" in out[1] and "filtros: UF: MG" in out[1]
    assert main(["--db", str(demo_copy), "audit", "--json", "--action", "ver_dados_pessoais"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["target"] for r in rows] == ["caso 7"]
