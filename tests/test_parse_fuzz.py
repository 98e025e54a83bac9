"""Fuzzing `parse`: 10,000 generated inputs, none may escape as anything but a record or a
Portuguese FormReadError. Text made of the form's own labels, values and boxes in random order
(the parser's hardest inputs), and real rendered files with random bytes flipped or cut."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retention_analytics.demo.generator import generate_corpus
from retention_analytics.demo.render import EXTENSIONS, render
from retention_analytics.forms import FormReadError, parse_document
from retention_analytics.record import RECORD_KEYS

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


def _check(name: str, data: bytes) -> None:
    try:
        record = parse_document(name, data)
    except FormReadError as error:
        assert str(error) and "Traceback" not in str(error)
        return
    assert list(record) == list(RECORD_KEYS)
    json.dumps(record, ensure_ascii=False)  # always serializable as the jsonl contract needs


@settings(max_examples=1200, deadline=None, suppress_health_check=list(HealthCheck))
@given(document, encoding, extension)
def test_text_made_of_form_pieces_never_crashes(text, enc, ext):
    _check(f"fuzz{ext}", text.encode(enc, errors="replace"))


_SAMPLES = {fmt: render(form.record, fmt, form.defects, form.template)
            for form in generate_corpus(3, 99)[:1] for fmt in ("xlsx", "docx", "pdf", "csv", "md")}


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(sorted(_SAMPLES)),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8),
    st.one_of(st.none(), st.integers(min_value=0)),
)
def test_real_files_with_flipped_or_cut_bytes_never_crash(fmt, flips, cut):
    data = bytearray(_SAMPLES[fmt])
    for position, value in flips:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    _check(f"mutado{EXTENSIONS[fmt]}", bytes(data))
