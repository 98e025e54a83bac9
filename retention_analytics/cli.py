"""Command line: `python -m retention_analytics [--db ARQUIVO] COMANDO ...`.

Commands live in their own modules, each exposing `register(subparsers)` that adds one or more
sub-parsers with `set_defaults(func=handler)`; a handler takes the parsed arguments and returns the
exit code. Every public module of `retention_analytics.commands` is registered automatically, and
modules elsewhere are listed in EXTRA_COMMAND_MODULES, so adding a command never means editing the
same lines as someone else.

Users see Portuguese only: argparse's own messages are translated, and any error reaching the top
is printed as `erro: …` on stderr with exit code 2, without a traceback (RETENTION_DEBUG=1 shows
it). This module must not implement commands nor import heavy modules (duckdb, the parser) at
import time: `--help` and `parse` must start fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
from collections.abc import Sequence

from .commands._common import CommandError, env_flag

COMMAND_PACKAGE = "retention_analytics.commands"
# Command modules outside COMMAND_PACKAGE, each with register(subparsers). Append; one per line.
EXTRA_COMMAND_MODULES: list[str] = [
]

# argparse's English messages, in the words users of this tool read.
_ARGPARSE_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.*)", r"faltam argumentos obrigatórios: \1"),
    (r"unrecognized arguments: (.*)", r"argumentos não reconhecidos: \1"),
    (r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)", r"argumento \1: opção inválida \2 (use uma de: \3)"),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"argumento \1: valor inválido \3"),
    (r"argument (.*?): expected one argument", r"argumento \1: falta o valor"),
    (r"one of the arguments (.*) is required", r"um dos argumentos \1 é obrigatório"),
)


class PtHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[override]
        return super().add_usage(usage, actions, groups, "uso: " if prefix is None else prefix)


class PtArgumentParser(argparse.ArgumentParser):
    """ArgumentParser speaking Portuguese (help, usage and errors)."""

    def __init__(self, *args, **kwargs):
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", PtHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "argumentos"
        self._optionals.title = "opções"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="mostra esta ajuda e sai")

    def error(self, message: str):  # type: ignore[override]
        for pattern, replacement in _ARGPARSE_MESSAGES:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, replacement, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"erro: {message}\n")


def command_modules() -> list[str]:
    package = importlib.import_module(COMMAND_PACKAGE)
    found = sorted(
        f"{COMMAND_PACKAGE}.{m.name}" for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")
    )
    return found + [m for m in EXTRA_COMMAND_MODULES if m not in found]


def build_parser() -> PtArgumentParser:
    parser = PtArgumentParser(
        prog="python -m retention_analytics",
        description="Painel de Retenção: lê formulários de retenção e mantém o banco de casos.",
    )
    parser.add_argument(
        "--db",
        metavar="ARQUIVO",
        default=None,
        help="banco de dados DuckDB (padrão: RETENTION_DB ou data/retention.duckdb)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMANDO", title="comandos", required=True)
    for name in command_modules():
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - one broken command must not take the others down
            if env_flag("RETENTION_DEBUG"):
                raise
            print(f"aviso: comandos de {name} indisponíveis ({type(exc).__name__}: {exc})", file=sys.stderr)
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(subparsers)
    # --db is accepted after the command too ("demo --db x.duckdb"); SUPPRESS keeps a global --db
    # given before the command from being overwritten by the sub-parser's default.
    for sub in subparsers.choices.values():
        if "--db" not in sub._option_string_actions:
            sub.add_argument("--db", metavar="ARQUIVO", default=argparse.SUPPRESS, help="banco de dados DuckDB")
    return parser


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions whose message is already written for users (Portuguese, says what to do).

    Looked up in sys.modules instead of imported, so catching them never imports duckdb.
    """
    errors: list[type[BaseException]] = [CommandError]
    for module_name, attr in (("retention_analytics.record", "FormReadError"), ("retention_analytics.store.store", "StoreError")):
        module = sys.modules.get(module_name)
        if module is not None:
            errors.append(getattr(module, attr))
    return tuple(errors)


def _utf8_streams() -> None:
    # JSON lines and Portuguese text are UTF-8; a C/POSIX locale must not turn them into errors.
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\ninterrompido.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `parse ... | head`: the reader left; nothing more to say, and Python must not complain
        # again while flushing stdout at exit.
        try:
            sys.stdout = open(__import__("os").devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as exc:  # noqa: BLE001 - the top level: users get a sentence, not a traceback
        if env_flag("RETENTION_DEBUG"):
            raise
        if isinstance(exc, _user_errors()):
            print(f"erro: {exc}", file=sys.stderr)
        elif isinstance(exc, OSError):
            where = f" ({exc.filename})" if exc.filename else ""
            print(f"erro: {exc.strerror or exc}{where}", file=sys.stderr)
        else:
            print(
                f"erro: falha inesperada ({type(exc).__name__}: {exc}). Rode de novo com "
                "RETENTION_DEBUG=1 para ver os detalhes técnicos e avise o suporte.",
                file=sys.stderr,
            )
        return 2
