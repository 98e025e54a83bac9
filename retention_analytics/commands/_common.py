"""Helpers shared by the CLI commands: the user-facing error, the progress bar, the store to use.

Kept free of heavy imports (no duckdb, no parser) so `--help` and `parse` start fast; a command
imports what it needs inside its handler. Numbers go through `formatting`, the project's one pt-BR
formatter. It must not define commands itself (the leading underscore keeps the registry in cli.py
from loading it as one).
"""

from __future__ import annotations

import argparse
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
