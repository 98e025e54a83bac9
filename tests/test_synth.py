"""The synthetic store (demo/synth.py and the `synth` command): sizes, consistency, distributions.

A synthetic store stands in for a million real cases in benchmarks, so it must look like the demo
corpus (the same generator constants, checked here against generator.py's own draws), satisfy every
invariant the store keeps for ingested forms (one current version per protocol, ids in filing order,
child rows of existing cases, the grouping keys and IBGE match the store would compute), be the
same for the same seed, and never overwrite a database holding real forms.
"""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from retention_analytics import brazil, metrics
from retention_analytics.demo import generate_records
from retention_analytics.demo.generator import OPERATORS
from retention_analytics.demo.synth import synthesize
from retention_analytics.store import Store, StoreError, open_store
from retention_analytics.store.store import CASE_SCHEMA, CHILD_SCHEMAS
from retention_analytics.text import key
from retention_analytics.vocab import ACTIONS, REASONS, SECTORS

ROOT = Path(__file__).resolve().parents[1]
N = 4000


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return synthesize(N, seed=11)


@pytest.fixture(scope="module")
def cases(tables) -> list[dict]:
    return tables["cases"].cast(CASE_SCHEMA).to_pylist()


def _rows(tables, name: str) -> list[dict]:
    return tables[name].cast(CHILD_SCHEMAS[name]).to_pylist()


def test_counts_and_layout(tables, cases) -> None:
    assert set(tables) == {"cases", *CHILD_SCHEMAS}
    assert tables["cases"].column_names == CASE_SCHEMA.names
    current = [c for c in cases if c["is_current"]]
    assert len(current) == N
    history = len(cases) - N
    assert 0.015 * N < history < 0.05 * N  # ~3 % of cases were filed twice
    assert sorted(c["case_id"] for c in cases) == list(range(1, len(cases) + 1))
    for name, schema in CHILD_SCHEMAS.items():
        assert tables[name].column_names == schema.names


def test_history_is_what_the_store_would_keep(cases) -> None:
    by_key: dict[str, list[dict]] = collections.defaultdict(list)
    for c in cases:
        by_key[c["case_key"]].append(c)
    for versions in by_key.values():
        versions.sort(key=lambda c: c["case_id"])
        assert [v["is_current"] for v in versions] == [False] * (len(versions) - 1) + [True]
        for old, new in zip(versions, versions[1:]):
            assert old["superseded_by"] == new["case_id"]
            assert old["outcome"] is None and old["finished_on"] is None  # filed while still open
        assert versions[-1]["superseded_by"] is None
    assert all(c["case_key"] == c["protocol_number"] for c in cases)


def test_child_rows_belong_to_cases_and_use_the_vocabularies(tables, cases) -> None:
    ids = {c["case_id"] for c in cases}
    reasons = _rows(tables, "case_reasons")
    actions = _rows(tables, "case_actions")
    sectors = _rows(tables, "case_sectors")
    contacts = _rows(tables, "case_contacts")
    warnings = _rows(tables, "case_warnings")
    for rows in (reasons, actions, sectors, contacts, warnings, _rows(tables, "case_signatories")):
        assert rows and {r["case_id"] for r in rows} <= ids
    assert {r["reason_code"] for r in reasons} <= {t.code for t in REASONS}
    assert {r["action_code"] for r in actions} <= {t.code for t in ACTIONS}
    assert {r["sector_code"] for r in sectors} <= {t.code for t in SECTORS}
    assert len({(r["case_id"], r["reason_code"]) for r in reasons}) == len(reasons)  # each code once
    numbers: dict[int, list[int]] = collections.defaultdict(list)
    for r in contacts:
        numbers[r["case_id"]].append(r["number"])
    assert all(sorted(n) == list(range(1, len(n) + 1)) and len(n) <= 5 for n in numbers.values())
    counts = collections.Counter(r["case_id"] for r in warnings)
    assert all(c["warning_count"] == counts.get(c["case_id"], 0) for c in cases)
    positions: dict[int, list[int]] = collections.defaultdict(list)
    for r in warnings:
        positions[r["case_id"]].append(r["position"])
    assert all(sorted(p) == list(range(1, len(p) + 1)) for p in positions.values())


def test_terminated_cases_cite_reasons(tables, cases) -> None:
    cited = {r["case_id"] for r in _rows(tables, "case_reasons")}
    terminated = [c for c in cases if c["is_current"] and c["outcome"] == "desligamento"]
    assert terminated and all(c["case_id"] in cited for c in terminated)


def test_keys_documents_and_cities_are_what_ingest_computes(cases) -> None:
    for c in cases[:1500]:
        assert c["operator_key"] == (key(c["operator"]) or None)
        assert c["analyst_key"] == (key(c["analyst"]) or None)
        assert c["city_key"] == (key(c["city"]) or None)
        match = brazil.match_city(c["uf"], c["city"])
        assert c["ibge_code"] == (match.ibge_code if match else None)
        assert c["city_official"] == (match.name if match else None)
        if c["cpf"]:
            assert brazil.valid_cpf(c["cpf"]), c["cpf"]
        if c["cnpj"]:
            assert brazil.valid_cnpj(c["cnpj"]), c["cnpj"]
        assert c["started_on"] is not None  # form_date may be blank: a defect drawn on ~1 % of forms
        if c["finished_on"] is not None:
            assert c["finished_on"] >= c["started_on"]
    unmatched = sum(c["ibge_code"] is None and c["city"] is not None for c in cases)
    assert 0 < unmatched < 0.05 * len(cases)  # misspelt cities, for the data-quality page


def test_distributions_follow_the_demo_corpus(cases) -> None:
    """The same constants drive both; the shares must agree within sampling noise."""
    records = [r for r in generate_records(2000, seed=5)]
    current = [c for c in cases if c["is_current"]]

    def shares(rows, field):
        counts = collections.Counter(r[field] for r in rows)
        return {k: v / len(rows) for k, v in counts.items()}

    for field in ("outcome", "uf", "requested_by", "person_type"):
        demo, synth = shares(records, field), shares(current, field)
        for value in {*demo, *synth}:
            if demo.get(value, 0) > 0.05:
                assert abs(demo.get(value, 0) - synth.get(value, 0)) < 0.05, (field, value)
    demo_ops = collections.Counter(key(r["operator"]) for r in records)
    synth_ops = collections.Counter(c["operator_key"] for c in current)
    for op in OPERATORS:
        assert abs(demo_ops[key(op.name)] / len(records) - synth_ops[key(op.name)] / len(current)) < 0.04

    def retention(rows):
        by = collections.defaultdict(lambda: [0, 0])
        for r in rows:
            if r["outcome"] in ("retencao_efetiva", "desligamento"):
                by[key(r["operator"])][1] += 1
                by[key(r["operator"])][0] += r["outcome"] == "retencao_efetiva"
        return {k: a / n for k, (a, n) in by.items()}

    synth_rates = retention(current)
    assert synth_rates[key("OdontoSul")] > synth_rates[key("SorrisoMax")] > synth_rates[key("Dental Prime")]
    months = collections.Counter(c["started_on"].month for c in current)
    assert months[1] > months[12] and months[3] > months[7]  # seasonality: renewals up, holidays down
    open_share = sum(c["outcome"] is None for c in current) / len(current)
    assert 0.04 < open_share < 0.16


def test_same_seed_same_store_other_seed_other_store() -> None:
    first, again, other = synthesize(600, 3), synthesize(600, 3), synthesize(600, 4)
    for name in first:
        assert first[name].cast(again[name].schema).equals(again[name]), name
    assert first["cases"].column("protocol_number").to_pylist() != other["cases"].column("protocol_number").to_pylist()


def _synth(db: Path, cases: int, seed: int = 1) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retention_analytics", "--db", str(db), "synth", "--cases", str(cases),
                           "--seed", str(seed)], capture_output=True, text=True, cwd=ROOT)


def test_synth_command_writes_a_demo_store_the_metrics_read(tmp_path: Path) -> None:
    db = tmp_path / "synth.duckdb"
    done = _synth(db, 800)
    assert done.returncode == 0, done.stderr
    assert "800 casos atuais" in done.stdout
    store = Store(db)
    stats = store.stats()
    assert stats["current_cases"] == 800 and stats["is_demo"] and stats["documents_total"] == 0
    version = stats["data_version"]
    assert version >= 1
    with store.connect() as con:
        kpis = metrics.kpis(con).iloc[0]
        assert kpis["cases"] == 800 and kpis["attempts"] > 0
        assert con.execute("select count(*) from case_facts").fetchone()[0] == 800
    # An earlier demonstration is replaced; the new store counts from a new data version.
    done = _synth(db, 500, seed=2)
    assert done.returncode == 0, done.stderr
    assert Store(db).stats()["current_cases"] == 500


def test_synth_refuses_a_database_with_real_forms(tmp_path: Path, demo_db: Path) -> None:
    db = tmp_path / "real.duckdb"
    store = open_store(db)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        name, content = con.execute("select file_name, content from documents limit 1").fetchone()

    class Doc:
        def __init__(self, name, data):
            self.name, self.data, self.error = name, data, None

    summary = store.ingest([Doc(Path(name).name, bytes(content))], origin="cli")
    assert summary.new == 1
    done = _synth(db, 300)
    assert done.returncode != 0
    assert "já tem dados reais" in done.stderr
    assert Store(db).stats()["current_cases"] == 1  # untouched


def test_a_later_ingest_into_a_synthetic_store_gets_new_ids(tmp_path: Path, demo_db: Path) -> None:
    db = tmp_path / "synth.duckdb"
    assert _synth(db, 300).returncode == 0
    store = Store(db)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        name, content = con.execute("select file_name, content from documents limit 1").fetchone()

    class Doc:
        def __init__(self, name, data):
            self.name, self.data, self.error = name, data, None

    before = store.data_version()
    # A real form is refused (the synthetic store is a demonstration); a demo one gets new ids.
    with pytest.raises(StoreError, match="não se misturam"):
        store.ingest([Doc(Path(name).name, bytes(content))], origin="cli")
    summary = store.ingest([Doc(Path(name).name, bytes(content))], origin="demo", demo=True)
    assert summary.new == 1 and store.data_version() == before + 1
    with store.connect() as con:
        assert con.execute("select count(*) from case_facts").fetchone()[0] == 301
        assert con.execute("select max(case_id) from cases").fetchone()[0] > 300
