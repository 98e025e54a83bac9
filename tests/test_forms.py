"""Reading forms: the anonymized look-alikes of the two real examples, every checkbox notation,
the layouts converters produce, and the warnings for what is missing, ambiguous or inconsistent."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retention_analytics.forms import FormReadError, parse_document, parse_path
from retention_analytics.forms.template import cell_text, form_grid
from retention_analytics.record import RECORD_KEYS, comparable

FIXTURES = Path(__file__).parent / "fixtures"

# A complete, consistent record in the contract's normal form (invented person, valid check digits).
BASE: dict = {
    "source": None,
    "analyst": "Joana Ribeiro Lopes",
    "cro_count": 2,
    "form_date": "2024-05-10",
    "operator": "ODONTOLIFE",
    "cro": "12345",
    "cro_uf": "SP",
    "dentist_name": "Carlos Eduardo Tavares",
    "cnpj": None,
    "cpf": "52998224725",
    "inclusion_date": "2018-03-01",
    "person_type": "F",
    "requested_by": "prestador",
    "protocol_number": "SAD202400001234",
    "protocol_opened_on": "2024-04-02",
    "uf": "SP",
    "city": "Campinas",
    "lives": 12345,
    "unique_cros_listed": 3,
    "accepts_other_plans": False,
    "other_plans": None,
    "coin_value": 0.45,
    "last_production": "03/2024",
    "last_production_value": 1234.56,
    "started_on": "2024-04-02",
    "finished_on": "2024-05-10",
    "days_to_close": 38,
    "outcome": "retencao_efetiva",
    "contacts": [
        {"number": 1, "date": "2024-04-03", "note": "Prestador pediu reajuste da moeda."},
        {"number": 2, "date": "2024-04-20", "note": "Ofertado novo valor de moeda; aceitou."},
    ],
    "retention_actions": ["novos_valores", "suporte"],
    "termination_reasons": [],
    "protocol_required": True,
    "general_note": "Retido com novos valores.",
    "responsible_sectors": ["comercial"],
    "signatories": ["Joana Ribeiro Lopes"],
    "warnings": [],
    "substitution": None,
    "reading": {"method": "text", "confidence": {}},
}


def tab_text(record: dict, checked: str = "☒", unchecked: str = "☐") -> bytes:
    """The record as a converter writes the workbook: one line per row, cells separated by tabs."""
    lines = ["\t".join(cell_text(c, checked, unchecked) for c in row) for row in form_grid(record)]
    return "\n".join(lines).encode("utf-8")


def without_source(record: dict) -> dict:
    out = dict(record)
    out.pop("source")
    return out


@pytest.mark.parametrize("name", ["look_alike_000.md", "look_alike_001.txt"])
def test_look_alikes_of_the_real_examples_parse_to_their_full_records(name):
    expected = json.loads((FIXTURES / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    record = parse_path(FIXTURES / "forms" / name)
    assert list(record) == list(RECORD_KEYS)
    assert without_source(record) == expected


def test_first_example_has_what_the_contract_says():
    r = parse_path(FIXTURES / "forms" / "look_alike_000.md")
    assert (r["cro_count"], r["form_date"], r["operator"], r["person_type"], r["requested_by"]) == (
        4, "2024-03-26", "ODONTOLIFE", "J", "operadora")
    assert (r["lives"], r["unique_cros_listed"], r["accepts_other_plans"], r["other_plans"]) == (16, 1, True, "Postal Saúde Odonto")
    assert (r["coin_value"], r["last_production_value"], r["days_to_close"], r["outcome"]) == (0.4, 0.0, 341, "desligamento")
    assert len(r["contacts"]) == 5 and all(c["date"] and c["note"] for c in r["contacts"])
    assert r["termination_reasons"] == ["encerramento_de_atividades", "carteira_de_clientes_particular"]
    assert r["retention_actions"] == [] and r["responsible_sectors"] == [] and r["protocol_required"] is None
    assert len(r["signatories"]) == 2


def test_second_example_names_every_missing_header_value():
    r = parse_path(FIXTURES / "forms" / "look_alike_001.txt")
    assert all(r[k] is None for k in ("analyst", "operator", "cro", "uf", "city", "started_on", "finished_on"))
    assert r["accepts_other_plans"] is False and r["outcome"] == "desligamento"
    assert [c["date"] for c in r["contacts"]] == [None, None, None] and all(c["note"] for c in r["contacts"])
    assert r["termination_reasons"] == ["perda_de_contato"] and r["responsible_sectors"] == ["ti"]
    for label in ("Colaborador", "Operadora", "Cidade", "Data início", "Nº do protocolo"):
        assert f"Campo não preenchido: {label}" in r["warnings"]


@pytest.mark.parametrize(
    "checked,unchecked",
    [
        ("☒", "☐"),
        ("☑", "☐"),
        ("[x]", "[ ]"),
        ("[X]", "[ ]"),
        ("(X)", "( )"),
        ('<input checked="" type="checkbox"/>', '<input type="checkbox"/>'),
        ("■", "□"),
    ],
)
def test_every_checkbox_notation_reads_the_same_record(checked, unchecked):
    record = parse_document("form.txt", tab_text(BASE, checked, unchecked))
    assert without_source(record) == without_source(BASE)


def test_x_in_the_cell_beside_the_label_is_a_checked_box():
    text = tab_text(BASE, "☒", "☐").decode()
    # Spreadsheet style: an "X" typed in the cell before the option, nothing before unchecked ones.
    text = text.replace("☒ Retenção Efetiva", "X\tRetenção Efetiva").replace("☐ Desligamento", "\tDesligamento")
    text = text.replace("☐ Não se trata de Retenção", "\tNão se trata de Retenção")
    record = parse_document("form.csv", text.replace("\t", ";").encode())
    assert record["outcome"] == "retencao_efetiva"


@pytest.mark.parametrize(
    "label,variant",
    [
        ("Colaborador", "COLABORADOR"),
        ("Operadora", "operadora:"),
        ("Nome dentista", "Nome do Dentista"),
        ("Data inclusão", "Data inclusao"),
        ("nº de vidas", "Nº DE VIDAS"),
        ("nº de vidas", "nº de vistas"),
        ("Dt. abertura protocolo", "Data abertura protocolo"),
        ("Tempo finalização", "Tempo de Finalizaçao"),
        ("Última produç.", "ULTIMA PRODUÇÃO"),
        ("Data início", "Data inicio"),
        ("nº CRO(S) únicos divulgados", "Nº CROS UNICOS DIVULGADOS"),
    ],
)
def test_labels_in_any_case_accents_or_spelling(label, variant):
    text = tab_text(BASE).decode().replace(label, variant, 1)
    assert without_source(parse_document("form.txt", text.encode())) == without_source(BASE)


def test_values_shifted_a_cell_and_blank_fields():
    record = copy.deepcopy(BASE)
    record.update(city=None, lives=None, cro_count=None)
    text = tab_text(record).decode()
    # The CPF sits two cells right of its label already (as in the real workbook); shift the
    # protocol number one cell right too.
    text = text.replace("prestador\tSAD202400001234", "Prestador\t\tSAD202400001234").replace("Prestador\tSAD", "Prestador\t\tSAD")
    parsed = parse_document("form.txt", text.encode())
    assert parsed["protocol_number"] == "SAD202400001234"
    assert parsed["city"] is None and parsed["lives"] is None and parsed["cro_count"] is None
    assert "Campo não preenchido: Cidade" in parsed["warnings"]


def test_layout_text_without_tabs_as_pdftotext_layout_writes_it():
    lines = []
    for row in form_grid(BASE):
        cells = [cell_text(c) for c in row]
        lines.append("".join(f"{c:<34}" for c in cells).rstrip())
    parsed = parse_document("form.txt", "\n".join(lines).encode())
    assert without_source(parsed) == without_source(BASE)


def test_plain_text_with_single_spaces_as_pdftotext_raw_writes_it():
    lines = [" ".join(t for t in (cell_text(c) for c in row) if t) for row in form_grid(BASE)]
    parsed = parse_document("form.txt", "\n\n".join(lines).encode())
    assert without_source(parsed) == without_source(BASE)


def test_two_outcomes_checked_is_ambiguous():
    text = tab_text(BASE).decode().replace("☐ Desligamento", "☒ Desligamento")
    parsed = parse_document("form.txt", text.encode())
    assert parsed["outcome"] is None
    assert any("mais de uma opção marcada" in w for w in parsed["warnings"])


def test_sim_and_nao_both_checked_is_ambiguous():
    text = tab_text(BASE).decode().replace("☐ SIM", "☒ SIM", 1)
    parsed = parse_document("form.txt", text.encode())
    assert parsed["accepts_other_plans"] is None
    assert any("SIM e NÃO marcados" in w for w in parsed["warnings"])


@pytest.mark.parametrize(
    "change,expected_warning",
    [
        (("02/04/2024\t10/05/2024", "31/02/2024\t10/05/2024"), "não existe no calendário"),
        (("02/04/2024\t10/05/2024", "10/05/2024\t02/04/2024"), "anterior à Data início"),
        (("38 dia(s)", "40 dia(s)"), "difere das datas"),
        (("52998224725", "52998224700"), "CPF: dígitos verificadores"),
        (("SP\tCampinas", "XX\tCampinas"), "não é uma UF brasileira"),
        (("Joana Ribeiro Lopes\t", "\t"), "Campo não preenchido: Colaborador"),
    ],
)
def test_inconsistencies_become_warnings(change, expected_warning):
    old, new = change
    text = tab_text(BASE).decode()
    assert old in text
    parsed = parse_document("form.txt", text.replace(old, new, 1).encode())
    assert any(expected_warning in w for w in parsed["warnings"]), parsed["warnings"]


def test_alphanumeric_cnpj_is_valid():
    record = copy.deepcopy(BASE)
    record.update(person_type="J", cpf=None, cnpj="12ABC34501DE35")
    parsed = parse_document("form.txt", tab_text(record))
    assert parsed["cnpj"] == "12ABC34501DE35"
    assert not any("CNPJ" in w for w in parsed["warnings"])


def test_masked_documents_and_pt_br_numbers_are_normalized():
    text = tab_text(BASE).decode().replace("52998224725", "529.982.247-25").replace("12345\t3", "12.345\t3")
    parsed = parse_document("form.txt", text.encode())
    assert parsed["cpf"] == "52998224725" and parsed["lives"] == 12345


@pytest.mark.parametrize(
    "name,data",
    [
        ("vazio.txt", b""),
        ("espacos.txt", b"   \n\n  "),
        ("lixo.xlsx", b"PK\x03\x04 not really a zip"),
        ("lixo.docx", bytes(range(256)) * 4),
        ("lixo.pdf", b"%PDF-1.4 truncated"),
        ("aleatorio.txt", "Lista de compras: arroz, feijão, café".encode()),
    ],
)
def test_files_that_are_not_forms_get_a_portuguese_error(name, data):
    with pytest.raises(FormReadError) as info:
        parse_document(name, data)
    message = str(info.value)
    assert name in message and "Traceback" not in message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_text_encodings(encoding):
    data = tab_text(BASE).decode().replace("☒", "[x]").replace("☐", "[ ]").encode(encoding)
    assert without_source(parse_document("form.txt", data)) == without_source(BASE)


CONVERTED = FIXTURES / "converted"
# Box glyphs lost to Windows-1252: the header is still read, the boxes are unknowable.
BOX_FIELDS = ("accepts_other_plans", "outcome", "retention_actions", "termination_reasons",
              "responsible_sectors", "protocol_required")


@pytest.mark.parametrize(
    "path", sorted(p for p in CONVERTED.iterdir() if p.name.startswith("f") and not p.name.endswith(".json")),
    ids=lambda p: p.name,
)
def test_forms_converted_by_libreoffice_pandoc_and_pdftotext(path):
    if path.suffix in (".doc", ".odt", ".rtf") and shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) não instalado; .ci/run o instala")
    expected = json.loads((CONVERTED / f"{path.name.split('.')[0]}.expected.json").read_text(encoding="utf-8"))
    parsed = parse_path(path)
    lossy = "cp1252" in path.name
    for field in RECORD_KEYS:
        if field in ("source", "warnings") or (lossy and field in BOX_FIELDS):
            continue
        assert parsed[field] == expected[field], field
    if lossy:
        assert any("ilegível" in w for w in parsed["warnings"])


def test_markdown_of_a_sheet_read_through_pandas_as_markitdown_writes_it():
    """NaN in empty cells, 'Unnamed: N' headers, numbers as floats (CPF '52998224725.0'), dates
    with a time: what pandas-based converters make of the workbook."""
    import datetime as dt

    from retention_analytics.forms.template import Check, Days, Decimal2, Money

    def pandas_text(cell):
        if cell is None or cell == "":
            return "NaN"
        if isinstance(cell, Check):
            return cell_text(cell)
        if isinstance(cell, dt.date):
            return cell.strftime("%Y-%m-%d 00:00:00")
        if isinstance(cell, (Money, Decimal2)):
            return repr(float(cell.value))
        if isinstance(cell, Days):
            return f"{cell.value} dia(s)"
        if isinstance(cell, int) or (isinstance(cell, str) and cell.isdigit()):
            return f"{float(cell)}"
        return cell_text(cell)

    lines = []
    for index, row in enumerate(form_grid(BASE)):
        cells = [pandas_text(c) for c in row] + ["NaN"] * (6 - len(row))
        if index == 0:
            lines += ["| " + " | ".join([cells[0], *(f"Unnamed: {k}" for k in range(1, 6))]) + " |", "|---" * 6 + "|"]
        else:
            lines.append("| " + " | ".join(cells) + " |")
    parsed = parse_document("planilha.md", ("## Formulário\n" + "\n".join(lines)).encode())
    assert without_source(parsed) == without_source(BASE)


def test_parsing_does_not_depend_on_what_was_parsed_before(tmp_path):
    # The parser memoizes labels, template lines and value fits across forms (they repeat from
    # form to form); the record of a form must still be the same whatever came before it.
    from retention_analytics.demo import write_corpus

    paths = write_corpus(tmp_path / "forms", 24, seed=5)
    forward = {p.name: parse_path(p) for p in paths}
    backward = {p.name: parse_path(p) for p in reversed(paths)}
    assert forward == backward
    assert len({r["protocol_number"] for r in forward.values()}) > 10


def _heading_reference(row_text):
    """The plain definition of a section heading, as the parser first had it."""
    from retention_analytics import text as T
    from retention_analytics.forms.extract import SECTION_HEADINGS, _drop_words

    tokens = T.fold(row_text).split()
    if not tokens:
        return None
    for section, variants in SECTION_HEADINGS:
        for variant in variants:
            n = len(variant.split())
            head = " ".join(tokens[:n])
            if head == variant or (len(variant) >= 8 and T.similarity(head, variant) >= 0.86):
                return section, _drop_words(row_text, n)
    return None


_HEADING_WORDS = (
    "status retencao retenção ação acoes motivo motivos de do desligamento necessário necessaria abertura "
    "protocolo obs geral observação observacoes gerais setor setores responsável responsaveis data valor"
).split()


@given(
    words=st.lists(st.sampled_from(_HEADING_WORDS), min_size=1, max_size=6),
    typo=st.tuples(st.integers(0, 40), st.sampled_from(["", "a", "e", "o", "s", " "])),
    upper=st.booleans(),
)
def test_section_heading_matching_equals_its_plain_definition(words, typo, upper):
    # _heading groups variants by word count and compares them in one C call; it must pick the
    # same section (and cut the same words) as trying each variant in order.
    from retention_analytics.forms.extract import _heading

    text = " ".join(words)
    position, letter = typo
    text = text[:position] + letter + text[position + 1 :]
    text = text.upper() if upper else text
    assert _heading.__wrapped__(text) == _heading_reference(text)


# pdftotext without -layout writes a page column by column, one cell per line: a value can land
# several labels after its own (forms/extract._adopt_orphans). Anonymized look-alike of that text.
_RAW_TEXT = """Formulário - Processo de Retenção
Colaborador
Qtd CRO(s)
1
Ana Teste Souza
{date_labels}
Operadora
CRO
UF
Nome dentista
OdontoLife
12345
MG
Maria Exemplo Lima
CNPJ
CPF
18/03/2024
52998224725
UF
Cidade
nº de vidas
MG
Uberaba
120
{boxes}
Amil Dental
Atende outros convênios
Quais?
Status retenção
☐ Retenção Efetiva
☒ Desligamento
"""


@pytest.mark.parametrize(
    "date_labels, boxes, form_date, other_plans",
    [
        # The date after "CNPJ / CPF" is the only blank date label's: "Data".
        ("Data", "☒ SIM\n☐ NÃO", "2024-03-18", "Amil Dental"),
        # Two blank date labels before it: no guess, both stay blank (and say so).
        ("Data\nData inclusão", "☒ SIM\n☐ NÃO", None, "Amil Dental"),
        # Text after something other than the SIM/NÃO boxes is not taken for "Quais?".
        ("Data", "", "2024-03-18", None),
    ],
)
def test_raw_text_values_far_from_their_labels(date_labels, boxes, form_date, other_plans):
    text = _RAW_TEXT.format(date_labels=date_labels, boxes=boxes).replace("\n", "\n\n")
    record = parse_document("raw.txt", text.encode("utf-8"))
    assert (record["form_date"], record["cpf"], record["other_plans"]) == (form_date, "52998224725", other_plans)
    assert record["city"] == "Uberaba" and record["lives"] == 120
    assert ("Campo não preenchido: Data" in record["warnings"]) == (form_date is None)


# pdftotext -layout of a sheet printed with narrow columns: labels, values, options, headings and
# names wrapped onto the next lines of their column, a city cut inside its word. Anonymized
# look-alike of what LibreOffice + pdftotext write (the fidelity corpus scores the real output).
_NARROW_LAYOUT = """Formulário - Processo de Retenção

Colaborador             Qtd CRO(s)                                                              1

Ana Teste                                                                        Data               20/03/2024
Souza
Operadora               CRO          UF                   Nome dentista
ODONTOLIFE                     53031 SC                   Maria Exemplo
                                                          Lima
CNPJ                    CPF
                                       52998224725
Data inclusão           Tipo           Demandado          Nº do protocolo        Dt. abertura
                                       por?                                      protocolo
          29/03/2022 F                 Operadora          SAD000111222333            12/02/2024
UF                   Cidade            nº de vidas        nº CRO(S) únicos
                                                          divulgados
SC                      FLORIANÓPO                    8                      3
                        LIS
Atende outros                                             Quais?
convênios
☒ SIM                   ☐ NÃO          Uniodonto

Status retenção
☐ Retenção Efetiva
☒ Desligamento

Motivo
desligamento
☐ Perda de Contato        ☐ Problemas ☒ Beneficiário
                          de Saúde    Grosseiro
☐ Régras Técnicas     ☒ Apenas     ☐ Aposentou
                      procediment
                      os Estéticos

Necessário
abertura de
protocolo
☒ SIM                 ☐ NÃO

Setor responsável

☐ T.I.                ☒ Central de ☐ Análise      ☐ Comercial
                      atendimento Técnica



Leandro Teste
Rocha
"""


def test_narrow_layout_text_joins_what_the_columns_wrapped():
    record = parse_document("estreito.txt", _NARROW_LAYOUT.encode("utf-8"))
    assert record["analyst"] == "Ana Teste Souza" and record["dentist_name"] == "Maria Exemplo Lima"
    assert record["form_date"] == "2024-03-20" and record["cpf"] == "52998224725"
    assert (record["requested_by"], record["protocol_number"], record["protocol_opened_on"]) == (
        "operadora", "SAD000111222333", "2024-02-12")
    assert (record["uf"], record["city"], record["lives"], record["unique_cros_listed"]) == ("SC", "FLORIANÓPOLIS", 8, 3)
    assert record["accepts_other_plans"] is True and record["other_plans"] == "Uniodonto"
    assert record["termination_reasons"] == ["beneficiario_grosseiro", "apenas_procedimentos_esteticos"]
    assert record["protocol_required"] is True
    assert record["responsible_sectors"] == ["central_de_atendimento"]
    assert record["signatories"] == ["Leandro Teste Rocha"]


@pytest.mark.parametrize(
    "uf, written, kept",
    [
        ("SC", "FLORIANÓPO LIS", "FLORIANÓPOLIS"),  # cut inside the word: joined
        ("MG", "Belo Hori zonte", "Belo Horizonte"),  # one cut, the name's own space kept
        ("MG", "Belo Horizonte", "Belo Horizonte"),  # nothing cut
        ("SC", "Cidade Inventada", "Cidade Inventada"),  # not an IBGE name: as written
    ],
)
def test_a_city_cut_by_a_narrow_column_is_joined_by_its_ibge_name(uf, written, kept):
    from retention_analytics.forms.extract import _unbroken_city

    assert _unbroken_city(uf, written) == kept


# --- the optional "Substituição" block (issue 13 item 1; fields.py, section "substitution") ----

BLOCK = {
    "exit_date": "2024-04-30",
    "notice_date": "2024-03-25",
    "substitute_cro": "54321",
    "substitute_uf": "MG",
    "substitute_city": "Itabira",
    "substitute_name": "Clínica Substituta Exemplo",
}
TERMINATED = dict(BASE, outcome="desligamento", termination_reasons=["valores"], general_note="Não aceitou a proposta.")


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "pdf", "md", "txt", "csv"])
def test_the_substitution_block_is_read_from_every_format(fmt):
    from retention_analytics.demo.render import EXTENSIONS, render

    record = dict(TERMINATED, substitution=dict(BLOCK))
    parsed = parse_document(f"com_bloco{EXTENSIONS[fmt]}", render(record, fmt))
    assert parsed["substitution"] == BLOCK
    assert comparable(parsed) == comparable(record), "the block changes no other value"
    assert not [w for w in parsed["warnings"] if "Substitu" in w]


def test_a_form_without_the_block_has_no_substitution():
    from retention_analytics.demo.render import render

    for fmt, name in (("xlsx", "sem_bloco.xlsx"), ("txt", "sem_bloco.txt")):
        assert parse_document(name, render(dict(TERMINATED), fmt))["substitution"] is None


def test_a_partly_filled_block_keeps_every_key():
    block = {**{k: None for k in BLOCK}, "exit_date": "2024-04-30", "notice_date": "2024-04-10"}
    parsed = parse_document("parcial.txt", _text_form(dict(TERMINATED, substitution=block)))
    assert parsed["substitution"] == block


def test_a_bad_date_in_the_block_is_a_portuguese_warning_not_a_crash():
    text = _text_form(dict(TERMINATED, substitution=dict(BLOCK))).decode().replace("30/04/2024", "31/02/2024")
    parsed = parse_document("data_ruim.txt", text.encode())
    assert parsed["substitution"]["exit_date"] is None
    assert parsed["substitution"]["notice_date"] == BLOCK["notice_date"]
    assert "Data de saída da rede: a data 31/02/2024 não existe no calendário; campo deixado em branco" in parsed["warnings"]


def test_a_block_on_a_case_that_is_not_a_termination_is_warned_about():
    record = dict(BASE, outcome="retencao_efetiva", termination_reasons=[], substitution=dict(BLOCK))
    parsed = parse_document("retido.txt", _text_form(record))
    assert parsed["substitution"] == BLOCK
    assert any(w.startswith("Bloco Substituição preenchido, mas o status não é Desligamento") for w in parsed["warnings"])


def _text_form(record) -> bytes:
    return ("\n".join("\t".join(cell_text(c) for c in row) for row in form_grid(record)) + "\n").encode()
