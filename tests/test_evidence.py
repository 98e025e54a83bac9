"""The evidence pack of Conformidade ANS: the compliance table as XLSX with the filters, and the
original of every listed case, on a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl

from forms_factory import form_text, make_record
from retention_analytics.evidence import evidence_pack
from retention_analytics.filters import Filters
from retention_analytics.forms.sources import Document
from retention_analytics.metrics import compliance, compliance_sole_provider_cities
from retention_analytics.store import open_store


def test_the_pack_holds_the_table_with_its_filters_and_every_original(tmp_path):
    store = open_store(tmp_path / "evidencias.duckdb")
    forms = {
        "t1.txt": form_text(make_record(protocol_number="EV-1")),
        "t2.txt": form_text(make_record(protocol_number="EV-2", city="Belo Horizonte", unique_cros_listed=30, lives=900)),
        "r1.txt": form_text(make_record(protocol_number="EV-3", outcome="retencao_efetiva", termination_reasons=[])),
    }
    store.ingest([Document(name, text.encode("utf-8")) for name, text in forms.items()])
    with store.connect() as con:
        frame = compliance(con, Filters(), as_of=dt.date(2024, 5, 1))
        cities = compliance_sole_provider_cities(con, Filters(), as_of=dt.date(2024, 5, 1))
    assert list(cities["city"]) == ["João Monlevade"] and list(cities["without_substitute"]) == [1]

    data = evidence_pack(store, frame, "UF: MG · 2024", generated_at=dt.datetime(2024, 5, 1, 9, 30))
    with zipfile.ZipFile(io.BytesIO(data)) as pack:
        names = sorted(pack.namelist())
        assert names == ["README.txt", "conformidade_ans.xlsx", "originais/EV-1_t1.txt", "originais/EV-2_t2.txt"]
        assert pack.read("originais/EV-1_t1.txt").decode("utf-8") == forms["t1.txt"], "byte for byte"
        readme = pack.read("README.txt").decode("utf-8")
        assert "01/05/2024 09:30" in readme and "UF: MG · 2024" in readme and "(2 arquivos)" in readme
        book = openpyxl.load_workbook(io.BytesIO(pack.read("conformidade_ans.xlsx")))
        header = [c for c in next(book["Dados"].iter_rows(values_only=True))]
        cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
                 if c is not None]
    assert any("UF: MG · 2024" in c for c in cells), "the filters are written into the file"
    assert "EV-1" in cells and "EV-2" in cells and "EV-3" not in cells
    # An inspector reads the page's own headers and labels, never the machine's keys and codes.
    assert header[:2] == ["Nº do protocolo", "Operadora"] and "case_id" not in header
    assert "Sem aviso" in cells and "sem_aviso" not in cells
