"""The field registry (retention_analytics/fields.py): every module reads its fields from it, and
what it declares agrees with the form the template draws, the parser reads and the store keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_factory import form_text, make_record
from retention_analytics import fields as F
from retention_analytics.forms import extract, parse_document, validate
from retention_analytics.forms.sources import Document
from retention_analytics.forms.template import cell_text, form_grid
from retention_analytics.record import HEADER_LABELS, RECORD_KEYS, empty_record
from retention_analytics.store import open_store
from retention_analytics.store.prepare import RECORD_COLUMNS
from retention_analytics.text import fold


def test_the_record_keys_are_the_contracts_and_the_header_is_the_registrys():
    header = [f.key for f in F.HEADER]
    assert RECORD_KEYS[1 : 1 + len(header)] == tuple(header)
    assert len(header) == 26 and len(RECORD_KEYS) == 38
    assert F.SUBSTITUTION_KEYS[:2] == ("exit_date", "notice_date")
    assert not set(F.SUBSTITUTION_KEYS) & set(RECORD_KEYS), "the block's values live inside `substitution`"
    assert HEADER_LABELS == {f.key: f.people_label for f in F.HEADER} and HEADER_LABELS["cro_uf"] == "UF do CRO"


@pytest.mark.parametrize("field", F.PARSED, ids=lambda f: f.key)
def test_each_printed_label_is_one_of_the_spellings_the_parser_matches(field):
    spelled = field.variants or F.BY_KEY["uf"].variants  # the CRO's UF is printed "UF" too
    assert fold(field.label) in spelled
    assert extract._FIT_KEY[field.key][0] == field.kind


def test_the_parser_validator_and_store_read_the_registry():
    assert set(extract.HEADER_FIELDS) == {f.key for f in F.PARSED if f.variants} | {"_substitution_title"}
    assert validate.REQUIRED_HEADER == tuple(f.key for f in F.HEADER if f.required)
    assert RECORD_COLUMNS == (("source", "str"), *F.case_columns())
    assert [c for c, _ in F.case_columns()][-3:] == ["outcome", "protocol_required", "general_note"]


def test_the_template_prints_every_label_where_the_layout_puts_it():
    texts = {cell_text(c) for row in form_grid(empty_record("")) for c in row}
    assert {f.label for f in F.HEADER} <= texts
    assert not {f.label for f in F.SUBSTITUTION} & texts, "no block on a form without one"
    with_block = form_grid({**empty_record(""), "substitution": {}})
    texts = {cell_text(c) for row in with_block for c in row}
    assert {f.label for f in F.SUBSTITUTION} | {F.BLOCK_TITLE} <= texts
    assert fold(F.BLOCK_TITLE) in F.BLOCK_TITLE_VARIANTS
    assert all(len(row) <= 6 for row in with_block)


def test_views_blank_flags_and_the_cases_columns_follow_the_registry(tmp_path: Path):
    store = open_store(tmp_path / "campos.duckdb")
    store.ingest([Document("f.txt", form_text(make_record()).encode())])
    with store.connect() as con:
        blank = con.execute("select blank_fields from case_facts").fetchone()[0]
        types = dict(con.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'cases'").fetchall())
    assert list(blank) == [f.key for f in F.quality_fields()], "store/views.sql blank_fields: one flag per field"
    sql = {"str": "VARCHAR", "int": "INTEGER", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE"}
    assert {c: types.get(c) for c, _ in F.case_columns()} == {c: sql[k] for c, k in F.case_columns()}


def test_a_field_the_registry_adds_gets_its_column_in_an_existing_database(tmp_path: Path, monkeypatch):
    """The store adds the `cases` column of a field declared after the file was made (no
    hand-written migration): what adding a form field needs from the schema."""
    from retention_analytics.store import store as store_module

    path = tmp_path / "antigo.duckdb"
    open_store(path).ingest([Document("f.txt", form_text(make_record()).encode())])
    extra = F.Field("provider_email", "E-mail do prestador", "text", ("e mail do prestador",), column="provider_email")
    monkeypatch.setattr(F, "FIELDS", (*F.FIELDS, extra))
    store_module._schema_fingerprint.cache_clear()
    try:
        store = open_store(path)
        with store.connect() as con:
            assert con.execute("select count(*), count(provider_email) from cases").fetchone() == (1, 0)
    finally:
        store_module._schema_fingerprint.cache_clear()


def test_personal_fields_are_the_masked_ones():
    assert {f.key for f in F.FIELDS if f.personal} == {"cnpj", "cpf", "other_plans", "general_note"}
    assert all(f.mask in ("cpf", "cnpj", "text") for f in F.FIELDS if f.personal)


def test_a_parsed_record_has_the_block_object_with_every_key():
    record = make_record(substitution={"exit_date": "2024-04-15"})
    parsed = parse_document("bloco.txt", form_text(record).encode())
    assert parsed["substitution"] == {k: ("2024-04-15" if k == "exit_date" else None) for k in F.SUBSTITUTION_KEYS}


def test_the_case_view_masks_what_the_registry_marks_personal_and_shows_every_header_field():
    from retention_analytics.ui import case_view

    record = make_record(other_plans="Plano Fictício, contato fulano@exemplo.com.br")
    shown = dict(case_view.header_fields(record))
    assert list(shown) == [f.people_label for f in F.HEADER]
    assert shown["CPF"] == "***.456.789-**" and "fulano@exemplo.com.br" not in shown["Quais?"]
    assert "fulano@exemplo.com.br" in dict(case_view.header_fields(record, reveal=True))["Quais?"]
    assert shown["Data inclusão"] == "15/01/2020" and shown["Valor última prod."] == "R$ 1.234,56"
