"""The Conformidade ANS page in AppTest, on a real store: the headline and the table are the
metrics' own rows under the filters, a gestor sees only their operators, a click opens the case,
and the evidence pack is offered to admins only (audited)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from app_helpers import ADMIN, assert_ok, open_as, rendered_text
from retention_analytics.auth import User
from retention_analytics.filters import Filters
from retention_analytics.metrics import compliance
from retention_analytics.store import Store
from retention_analytics.store.substitutions import SubstitutionRow

PAGE = "pages/8_Conformidade_ANS.py"


@pytest.fixture
def db(real_db, tmp_path, use_db):
    path = use_db(tmp_path / "conformidade.duckdb")
    shutil.copy(real_db, path)
    store = Store(path)
    with store.connect() as con:
        protocol = con.execute(
            "select protocol_number from case_facts where is_terminated and operator_key = 'odontolife' "
            "and protocol_number is not null order by case_id limit 1").fetchone()[0]
    store.add_substitutions([SubstitutionRow(protocol, notice_date=dt.date(2000, 1, 1), substitute_cro="999")],
                            "manual", "chefe")
    return path


def _rows(db, f: Filters):
    with Store(db).connect() as con:
        return compliance(con, f)


def test_the_page_shows_the_metrics_rows_with_labels(db):
    at = open_as(PAGE, ADMIN)
    assert_ok(at)
    expected = _rows(db, Filters())
    table = at.dataframe[0].value
    assert len(table) == len(expected) > 0
    assert list(table["Nº do protocolo"]) == list(expected["protocol_number"])
    text = rendered_text(at)
    for code in ("sem_aviso", "sem_substituto", "mesmo_municipio", "no_prazo"):
        assert f"'{code}'" not in text and f'"{code}"' not in text, f"code {code} on screen"
    assert "Sem substituto" in text and "Em outro município" in text, "statuses by their labels"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Avisos no prazo"] == str(int((expected["notice_status"] == "no_prazo").sum()))
    assert any(b.label.startswith("⬇️ Pacote de evidências") for b in at.get("download_button"))


def test_a_gestor_sees_only_their_operator_and_no_evidence_pack(db):
    gestor = User("gestora", "gestor", ("ODONTOLIFE",))
    at = open_as(PAGE, gestor)
    assert_ok(at)
    expected = _rows(db, Filters().restrict_to({"odontolife"}))
    table = at.dataframe[0].value
    assert list(table["Nº do protocolo"]) == list(expected["protocol_number"])
    assert set(table["Operadora"]) == {"ODONTOLIFE"}
    assert not any(b.label.startswith("⬇️ Pacote") for b in at.get("download_button"))
    assert any("só um administrador" in c.value for c in at.caption)


def test_a_filter_without_terminations_says_so(db):
    at = open_as(PAGE, ADMIN, {"uf": "AC", "de": "1990-01-01", "ate": "1990-01-31"})
    assert_ok(at)
    assert any("Nenhum caso corresponde" in i.value for i in at.info)
