"""`targets`, `alerts` and the alert rules evaluated by `ingest`, in a subprocess as users run them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from forms_factory import write_form
from retention_analytics.store import Store, alerting
from test_cli import assert_no_traceback, run


@pytest.fixture
def db(real_db, tmp_path) -> Path:
    path = tmp_path / "cli.duckdb"
    shutil.copy(real_db, path)
    return path


def test_targets_set_list_and_clear(db):
    done = run("targets", "set", "--operator", "ODONTOLIFE", "--retention", "0.4", "--closed-60", "70%", db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Metas de ODONTOLIFE: retenção 40,0%; finalizados em até 60 dias 70,0%."
    (row,) = alerting.targets(Store(db))
    assert (row["operator_key"], row["retention_rate"], row["closed_within_60"]) == ("odontolife", 0.4, 0.7)
    listed = run("targets", "list", db=db)
    assert "ODONTOLIFE: retenção 40,0%; finalizados em até 60 dias 70,0% (definida por terminal em" in listed.stdout
    assert run("targets", "set", "--operator", "ODONTOLIFE", "--clear", db=db).returncode == 0
    assert alerting.targets(Store(db)) == []


@pytest.mark.parametrize("args, message", [
    (["--operator", "ODONTOLIFE", "--retention", "1.2"], "valor fora de 0 a 1"),
    (["--operator", "ODONTOLIFE", "--retention", "muito"], "valor inválido"),
    (["--operator", "ODONTOLIFE"], "Informe ao menos uma meta"),
    (["--operator", "Operadora Que Não Existe", "--retention", "0.4"], "Nenhum caso da operadora"),
])
def test_targets_refuse_bad_input_in_portuguese(db, args, message):
    done = run("targets", "set", *args, db=db)
    assert done.returncode == 2 and message in done.stderr
    assert_no_traceback(done)
    assert alerting.targets(Store(db)) == []


def test_alert_rules_evaluate_and_list(db):
    added = run("alerts", "rules", "add", "--kind", "caso_aberto_ha_dias", "--days", "60", "--operator", "ODONTOLIFE",
                "--to", "gestora@operadora.com.br", db=db)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Regra cadastrada: #1 Caso aberto há mais de N dias, N = 60 dias em aberto · "
                                   "odontolife · para: gestora@operadora.com.br")
    bad = run("alerts", "rules", "add", "--kind", "caso_aberto_ha_dias", "--to", "sem-arroba", db=db)
    assert bad.returncode == 2 and "não é um endereço de e-mail" in bad.stderr
    first = run("alerts", "evaluate", db=db)
    store = Store(db)
    fired = alerting.recent_alerts(store)
    assert fired and all(a["operator_key"] == "odontolife" for a in fired)
    assert first.stdout.splitlines()[0] == (f"{len(fired)} alertas novos." if len(fired) > 1 else "1 alerta novo.")
    assert run("alerts", "evaluate", db=db).stdout.strip() == "0 alertas novos."
    listed = run("alerts", "list", "--limit", "1", db=db)
    assert "não enviado" in listed.stdout and "está em aberto há" in listed.stdout
    assert run("alerts", "rules", "remove", "1", db=db).returncode == 0
    assert "Nenhuma regra de alerta" in run("alerts", "rules", "list", db=db).stdout
    missing = run("alerts", "rules", "remove", "7", db=db)
    assert missing.returncode == 2 and "Nenhuma regra de número 7" in missing.stderr


def test_ingest_evaluates_the_rules_after_the_batch(tmp_path):
    db = tmp_path / "novo.duckdb"
    folder = tmp_path / "formularios"
    write_form(folder, "a.txt", protocol_number="SAD2001", operator="ODONTOLIFE")
    assert run("ingest", str(folder / "a.txt"), db=db).returncode == 0
    assert run("alerts", "rules", "add", "--kind", "nova_lacuna", db=db).returncode == 0
    # A termination in João Monlevade: 2 CROs lost ≥ 1 listed, a coverage gap for ODONTOLIFE.
    write_form(folder, "b.txt", protocol_number="SAD2002", operator="ODONTOLIFE")
    done = run("ingest", str(folder / "b.txt"), db=db)
    assert done.returncode == 0, done.stderr
    assert "Alertas novos: 1 (veja `alerts list` ou a página inicial do painel)." in done.stdout
    (alert,) = alerting.recent_alerts(Store(db))
    assert alert["kind"] == "nova_lacuna" and "João Monlevade – MG (ODONTOLIFE)" in alert["message"]
    write_form(folder, "c.txt", protocol_number="SAD2003", operator="ODONTOLIFE")
    again = run("ingest", str(folder / "c.txt"), db=db)
    assert "Alertas novos" not in again.stdout, "the same city never fires twice"


def test_users_are_mapped_to_their_analyst_name(tmp_path):
    env = {"RETENTION_USERS": str(tmp_path / "users.toml")}
    added = run("users", "add", "maria", "--role", "analista", "--operator", "ODONTOLIFE", "--email",
                "maria@operadora.com.br", "--no-password", "--analyst", "Maria  Souza", db=None, env=env)
    assert added.returncode == 0, added.stderr
    from retention_analytics import auth

    user = auth.load_users(tmp_path / "users.toml")["maria"]
    assert (user.analyst, user.analyst_key) == ("Maria Souza", "mariasouza")
    assert "analista: Maria Souza" in run("users", "list", db=None, env=env).stdout
    cleared = run("users", "analyst", "maria", db=None, env=env)
    assert cleared.returncode == 0 and "sem analista ligado" in cleared.stdout
    assert auth.load_users(tmp_path / "users.toml")["maria"].analyst is None
    unknown = run("users", "analyst", "ninguem", "Fulano", db=None, env=env)
    assert unknown.returncode == 2 and "não encontrado" in unknown.stderr
