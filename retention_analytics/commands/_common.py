"""Helpers shared by the CLI commands: the user-facing error, the progress bar, the store to use,
and the dashboard's filters as options (`add_filter_arguments`, `filters_from_args`: export and
report take the same ones, with `--user` restricting to that user's operators).

Kept free of heavy imports (no duckdb, no parser) so `--help` and `parse` start fast; a command
imports what it needs inside its handler. Numbers go through `formatting`, the project's one pt-BR
formatter. It must not define commands itself (the leading underscore keeps the registry in cli.py
from loading it as one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..formatting import integer as pt_int
from ..formatting import number

if TYPE_CHECKING:
    from ..store import Store


def pt_float(value: float | None, decimals: int = 1) -> str:
    """1234.5 → "1.234,5" (formatting.number with fixed decimals)."""
    return number(value, decimals)


class CommandError(Exception):
    """A mistake the user can fix (bad path, wrong option): printed as `erro: …`, exit code 2."""


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """A one-line progress bar on stderr: `Lendo [#####.....] 120/300  45,2/s  faltam 0:04  nome`.

    Usable directly as the store's progress callback: bar(done, total, name). On a terminal it
    redraws at most ten times a second; when stderr is a file or a pipe (CI logs, tests) it prints
    only the final line, so logs do not fill with carriage returns.
    """

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 24):
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.done = 0
        self.total: int | None = None
        self._last_draw = 0.0
        self._drawn = False
        self._closed = False
        try:
            self.interactive = self.stream.isatty()
        except (AttributeError, ValueError):
            self.interactive = False

    def __call__(self, done: int, total: int | None, name: str = "") -> None:
        self.done, self.total = done, total
        if not self.interactive:
            return
        now = time.perf_counter()
        if now - self._last_draw < 0.1 and done != total:
            return
        self._last_draw = now
        self._draw(name)

    def _line(self, name: str = "") -> str:
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        parts = [self.label]
        if self.total:
            filled = int(self.width * min(self.done / self.total, 1.0))
            parts.append(f"[{'#' * filled}{'.' * (self.width - filled)}]")
            parts.append(f"{pt_int(self.done)}/{pt_int(self.total)}")
        else:
            parts.append(pt_int(self.done))
        parts.append(f"{pt_float(rate)}/s")
        if self.total and rate > 0 and self.done < self.total:
            parts.append(f"faltam {_clock((self.total - self.done) / rate)}")
        else:
            parts.append(f"em {_clock(elapsed)}")
        line = "  ".join(parts)
        if name:
            line += f"  {name}"
        return line

    def _draw(self, name: str) -> None:
        columns = shutil.get_terminal_size((100, 20)).columns
        line = self._line(name)[: max(columns - 1, 20)]
        self.stream.write("\r" + line.ljust(max(columns - 1, 20)))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Finish the line (interactive) or print the one summary line (logs)."""
        if self._closed:
            return
        self._closed = True
        if self.interactive:
            self._draw("")
            self.stream.write("\n")
        elif self.done:
            self.stream.write(self._line() + "\n")
        self.stream.flush()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def db_path(args: argparse.Namespace) -> Path:
    """--db, else RETENTION_DB, else data/retention.duckdb (see store.default_db_path)."""
    from ..store import default_db_path

    raw = getattr(args, "db", None)
    return Path(raw).expanduser() if raw else default_db_path()


def open_db(args: argparse.Namespace, must_exist: bool = False) -> "Store":
    from ..store import open_store

    path = db_path(args)
    if must_exist and not path.exists():
        raise CommandError(
            f"O banco de dados {path} não existe. Importe formulários com `ingest PASTA` ou gere a "
            "demonstração com `demo`; para usar outro arquivo, passe --db ou defina RETENTION_DB."
        )
    return open_store(path)


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "sim", "yes"}


# --------------------------------------------------------------------------- the dashboard's filters
STATUS_CHOICES = ("retencao_efetiva", "desligamento", "nao_se_trata_de_retencao", "aberto")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"data inválida {text!r} (use AAAA-MM-DD)") from None


def add_filter_arguments(parser: argparse.ArgumentParser, what: str = "exporta") -> None:
    """The sidebar's filters as options (`what`: the verb of --user's help, "exporta", "gera")."""
    parser.add_argument("--operator", action="append", default=[], metavar="OPERADORA",
                        help="operadora (nome como escrito nos formulários; pode repetir)")
    parser.add_argument("--uf", action="append", default=[], metavar="UF", help="UF (pode repetir)")
    parser.add_argument("--city", action="append", default=[], metavar="CIDADE",
                        help='cidade: "Nome", "Nome/UF" ou "Nome (UF)" (pode repetir)')
    parser.add_argument("--analyst", action="append", default=[], metavar="ANALISTA",
                        help="analista (pode repetir)")
    parser.add_argument("--status", action="append", default=[], choices=STATUS_CHOICES, metavar="STATUS",
                        help="status: " + ", ".join(STATUS_CHOICES) + " (pode repetir)")
    parser.add_argument("--requested-by", action="append", default=[], metavar="DEMANDANTE",
                        help="demandado por (ex.: operadora, prestador; pode repetir)")
    parser.add_argument("--from", dest="start", type=parse_date, default=None, metavar="AAAA-MM-DD",
                        help="início do período (inclusive)")
    parser.add_argument("--to", dest="end", type=parse_date, default=None, metavar="AAAA-MM-DD",
                        help="fim do período (inclusive)")
    parser.add_argument("--period-basis", choices=("referencia", "final"), default="referencia",
                        help="data do período: referencia (início do caso, padrão) ou final (data final)")
    parser.add_argument("--user", default=None, metavar="USUÁRIO",
                        help=f"{what} só o que este usuário do painel pode ver (as operadoras dele); "
                             "padrão: RETENTION_USER, ou tudo (a linha de comando é uma ferramenta do administrador)")


def user_scope(args: argparse.Namespace):
    """The users-file user whose view to produce (--user or RETENTION_USER), or None for everything.

    The CLI runs on the server with direct access to the database file, so it is an administrator's
    tool; --user is for producing a gestor's own extract with exactly their restriction."""
    from .. import auth

    name = getattr(args, "user", None) or os.environ.get("RETENTION_USER")
    if not name:
        return None
    try:
        users = auth.load_users()
        user = users.get(auth.normalize_username(name))
    except auth.AuthError as exc:
        raise CommandError(str(exc)) from None
    if user is None:
        raise CommandError(f"Usuário {name!r} não encontrado no arquivo de usuários {auth.users_path()}.")
    return user


def _match_keys(given: list[str], options, what: str) -> tuple[str, ...]:
    from ..text import key

    known = dict(zip(options["value"], options["label"]))
    out = []
    for name in given:
        wanted = key(name)
        if wanted not in known:
            listed = ", ".join(sorted(known.values())[:20]) or "nenhum"
            raise CommandError(f"{what} {name!r} não encontrado(a) nos casos. Conhecidos: {listed}.")
        out.append(wanted)
    return tuple(out)


def _match_cities(given: list[str], options) -> tuple[str, ...]:
    import re

    from ..text import key

    out = []
    for raw in given:
        text = raw.strip()
        if text in set(options["value"]):
            out.append(text)
            continue
        uf = None
        match = re.fullmatch(r"(.+?)\s*(?:/|-|\()\s*([A-Za-z]{2})\)?", text)
        if match:
            text, uf = match.group(1), match.group(2).upper()
        found = [
            value
            for value, label, city_uf in zip(options["value"], options["label"], options["uf"])
            if key(re.sub(r"\s*\([A-Z]{2}\)$", "", str(label))) == key(text) and (uf is None or city_uf == uf)
        ]
        if not found:
            raise CommandError(f"Cidade {raw!r} não encontrada nos casos. Use \"Nome/UF\", ex.: \"João Monlevade/MG\".")
        out.extend(found)
    return tuple(out)


def filters_from_args(args: argparse.Namespace, store: "Store", start: dt.date | None = None,
                      end: dt.date | None = None):
    """(Filters, names) of the options in `args`, restricted to --user's operators when given
    (part of every query's where(): nothing else leaks). `start`/`end` override --from/--to (a
    pack's month). Names are the operators', analysts' and cities' as written in the forms, for
    `Filters.describe`."""
    from .. import metrics
    from ..brazil import UFS
    from ..filters import Filters

    bad_ufs = [uf for uf in args.uf if uf.strip().upper() not in UFS]
    if bad_ufs:
        raise CommandError(f"UF inválida: {', '.join(bad_ufs)}.")
    user = user_scope(args)
    scope = user.restrict(Filters()) if user else Filters()
    options = metrics.filter_options(store, scope)
    filters = Filters(
        operators=_match_keys(args.operator, options["operators"], "Operadora"),
        analysts=_match_keys(args.analyst, options["analysts"], "Analista"),
        ufs=tuple(args.uf),
        cities=_match_cities(args.city, options["cities"]),
        outcomes=tuple(args.status),
        requested_by=tuple(args.requested_by),
        start=start or args.start,
        end=end or args.end,
        period_basis="finished" if args.period_basis == "final" else "reference",
    )
    if user is not None:
        filters = user.restrict(filters)
    return filters, options["names"]
