"""alerts.py and store/alerting.py on the hand-written store of tests/metrics_fixture.py: each kind
of rule fires for the cases computed by hand, never twice for one subject, an episode of
retention below target ends and a new one fires, a gestor sees only their operators' alerts, and
the e-mail says it in Portuguese without personal data and is never sent twice."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics_fixture import build_db
from retention_analytics import alerts
from retention_analytics.store import Store, alerting
from retention_analytics.store.substitutions import SubstitutionRow

D = dt.date
T = dt.datetime


@pytest.fixture
def store(tmp_path):
    return Store(build_db(tmp_path / "fixture.duckdb"))


def _subjects(fired):
    return sorted(a["subject_key"] for a in fired)


def test_nothing_to_evaluate_without_rules(store):
    assert alerts.evaluate_alerts(store, T(2025, 1, 10)) == []


def test_an_open_case_beyond_n_days_fires_once(store):
    alerting.add_rule(store, "caso_aberto_ha_dias", 100, ["gestora@operadora.com.br"])
    fired = alerts.evaluate_alerts(store, T(2025, 1, 10, 8))
    # Open on 10/01/2025: P12 for 223 days, P7 for 101, P8 for 31, P13 not yet started.
    assert _subjects(fired) == ["protocolo:P12", "protocolo:P7"]
    p7 = next(a for a in fired if a["subject_key"] == "protocolo:P7")
    assert p7["message"] == ("Caso P7 (ODONTOLIFE, Belo Horizonte – MG, analista Bruno) está em aberto há 101 dias "
                             "(desde 01/10/2024).")
    assert p7["case_id"] == 7 and p7["operator_key"] == "odontolife" and p7["mailed_at"] is None
    assert alerts.evaluate_alerts(store, T(2025, 1, 10, 9)) == [], "the same subjects never fire twice"
    later = alerts.evaluate_alerts(store, T(2025, 6, 1))  # P8 is now 173 days old, P13 137
    assert _subjects(later) == ["protocolo:P13", "protocolo:P8"]


def test_a_rule_of_one_operator_watches_only_it(store):
    alerting.add_rule(store, "caso_aberto_ha_dias", 100, [], operator="Uniodonto")
    assert _subjects(alerts.evaluate_alerts(store, T(2025, 1, 10))) == ["protocolo:P12"]


def test_a_termination_without_notice_fires_at_d_minus_n(store):
    alerting.add_rule(store, "aviso_pendente", 10, ["a@b.com.br"])
    store.add_substitutions([SubstitutionRow("P4", notice_date=D(2024, 1, 1))], "manual", "teste")
    # P3 leaves on 30/07/2024: notice due 30/06/2024. On 19/06 that is 11 days away: not yet.
    first = alerts.evaluate_alerts(store, T(2024, 6, 19))
    assert _subjects(first) == ["protocolo:P1", "protocolo:P10"], "P4 has its notice; the older ones are overdue"
    second = alerts.evaluate_alerts(store, T(2024, 6, 20))  # 10 days before: D−10
    assert _subjects(second) == ["protocolo:P3"]
    assert "o aviso deve sair até 30/06/2024 (faltam 10 dias); saída da rede em 30/07/2024" in second[0]["message"]
    assert "venceu há" in next(a for a in first if a["subject_key"] == "protocolo:P1")["message"]


def test_a_new_coverage_gap_city_fires_once_per_operator_and_city(store):
    alerting.add_rule(store, "nova_lacuna", 0, ["a@b.com.br"], operator="ODONTOLIFE")
    fired = alerts.evaluate_alerts(store, T(2025, 1, 10))
    # João Monlevade: 3 CROs lost (P1: 2, P10: 1) ≥ 2 listed; Vila Inventada: 2 lost ≥ 2 listed.
    assert _subjects(fired) == ["odontolife|MG|3136207", "odontolife|MG|vilainventada"]
    jm = next(a for a in fired if a["city_id"] == "MG|3136207")
    assert jm["message"] == ("Nova lacuna de cobertura em João Monlevade – MG (ODONTOLIFE): 3 de 2 CROs divulgados "
                             "perdidos; 30 vidas na cidade.")
    assert alerts.evaluate_alerts(store, T(2025, 1, 11)) == []


def test_retention_below_target_fires_once_per_episode(store):
    rule = alerting.add_rule(store, "retencao_abaixo_da_meta", 3, ["a@b.com.br"])
    assert alerts.evaluate_alerts(store, T(2025, 1, 10)) == [], "no target, no alert"
    alerting.set_target(store, "ODONTOLIFE", 0.5, None)
    alerting.set_target(store, "Uniodonto", 0.9, None)  # only 2 attempts: not yet N = 3
    fired = alerts.evaluate_alerts(store, T(2025, 1, 10))
    assert _subjects(fired) == ["odontolife#1"]
    assert fired[0]["message"] == ("ODONTOLIFE: retenção de 33,3% nas últimas 3 tentativas finalizadas (10/04/2024 a "
                                   "20/09/2024), abaixo da meta de 50,0%.")
    assert alerts.evaluate_alerts(store, T(2025, 1, 11)) == [], "still below: the same episode"
    alerting.set_target(store, "ODONTOLIFE", 0.3, None)  # 33,3% ≥ 30%: the episode ends
    assert alerts.evaluate_alerts(store, T(2025, 1, 12)) == []
    assert alerting.fired_subjects(store)[rule]["odontolife#1"] == T(2025, 1, 12)
    alerting.set_target(store, "ODONTOLIFE", 0.5, None)  # below again: a new episode
    assert _subjects(alerts.evaluate_alerts(store, T(2025, 1, 13))) == ["odontolife#2"]


def test_a_gestor_sees_only_their_operators_alerts(store):
    alerting.add_rule(store, "caso_aberto_ha_dias", 100, [])
    alerts.evaluate_alerts(store, T(2025, 1, 10))
    mine = alerting.recent_alerts(store, frozenset({"uniodonto"}))
    assert [a["subject_key"] for a in mine] == ["protocolo:P12"]
    assert alerting.recent_alerts(store, frozenset()) == []
    assert len(alerting.recent_alerts(store, None)) == 2


@pytest.mark.parametrize("recipients, error", [
    ("gestora@op", "não é um endereço"),
    (["ok@op.com.br", "sem arroba"], "sem arroba"),
])
def test_bad_recipients_are_refused_in_portuguese(store, recipients, error):
    with pytest.raises(alerting.TargetError, match=error):
        alerting.add_rule(store, "caso_aberto_ha_dias", 90, recipients)
    assert alerting.rules(store) == []


def test_an_unknown_kind_or_a_zero_threshold_is_refused(store):
    with pytest.raises(alerting.TargetError, match="Tipo de alerta desconhecido"):
        alerting.add_rule(store, "qualquer", 1)
    with pytest.raises(alerting.TargetError, match="ao menos 1"):
        alerting.add_rule(store, "caso_aberto_ha_dias", 0)


def test_a_rule_switched_off_fires_nothing_and_keeps_its_alerts(store):
    rule = alerting.add_rule(store, "caso_aberto_ha_dias", 100, [])
    alerts.evaluate_alerts(store, T(2025, 1, 10))
    assert alerting.remove_rule(store, rule)
    assert not alerting.remove_rule(store, 999)
    assert alerts.evaluate_alerts(store, T(2025, 6, 1)) == []
    assert len(alerting.recent_alerts(store)) == 2


def test_the_mail_in_portuguese_without_personal_data(store):
    alerting.add_rule(store, "caso_aberto_ha_dias", 100, ["gestora@operadora.com.br"])
    alerting.add_rule(store, "aviso_pendente", 10, ["gestora@operadora.com.br", "diretor@operadora.com.br"])
    fired = alerts.evaluate_alerts(store, T(2025, 1, 10, 8, 30))
    subject, body = alerts.compose_mail(fired)
    assert subject == f"Painel de Retenção: {len(fired)} alertas novos"
    assert "Caso aberto há mais de N dias (2):" in body
    assert "Desligamento sem aviso perto do prazo (5):" in body
    assert "10/01/2025 08:30" in body
    for personal in ("Dentista", "123.459", "12345969601", "98765"):
        assert personal not in body
    one_subject, _ = alerts.compose_mail(fired[:1])
    assert one_subject == "Painel de Retenção: 1 alerta novo"
    mails = alerts.outbox(store)
    assert sorted(m.recipients for m in mails) == [("gestora@operadora.com.br",),
                                                     ("gestora@operadora.com.br", "diretor@operadora.com.br")]


def test_deliver_never_sends_an_alert_twice(store):
    alerting.add_rule(store, "caso_aberto_ha_dias", 100, ["gestora@operadora.com.br"])
    alerting.add_rule(store, "caso_aberto_ha_dias", 200, [])  # no recipients: only on the home page
    alerts.evaluate_alerts(store, T(2025, 1, 10))
    sent: list[tuple[list[str], str, str]] = []

    def refuse(recipients, subject, body):
        raise ConnectionRefusedError("servidor fora do ar")

    with pytest.raises(ConnectionRefusedError):
        alerts.deliver(store, refuse)
    assert len(alerts.outbox(store)) == 1, "a failed send leaves the alerts to be sent next time"
    assert alerts.deliver(store, lambda r, s, b: sent.append((r, s, b)), T(2025, 1, 10, 9)) == 1
    assert sent[0][0] == ["gestora@operadora.com.br"] and "P12" in sent[0][2] and "P7" in sent[0][2]
    assert alerts.deliver(store, lambda r, s, b: sent.append((r, s, b))) == 0
    assert len(sent) == 1
    mailed = [a for a in alerting.recent_alerts(store) if a["mailed_at"] is not None]
    assert len(mailed) == 2 and {a["mailed_at"] for a in mailed} == {T(2025, 1, 10, 9)}


def test_after_import_reports_an_evaluation_that_failed_without_raising(store, monkeypatch):
    from retention_analytics.store import IngestSummary
    from retention_analytics.store.summary import FileResult

    summary = IngestSummary(origin="cli", results=[FileResult("a.xlsx", "ok", None)])
    alerting.add_rule(store, "caso_aberto_ha_dias", 100, [])
    fired, error = alerts.after_import(store, summary, T(2025, 1, 10))
    assert len(fired) == 2 and error is None
    assert alerts.after_import(store, IngestSummary(origin="cli"), T(2025, 1, 10)) == ([], None)
    broken = Store(store.path.parent / "nao_e_um_banco.duckdb")
    broken.path.write_bytes(b"isto nao e duckdb")
    fired, error = alerts.after_import(broken, summary)
    assert fired == [] and error.startswith("Os formulários foram importados, mas os alertas não puderam")


def test_removing_the_demonstration_removes_its_alerts(demo_db, tmp_path):
    import shutil

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    demo = Store(path)
    alerting.add_rule(demo, "caso_aberto_ha_dias", 30, [])
    assert alerts.evaluate_alerts(demo)
    demo.remove_demo()
    assert alerting.recent_alerts(demo) == []
    assert len(alerting.rules(demo)) == 1, "the rules are the admin's, not the demonstration's"


def test_a_gestors_address_gets_only_their_operators_alerts(store):
    from retention_analytics.auth import User

    users = {"gestora": User("gestora", "gestor", ("Uniodonto",), email="gestora@operadora.com.br"),
             "chefe": User("chefe", "admin", email="chefe@operadora.com.br")}
    alerting.add_rule(store, "caso_aberto_ha_dias", 100, ["chefe@operadora.com.br", "gestora@operadora.com.br"])
    alerts.evaluate_alerts(store, T(2025, 1, 10))  # P12 (UNIODONTO) and P7 (ODONTOLIFE)
    mails = {m.recipients: m for m in alerts.outbox(store, users)}
    assert set(mails) == {("chefe@operadora.com.br", "gestora@operadora.com.br"), ("chefe@operadora.com.br",)}
    both = mails[("chefe@operadora.com.br", "gestora@operadora.com.br")]
    assert "P12" in both.body and "P7" not in both.body and "ODONTOLIFE" not in both.body
    assert "P7" in mails[("chefe@operadora.com.br",)].body
    sent: list[list[str]] = []
    assert alerts.deliver(store, lambda r, s, b: sent.append(r), users=users) == 2
    assert alerts.outbox(store, users) == []
