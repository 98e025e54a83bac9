"""`python -m retention_analytics bench`: how fast every page is at 10 thousand to a million cases.

For each size, a synthetic store (demo/synth.py) is built once and cached under data/bench/ (keyed
by size, seed, the synthesizer's version and the store's schema), then three kinds of worker run,
each in a fresh process so that one's caches and memory never flatter another's:

- "sql": for every page, the summaries it asks for (metrics/pages.PAGE_QUERIES), under the default
  filters and under a narrow one (one operator + one UF): cold = a fresh DuckDB connection (the
  median of COLD_RUNS), warm = the median of WARM_RUNS runs on an open one;
- "app": every page run whole through Streamlit's AppTest, as the server would (login, sidebar,
  charts, tables, downloads), cold (empty caches, new session; median of COLD_RUNS) and warm
  (reruns of the session, the median), with the time spent asking ui/data.py for numbers during
  warm reruns, and the process's peak resident memory;
- "pandas": the same summaries computed by bench/pandas_baseline.py over DataFrames loaded once.

It prints a table, writes JSON (artifacts/bench.json, or --json) and ends with the line
`summary: min speedup vs pandas N.N×, max page time ratio largest/smallest N.N`. Timings are
wall-clock medians on a machine that may be busy: /proc/loadavg is recorded with them.

It must not touch the user's database (only files under its cache folder) nor be imported by the
app; it times, it does not assert (the targets are judged in docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from ..filters import Filters
from ..text import key

WARM_RUNS = 5
COLD_RUNS = 5  # a cold run is one sample of a noisy machine: the median of five is reported
NARROW = {"operators": ("ODONTOLIFE",), "ufs": ("SP",)}  # one operator + one UF (always in synth data)
FILTER_SETS: dict[str, Filters] = {
    "default": Filters(),
    "narrow": Filters(operators=tuple(key(o) for o in NARROW["operators"]), ufs=NARROW["ufs"]),
}


# --------------------------------------------------------------------------- synthetic stores
def cached_db(cases: int, seed: int, folder: Path) -> tuple[Path, float | None]:
    """The synthetic store of `cases` cases, built if missing; (path, seconds it took or None)."""
    from ..demo.synth import SYNTH_VERSION
    from ..store.store import _schema_fingerprint

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synth-{cases}-s{seed}-v{SYNTH_VERSION}-{_schema_fingerprint()[:10]}.duckdb"
    if path.exists():
        return path, None
    from ..demo.synth import synthesize
    from ..store import open_store

    for stale in folder.glob(f"synth-{cases}-s{seed}-*.duckdb*"):  # an older version of the same size
        stale.unlink()
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    store = open_store(partial)
    store.bulk_insert_cases(synthesize(cases, seed), origin="demo", is_demo=True)
    import duckdb

    con = duckdb.connect(str(partial))  # fold the write-ahead log into the file before renaming
    con.execute("checkpoint")
    con.close()
    partial.rename(path)
    Path(f"{partial}.lock").unlink(missing_ok=True)
    return path, time.perf_counter() - started


# --------------------------------------------------------------------------- workers
def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: Linux carries
    ru_maxrss over an exec, so a worker would report the peak of the bench process that started
    it (which held a million synthetic rows a moment before)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def worker_sql(db: Path, warm_runs: int, cold_runs: int = COLD_RUNS) -> dict[str, Any]:
    import duckdb

    from ..metrics.pages import PAGE_QUERIES
    from ..metrics.query import clear_shared

    out: dict[str, Any] = {}
    for label, f in FILTER_SETS.items():
        for page, queries in PAGE_QUERIES.items():
            colds = []
            for _ in range(cold_runs):
                clear_shared()  # a page computes its shared frames once, within its own run
                started = time.perf_counter()  # cold: opening a new DuckDB instance included
                con = duckdb.connect(str(db), read_only=True)
                for q in queries:
                    q.run(con, f)
                colds.append(time.perf_counter() - started)
                con.close()
            cold = _median(colds)
            con = duckdb.connect(str(db), read_only=True)
            for q in queries:  # warm: the same connection, its caches filled by this first run
                q.run(con, f)
            warm, per_query = [], {q.label: [] for q in queries}
            for _ in range(warm_runs):
                clear_shared()  # warm = DuckDB's caches filled, not this page's results remembered
                started = time.perf_counter()
                for q in queries:
                    t = time.perf_counter()
                    q.run(con, f)
                    per_query[q.label].append(time.perf_counter() - t)
                warm.append(time.perf_counter() - started)
            con.close()
            out[f"{label}|{page}"] = {
                "cold_ms": cold * 1000,
                "warm_ms": _median(warm) * 1000,
                "queries_warm_ms": {k: _median(v) * 1000 for k, v in per_query.items()},
            }
    return {"pages": out, "peak_rss_mb": _peak_rss_mb()}


def worker_pandas(db: Path, runs: int, cold_runs: int = COLD_RUNS) -> dict[str, Any]:
    import duckdb

    from ..metrics.pages import PAGE_QUERIES
    from . import pandas_baseline as pb

    con = duckdb.connect(str(db), read_only=True)
    started = time.perf_counter()
    data = pb.load(con)
    load = time.perf_counter() - started
    con.close()
    out: dict[str, Any] = {}
    for label, f in FILTER_SETS.items():
        for page in PAGE_QUERIES:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                pb.page(data, page, f)
                times.append(time.perf_counter() - started)
            out[f"{label}|{page}"] = {"ms": _median(times) * 1000}
    return {"pages": out, "load_s": load, "frames_mb": data.memory_bytes / 1e6, "peak_rss_mb": _peak_rss_mb()}


class _QueryClock:
    """Time spent inside ui/data.py's entry points (nested calls counted once)."""

    NAMES = ("get", "data_version", "is_demo")

    def __init__(self) -> None:
        self.total = 0.0
        self._depth = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.total += time.perf_counter() - started

        return timed

    def install(self) -> None:
        from ..ui import data

        for name in self.NAMES:
            setattr(data, name, self.wrap(getattr(data, name)))


def worker_app(db: Path, warm_runs: int, cold_runs: int = COLD_RUNS) -> dict[str, Any]:
    os.environ["RETENTION_DB"] = str(db)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ..metrics.pages import PAGE_SCRIPTS
    from ..ui import data

    root = Path(__file__).resolve().parents[2]
    clock = _QueryClock()
    clock.install()

    def session(page: str, label: str) -> AppTest:
        at = AppTest.from_file(str(root / "app.py"), default_timeout=600)
        try:  # log in as an administrator, the way the tests do (ui/state.USER_KEY)
            from ..auth import User
            from ..ui.state import USER_KEY

            at.session_state[USER_KEY] = User("bench", "admin")
        except ImportError:
            pass
        if label == "narrow":
            at.query_params["op"] = list(FILTER_SETS["narrow"].operators)
            at.query_params["uf"] = list(FILTER_SETS["narrow"].ufs)
        if PAGE_SCRIPTS[page] != "pages/0_Visao_geral.py":
            at.switch_page(PAGE_SCRIPTS[page])
        return at

    # Imports and first-run setup of Streamlit, plotly and the exporters: paid once, not by a page.
    session("Importar", "default").run()
    out: dict[str, Any] = {}
    for label in FILTER_SETS:
        for page in PAGE_SCRIPTS:
            colds, cold_queries = [], []
            for _ in range(cold_runs):  # cold: empty caches, a new session
                st.cache_data.clear()
                data.clear_caches()
                at = session(page, label)
                clock.total = 0.0
                started = time.perf_counter()
                at.run()
                colds.append(time.perf_counter() - started)
                cold_queries.append(clock.total)
            cold, cold_query = _median(colds), _median(cold_queries)
            errors = [str(e.value)[:300] for e in at.exception]
            warm, warm_query = [], []
            for _ in range(warm_runs):
                clock.total = 0.0
                started = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - started)
                warm_query.append(clock.total)
            out[f"{label}|{page}"] = {
                "cold_ms": cold * 1000,
                "cold_query_ms": cold_query * 1000,
                "warm_ms": _median(warm) * 1000,
                "warm_query_ms": _median(warm_query) * 1000,
                "errors": errors,
            }
    return {"pages": out, "peak_rss_mb": _peak_rss_mb()}


WORKERS = {"sql": worker_sql, "app": worker_app, "pandas": worker_pandas}


def _run_worker(kind: str, db: Path, runs: int, cold_runs: int = COLD_RUNS) -> dict[str, Any]:
    """One worker in a fresh Python process; its JSON result."""
    command = [sys.executable, "-m", "retention_analytics.bench.runner", kind, str(db), str(runs), str(cold_runs)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"worker {kind} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(lines[-1])


# --------------------------------------------------------------------------- the report
def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")]
        info["cpu"] = models[0] if models else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    try:
        mem = {line.split(":")[0]: line.split(":")[1].strip() for line in Path("/proc/meminfo").read_text().splitlines()}
        info["ram_gb"] = round(int(mem["MemTotal"].split()[0]) / 1024 / 1024, 1)
    except (OSError, KeyError, ValueError):
        pass
    try:
        import duckdb
        import pandas

        info["duckdb"], info["pandas"] = duckdb.__version__, pandas.__version__
    except ImportError:
        pass
    return info


def loadavg() -> str | None:
    try:
        return Path("/proc/loadavg").read_text().split(" tid")[0].strip()
    except OSError:
        return None


def run(sizes: list[int], seed: int, cache_dir: Path, warm_runs: int = WARM_RUNS, kinds: tuple[str, ...] = ("sql", "app", "pandas"),
        log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True),
        cold_runs: int = COLD_RUNS) -> dict[str, Any]:
    """Benchmark every size; the report as a dict (see the module docstring)."""
    from ..metrics.pages import PAGE_QUERIES

    report: dict[str, Any] = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "loadavg_start": loadavg(),
        "seed": seed,
        "warm_runs": warm_runs,
        "cold_runs": cold_runs,
        "filters": {"default": "nenhum", "narrow": f"operadora {NARROW['operators'][0]} + UF {NARROW['ufs'][0]}"},
        "sizes": {},
    }
    started = time.perf_counter()
    for cases in sizes:
        db, built = cached_db(cases, seed, cache_dir)
        log(f"{cases:>9,} casos: {db.name}" + (f" (gerado em {built:.1f} s)" if built else " (do cache)"))
        entry: dict[str, Any] = {"db": str(db), "synth_s": built, "db_mb": db.stat().st_size / 1e6}
        for kind in kinds:
            t = time.perf_counter()
            runs = warm_runs if kind != "pandas" else (3 if cases <= 100_000 else 1)
            entry[kind] = _run_worker(kind, db, runs, cold_runs)
            log(f"           {kind}: {time.perf_counter() - t:.1f} s")
        entry["loadavg"] = loadavg()
        report["sizes"][str(cases)] = entry
    report["loadavg_end"] = loadavg()
    report["total_s"] = time.perf_counter() - started
    report["pages"] = list(PAGE_QUERIES)
    report["summary"] = summarize(report)
    return report


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    sizes = sorted(report["sizes"], key=int)
    largest, smallest = report["sizes"][sizes[-1]], report["sizes"][sizes[0]]
    speedups: dict[str, float] = {}
    if "sql" in largest and "pandas" in largest:
        for name, row in largest["sql"]["pages"].items():
            speedups[name] = largest["pandas"]["pages"][name]["ms"] / max(row["warm_ms"], 1e-6)
    ratios: dict[str, float] = {}
    sql_ratios: dict[str, float] = {}
    for name in largest.get("sql", {}).get("pages", {}):
        if "app" in largest and "app" in smallest:
            ratios[name] = largest["app"]["pages"][name]["cold_ms"] / max(smallest["app"]["pages"][name]["cold_ms"], 1e-6)
        sql_ratios[name] = largest["sql"]["pages"][name]["cold_ms"] / max(smallest["sql"]["pages"][name]["cold_ms"], 1e-6)
    out: dict[str, Any] = {
        "largest": int(sizes[-1]), "smallest": int(sizes[0]),
        "speedup_vs_pandas": speedups, "min_speedup": min(speedups.values()) if speedups else None,
        "page_time_ratio": ratios, "max_page_time_ratio": max(ratios.values()) if ratios else None,
        "sql_cold_ratio": sql_ratios, "max_sql_cold_ratio": max(sql_ratios.values()) if sql_ratios else None,
    }
    if "app" in largest:
        rows = largest["app"]["pages"].values()
        out["max_warm_query_ms"] = max(r["warm_query_ms"] for r in rows)
        out["app_peak_rss_mb"] = largest["app"]["peak_rss_mb"]
        out["app_errors"] = {k: v["errors"] for k, v in largest["app"]["pages"].items() if v["errors"]}
    return out


def _fmt(value: float | None, decimals: int = 0) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:,.{decimals}f}"


def table(report: dict[str, Any]) -> str:
    header = ["casos", "filtro", "página", "SQL frio", "SQL quente", "pandas", "×pandas", "app frio", "app quente",
              "consultas quente"]
    rows: list[list[str]] = []
    for size in sorted(report["sizes"], key=int):
        entry = report["sizes"][size]
        for name in entry.get("sql", entry.get("app", {})).get("pages", {}):
            label, page = name.split("|", 1)
            sql = entry.get("sql", {}).get("pages", {}).get(name, {})
            pan = entry.get("pandas", {}).get("pages", {}).get(name, {})
            app = entry.get("app", {}).get("pages", {}).get(name, {})
            speed = pan["ms"] / sql["warm_ms"] if pan and sql else None
            rows.append([f"{int(size):,}", label, page, _fmt(sql.get("cold_ms")), _fmt(sql.get("warm_ms")),
                         _fmt(pan.get("ms")), _fmt(speed, 1), _fmt(app.get("cold_ms")), _fmt(app.get("warm_ms")),
                         _fmt(app.get("warm_query_ms"), 1)])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i in (1, 2) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    text = [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
    text.append("")
    text.append("Tempos em ms: SQL = as consultas da página (frio: conexão nova; quente: mediana); pandas = as mesmas")
    text.append("tabelas em pandas sobre DataFrames já carregados; app = a página inteira no AppTest (frio: caches")
    text.append("vazios; quente: mediana das repetições); consultas quente = tempo pedindo números ao ui/data.py.")
    for size in sorted(report["sizes"], key=int):
        entry = report["sizes"][size]
        parts = [f"{int(size):,} casos: banco {entry['db_mb']:.0f} MB"]
        if "app" in entry:
            parts.append(f"memória do app {entry['app']['peak_rss_mb']:.0f} MB")
        if "pandas" in entry:
            parts.append(f"pandas carrega em {entry['pandas']['load_s']:.1f} s ({entry['pandas']['peak_rss_mb']:.0f} MB)")
        text.append(" · ".join(parts))
    return "\n".join(text)


def summary_line(report: dict[str, Any]) -> str:
    s = report["summary"]
    speed = s.get("min_speedup")
    ratio = s.get("max_page_time_ratio") if s.get("max_page_time_ratio") is not None else s.get("max_sql_cold_ratio")
    return (f"summary: min speedup vs pandas {speed if speed is not None else float('nan'):.1f}×, "
            f"max page time ratio largest/smallest {ratio if ratio is not None else float('nan'):.1f}")


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: `python -m retention_analytics.bench.runner KIND DB RUNS` → JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=sorted(WORKERS))
    parser.add_argument("db")
    parser.add_argument("runs", type=int)
    parser.add_argument("cold_runs", type=int, nargs="?", default=COLD_RUNS)
    args = parser.parse_args(argv)
    result = WORKERS[args.kind](Path(args.db), args.runs, args.cold_runs)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
