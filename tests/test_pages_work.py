"""Fila de trabalho, the home page's week, alerts and targets, Metas e alertas and the saved views,
in AppTest on a real store (tests/app_helpers.open_as), with the users who would use them."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from app_helpers import ADMIN, assert_ok, open_as, open_tab, rendered_text
from retention_analytics import alerts
from retention_analytics.auth import User
from retention_analytics.filters import Filters
from retention_analytics.metrics import work_queue, work_queue_terminations
from retention_analytics.store import Store, alerting, user_state

FILA = "pages/9_Fila_de_trabalho.py"
METAS = "pages/10_Metas_e_alertas.py"
HOME = "app.py"
GESTOR = User("gestora", "gestor", ("ODONTOLIFE",))
OTHERS = ("SorrisoMax", "Bem Sorrir Odonto", "Dental Prime", "OdontoSul", "Uniodonto Vale")


@pytest.fixture
def db(real_db, tmp_path, use_db):
    path = use_db(tmp_path / "semana.duckdb")
    shutil.copy(real_db, path)
    return path


def _analyst(db, operator_key="odontolife"):
    with Store(db).connect() as con:
        return con.execute("select analyst, analyst_key, count(*) from case_facts where operator_key = ? "
                           "and not is_closed group by all order by 3 desc, 1 limit 1", [operator_key]).fetchone()


# --------------------------------------------------------------------------- Fila de trabalho
def test_an_analyst_sees_only_their_own_queue(db):
    name, analyst_key, _ = _analyst(db)
    at = open_as(FILA, User("ana", "analista", ("ODONTOLIFE",), analyst=name.upper()))  # spelled another way
    assert_ok(at)
    expected = work_queue(Store(db), Filters(analysts=(analyst_key,)).restrict_to({"odontolife"}))
    table = at.dataframe[0].value
    assert len(table) == len(expected) > 0
    assert set(table["Analista"]) == set(expected["analyst"]) and len(set(expected["analyst_key"])) == 1
    assert list(table["Nº do protocolo"]) == list(expected["protocol_number"])
    pending = work_queue_terminations(Store(db), Filters(analysts=(analyst_key,)).restrict_to({"odontolife"}))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Casos em aberto"] == str(len(expected))
    assert metrics["Desligamentos pendentes"] == str(len(pending))
    assert len(at.dataframe) == 1, "the pending terminations are listed in their own tab"
    at = open_tab(at, "Desligamentos pendentes")
    assert_ok(at)
    table = at.dataframe[0].value
    assert len(table) == len(pending) > 0
    assert set(table["Falta"]) <= {"aviso", "substituto", "aviso e substituto"}


def test_an_analyst_without_a_mapping_sees_nothing_and_is_told_why(db):
    at = open_as(FILA, User("bia", "analista", ("ODONTOLIFE",)))
    assert_ok(at)
    assert not at.dataframe and not at.metric
    assert any("não está ligado a um nome de analista" in i.value and "users analyst bia" in i.value for i in at.info)


def test_a_gestor_sees_every_analyst_of_their_operators_and_a_click_opens_the_case(db):
    at = open_as(FILA, GESTOR)
    assert_ok(at)
    text = rendered_text(at)
    for other in OTHERS:
        assert other not in text
    expected = work_queue(Store(db), Filters().restrict_to({"odontolife"}))
    table = at.dataframe[0].value
    assert len(table) == len(expected) and len(set(table["Analista"])) > 1
    case_id = int(expected["case_id"].iloc[0])
    at.session_state["work_queue_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert_ok(at)
    assert at.query_params.get("caso") == str(case_id)
    assert any("Formulário do caso" in s.value for s in at.subheader)


def test_a_long_queue_is_paged_by_the_store_and_a_click_on_page_two_opens_that_case(db, monkeypatch):
    from retention_analytics.ui import page

    monkeypatch.setattr(page, "LIST_PAGE_SIZE", 1)  # the gestor's queue has 3 open cases: 3 pages
    at = open_as(FILA, GESTOR)
    assert_ok(at)
    expected = work_queue(Store(db), Filters().restrict_to({"odontolife"}))
    n = len(expected)
    assert n >= 3
    table = at.dataframe[0].value
    assert list(table["Nº do protocolo"]) == list(expected["protocol_number"].head(1)), "the oldest first"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Casos em aberto"] == str(n), "the headline counts every one"
    assert at.number_input(key="fila_pagina").label == f"Página ({n} no total)"
    assert any(c.value.startswith(f"Casos em aberto: mostrando a linha 1 de {n}, na ordem da tabela")
               and "export work_queue" in c.value for c in at.caption)

    at.number_input(key="fila_pagina").set_value(2).run()
    assert_ok(at)
    table = at.dataframe[0].value
    assert list(table["Nº do protocolo"]) == list(expected["protocol_number"].iloc[1:2]), "the next row"
    assert any(c.value.startswith(f"Casos em aberto: mostrando a linha 2 de {n}") for c in at.caption)
    at.session_state["work_queue_table_1"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert_ok(at)
    assert at.query_params.get("caso") == str(int(expected["case_id"].iloc[1])), "row 1 of page 2 is the 2nd case"


def test_the_queue_starts_again_at_page_one_when_what_it_lists_changes(db, monkeypatch):
    """Page 3 of the pending terminations, then a UF chosen in the sidebar whose list still has
    more than 3 pages: the new list opens on its page 1 (without the reset it would stay on 3)."""
    from retention_analytics.ui import page

    monkeypatch.setattr(page, "LIST_PAGE_SIZE", 1)
    everyone = work_queue_terminations(Store(db), Filters().restrict_to({"odontolife"}))
    uf = everyone["uf"].value_counts().index[0]
    in_uf = work_queue_terminations(Store(db), Filters(ufs=(uf,)).restrict_to({"odontolife"}))
    assert len(in_uf) > 3, "the test needs a list that still has a page 3"
    at = open_tab(open_as(FILA, GESTOR), "Desligamentos pendentes")
    at.number_input(key="fila_pendentes_pagina").set_value(3).run()
    assert_ok(at)
    assert list(at.dataframe[0].value["Nº do protocolo"]) == list(everyone["protocol_number"].iloc[2:3])
    at.multiselect(key="flt_ufs").set_value([uf]).run()
    assert_ok(at)
    assert any(s.value.startswith("Desligamentos sem aviso") for s in at.subheader), \
        "the pending tab stays open although its label's count changed"
    assert at.number_input(key="fila_pendentes_pagina").value == 1
    assert list(at.dataframe[0].value["Nº do protocolo"]) == list(in_uf["protocol_number"].head(1))


# --------------------------------------------------------------------------- home page
def test_the_home_page_shows_the_week_the_queue_and_only_the_gestors_alerts(db):
    store = Store(db)
    alerting.add_rule(store, "caso_aberto_ha_dias", 30, [])
    fired = alerts.evaluate_alerts(store)
    assert {a["operator_key"] for a in fired} > {"odontolife"}
    at = open_as(HOME, GESTOR)
    assert_ok(at)
    cards = {m.label: m.value for m in at.metric}
    # The store was just imported: every case arrived less than a week ago (first visit).
    with store.connect() as con:
        own, terminated = con.execute("select count(*), count(*) filter (where is_terminated) from case_facts "
                                      "where operator_key = 'odontolife'").fetchone()
    assert cards["Desligamentos que chegaram"] == str(terminated)
    assert cards["Casos novos"] == str(own - terminated)
    assert any("Primeira visita" in c.value for c in at.caption)
    links = [p.proto.label for p in at.get("page_link")]
    assert any(label.startswith("Fila de trabalho: ") for label in links)
    own_alerts = [a for a in fired if a["operator_key"] == "odontolife"]
    alert_links = [p for p in at.get("page_link") if "está em aberto há" in p.proto.label]
    assert len(alert_links) == min(len(own_alerts), 15)
    assert all("ODONTOLIFE" in p.proto.label for p in alert_links)
    assert user_state.last_visit(store, "gestora") is not None
    # The next session compares with this visit: nothing new since.
    again = open_as(HOME, GESTOR)
    assert any("desde a sua última visita" in c.value for c in again.caption)
    assert {m.label: m.value for m in again.metric}["Casos novos"] == "0"


def test_targets_show_on_the_cards_and_the_chart(db):
    store = Store(db)
    with store.connect() as con:
        operators = [r[0] for r in con.execute("select operator_name from operator_names").fetchall()]
    for name in operators:
        alerting.set_target(store, name, 0.9, 0.95)
    at = open_as("pages/4_Efetividade.py", ADMIN)
    assert_ok(at)
    card = next(m for m in at.metric if m.label == "Taxa de retenção")
    assert card.delta.startswith("−") and card.delta.endswith(" p.p. da meta")
    import json
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    marks = [t for t in spec["data"] if t.get("name") == "Meta"]
    assert marks and set(marks[0]["x"]) == {0.9}
    home = open_as(HOME, ADMIN)
    cards = {m.label: m for m in home.metric}
    assert cards["Retenção × meta"].delta == card.delta
    assert cards["Finalizados em até 60 dias × meta"].delta.endswith("p.p. da meta")


def test_a_target_for_part_of_the_operators_is_not_put_on_the_whole_sets_card(db):
    alerting.set_target(Store(db), "ODONTOLIFE", 0.9, None)
    at = open_as("pages/4_Efetividade.py", ADMIN)
    card = next(m for m in at.metric if m.label == "Taxa de retenção")
    assert not card.delta and "Só parte das operadoras do recorte tem meta" in card.proto.help
    gestor = open_as("pages/4_Efetividade.py", GESTOR)  # for her, ODONTOLIFE is the whole set
    assert next(m for m in gestor.metric if m.label == "Taxa de retenção").delta.endswith("p.p. da meta")


# --------------------------------------------------------------------------- Metas e alertas
def test_an_admin_sets_a_target_and_a_rule_on_the_page(db):
    at = open_as(METAS, ADMIN)
    assert_ok(at)
    at.selectbox(key="meta_operadora").set_value("odontolife")
    at.number_input(key="meta_retencao").set_value(45)
    at.number_input(key="meta_60").set_value(80)
    next(b for b in at.button if b.label == "Salvar meta").click().run()
    assert_ok(at)
    assert any("Metas de ODONTOLIFE salvas" in s.value for s in at.success)
    (row,) = alerting.targets(Store(db))
    assert (row["operator_key"], row["retention_rate"], row["closed_within_60"], row["set_by"]) == \
        ("odontolife", pytest.approx(0.45), pytest.approx(0.8), "chefe")
    at.selectbox(key="regra_tipo").set_value("aviso_pendente")
    at.number_input(key="regra_n").set_value(10)
    at.text_input(key="regra_emails").set_value("gestora@operadora.com.br")
    next(b for b in at.button if b.label == "Cadastrar regra").click().run()
    assert_ok(at)
    (rule,) = alerting.rules(Store(db))
    assert (rule.kind, rule.threshold, rule.recipients) == ("aviso_pendente", 10, ("gestora@operadora.com.br",))
    at.text_input(key="regra_emails").set_value("isto não é e-mail")
    next(b for b in at.button if b.label == "Cadastrar regra").click().run()
    assert any("não é um endereço de e-mail" in e.value for e in at.error)
    assert len(alerting.rules(Store(db))) == 1
    with Store(db).connect() as con:
        actions = [r[0] for r in con.execute("select action from audit_log order by audit_id").fetchall()]
    assert "definir_meta" in actions and "cadastrar_alerta" in actions


def test_a_gestor_reads_the_targets_of_their_operators_but_sets_nothing(db):
    alerting.set_target(Store(db), "ODONTOLIFE", 0.45, None)
    alerting.set_target(Store(db), "SorrisoMax", 0.5, None)
    at = open_as(METAS, GESTOR)
    assert_ok(at)
    table = at.dataframe[0].value
    assert list(table["Operadora"]) == ["ODONTOLIFE"]
    assert not any(b.label in ("Salvar meta", "Cadastrar regra") for b in at.button)
    assert any("Só um administrador define metas" in c.value for c in at.caption)


# --------------------------------------------------------------------------- saved views
def test_a_saved_view_brings_back_its_page_and_filters(db):
    at = open_as("pages/1_Motivos_de_desligamento.py", GESTOR, {"uf": "MG", "de": "2025-01-01", "ate": "2025-12-31"})
    assert_ok(at)
    at.text_input(key="visao_nome").set_value("MG em 2025")
    at.button(key="visao_salvar").click().run()
    assert_ok(at)
    (view,) = user_state.views(Store(db), "gestora")
    assert (view["name"], view["page"]) == ("MG em 2025", "Motivos_de_desligamento")
    assert "uf=MG" in view["query"] and "op=" not in view["query"], "never the access restriction"
    # Another session, on the home page without filters: one click restores page and filters.
    home = open_as(HOME, GESTOR)
    home.button(key="visao_abrir_MG em 2025").click().run()
    assert_ok(home)
    restored = home.session_state["_retention_filters"]
    assert (restored.ufs, restored.start, restored.end) == (("MG",), dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert restored.allowed_operators == frozenset({"odontolife"})
    assert home.query_params.get("uf") == "MG"
    assert any("Motivos de desligamento" == t.value for t in home.title)
    home.button(key="visao_apagar_MG em 2025").click().run()
    assert user_state.views(Store(db), "gestora") == []


def test_a_view_without_a_name_is_refused_in_portuguese(db):
    at = open_as(HOME, GESTOR)
    at.button(key="visao_salvar").click().run()
    assert any("Dê um nome à visão" in e.value for e in at.sidebar.error)
    assert user_state.views(Store(db), "gestora") == []


def test_a_saved_view_of_a_case_opens_that_case(db):
    with Store(db).connect() as con:
        case_id = con.execute("select case_id from case_facts where operator_key = 'odontolife' order by case_id "
                              "limit 1").fetchone()[0]
    at = open_as("pages/5_Casos.py", GESTOR, {"caso": str(case_id)})
    at.text_input(key="visao_nome").set_value("Um caso")
    at.button(key="visao_salvar").click().run()
    (view,) = user_state.views(Store(db), "gestora")
    assert view["page"] == "Casos" and f"caso={case_id}" in view["query"]
    home = open_as(HOME, GESTOR)
    home.button(key="visao_abrir_Um caso").click().run()
    assert_ok(home)
    assert home.query_params.get("caso") == str(case_id)
    assert any("Formulário do caso" in s.value for s in home.subheader)
