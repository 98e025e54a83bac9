"""The case store on real DuckDB files: idempotent ingest, supersession, reparse, rollback, rejects,
grouping keys, locking. Forms are invented look-alikes (tests/forms_factory.py), parsed by the real
parser."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from forms_factory import form_text, make_record
from retention_analytics.forms import PARSER_VERSION, parse_document
from retention_analytics.forms.sources import Document, documents_from_bytes
from retention_analytics.store import Store, StoreBusyError, StoreError, open_store
from retention_analytics.store import store as store_module
from retention_analytics.store.prepare import from_record


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "casos.duckdb", lock_timeout=5)


def form(name: str, **fields) -> Document:
    return Document(name, form_text(make_record(**fields)).encode("utf-8"))


def rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    with store.connect() as con:
        return con.execute(sql, params or []).fetchall()


def count(store: Store, table: str) -> int:
    return rows(store, f"select count(*) from {table}")[0][0]


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every case table, in a stable order."""
    return {table: rows(store, f"select * from {table} order by all") for table in store_module.CASE_TABLES}


# --- opening ----------------------------------------------------------------------------------


def test_open_creates_schema_and_vocabularies_idempotently(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "novo.duckdb"
    first = open_store(path)
    version = first.data_version()
    again = open_store(path)
    assert again.data_version() == version  # nothing changed, nothing written
    assert count(again, "reasons") == 30
    assert count(again, "ufs") == 27
    assert count(again, "municipalities") == 5570
    assert rows(again, "select category from reason_categories where controllable order by position") == [
        ("Remuneração",),
        ("Processos e suporte",),
    ]
    assert rows(again, "select category from reasons where code = ?", ["glosas"]) == [("Remuneração",)]
    assert again.get_meta("created_at")
    assert again.is_demo() is False


def test_default_db_path_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from retention_analytics.store import default_db_path

    monkeypatch.delenv("RETENTION_DB", raising=False)
    assert default_db_path() == Path(store_module.__file__).resolve().parents[2] / "data" / "retention.duckdb"
    monkeypatch.setenv("RETENTION_DB", str(tmp_path / "outro.duckdb"))
    assert default_db_path() == tmp_path / "outro.duckdb"


def test_reading_a_missing_database_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="ainda não existe"):
        with Store(tmp_path / "nada.duckdb").connect():
            pass


def test_a_file_that_is_not_a_database_is_named_as_such(tmp_path: Path) -> None:
    not_db = tmp_path / "planilha.duckdb"
    not_db.write_text("isto não é um banco\n", encoding="utf-8")
    with pytest.raises(StoreError, match="não é um banco de dados do Painel"):
        open_store(not_db)


# --- ingest -----------------------------------------------------------------------------------


def test_same_bytes_twice_is_one_document(store: Store) -> None:
    a = form("a.txt", protocol_number="SAD100")
    first = store.ingest([a, Document("copia.txt", a.data)])
    assert (first.new, first.duplicate, first.rejected) == (1, 1, 0)
    assert "neste mesmo lote" in first.results[1].reason
    version = store.data_version()

    second = store.ingest([Document("outra_pasta/a.txt", a.data)])
    assert (second.new, second.duplicate) == (0, 1)
    assert "a.txt" in second.results[0].reason
    assert count(store, "documents") == 1
    assert count(store, "cases") == 1
    assert store.data_version() == version  # an all-duplicate batch writes nothing


def test_ingest_stores_document_and_case_rows(store: Store) -> None:
    doc = form(
        "caso.txt",
        protocol_number="SAD200",
        termination_reasons=["valores", "glosas"],
        retention_actions=["suporte", "outros"],
        responsible_sectors=["ti", "comercial"],
        contacts=[{"number": 1, "date": "2024-03-02", "note": "Primeiro."}, {"number": 3, "date": None, "note": "Terceiro."}],
    )
    summary = store.ingest([doc], origin="upload")
    result = summary.results[0]
    assert result.status == "ok" and result.case_id is not None
    assert summary.batch_id == rows(store, "select batch_id from ingest_batches where origin = 'upload'")[0][0]

    (sha, name, size, status, version, batch), = rows(
        store, "select sha256, file_name, size_bytes, status, parser_version, batch_id from documents"
    )
    assert (name, size, status, version, batch) == ("caso.txt", len(doc.data), "ok", PARSER_VERSION, summary.batch_id)
    assert len(sha) == 64
    assert store.document_bytes(result.case_id) == ("caso.txt", doc.data)
    assert store.document_bytes(999_999) is None

    case = rows(store, "select case_key, is_current, source, lives, form_date::varchar, coin_value from cases")
    assert case == [("SAD200", True, "caso.txt", 16, "2024-03-26", 0.4)]
    assert rows(store, "select reason_code from case_reasons order by all") == [("glosas",), ("valores",)]
    assert rows(store, "select action_code from case_actions order by all") == [("outros",), ("suporte",)]
    assert rows(store, "select sector_code from case_sectors order by all") == [("comercial",), ("ti",)]
    assert rows(store, "select number, contact_date::varchar, note from case_contacts order by number") == [
        (1, "2024-03-02", "Primeiro."),
        (3, None, "Terceiro."),
    ]
    assert rows(store, "select position, name from case_signatories order by position") == [
        (1, "Fulana de Tal"),
        (2, "Beltrano Teste"),
    ]


def test_form_without_protocol_is_its_own_case(store: Store) -> None:
    summary = store.ingest([form("a.txt", protocol_number=None), form("b.txt", protocol_number=None, lives=3)])
    assert summary.superseded == 0
    keys = rows(store, "select case_key, is_current from cases order by case_id")
    assert [k.startswith("doc:") for k, _ in keys] == [True, True]
    assert all(current for _, current in keys)
    assert summary.with_warnings == 2  # the parser says the protocol number is missing
    assert rows(store, "select count(*) from case_warnings") == [(2,)]


def test_newer_form_of_same_protocol_supersedes_older(store: Store) -> None:
    old = store.ingest([form("v1.txt", protocol_number="SAD300", outcome=None, finished_on=None)])
    new = store.ingest([form("v2.txt", protocol_number="SAD300", outcome="retencao_efetiva")])
    old_id, new_id = old.results[0].case_id, new.results[0].case_id
    assert new.superseded == 1 and new.results[0].supersedes == old_id
    assert rows(store, "select case_id, is_current, superseded_by from cases order by case_id") == [
        (old_id, False, new_id),
        (new_id, True, None),
    ]
    assert rows(store, "select case_id, outcome from case_facts") == [(new_id, "retencao_efetiva")]

    # A third version chains: v2 points at v3, v1 keeps pointing at v2.
    third = store.ingest([form("v3.txt", protocol_number="SAD300", outcome="desligamento")])
    v3 = third.results[0].case_id
    assert rows(store, "select case_id, is_current, superseded_by from cases order by case_id") == [
        (old_id, False, new_id),
        (new_id, False, v3),
        (v3, True, None),
    ]
    assert store.stats()["superseded_versions"] == 2


def test_versions_in_one_batch_follow_ingestion_order(store: Store) -> None:
    summary = store.ingest(
        [form("v1.txt", protocol_number="SAD400", lives=1), form("outro.txt", protocol_number="SAD401"),
         form("v2.txt", protocol_number="SAD400", lives=2)]
    )
    assert summary.superseded == 1
    v1, other, v2 = (r.case_id for r in summary.results)
    assert summary.results[0].superseded_by == v2
    assert rows(store, "select case_id, lives from case_facts order by case_id") == [(other, 16), (v2, 2)]


# --- rejected documents -------------------------------------------------------------------------


def _broken_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x" * 100)
    return buffer.getvalue()[:40]


@pytest.mark.parametrize(
    ("name", "data", "reason_contains"),
    [
        ("nota.txt", "Lista de compras: pão, leite.\n".encode(), "não parece"),
        ("vazio.txt", b"", ""),
        ("planilha.wk1", b"\x00\x00\x02\x00 antigo", "Formato não suportado"),  # Lotus 1-2-3
        ("lote.zip", _broken_zip(), ".zip"),
    ],
    ids=["nao-e-formulario", "vazio", "formato-antigo", "zip-quebrado"],  # stable ids for pytest -n
)
def test_rejected_file_is_kept_with_its_reason(store: Store, name: str, data: bytes, reason_contains: str) -> None:
    docs = list(documents_from_bytes(name, data))
    summary = store.ingest(docs)
    assert summary.rejected == 1 and summary.new == 0
    (file_name, status, reason, content), = rows(
        store, "select file_name, status, rejection_reason, content from documents"
    )
    assert (file_name, status, bytes(content)) == (name, "rejected", data)
    assert reason and reason_contains in reason
    assert summary.results[0].reason == reason
    assert count(store, "cases") == 0
    assert name in summary.text() and "Rejeitados: 1" in summary.text()


def test_unreadable_documents_without_content_are_each_reported(store: Store) -> None:
    missing = [Document("sumiu.txt", b"", "Arquivo não encontrado."), Document("outro.txt", b"", "Arquivo não encontrado.")]
    assert store.ingest(missing).rejected == 2
    assert store.ingest(missing[:1]).rejected == 1  # not a "duplicate" of the earlier failure
    assert count(store, "documents") == 3


@pytest.mark.parametrize(
    ("record_fields", "field"),
    [
        ({"lives": "muitas"}, "lives"),
        ({"outcome": "talvez"}, "outcome"),
        ({"termination_reasons": ["motivo_inventado"]}, "termination_reasons"),
        ({"form_date": "26/03/2024"}, "form_date"),
        ({"contacts": [{"number": 9, "date": None, "note": "x"}]}, "contacts.number"),
    ],
)
def test_record_breaking_the_contract_is_rejected_not_fatal(record_fields: dict, field: str) -> None:
    parsed = from_record(Document("x.txt", b"x"), make_record(**record_fields), "0" * 64, "t")
    assert parsed.status == "rejected" and parsed.case is None
    assert f"“{field}”" in parsed.reason


def test_out_of_range_integer_becomes_a_warning() -> None:
    parsed = from_record(Document("x.txt", b"x"), make_record(lives=10**12), "0" * 64, "t")
    assert parsed.status == "ok_with_warnings"
    assert parsed.case["lives"] is None
    assert any("nº de vidas" in w for w in parsed.warnings)


# --- transactions -------------------------------------------------------------------------------


def test_failed_batch_is_rolled_back_and_earlier_data_intact(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.ingest([form("antes.txt", protocol_number="SAD500")])
    before = snapshot(store)
    documents_before = rows(store, "select * from documents order by all")
    batches_before = count(store, "ingest_batches")
    version = store.data_version()

    real_case_rows = store_module._case_rows
    calls = {"n": 0}

    def fail_on_second_case(case_id, parsed, *rest):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("falha simulada na gravação")
        return real_case_rows(case_id, parsed, *rest)

    monkeypatch.setattr(store_module, "_case_rows", fail_on_second_case)
    batch = [form("novo1.txt", protocol_number="SAD500", lives=1), form("novo2.txt", protocol_number="SAD501"),
             form("novo3.txt", protocol_number="SAD502")]
    with pytest.raises(StoreError, match="nada deste lote foi gravado"):
        store.ingest(batch)
    assert calls["n"] == 2

    assert snapshot(store) == before
    assert rows(store, "select * from documents order by all") == documents_before
    assert count(store, "ingest_batches") == batches_before
    assert store.data_version() == version

    monkeypatch.setattr(store_module, "_case_rows", real_case_rows)
    retry = store.ingest(batch)  # the same files are not duplicates: nothing of them was kept
    assert (retry.new, retry.duplicate, retry.superseded) == (3, 0, 1)


# --- reparse ------------------------------------------------------------------------------------


def test_reparse_rebuilds_identical_cases(store: Store) -> None:
    store.ingest(
        [
            form("a.txt", protocol_number="SAD600", outcome=None, finished_on=None),
            form("b.txt", protocol_number="SAD601", termination_reasons=["valores", "obito"]),
            form("c.txt", protocol_number=None),
            Document("ruim.txt", b"nada a ver"),
        ]
    )
    store.ingest([form("a2.txt", protocol_number="SAD600", outcome="desligamento")])
    before = snapshot(store)
    statuses = rows(store, "select document_id, status, rejection_reason from documents order by document_id")
    version = store.data_version()

    summary = store.reparse()
    assert snapshot(store) == before
    assert rows(store, "select document_id, status, rejection_reason from documents order by document_id") == statuses
    assert (summary.new, summary.rejected, summary.superseded, summary.current_cases) == (4, 1, 1, 3)
    assert store.data_version() == version + 1
    assert "Releitura concluída" in summary.text()


def test_reparse_records_the_parser_version_and_keeps_unreadable_rejected(store: Store) -> None:
    store.ingest([form("a.txt"), Document("lote.zip", b"PK quebrado", "O arquivo .zip está corrompido.")])
    store.reparse(parser=parse_document, parser_version="9.9.9")
    assert rows(store, "select distinct parser_version from documents") == [("9.9.9",)]
    assert rows(store, "select file_name, status, rejection_reason from documents where status = 'rejected'") == [
        ("lote.zip", "rejected", "O arquivo .zip está corrompido.")
    ]


def test_progress_is_reported_per_document(store: Store) -> None:
    calls: list[tuple] = []
    store.ingest([form("a.txt"), form("b.txt", protocol_number="X2")], progress=lambda *a: calls.append(a))
    assert calls == [(1, 2, "a.txt"), (2, 2, "b.txt")]


# --- grouping keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uf", "city", "ibge_code", "official"),
    [
        ("SP", "SAO PAULO", 3550308, "São Paulo"),
        ("MG", "joão  monlevade", 3136207, "João Monlevade"),
        ("SP", "Santa Barbara D Oeste", 3545803, "Santa Bárbara d'Oeste"),
        ("RJ", "São Paulo", None, None),  # right name, wrong UF: kept unmatched
        ("MG", "Cidade Inventada", None, None),
    ],
)
def test_city_is_matched_to_ibge(store: Store, uf: str, city: str, ibge_code: int | None, official: str | None) -> None:
    store.ingest([form("c.txt", uf=uf, city=city)])
    assert rows(store, "select ibge_code, city_official, city_name from case_facts") == [
        (ibge_code, official, official or " ".join(city.split()))
    ]


def test_operator_and_analyst_spellings_group_together(store: Store) -> None:
    store.ingest(
        [
            form("1.txt", protocol_number="SAD701", operator="ODONTOLIFE", analyst="Ana Maria"),
            form("2.txt", protocol_number="SAD702", operator="OdontoLife", analyst="ANA MARIA"),
            form("3.txt", protocol_number="SAD703", operator="Odonto Life", analyst="Ana  Maria"),
            form("4.txt", protocol_number="SAD704", operator="Sorriso Fácil", analyst="Outra Pessoa"),
        ]
    )
    assert rows(store, "select operator_key, cases from operator_names order by cases desc") == [
        ("odontolife", 3),
        ("sorrisofacil", 1),
    ]
    # Three spellings, one key; the name shown is one of the spellings actually used.
    assert rows(store, "select operator_name in ('ODONTOLIFE', 'OdontoLife', 'Odonto Life') from operator_names "
                       "where operator_key = 'odontolife'") == [(True,)]
    assert rows(store, "select count(distinct analyst_key), count(distinct analyst) from cases") == [(2, 3)]


# --- stats and meta -----------------------------------------------------------------------------


def test_stats_and_data_version(store: Store) -> None:
    v0 = store.data_version()
    summary = store.ingest(
        [
            form("a.txt", protocol_number="SAD800", outcome="retencao_efetiva", termination_reasons=[]),
            form("b.txt", protocol_number="SAD801", outcome=None, started_on="2024-02-01", days_to_close=48),
            Document("x.txt", b"nada"),
        ]
    )
    assert store.data_version() == v0 + 1
    stats = store.stats()
    assert stats["documents_by_status"] == {
        "ok": summary.new - summary.with_warnings,
        "ok_with_warnings": summary.with_warnings,
        "rejected": 1,
    }
    assert stats["documents_total"] == 3
    assert stats["current_cases"] == 2 and stats["superseded_versions"] == 0
    assert stats["cases_by_outcome"] == {"retencao_efetiva": 1, None: 1}
    assert [(o["name"], o["cases"]) for o in stats["operators"]] == [("ODONTOLIFE", 2)]
    assert [d.isoformat() for d in stats["date_range"]] == ["2024-02-01", "2024-03-01"]
    assert stats["db_size_bytes"] > 0 and stats["batches"] == 1
    # The database-wide flag of schema 1 means nothing any more: these rows are real.
    store.set_meta("is_demo", "true")
    assert not store.is_demo() and store.provenance().real_documents == 3 and store.data_version() == v0 + 2


# --- locking ------------------------------------------------------------------------------------


def test_reader_waits_for_a_writer_in_another_process(store: Store, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, pathlib, time
                con = duckdb.connect({str(store.path)!r})
                pathlib.Path({str(ready)!r}).write_text("ok")
                time.sleep(1.5)
                con.close()
                """
            ),
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.exists()
        impatient = Store(store.path, lock_timeout=0.3)
        with pytest.raises(StoreBusyError, match="em uso por outro programa"):
            impatient.data_version()
        patient = Store(store.path, lock_timeout=15)
        assert patient.data_version() >= 1  # succeeds once the other process lets go
    finally:
        holder.wait(timeout=30)


def test_documents_ingested_during_a_reparse_are_not_lost(store: Store) -> None:
    store.ingest([form("a.txt", protocol_number="SAD900"), form("b.txt", protocol_number="SAD901")])
    late = form("tardio.txt", protocol_number="SAD902")

    def ingest_meanwhile(done: int, total: int | None, name: str) -> None:
        if done == 1:  # parsing runs without the write lock: another import can land now
            store.ingest([late])

    summary = store.reparse(progress=ingest_meanwhile)
    assert summary.current_cases == 3
    assert rows(store, "select protocol_number from case_facts order by case_id") == [
        ("SAD900",), ("SAD901",), ("SAD902",)
    ]


def test_readers_in_other_threads_wait_for_a_writer(store: Store) -> None:
    import threading

    holding = threading.Event()

    def write_slowly() -> None:
        with store.connect(read_only=False) as con:
            holding.set()
            time.sleep(0.5)
            con.execute("select 1")

    writer = threading.Thread(target=write_slowly)
    writer.start()
    assert holding.wait(10)
    started = time.monotonic()
    assert store.data_version() >= 1  # no "different configuration" error: it waited
    assert time.monotonic() - started >= 0.2
    writer.join()


def test_summary_text_uses_brazilian_numbers() -> None:
    from retention_analytics.store import FileResult, IngestSummary

    summary = IngestSummary(origin="cli", batch_id=7, superseded=1200, parse_seconds=1234.5)
    summary.results = [FileResult(f"f{i}.txt", "ok") for i in range(1234)] + [
        FileResult("ruim.txt", "rejected", "Não parece um formulário.")
    ]
    text = summary.text()
    assert "Importação concluída (lote 7): 1.235 arquivos lidos em 1.234,5 s." in text
    assert "Novos: 1.234 (0 com avisos)" in text and "Substituídos: 1.200" in text
    assert "  - ruim.txt: Não parece um formulário." in text
    assert summary.counts() == {"new": 1234, "duplicate": 0, "superseded": 1200, "rejected": 1, "with_warnings": 0}


def test_parsing_in_a_pool_gives_what_parsing_here_gives(tmp_path):
    # From POOL_THRESHOLD forms on, `ingest` parses in a pool (the parent parses the head of the
    # batch itself to warm the parser before forking); the parsed documents must be the same, in
    # the same order, as parsing them one by one in this process.
    from retention_analytics.demo import write_corpus
    from retention_analytics.forms.sources import Document
    from retention_analytics.store.prepare import POOL_THRESHOLD, parse_documents

    paths = write_corpus(tmp_path / "forms", 110, seed=9)
    documents = [Document(p.name, p.read_bytes()) for p in paths]
    documents.append(Document("repetido.txt", documents[3].data))  # same bytes: a duplicate
    documents.append(Document("quebrado.docx", b"PK\x03\x04 not a zip"))  # rejected
    assert len(documents) >= POOL_THRESHOLD
    here = parse_documents(documents, workers=1)
    pooled = parse_documents(documents, workers=2)
    assert [p.name for p in pooled] == [d.name for d in documents]
    assert pooled == here
    assert {p.status for p in here} >= {"ok", "duplicate", "rejected"}


# --- demo or real, per document and case (issue 9) --------------------------------------------

LEGACY = Path(__file__).parent / "fixtures" / "legacy" / "schema1_demo_with_real_upload.duckdb.gz"


def _legacy_copy(tmp_path: Path) -> Path:
    import gzip
    import shutil

    target = tmp_path / "legado.duckdb"
    with gzip.open(LEGACY) as source, target.open("wb") as out:
        shutil.copyfileobj(source, out)
    return target


def test_rows_say_where_they_came_from(store: Store) -> None:
    assert store.provenance().empty and not store.is_demo()
    store.ingest([form("demo1.txt", protocol_number="D-1"), form("demo2.txt", protocol_number="D-1", lives=3)],
                 origin="demo", demo=True)
    provenance = store.provenance()
    assert (provenance.demo_documents, provenance.demo_cases, provenance.demo_superseded) == (2, 2, 1)
    assert provenance.only_demo and store.is_demo()


@pytest.mark.parametrize("origin", ["cli", "upload", "demo"])
def test_a_real_form_never_joins_the_demonstration(store: Store, origin: str) -> None:
    """Whatever the batch's origin label says (`ingest --origin demo` included), only demo=True
    writes demo rows, and real rows are refused while the demo is there: nothing is written."""
    store.ingest([form("demo.txt", protocol_number="D-1")], origin="demo", demo=True)
    before, version = snapshot(store), store.data_version()
    with pytest.raises(store_module.DemoMixError, match=r"demo --remove.*banco novo"):
        store.ingest([form("real.txt", protocol_number="R-1"), Document("ruim.txt", b"lixo")], origin=origin)
    assert snapshot(store) == before and store.data_version() == version
    assert count(store, "documents") == 1


def test_demo_forms_never_join_real_data(store: Store) -> None:
    store.ingest([form("real.txt", protocol_number="R-1")])
    with pytest.raises(store_module.DemoMixError, match="já tem dados reais"):
        store.ingest([form("demo.txt", protocol_number="D-1")], origin="demo", demo=True)
    assert store.provenance().real_documents == 1 and store.provenance().demo_documents == 0


def test_a_batch_of_duplicates_writes_nothing_and_is_not_refused(store: Store) -> None:
    demo = form("demo.txt", protocol_number="D-1")
    store.ingest([demo], origin="demo", demo=True)
    summary = store.ingest([Document("de_novo.txt", demo.data)])
    assert summary.duplicate == 1 and store.provenance().only_demo


def test_reparse_keeps_each_case_as_demo_or_real_as_its_document(tmp_path: Path) -> None:
    legacy = open_store(_legacy_copy(tmp_path))
    before = legacy.provenance()
    legacy.reparse()
    assert legacy.provenance() == before and before.has_real and before.has_demo


def test_remove_demo_deletes_every_demo_row_and_never_a_real_one(tmp_path: Path) -> None:
    """A database from before schema 2 with a real form inside the demonstration (the bug this
    fixes): the upgrade tells them apart, and remove_demo leaves the real case alone."""
    store = open_store(_legacy_copy(tmp_path))
    provenance = store.provenance()
    assert (provenance.demo_documents, provenance.real_documents, provenance.real_cases) == (13, 1, 1)
    assert not store.is_demo(), "a real form inside: not a demonstration any more"
    real_before = rows(store, "select * exclude (is_current, superseded_by) from cases where not is_demo order by all")
    version = store.data_version()

    removed = store.remove_demo()
    assert (removed.demo_documents, removed.demo_cases) == (13, provenance.demo_cases)
    after = store.provenance()
    assert after.real_documents == 1 and after.real_cases == 1 and not after.has_demo
    assert rows(store, "select * exclude (is_current, superseded_by) from cases order by all") == real_before
    assert rows(store, "select protocol_number, is_current from cases") == [("REAL-LEGADO-1", True)]
    for table in store_module.CASE_TABLES[1:]:
        assert rows(store, f"select count(*) from {table} where case_id not in (select case_id from cases)") == [(0,)]
    assert rows(store, "select count(*) from case_facts") == [(1,)], "derived tables follow"
    assert store.data_version() == version + 1
    assert store.remove_demo() == store_module.Provenance(), "a second time: nothing to remove"


def test_remove_demo_is_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(_legacy_copy(tmp_path))
    before = snapshot(store)

    def fail(con):
        raise RuntimeError("falha simulada")

    monkeypatch.setattr(store_module, "_refresh_derived", fail)
    with pytest.raises(RuntimeError):
        store.remove_demo()
    assert snapshot(store) == before


LEGACY_SCHEMA2 = Path(__file__).parent / "fixtures" / "legacy" / "schema2_demo_with_substitution.duckdb.gz"
_COUNTED = ("documents", "cases", "case_contacts", "case_reasons", "case_actions", "case_sectors",
            "case_signatories", "case_warnings", "substitutions", "ingest_batches")


def test_a_database_made_by_schema_2_opens_and_upgrades_in_place(tmp_path: Path) -> None:
    """The file main made at schema 2 (tests/fixtures/legacy/README.md): today's code upgrades it
    where it is, every row kept, and then reads and writes it like a new one."""
    import duckdb
    import gzip
    import shutil

    path = tmp_path / "esquema2.duckdb"
    with gzip.open(LEGACY_SCHEMA2) as source, path.open("wb") as out:
        shutil.copyfileobj(source, out)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select value from meta where key = 'schema_version'").fetchone() == ("2",)
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in _COUNTED}
        cases = con.execute("select * from cases order by case_id").fetchall()
        substitutions = con.execute("select * from substitutions order by substitution_id").fetchall()
    assert counts["cases"] == 8 and counts["substitutions"] == 1

    store = open_store(path)
    assert store.get_meta("schema_version") == str(store_module.SCHEMA_VERSION)
    assert {t: rows(store, f"select count(*) from {t}")[0][0] for t in _COUNTED} == counts
    width = len(cases[0])  # columns added by the upgrade come after the old ones
    assert [r[:width] for r in rows(store, "select * from cases order by case_id")] == cases
    assert [r[: len(substitutions[0])] for r in rows(store, "select * from substitutions order by substitution_id")] == substitutions
    assert store.provenance().only_demo and store.provenance().demo_cases == 8
    assert rows(store, "select count(*) from case_facts") == [(8,)]
    history = store.substitution_history("SAD341045379630")
    assert [(h["source"], h["substitute_city"]) for h in history] == [("manual", "Salvador")]
    store.ensure_schema()  # a second open changes nothing
    assert {t: rows(store, f"select count(*) from {t}")[0][0] for t in _COUNTED} == counts
    # and it takes new forms as any store does
    store.ingest([form("novo.txt", protocol_number="D-NOVO")], origin="demo", demo=True)
    assert rows(store, "select count(*) from cases where is_current") == [(9,)]


def test_a_newer_database_is_refused_and_left_alone(store: Store) -> None:
    store.ingest([form("real.txt", protocol_number="R-1")])
    store.set_meta("schema_version", str(store_module.SCHEMA_VERSION + 1))
    size = store.path.stat().st_size
    for call in (store.provenance, store.ensure_schema):
        with pytest.raises(StoreError, match="versão mais nova do Painel"):
            call()
    assert store.path.stat().st_size == size


def test_a_foreign_duckdb_file_is_refused_and_not_written(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "outro_sistema.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table clientes (nome varchar); insert into clientes values ('x')")
    con.close()
    for call in (Store(path).ensure_schema, Store(path).provenance):
        with pytest.raises(StoreError, match="não do Painel de Retenção"):
            call()
    con = duckdb.connect(str(path), read_only=True)
    assert [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()] == ["clientes"]
    con.close()


def test_a_damaged_meta_table_does_not_make_real_rows_demo(store: Store) -> None:
    store.ingest([form("real.txt", protocol_number="R-1")])
    with store.connect(read_only=False) as con:
        con.execute("delete from meta")
        con.execute("insert into meta values ('is_demo', 'true')")  # what schema 1 trusted
    store.ensure_schema()  # re-runs the upgrade: the rows, not the flag, decide
    assert store.provenance().real_documents == 1 and not store.is_demo()


# --------------------------------------------------------------------------- keep_open (the app's Store)
def _opens(monkeypatch) -> list[bool]:
    """Every DuckDB file opened through a Store from now on (True = read-only)."""
    import retention_analytics.store.store as store_module

    opened: list[bool] = []
    original = store_module.Store._open

    def counting(self, read_only, started):
        opened.append(read_only)
        return original(self, read_only, started)

    monkeypatch.setattr(store_module.Store, "_open", counting)
    return opened


def test_kept_connection_is_shared_by_reads_and_closed_when_idle(demo_db, tmp_path, monkeypatch):
    import shutil

    from retention_analytics.store.store import _KEPT

    db = tmp_path / "mantida.duckdb"
    shutil.copy(demo_db, db)
    opened = _opens(monkeypatch)
    store = Store(db, keep_open=0.3)
    counts = [store.get_meta("data_version") for _ in range(6)]
    assert len(set(counts)) == 1 and counts[0] is not None
    assert opened == [True], "six reads, one connection"
    deadline = time.monotonic() + 10
    while _KEPT[str(store.path)].con is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _KEPT[str(store.path)].con is None, "closed once idle"
    store.get_meta("data_version")
    assert opened == [True, True]


def test_a_write_in_this_process_closes_the_kept_connection(demo_db, tmp_path):
    import shutil

    db = tmp_path / "escrita.duckdb"
    shutil.copy(demo_db, db)
    app = Store(db, keep_open=60)
    before = app.data_version()
    Store(db).set_meta("nota", "escrita")  # another Store of the same file, read-write
    assert app.get_meta("nota") == "escrita"
    assert app.data_version() == before + 1


def test_a_writer_of_another_process_gets_in_while_the_app_keeps_the_file_open(demo_db, tmp_path):
    import shutil
    import subprocess
    import sys

    db = tmp_path / "outro_processo.duckdb"
    shutil.copy(demo_db, db)
    app = Store(db, keep_open=120)  # would stay open two minutes if idleness alone closed it
    before = app.data_version()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys; from retention_analytics.store import Store; "
         "Store(sys.argv[1], lock_timeout=20).set_meta('nota', 'cli')", str(db)],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert time.monotonic() - started < 60
    assert app.get_meta("nota") == "cli"
    assert app.data_version() == before + 1
