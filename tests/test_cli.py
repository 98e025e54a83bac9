"""`python -m retention_analytics` in a subprocess, as users and scripts run it.

Every run gets RETENTION_DB pointing into tmp_path, so no test can touch data/retention.duckdb.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from forms_factory import form_text, make_record, write_form
from retention_analytics.record import RECORD_KEYS

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, db: Path | None, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("RETENTION_DB", "RETENTION_DEBUG")}
    environment["PYTHONPATH"] = str(REPO)
    if db is not None:
        environment["RETENTION_DB"] = str(db)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "retention_analytics", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd or REPO,
        env=environment,
        timeout=120,
    )


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    folder = tmp_path / "formularios"
    write_form(folder, "a.txt", protocol_number="SAD1001", operator="ODONTOLIFE")
    write_form(folder, "b.txt", protocol_number="SAD1002", operator="Odonto Life", outcome="retencao_efetiva",
               termination_reasons=[])
    return folder


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


# --- parse --------------------------------------------------------------------------------------


def test_parse_jsonl_keys_order_error_line_and_exit_code(tmp_path: Path, forms: Path) -> None:
    bad = tmp_path / "lista.txt"
    bad.write_text("Lista de compras\npão\nleite\n", encoding="utf-8")
    args = [str(forms / "a.txt"), str(bad), "nao/existe.txt", str(forms / "b.txt")]
    result = run("parse", "--format", "jsonl", *args, db=None)
    assert result.returncode == 1
    assert_no_traceback(result)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == args  # argument order, path exactly as given
    good = [lines[0], lines[3]]
    for record in good:
        assert list(record) == list(RECORD_KEYS)
    assert lines[0]["protocol_number"] == "SAD1001" and lines[0]["city"] == "JOAO MONLEVADE"
    assert lines[3]["outcome"] == "retencao_efetiva" and lines[3]["termination_reasons"] == []
    for error_line in (lines[1], lines[2]):
        assert list(error_line) == ["source", "error"] and error_line["error"]
    assert "não encontrado" in lines[2]["error"]
    # ensure_ascii=False: accents travel as UTF-8, not \u escapes.
    assert "Clínica Exemplo Ltda" in result.stdout


def test_parse_all_good_exits_zero(forms: Path) -> None:
    result = run("parse", str(forms / "a.txt"), db=None)  # jsonl is the default
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_parse_folder_and_zip_give_one_line_per_form(tmp_path: Path, forms: Path) -> None:
    archive = tmp_path / "lote.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("dentro/c.txt", form_text(make_record(protocol_number="SAD1003")))
        zf.writestr("leia-me.pages", b"nao e formulario")
    result = run("parse", str(forms), str(archive), db=None)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [
        str(forms / "a.txt"),
        str(forms / "b.txt"),
        f"{archive}:dentro/c.txt",
        f"{archive}:leia-me.pages",
    ]
    assert lines[2]["protocol_number"] == "SAD1003"
    assert "Formato não suportado" in lines[3]["error"]
    assert result.returncode == 1


def test_parse_table_is_readable_portuguese(forms: Path) -> None:
    result = run("parse", "--format", "table", str(forms / "a.txt"), db=None)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in ("== ", "Colaborador:", "Marina Teste Souza", "Data:", "26/03/2024", "Valor última prod.:",
                     "R$ 1.234,56", "Status:", "Desligamento", "Encerramento de Atividades", "Avisos:"):
        assert expected in out


# --- ingest, stats, reparse -----------------------------------------------------------------------


def test_ingest_summary_and_exit_codes(tmp_path: Path, forms: Path) -> None:
    db = tmp_path / "casos.duckdb"
    first = run("ingest", str(forms), db=db)
    assert first.returncode == 0, first.stderr
    assert "Novos: 2" in first.stdout and "Rejeitados: 0" in first.stdout
    assert "Lendo formulários" in first.stderr  # the progress line (final form, stderr is a pipe)

    again = run("ingest", str(forms), db=db)
    assert again.returncode == 0
    assert "Duplicados (já importados, ignorados): 2" in again.stdout

    write_form(forms, "a_v2.txt", protocol_number="SAD1001", outcome="retencao_efetiva", termination_reasons=[])
    (forms / "lixo.txt").write_text("nada a ver\n", encoding="utf-8")
    mixed = run("ingest", "--origin", "lote-teste", str(forms / "a_v2.txt"), str(forms / "lixo.txt"), db=db)
    assert mixed.returncode == 1
    assert_no_traceback(mixed)
    assert "Novos: 1" in mixed.stdout and "Substituídos: 1" in mixed.stdout and "Rejeitados: 1" in mixed.stdout
    assert f"{forms / 'lixo.txt'}: " in mixed.stdout  # the rejected file, with its reason

    stats = run("stats", db=db)
    assert stats.returncode == 0, stats.stderr
    assert "Casos atuais: 2" in stats.stdout
    assert "Formulários: 4 (3 lidos sem avisos, 0 lidos com avisos, contando versões substituídas, 1 rejeitados)" in stats.stdout
    assert "Versões anteriores guardadas (mesmo protocolo): 1" in stats.stdout
    assert "Retenção Efetiva: 2" in stats.stdout
    assert "ODONTOLIFE: 2" in stats.stdout or "Odonto Life: 2" in stats.stdout  # one operator, two spellings
    assert "Operadoras: 1" in stats.stdout

    as_json = json.loads(run("stats", "--json", db=db).stdout)
    assert as_json["current_cases"] == 2 and as_json["documents_by_status"]["rejected"] == 1

    reparse = run("reparse", db=db)
    assert reparse.returncode == 0, reparse.stderr
    assert "Releitura concluída: 4 documentos relidos" in reparse.stdout
    assert "Casos atuais: 2" in reparse.stdout


def test_db_option_and_environment(tmp_path: Path, forms: Path) -> None:
    from_env = tmp_path / "env.duckdb"
    assert run("ingest", str(forms / "a.txt"), db=from_env).returncode == 0
    assert from_env.exists()

    before_cmd, after_cmd = tmp_path / "antes.duckdb", tmp_path / "depois.duckdb"
    assert run("--db", str(before_cmd), "ingest", str(forms / "a.txt"), db=from_env).returncode == 0
    assert run("ingest", str(forms / "b.txt"), "--db", str(after_cmd), db=from_env).returncode == 0
    assert before_cmd.exists() and after_cmd.exists()
    # --db wins over RETENTION_DB: the env database still has only its first form.
    assert "Casos atuais: 1" in run("stats", db=from_env).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats"], "não existe"),
        (["reparse"], "não existe"),
        (["ingest", "pasta/que/nao/existe"], None),
        (["parse", "--format", "xml", "x.txt"], "opção inválida"),
        (["nenhum-comando"], "opção inválida"),
        (["parse"], "faltam argumentos obrigatórios"),
    ],
)
def test_user_errors_are_portuguese_without_traceback(tmp_path: Path, args: list[str], message: str | None) -> None:
    result = run(*args, db=tmp_path / "ausente.duckdb")
    assert_no_traceback(result)
    if message is None:  # a missing path is a rejected document: summary and exit code 1
        assert result.returncode == 1 and "Rejeitados: 1" in result.stdout
    else:
        assert result.returncode == 2
        assert "erro: " in result.stderr and message in result.stderr


def test_help_lists_every_command_and_all_modules_load(tmp_path: Path) -> None:
    result = run("--help", db=tmp_path / "x.duckdb")
    assert result.returncode == 0
    assert result.stderr == ""  # no "aviso: comandos … indisponíveis"
    for command in ("parse", "ingest", "reparse", "stats", "demo", "bench-ingest"):
        assert command in result.stdout
    assert "uso:" in result.stdout and "mostra esta ajuda" in result.stdout


def test_demo_builds_a_marked_database_and_never_touches_real_data(tmp_path: Path, forms: Path) -> None:
    db = tmp_path / "demo.duckdb"
    out = tmp_path / "demo_forms"
    result = run("demo", "--cases", "4", "--seed", "1", "--out", str(out), db=db)
    assert result.returncode == 0, result.stderr
    assert "Demonstração pronta" in result.stdout
    stats = json.loads(run("stats", "--json", db=db).stdout)
    assert stats["is_demo"] is True and stats["current_cases"] == 4
    # Again: the earlier demonstration is replaced, not added to.
    assert run("demo", "--cases", "4", "--seed", "1", "--out", str(out), db=db).returncode == 0
    assert json.loads(run("stats", "--json", db=db).stdout)["current_cases"] == 4

    real = tmp_path / "real.duckdb"
    assert run("ingest", str(forms), db=real).returncode == 0
    refused = run("demo", "--cases", "2", "--out", str(tmp_path / "outra"), db=real)
    assert refused.returncode == 2 and "dados reais" in refused.stderr
    assert "Casos atuais: 2" in run("stats", db=real).stdout


def test_parse_table_masks_personal_data_unless_asked(tmp_path: Path) -> None:
    form = Path(__file__).parent / "fixtures" / "forms" / "look_alike_000.md"
    shown = run("parse", "--format", "table", str(form), db=None)
    assert shown.returncode == 0, shown.stderr
    assert "52998224725" not in shown.stdout and "***.982.247-**" in shown.stdout
    assert "90000-0001" not in shown.stdout
    full = run("parse", "--format", "table", "--sem-mascara", str(form), db=None)
    assert "52998224725" in full.stdout
    jsonl = run("parse", "--format", "jsonl", str(form), db=None)
    assert '"cpf": "52998224725"' in jsonl.stdout  # the machine contract is the full record


def test_bench_ingest_measures_each_format_with_one_process_and_all(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = run("bench-ingest", "--forms", "3", "--formats", "txt,csv", "--workers", "2", "--json", str(out),
                 db=tmp_path / "nunca.duckdb")
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    report = json.loads(out.read_text(encoding="utf-8"))
    formats = [(r["format"], r["processes"]) for r in report["results"]]
    # Three forms are below the pool threshold: one measure per folder, in one process.
    assert formats == [("txt", 1), ("csv", 1), ("todos (misto)", 1)]
    assert all(r["forms"] >= 3 and r["rejected"] == 0 and r["forms_per_s"] > 0 for r in report["results"])
    assert "Formulários de texto (txt, md, csv):" in result.stdout and "por núcleo" in result.stdout
    assert 0 < report["machine_scaling"] < 3
    assert not (tmp_path / "nunca.duckdb").exists()  # the user's database is never touched


def test_bench_ingest_refuses_an_unknown_format(tmp_path: Path) -> None:
    result = run("bench-ingest", "--formats", "odt", db=tmp_path / "x.duckdb")
    assert result.returncode == 2 and "Formato desconhecido: odt" in result.stderr
    assert_no_traceback(result)


def test_a_real_form_is_never_ingested_into_the_demonstration(tmp_path: Path, forms: Path) -> None:
    """`ingest` (any --origin) into a demo database stops, says how to go on, writes nothing;
    `demo --remove` then deletes the demonstration only, and the same ingest goes through."""
    db = tmp_path / "demo.duckdb"
    assert run("demo", "--cases", "5", "--seed", "2", "--out", str(tmp_path / "demo_forms"), db=db).returncode == 0
    before = json.loads(run("stats", "--json", db=db).stdout)
    for origin in ("cli", "demo"):
        refused = run("ingest", str(forms), "--origin", origin, db=db)
        assert refused.returncode == 2, refused.stdout
        assert_no_traceback(refused)
        assert "não se misturam" in refused.stderr and "demo --remove" in refused.stderr and "--db" in refused.stderr
    after = json.loads(run("stats", "--json", db=db).stdout)
    assert after["documents_total"] == before["documents_total"] and after["is_demo"] is True

    removed = run("demo", "--remove", db=db)
    assert removed.returncode == 0, removed.stderr
    assert "Demonstração removida" in removed.stdout and "numa só transação" in removed.stdout
    stats = json.loads(run("stats", "--json", db=db).stdout)
    assert stats["documents_total"] == 0 and stats["provenance"]["demo_documents"] == 0
    assert run("ingest", str(forms), db=db).returncode in (0, 1)
    stats = json.loads(run("stats", "--json", db=db).stdout)
    assert stats["provenance"]["real_documents"] == stats["documents_total"] > 0
    assert "o painel pede login" in run("stats", db=db).stdout
    again = run("demo", "--remove", db=db)
    assert again.returncode == 0 and "não tem demonstração" in again.stdout
    assert json.loads(run("stats", "--json", db=db).stdout)["documents_total"] == stats["documents_total"]


def test_demo_remove_leaves_real_cases_of_a_mixed_database(tmp_path: Path) -> None:
    """A database from before schema 2, where a real form was uploaded into the demo."""
    import gzip
    import shutil

    db = tmp_path / "legado.duckdb"
    with gzip.open(Path(__file__).parent / "fixtures" / "legacy" / "schema1_demo_with_real_upload.duckdb.gz") as src, \
            db.open("wb") as out:
        shutil.copyfileobj(src, out)
    refused = run("demo", "--cases", "3", "--out", str(tmp_path / "f"), db=db)
    assert refused.returncode == 2 and "já tem dados reais" in refused.stderr and "demo --remove" in refused.stderr
    removed = run("demo", "--remove", db=db)
    assert removed.returncode == 0, removed.stderr
    assert "13 formulários" in removed.stdout and "Continuam no banco 1 formulários reais" in removed.stdout
    stats = json.loads(run("stats", "--json", db=db).stdout)
    assert stats["current_cases"] == 1 and stats["provenance"]["real_cases"] == 1


def test_demo_summary_names_counts_as_the_app_does(tmp_path: Path) -> None:
    """"N formulários, N casos, N versões substituídas" and the "com avisos" of Qualidade dos dados."""
    import re

    from retention_analytics.filters import Filters
    from retention_analytics.metrics import quality
    from retention_analytics.store import Store

    db = tmp_path / "demo.duckdb"
    result = run("demo", "--cases", "40", "--seed", "5", "--out", str(tmp_path / "demo_forms"), db=db)
    assert result.returncode == 0, result.stderr
    match = re.search(r"Demonstração pronta em [\d,]+ s: ([\d.]+) formulários, ([\d.]+) casos, ([\d.]+) versões "
                      r"substituídas, ([\d.]+) rejeitados; ([\d.]+) formulários com avisos", result.stdout)
    assert match, result.stdout
    forms_, cases, superseded, rejected, warned = (int(g.replace(".", "")) for g in match.groups())
    store = Store(db)
    stats = store.stats()
    with store.connect() as con:
        summary = quality(con, Filters())["summary"].iloc[0]
    assert cases == 40 == stats["current_cases"] == int(summary["cases"])
    assert forms_ == stats["documents_total"] == cases + superseded + rejected
    assert superseded == int(summary["superseded_versions"])
    assert warned == int(summary["forms_with_warnings"])
