"""The "Gerar relatório (PDF)" button the frame draws on every analysis page (ui/page.report_button),
in AppTest: there on the analysis pages only, nothing built until it is clicked, and the PDF it
gives is the page's view (its filters written on every page, the numbers the page shows)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retention_analytics import metrics, reports
from retention_analytics.filters import Filters
from retention_analytics.store import open_store
from retention_analytics.ui import nav

ROOT = Path(__file__).resolve().parents[1]
GENERATE = "📄 Gerar relatório (PDF)"


def run(page: str, query: dict[str, list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.switch_page(page)
    return at.run()


def report_downloads(at: AppTest) -> list:
    return [b for b in at.get("download_button") if b.proto.id.endswith("-report_download")]


@pytest.mark.parametrize("spec", [p for p in nav.PAGES if p.title in ("Visão geral", "Conformidade ANS", "Casos",
                                                                        "Importar")], ids=lambda p: p.url_path)
def test_the_button_is_on_analysis_pages_and_builds_nothing_until_clicked(spec, demo_db, use_db):
    use_db(demo_db)
    at = run(spec.path)
    assert not at.exception
    buttons = [b for b in at.button if b.label == GENERATE]
    assert len(buttons) == (1 if spec.title in reports.ANALYSIS_PAGES else 0)
    assert not report_downloads(at)  # nothing built on a run that did not ask


def test_the_pdf_is_the_pages_view_with_its_filters(demo_db, use_db, downloads, tmp_path):
    use_db(demo_db)
    store = open_store(demo_db)
    operator = metrics.filter_options(store, Filters())["operators"]
    key, name = operator["value"].iloc[0], operator["label"].iloc[0]
    view = Filters(operators=(key,), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    page = nav.by_path("pages/4_Efetividade.py")
    at = run(page.path, view.to_query_params())
    assert not at.exception and not report_downloads(at)
    next(b for b in at.button if b.label == GENERATE).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    button = report_downloads(at)
    assert len(button) == 1 and button[0].proto.label == "⬇️ Baixar relatório (PDF)"
    data = downloads[Path(button[0].proto.url).stem]
    assert data.startswith(b"%PDF")
    path = tmp_path / "relatorio.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert all(f"Filtros: Operadora: {name} · Período: 2024" in p for p in pages)
    kpis = metrics.kpis(store, view).iloc[0]
    attempts = next(line for line in text.splitlines() if line.strip().startswith("Tentativas de retenção"))
    assert attempts.split()[3] == str(int(kpis["attempts"]))

    # Another rerun of the same view keeps the file; a file of another view is dropped.
    at.run()
    assert len(report_downloads(at)) == 1
    at.session_state["_retention_report"] = ((page.title, Filters(), None), "x.pdf", b"%PDF-stale")
    at.run()
    assert not report_downloads(at)


# --------------------------------------------------------------------------- Relatórios (schedules)
def test_an_admin_schedules_a_weekly_report_with_the_sidebars_filters(real_db, use_db, tmp_path):
    import shutil

    from app_helpers import ADMIN, open_as, register
    from retention_analytics.auth import User
    from retention_analytics.store import report_schedules as rs

    db = use_db(shutil.copy(real_db, tmp_path / "banco.duckdb"))
    register(User("gestora", "gestor", ("ODONTOLIFE",), email="gestora@operadora.invalid"))
    register(User("semcontato", "analista"))
    at = open_as("pages/11_Relatorios.py", ADMIN, {"uf": "MG"})
    assert not at.exception, [e.value for e in at.exception]
    recipients = next(m for m in at.multiselect if m.label == "Destinatários")
    assert recipients.options == ["gestora (gestora@operadora.invalid) · gestor"]  # only users with an e-mail
    next(t for t in at.text_input if t.label == "Nome do agendamento").input("Diretoria MG")
    next(s for s in at.selectbox if s.label == "Relatório").select("Efetividade")
    next(r for r in at.radio if r.label == "Frequência").set_value("semanal")
    recipients.select("gestora")
    next(b for b in at.button if b.label == "Agendar").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (schedule,) = rs.list_schedules(open_store(db))
    assert (schedule.name, schedule.report, schedule.frequency, schedule.recipients) == (
        "Diretoria MG", "Efetividade", "semanal", ("gestora",))
    assert schedule.filters == Filters(ufs=("MG",)) and schedule.filters.allowed_operators is None
    shown = at.dataframe[0].value
    assert list(shown["Nome"]) == ["Diretoria MG"] and list(shown["Filtros"]) == ["UF: MG"]

    next(b for b in at.button if b.label == "Pausar").click()
    at.run()
    assert [s.active for s in rs.list_schedules(open_store(db))] == [False]
    next(b for b in at.button if b.label == "Reativar").click()
    at.run()
    assert [s.active for s in rs.list_schedules(open_store(db))] == [True]
    next(b for b in at.button if b.label == "Excluir").click()
    at.run()
    assert not at.exception and rs.list_schedules(open_store(db)) == []


def test_only_an_admin_sees_the_schedules(demo_db, use_db):
    from app_helpers import open_as
    from retention_analytics.auth import User

    use_db(demo_db)
    at = open_as("pages/11_Relatorios.py", User("gestora", "gestor", ("ODONTOLIFE",), email="g@operadora.invalid"))
    assert not at.exception
    assert any("Só um administrador agenda relatórios" in i.value for i in at.info)
    assert not at.dataframe and not [b for b in at.button if b.label == "Agendar"]
