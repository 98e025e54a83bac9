"""Fuzzing `parse`: 10,200 generated inputs per run, none may escape as anything but a record or a
Portuguese FormReadError (and an archive: Documents with a Portuguese error or readable forms).

- 6,000 texts made of the form's own labels, values and boxes in random order, in four encodings
  and under every extension (the parser's hardest inputs);
- 2,800 real rendered forms (.xlsx, .docx, .csv, .md, .txt) with random bytes flipped or cut;
- 800 small PDFs, compressed or not, flipped or cut. A rendered form PDF costs 60–200 ms to read
  (pdfplumber handles every character), a small one about 1 ms: the PDF reader meets the same
  corrupt structures (xref, streams, fonts, page tree) at a fraction of the time;
- 600 .zip archives of forms with flipped or cut bytes, through the same expansion as ingest.

The counts are sized so the file runs in about a minute on two cores. `print_blob` makes any
failure reproducible from the CI log (`@reproduce_failure`).
"""

from __future__ import annotations

import io
import json
import zipfile

from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retention_analytics.demo.generator import generate_corpus
from retention_analytics.demo.render import EXTENSIONS, render
from retention_analytics.forms import FormReadError, parse_document
from retention_analytics.forms.sources import documents_from_bytes
from retention_analytics.record import RECORD_KEYS

TEXT_EXAMPLES = 6000
FILE_EXAMPLES = 2800
PDF_EXAMPLES = 800
ZIP_EXAMPLES = 600

FRAGMENTS = [
    "Colaborador", "Qtd CRO(s)", "Data", "Operadora", "CRO", "UF", "Nome dentista", "CNPJ", "CPF",
    "Data inclusão", "Tipo", "Demandado por?", "Nº do protocolo", "Dt. abertura protocolo", "Cidade",
    "nº de vidas", "nº CRO(S) únicos divulgados", "Atende outros convênios", "Quais?", "Moeda",
    "Última produç.", "Valor última prod.", "Data início", "Data final", "Tempo finalização",
    "Status retenção", "1º contato", "5º contato", "Obs.:", "Ação Retenção", "Motivo desligamento",
    "Necessário abertura de protocolo", "Obs. Geral", "Setor responsável", "☒ SIM", "☐ NÃO",
    "☒ Desligamento", "[x] Valores", "( ) Glosas", "<input checked type=checkbox> Outros", "X",
    "31/02/2024", "26/03/2024", "R$ -", "R$ 1.234,56", "-5", "99999999999999999999", "0,40",
    "341 dia(s)", "MG", "ZZ", "11.222.333/0001-81", "=1+1", "<script>alert(1)</script>",
    "'; drop table cases; --", "|", "+---+", "-----", "\\", "\x00", "😀", "\u202e", "",
]
piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))
line = st.lists(piece, max_size=6).map(lambda parts: "\t".join(parts))
document = st.lists(line, max_size=40).map("\n".join)
encoding = st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"])
extension = st.sampled_from([".txt", ".md", ".csv", ".xlsx", ".docx", ".pdf", ""])
mutations = st.tuples(
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8),
    st.one_of(st.none(), st.integers(min_value=0)),
)
FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)


def _check(name: str, data: bytes) -> None:
    try:
        record = parse_document(name, data)
    except FormReadError as error:
        assert str(error) and "Traceback" not in str(error)
        return
    assert list(record) == list(RECORD_KEYS)
    json.dumps(record, ensure_ascii=False)  # always serializable as the jsonl contract needs


def _mutate(sample: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    data = bytearray(sample)
    for position, value in flips:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    return bytes(data)


@settings(max_examples=TEXT_EXAMPLES, **FUZZ)
@given(document, encoding, extension)
def test_text_made_of_form_pieces_never_crashes(text, enc, ext):
    _check(f"fuzz{ext}", text.encode(enc, errors="replace"))


_FORM = generate_corpus(3, 99)[0]
_SAMPLES = {fmt: render(_FORM.record, fmt, _FORM.defects, _FORM.template) for fmt in ("xlsx", "docx", "csv", "md", "txt")}


@settings(max_examples=FILE_EXAMPLES, **FUZZ)
@given(st.sampled_from(sorted(_SAMPLES)), mutations)
def test_real_files_with_flipped_or_cut_bytes_never_crash(fmt, mutation):
    _check(f"mutado{EXTENSIONS[fmt]}", _mutate(_SAMPLES[fmt], *mutation))


def _small_pdf(compress: bool) -> bytes:
    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    for text in ("Colaborador    Marina Teste", "Operadora    ODONTOLIFE", "Nº do protocolo    PRT-0001",
                 "Data início    01/03/2024    Data final    20/03/2024", "[X] Desligamento    [ ] Retenção Efetiva",
                 "Obs. Geral    =1+1 <b>x</b>"):
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


_PDFS = {True: _small_pdf(True), False: _small_pdf(False)}


@settings(max_examples=PDF_EXAMPLES, **FUZZ)
@given(st.booleans(), mutations)
def test_pdfs_with_flipped_or_cut_bytes_never_crash(compressed, mutation):
    _check("mutado.pdf", _mutate(_PDFS[compressed], *mutation))


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lote/um.txt", _SAMPLES["txt"])
        archive.writestr("lote/dois.csv", _SAMPLES["csv"])
        archive.writestr("../fora.md", _SAMPLES["md"])
    return buffer.getvalue()


_ZIP = _archive()


@settings(max_examples=ZIP_EXAMPLES, **FUZZ)
@given(mutations)
def test_archives_with_flipped_or_cut_bytes_never_crash(mutation):
    for doc in documents_from_bytes("lote.zip", _mutate(_ZIP, *mutation)):
        assert ".." not in doc.name
        if doc.error:
            assert "Traceback" not in doc.error
        else:
            _check(doc.name, doc.data)
