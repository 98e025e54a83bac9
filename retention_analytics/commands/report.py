"""`report`: a PDF of an analysis page, or the monthly pack, written to a file or e-mailed; and
`report run-due`, which sends the scheduled reports that are due (cron or a systemd timer).

    python -m retention_analytics report --format pdf --output visao.pdf --operator X --from 2024-01-01 --to 2024-12-31
    python -m retention_analytics report --page "Efetividade" --uf MG --output efetividade.pdf
    python -m retention_analytics report --pack mensal --email diretoria@empresa.com.br --smtp smtp://relay:25
    python -m retention_analytics report run-due

The filters are export's (`--operator`, `--uf`, `--from`, `--to`…; `--user NOME` gives exactly
that dashboard user's view). The SMTP server comes from --smtp or RETENTION_SMTP_URL, its password
only from RETENTION_SMTP_PASSWORD (reports/mailer.py). It must not compute or lay out anything
itself (reports/ does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from ._common import CommandError, add_filter_arguments, filters_from_args, open_db, user_scope


def _month(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"mês inválido {text!r} (use AAAA-MM)")
    return int(match.group(1)), int(match.group(2))


def _page_choices() -> tuple[str, ...]:
    from ..reports import ANALYSIS_PAGES  # the package's own names only: no duckdb, no plotly

    return ANALYSIS_PAGES


def register(subparsers: argparse._SubParsersAction) -> None:
    pages = _page_choices()
    parser = subparsers.add_parser(
        "report",
        help="relatório em PDF de uma página de análise (ou o pacote mensal), em arquivo ou por e-mail",
        description=(
            "Gera o relatório em PDF de uma página do painel com os filtros dados: indicadores com a variação "
            "contra o período anterior, os gráficos e as tabelas principais. `report run-due` envia os "
            "relatórios agendados que vencerem (para o cron ou um timer do systemd)."
        ),
    )
    parser.add_argument("action", nargs="?", choices=("run-due",), metavar="run-due",
                        help="envia os relatórios agendados que vencem agora (página Relatórios) e sai")
    parser.add_argument("--format", choices=("pdf",), default="pdf", help="formato (padrão e único: pdf)")
    parser.add_argument("--output", "-o", metavar="ARQUIVO", default=None,
                        help="arquivo de saída (padrão: o nome do relatório na pasta atual; - para a saída padrão)")
    parser.add_argument("--page", default=None, metavar="PÁGINA",
                        help="página de análise (padrão: Visão geral): " + ", ".join(pages))
    parser.add_argument("--pack", choices=("mensal",), default=None,
                        help="mensal: todas as páginas de análise do último mês fechado")
    parser.add_argument("--month", type=_month, default=None, metavar="AAAA-MM",
                        help="com --pack mensal: o mês do pacote (padrão: o último mês fechado)")
    add_filter_arguments(parser, what="gera")
    parser.add_argument("--email", action="append", default=[], metavar="ENDEREÇO",
                        help="envia o PDF por e-mail a este endereço (pode repetir)")
    parser.add_argument("--smtp", default=None, metavar="URL",
                        help="servidor de e-mail: smtp://servidor:25, smtp+starttls://usuario@servidor:587 ou "
                             "smtps://usuario@servidor:465 (padrão: RETENTION_SMTP_URL; a senha só em "
                             "RETENTION_SMTP_PASSWORD)")
    parser.add_argument("--sender", default=None, metavar="REMETENTE",
                        help="remetente do e-mail (padrão: RETENTION_SMTP_FROM ou painel@este servidor)")
    parser.add_argument("--now", type=dt.datetime.fromisoformat, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def _resolve_page(given: str | None) -> str:
    from ..reports import ANALYSIS_PAGES, DEFAULT_PAGE
    from ..text import key

    if not given:
        return DEFAULT_PAGE
    by_key = {key(title): title for title in ANALYSIS_PAGES}
    found = by_key.get(key(given.replace("_", " ")))
    if found is None:
        raise CommandError(f"Página {given!r} não tem relatório. Use uma de: {', '.join(ANALYSIS_PAGES)}.")
    return found


def run(args: argparse.Namespace) -> int:
    if args.action == "run-due":
        return run_due(args)
    from .. import reports
    from ..reports import images, mailer, pdf

    if args.pack and args.page:
        raise CommandError("Use --page ou --pack mensal, não os dois: o pacote mensal já traz todas as páginas.")
    if args.month and not args.pack:
        raise CommandError("--month é o mês do pacote: use-o com --pack mensal (para uma página, use --from e --to).")
    if args.pack and (args.start or args.end):
        raise CommandError("O pacote mensal cobre um mês inteiro: escolha o mês com --month AAAA-MM, não --from/--to.")
    if args.email:
        mailer.parse_smtp_url(args.smtp)  # a wrong server or a missing password, before any work
    store = open_db(args, must_exist=True)
    start = end = None
    if args.pack:
        today = (args.now or dt.datetime.now()).date()
        start, end = reports.month_period(*args.month) if args.month else reports.last_full_month(today)
        pages = reports.ANALYSIS_PAGES
    else:
        pages = (_resolve_page(args.page),)
    filters, names = filters_from_args(args, store, start=start, end=end)
    try:
        report = reports.build_report(store, filters, pages, names=names, pack=args.pack)
    except (images.ChartRenderError, pdf.ReportFontError) as exc:
        raise CommandError(str(exc)) from None

    if args.email:
        try:
            mailer.send_message(args.smtp, args.sender, args.email, report.title, reports.summary_text(report),
                                [(report.file_name, report.pdf, "application/pdf")])
        except mailer.MailError as exc:
            raise CommandError(str(exc)) from None
        print(f"Relatório “{report.title}” enviado a {', '.join(args.email)}.", file=sys.stderr)
        if args.output is None:
            return 0
    output = args.output or report.file_name
    if output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(report.pdf)
        sys.stdout.buffer.flush()
        return 0
    path = Path(output).expanduser()
    temporary = path.with_name(path.name + ".parcial")
    temporary.write_bytes(report.pdf)  # nothing half-written under the real name
    temporary.replace(path)
    print(f"Relatório “{report.title}” gravado em {path} ({len(report.pdf) // 1024} KB).", file=sys.stderr)
    return 0


def run_due(args: argparse.Namespace) -> int:
    from ..reports import images, mailer, pdf, schedules

    if user_scope(args) is not None:
        raise CommandError("run-due envia cada agendamento com o recorte de cada destinatário: não use --user.")
    store = open_db(args, must_exist=True)
    try:
        outcome = schedules.run_due(store, smtp_url=args.smtp, sender=args.sender, now=args.now)
    except (images.ChartRenderError, pdf.ReportFontError, mailer.MailError) as exc:
        raise CommandError(str(exc)) from None
    for line in outcome.lines():
        print(line, file=sys.stderr)
    return 1 if outcome.failed else 0
