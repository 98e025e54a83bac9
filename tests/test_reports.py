"""Report PDFs (retention_analytics/reports, `report` command): the numbers are export's, the filters
are on every page, a gestor's report holds only their operators, personal data stays masked.

The PDFs are real (charts drawn by the system Chromium) and read back as text with pdftotext, the
way a person's PDF reader would.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from retention_analytics import auth, metrics, reports
from retention_analytics.auth import User
from retention_analytics.cli import main
from retention_analytics.filters import Filters
from retention_analytics.store import open_store

PERIOD = ["--from", "2024-01-01", "--to", "2024-12-31"]


def pdf_pages(path: Path) -> list[str]:
    """The text of each page (pdftotext -layout keeps a table row on one line)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def export_rows(capsys, db: Path, table: str, *args: str) -> list[list[str]]:
    """`export TABLE --labels` rows (header first) under the same options."""
    assert main(["--db", str(db), "export", table, "--labels", *args]) == 0
    data = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(data.lstrip("\ufeff")), delimiter=";"))
    return rows[rows.index([]) + 1:]


def export_json(capsys, db: Path, table: str, *args: str) -> list[dict]:
    assert main(["--db", str(db), "export", table, "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def operators(db: Path) -> list[str]:
    store = open_store(db)
    return list(metrics.filter_options(store, Filters())["operators"]["label"])


def _pdf_value(header: str, value: str) -> str:
    """A cell of export --labels as the PDF writes it: a percentage "33,3" under "… (%)" is
    "33,3%" on paper."""
    return f"{value}%" if header.endswith("(%)") and value else value


def test_a_filtered_report_shows_exports_numbers_with_the_filters_on_every_page(real_db, tmp_path, capsys):
    operator = operators(real_db)[0]
    options = ["--operator", operator, *PERIOD]
    output = tmp_path / "efetividade.pdf"
    assert main(["--db", str(real_db), "report", "--format", "pdf", "--page", "Efetividade", "--output", str(output),
                 *options]) == 0
    pages = pdf_pages(output)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Filtros: Operadora: {operator} · Período: 2024" in page
        assert re.search(r"Gerado em \d{2}/\d{2}/\d{4} \d{2}:\d{2}", page)
        assert f"Página {number} de {len(pages)}" in page
    text = "\n".join(pages)
    lines = text.splitlines()

    # The KPIs: export kpis' numbers for the period and the previous one (2023), with the change.
    now = export_json(capsys, real_db, "kpis", *options)[0]
    before = export_json(capsys, real_db, "kpis", "--operator", operator, "--from", "2023-01-01",
                         "--to", "2023-12-31")[0]
    assert "Variações contra o período anterior de mesma duração: 2023." in text
    attempts = next(line for line in lines if line.strip().startswith("Tentativas de retenção"))
    change = now["attempts"] - before["attempts"]
    assert attempts.split()[3:] == [str(now["attempts"]), f"{change:+d}" if change else "0", str(before["attempts"])]
    rate = next(line for line in lines if line.strip().startswith("Taxa de retenção ")).split()[3:]

    def pct(value):
        return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")

    assert rate[0] == pct(now["retention_rate"]) and rate[-1] == pct(before["retention_rate"])
    if before["retention_rate"] is not None:
        points = f"{(now['retention_rate'] - before['retention_rate']) * 100:+.1f}".replace(".", ",")
        assert " ".join(rate[1:-1]) == f"{points} p.p."

    # The tables: every row export --labels gives, with the same numbers at the same precision.
    for table, title in (("effectiveness_analyst", "Efetividade por analista"), ("requested_by", "Retenção por demandante")):
        header, *rows = export_rows(capsys, real_db, table, *options)
        assert title in text and rows
        after = lines[next(i for i, line in enumerate(lines) if line.strip() == title) + 2:]  # past its header
        for row in rows:
            name = row[0]
            line = next(line for line in after if line.strip().startswith(name + " ") or f"  {name} " in line)
            cells = [_pdf_value(h, v) for h, v in zip(header, row)
                     if v and len(v) < 20 and h not in ("Motivos mais citados",)][1:]
            found = line.split()
            position = 0
            for cell in cells:  # in order, on the row's line
                assert cell in found[position:], (table, name, cell, line)
                position = found.index(cell, position) + 1


def test_a_gestors_report_holds_only_their_operators_and_masks_personal_data(real_db, tmp_path, capsys, monkeypatch):
    names = operators(real_db)
    mine, others = names[0], names[1:]
    users = tmp_path / "users.toml"
    auth.save_users({"gestora": User("gestora", "gestor", (mine,))}, users)
    monkeypatch.setenv("RETENTION_USERS", str(users))
    output = tmp_path / "tempo.pdf"
    assert main(["--db", str(real_db), "report", "--page", "tempo de finalização", "--user", "gestora",
                 "--output", str(output)]) == 0
    text = "\n".join(pdf_pages(output))
    assert "Os casos em aberto mais antigos (dados pessoais mascarados)" in text
    for other in others:
        assert other not in text
    store = open_store(real_db)
    raw = metrics.cases(store, Filters(), limit=5000, reveal=True)
    cpfs = [c for c in raw["cpf"].dropna() if c]
    assert cpfs and not any(cpf in text for cpf in cpfs)
    # The masked CPFs export gives for the same view are the ones the PDF shows.
    header, *rows = export_rows(capsys, real_db, "oldest_open_cases", "--user", "gestora")
    masked = [row[header.index("CPF")] for row in rows if row[header.index("CPF")]]
    assert masked and all(cpf in text for cpf in masked[:5])


def test_the_monthly_pack_has_every_analysis_page_for_the_month(real_db, tmp_path):
    output = tmp_path / "pacote.pdf"
    assert main(["--db", str(real_db), "report", "--pack", "mensal", "--month", "2024-03", "-o", str(output)]) == 0
    pages = pdf_pages(output)
    assert all("Painel de Retenção · Pacote mensal 03/2024" in page and "Filtros: Período: 03/2024" in page
               for page in pages)
    starts = [next(p for p in pages if re.search(rf"^\s*{re.escape(title)}\s*$", p, re.M)) for title in reports.ANALYSIS_PAGES]
    assert len(starts) == len(reports.ANALYSIS_PAGES)
    assert "Variações contra o período anterior de mesma duração: 02/2024." in "\n".join(pages)


def test_last_full_month():
    import datetime as dt

    assert reports.last_full_month(dt.date(2026, 1, 15)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert reports.last_full_month(dt.date(2024, 3, 1)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


@pytest.mark.parametrize("args, message", [
    (["--page", "Casos"], "Página 'Casos' não tem relatório"),
    (["--pack", "mensal", "--page", "Efetividade"], "não os dois"),
    (["--pack", "mensal", "--from", "2024-01-01"], "--month AAAA-MM"),
    (["--month", "2024-03"], "use-o com --pack mensal"),
    (["--operator", "Operadora Que Não Existe"], "não encontrado"),
    (["--email", "a@b.com.br", "--smtp", "http://x"], "Endereço do servidor de e-mail inválido"),
])
def test_mistakes_are_portuguese_sentences(real_db, tmp_path, capsys, args, message):
    assert main(["--db", str(real_db), "report", "-o", str(tmp_path / "x.pdf"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_report_help_starts_without_the_heavy_modules():
    """`report --help` lists the pages without importing plotly, kaleido or fpdf (cli.py: fast start)."""
    import sys

    code = ("import sys\nfrom retention_analytics.cli import main\ntry:\n    main(['report', '--help'])\n"
            "except SystemExit:\n    pass\nprint(sorted(m for m in ('plotly', 'kaleido', 'fpdf') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert "Efetividade" in done.stdout and "run-due" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
