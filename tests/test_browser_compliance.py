"""Conformidade ANS in a real browser (issue 13 item 5): a manager sees which terminations lack a
substitute, records one on the case's page, sees the headline move, downloads the evidence pack,
and `export compliance` agrees with the pack to the row.

The server is started as `make run` starts it (tests/test_browser.start_server) against a copy of
the demo database; the local demonstration user may record substitutions (admin of the demo).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from test_browser import (  # noqa: F401  (fixtures are found by name in this module)
    RUN_TIMEOUT_MS,
    ROOT,
    assert_no_exception,
    browser_page,
    chromium,
    go,
    shot,
    start_server,
    stop_server,
    wait_until_idle,
)
from retention_analytics.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture
def server(demo_db, tmp_path):
    db = tmp_path / "conformidade.duckdb"
    shutil.copy(demo_db, db)
    process, log, url = start_server(db, tmp_path / "streamlit.log", {"RETENTION_USERS": str(tmp_path / "u.toml")})
    try:
        yield {"url": url, "db": db, "log": tmp_path / "streamlit.log"}
    finally:
        stop_server(process, log)


def _metric(page, label: str) -> int:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(re.sub(r"\D", "", card.locator('[data-testid="stMetricValue"]').inner_text()))


def _export_compliance(db: Path) -> list[dict]:
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "retention_analytics", "export", "compliance", "--format", "json",
         "--db", str(db)], cwd=ROOT, capture_output=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def test_a_manager_fixes_a_termination_and_downloads_the_evidence(server, browser_page):
    page = browser_page
    with Store(server["db"]).connect() as con:
        case_id, protocol, uf, city = con.execute(
            """select c.case_id, c.protocol_number, c.uf, c.city_official from cases c
               where c.is_current and c.outcome = 'desligamento' and c.city_official is not null
                 and c.protocol_number is not null
                 and not exists (select 1 from substitutions s where s.case_key = c.case_key)
               order by c.case_id limit 1""").fetchone()
    try:
        page.goto(server["url"] + "/Conformidade_ANS", timeout=RUN_TIMEOUT_MS)
        wait_until_idle(page, "Conformidade ANS")
        assert_no_exception(page, "Conformidade ANS")
        before = _metric(page, "Substituto no mesmo município")
        body = page.inner_text("body")
        assert "Desligamentos" in body and "Pacote de evidências" in body

        # The fix, where the issue puts it: on the case's page, by the demo's admin.
        page.goto(f"{server['url']}/Casos?caso={case_id}", timeout=RUN_TIMEOUT_MS)
        wait_until_idle(page, "Casos")
        page.get_by_text("Registrar substituição").first.wait_for(timeout=RUN_TIMEOUT_MS)
        page.get_by_label("CRO do substituto").fill("99871")
        page.get_by_label("Município do substituto").fill(city)
        uf_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="UF do substituto").first
        uf_box.click()
        page.keyboard.type(uf)
        page.get_by_role("option", name=uf, exact=True).first.click()
        page.get_by_role("button", name="Salvar registro").click()
        page.get_by_text("Substituição registrada").first.wait_for(timeout=RUN_TIMEOUT_MS)
        wait_until_idle(page)
        assert_no_exception(page, "Casos (substituição)")
        shot(page, "8_Conformidade_caso_substituto")

        go(page, "Conformidade ANS")
        wait_until_idle(page, "Conformidade ANS")
        assert _metric(page, "Substituto no mesmo município") == before + 1
        with page.expect_download(timeout=RUN_TIMEOUT_MS) as info:
            page.get_by_role("button", name=re.compile("Pacote de evidências")).click()
        pack = Path(info.value.path()).read_bytes()
        shot(page, "8_Conformidade_ANS_depois")
    except BaseException:
        shot(page, "falha_conformidade")
        print(server["log"].read_text(errors="replace")[-5000:])
        raise

    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        names = archive.namelist()
        sheet = load_workbook(io.BytesIO(archive.read("conformidade_ans.xlsx")), read_only=True).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Nº do protocolo" and "case_id" not in rows[0], "the page's headers, not keys"
    column = rows[0].index("Nº do protocolo")
    in_pack = sorted(str(r[column]) for r in rows[1:] if r[column] is not None)
    exported = _export_compliance(server["db"])
    assert in_pack == sorted(str(r["protocol_number"]) for r in exported)
    assert sum(1 for n in names if n.startswith("originais/")) == len(exported)
    mine = next(r for r in exported if r["protocol_number"] == protocol)
    assert mine["substitute_status"] == "mesmo_municipio"
    with Store(server["db"]).connect() as con:
        assert con.execute("select s.source, s.substitute_cro from substitutions s join cases c using (case_key) "
                           "where c.case_id = ?", [case_id]).fetchall() == [("manual", "99871")]
