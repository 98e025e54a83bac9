"""The form's fields, each declared once: what it is called, how it is read, stored and shown.

Every single-valued field of the "Formulário - Processo de Retenção" is one `Field` in FIELDS: its
record key (form-schema.md), the label printed on the form and the spellings of it the parser
matches, its value type, the section of the form it belongs to, where the store keeps it, the label
people read, whether it is personal data and whether leaving it blank deserves a warning. Where
it sits on the form is FORM_LAYOUT. Every other module reads these:

- record.py: the contract's keys and the people's labels (RECORD_KEYS, HEADER_LABELS);
- forms/extract.py: its label table (variants and value types) and the warnings' labels;
- forms/validate.py: which blank fields get a "Campo não preenchido" warning;
- forms/template.py: the form's layout and how each value is typed in its cell;
- store/prepare.py and store/store.py: the `cases` columns a record fills, with their types (a new
  field's column is added to existing databases by the store, see `cases_column_ddl`);
- store/views.sql's `blank_fields` and the data-quality page: the blank flags (`quality_fields`);
- ui/case_view.py, commands/parse.py, forms/ocr.py, demo/synth.py, bench/pandas_baseline.py.

Adding a form field is one `Field` here and its place in FORM_LAYOUT (docs/extending.md shows the
worked example). It must not import streamlit, the parser or the store: it is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

# Value types, as the parser reads them (forms/extract.py `_fit_cached` and `_convert`):
#   date "26/03/2024" · int "12.345" · decimal "0,40" · money "R$ 1.234,56" · days "341 dia(s)" ·
#   uf "MG" or "Minas Gerais" · cro · cpf · cnpj · person_type J/F · requested (a slug) · protocol ·
#   production "01/2024" or "sem produção" · name (letters only) · text (not a number or a date) ·
#   note (any text) · check (SIM/NÃO boxes) · status/yes_no/free: read by the lower half's sections.
KINDS: frozenset[str] = frozenset({
    "date", "int", "decimal", "money", "days", "uf", "cro", "cpf", "cnpj", "person_type", "requested",
    "protocol", "production", "name", "text", "note", "check", "status", "yes_no", "free",
})

# How a stored value of each type is typed in the database (store/prepare.py).
_STORAGE = {"int": "int", "days": "int", "decimal": "float", "money": "float", "date": "date", "check": "bool",
            "yes_no": "bool"}
_SQL_TYPES = {"str": "varchar", "int": "integer", "float": "double", "bool": "boolean", "date": "date"}

# Sections of the form, in order: the header grid; the optional "Substituição" block of newer
# templates (its values go to the record's `substitution` object and the store's substitutions
# table, not to `cases`); the lower half, read by its headings (forms/extract.py).
SECTIONS: dict[str, str] = {
    "header": "Cabeçalho",
    "substitution": "Substituição",
    "status": "Status retenção",
    "protocol": "Necessário abertura de protocolo",
    "general_note": "Obs. Geral",
}

# The title printed above the "Substituição" block, and its spellings. The parser takes it as a
# label that never has a value, so the title is never read as the value of a blank field above it.
BLOCK_TITLE = "Substituição do prestador"
BLOCK_TITLE_VARIANTS: tuple[str, ...] = ("substituicao do prestador", "substituicao de prestador", "bloco substituicao")


@dataclass(frozen=True)
class Field:
    key: str  # the record key (form-schema.md); in `substitution` fields, the key inside that object
    label: str  # as printed on the form
    kind: str  # one of KINDS
    variants: tuple[str, ...] = ()  # label spellings the parser matches, as text.fold writes them
    section: str = "header"
    column: str | None = None  # the column the store keeps it in (table `table`); None: not stored
    table: str = "cases"
    display: str | None = None  # the label people read, when not the printed one
    personal: bool = False  # personal data (LGPD): masked unless revealed, audited
    mask: str | None = None  # how: "cpf", "cnpj" or "text" (privacy.py)
    required: bool = False  # a blank value gets "Campo não preenchido: <label>" (validate.py)
    plausible_max: int | None = None  # beyond it a number is taken only where the layout says so
    blank_flag: bool = False  # counted by the data-quality page's blank fields (views.sql)

    @property
    def people_label(self) -> str:
        return self.display or self.label

    @property
    def storage(self) -> str:
        return _STORAGE.get(self.kind, "str")

    @property
    def shown_as(self) -> str:
        """How ui/case_view.py formats it: date, integer, money, days, yes_no, person_type,
        requested_by or text."""
        return {"date": "date", "int": "integer", "decimal": "money", "money": "money", "days": "days",
                "check": "yes_no", "person_type": "person_type", "requested": "requested_by"}.get(self.kind, "text")


def _f(key: str, label: str, kind: str, variants: tuple[str, ...], **more) -> Field:
    more.setdefault("column", key)
    more.setdefault("blank_flag", more.get("section", "header") == "header")
    return Field(key, label, kind, variants, **more)


FIELDS: tuple[Field, ...] = (
    # --- header, in the order of form-schema.md -------------------------------------------------
    _f("analyst", "Colaborador", "name", ("colaborador", "colaboradora", "colaborador a", "analista"), required=True),
    _f("cro_count", "Qtd CRO(s)", "int",
       ("qtd cro s", "qtd cros", "qtd cro", "qtde cro s", "quantidade de cros", "quantidade cro s", "qtd de cros"),
       required=True, plausible_max=10_000),
    _f("form_date", "Data", "date", ("data", "data do formulario", "data formulario"), required=True),
    _f("operator", "Operadora", "text", ("operadora",), required=True),
    _f("cro", "CRO", "cro", ("cro", "no cro", "n cro", "numero cro"), required=True),
    # Both UFs are printed "UF": the parser tells them apart by the labels of their row
    # (forms/extract.py `_resolve_field`), so only the city's UF carries the spelling.
    _f("cro_uf", "UF", "uf", (), display="UF do CRO", required=True),
    _f("dentist_name", "Nome dentista", "name",
       ("nome dentista", "nome do dentista", "nome da dentista", "nome do a dentista", "nome prestador"), required=True),
    _f("cnpj", "CNPJ", "cnpj", ("cnpj",), personal=True, mask="cnpj"),
    _f("cpf", "CPF", "cpf", ("cpf",), personal=True, mask="cpf"),
    _f("inclusion_date", "Data inclusão", "date", ("data inclusao", "dt inclusao", "data de inclusao", "dt de inclusao"),
       required=True),
    _f("person_type", "Tipo", "person_type", ("tipo", "tipo pessoa", "tipo de pessoa"), required=True),
    _f("requested_by", "Demandado por?", "requested", ("demandado por", "demandada por", "demandado pelo a"),
       required=True),
    _f("protocol_number", "Nº do protocolo", "protocol",
       ("no do protocolo", "n do protocolo", "numero do protocolo", "no protocolo", "n protocolo", "nro do protocolo"),
       required=True),
    _f("protocol_opened_on", "Dt. abertura protocolo", "date",
       ("dt abertura protocolo", "data abertura protocolo", "dt abertura do protocolo", "data de abertura do protocolo",
        "data abertura do protocolo", "dt de abertura protocolo"), required=True),
    _f("uf", "UF", "uf", ("uf",), required=True),
    _f("city", "Cidade", "text", ("cidade", "municipio"), required=True),
    _f("lives", "nº de vidas", "int",
       ("no de vidas", "n de vidas", "numero de vidas", "no vidas", "qtd vidas", "no de vistas"),
       required=True, plausible_max=50_000_000),
    _f("unique_cros_listed", "nº CRO(S) únicos divulgados", "int",
       ("no cro s unicos divulgados", "n cro s unicos divulgados", "no cros unicos divulgados", "n cros unicos divulgados",
        "cro s unicos divulgados", "no de cro s unicos divulgados"), required=True, plausible_max=1_000_000),
    _f("accepts_other_plans", "Atende outros convênios", "check",
       ("atende outros convenios", "atende outro convenio", "atende outros convenio")),
    _f("other_plans", "Quais?", "text", ("quais",), personal=True, mask="text"),
    _f("coin_value", "Moeda", "decimal", ("moeda", "valor moeda", "valor da moeda"), required=True),
    _f("last_production", "Última produç.", "production",
       ("ultima produc", "ultima producao", "ultima prod", "ultima produca"), required=True),
    _f("last_production_value", "Valor última prod.", "money",
       ("valor ultima prod", "valor ultima producao", "valor da ultima producao", "valor ultima produc", "valor ultima"),
       required=True),
    _f("started_on", "Data início", "date", ("data inicio", "dt inicio", "data de inicio"), required=True),
    _f("finished_on", "Data final", "date", ("data final", "dt final", "data fim", "data de finalizacao", "data finalizacao")),
    _f("days_to_close", "Tempo finalização", "days",
       ("tempo finalizacao", "tempo de finalizacao", "tempo finaliz", "tempo para finalizacao"), plausible_max=36_500),
    # --- the optional "Substituição" block (issue 13; docs/metrics.md, "Conformidade ANS") ------
    _f("exit_date", "Data de saída da rede", "date",
       ("data de saida da rede", "data de saida", "data saida", "dt saida", "dt de saida", "saida da rede"),
       section="substitution", table="substitutions"),
    _f("notice_date", "Data do aviso", "date",
       ("data do aviso", "data aviso", "dt aviso", "dt do aviso", "data de publicacao do aviso", "aviso publicado em"),
       section="substitution", table="substitutions"),
    _f("substitute_cro", "CRO substituto", "cro", ("cro substituto", "cro do substituto", "no cro substituto"),
       section="substitution", table="substitutions"),
    _f("substitute_uf", "UF substituto", "uf", ("uf substituto", "uf do substituto"),
       section="substitution", table="substitutions"),
    _f("substitute_city", "Município substituto", "text",
       ("municipio substituto", "municipio do substituto", "cidade substituto", "cidade do substituto"),
       section="substitution", table="substitutions"),
    _f("substitute_name", "Nome substituto", "text", ("nome substituto", "nome do substituto"),
       section="substitution", table="substitutions"),
    # --- lower half: read by section headings, not by a label beside a value ---------------------
    _f("outcome", "Status retenção", "status", (), section="status", display="Status (resultado)", blank_flag=True),
    _f("protocol_required", "Necessário abertura de protocolo", "yes_no", (), section="protocol"),
    _f("general_note", "Obs. Geral", "free", (), section="general_note", personal=True, mask="text"),
)

BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}


def of_section(section: str) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS if f.section == section)


HEADER: tuple[Field, ...] = of_section("header")
SUBSTITUTION: tuple[Field, ...] = of_section("substitution")
SUBSTITUTION_KEYS: tuple[str, ...] = tuple(f.key for f in SUBSTITUTION)

# The label tables the parser matches: record key → (kind, variants), for header and block fields.
# The city's "UF" variant is matched for both UFs (extract.py decides which one by its row).
PARSED: tuple[Field, ...] = HEADER + SUBSTITUTION


def case_columns() -> tuple[tuple[str, str], ...]:
    """(column, storage type) of the `cases` columns a record fills, in table order."""
    return tuple((f.column, f.storage) for f in FIELDS if f.table == "cases" and f.column)


def quality_fields() -> tuple[Field, ...]:
    """The fields whose blanks the data-quality page counts (views.sql `blank_fields`)."""
    return tuple(f for f in FIELDS if f.blank_flag and f.table == "cases")


def cases_column_ddl() -> str:
    """`alter table cases add column if not exists …` for every field stored in `cases`: a field
    added to the registry gets its column in every existing database the next time it is opened
    (a no-op for the columns schema.sql already creates)."""
    return "\n".join(
        f"alter table cases add column if not exists {column} {_SQL_TYPES[kind]};" for column, kind in case_columns()
    )


# ----------------------------------------------------------------------------------- the layout


@dataclass(frozen=True)
class Slot:
    """A cell of FORM_LAYOUT: the printed label of a field, or its value."""

    key: str
    value: bool = False


def L(key: str) -> Slot:  # noqa: N802 - reads as the layout's legend: L = label, V = value
    return Slot(key)


def V(key: str) -> Slot:  # noqa: N802
    return Slot(key, True)


# Where each header field sits on the operators' workbook (forms/template.py draws it): rows of at
# most six cells (columns A..F); a label row, then its value row; values sometimes a cell to the
# side of their label, sometimes in the label's row. `V("accepts_other_plans")` is two cells (the
# SIM and NÃO boxes). Plain text is printed as it is.
FORM_LAYOUT: dict[str, tuple[tuple[Slot | str | None, ...], ...]] = {
    "header": (
        (L("analyst"), L("cro_count"), None, None, V("cro_count"), None),
        (V("analyst"), None, None, None, L("form_date"), V("form_date")),
        (L("operator"), L("cro"), L("cro_uf"), L("dentist_name"), None, None),
        (V("operator"), V("cro"), V("cro_uf"), V("dentist_name"), None, None),
        (L("cnpj"), L("cpf"), None, None, None, None),
        (V("cnpj"), None, V("cpf"), None, None, None),
        (L("inclusion_date"), L("person_type"), L("requested_by"), L("protocol_number"), L("protocol_opened_on"), None),
        (V("inclusion_date"), V("person_type"), V("requested_by"), V("protocol_number"), V("protocol_opened_on"), None),
        (L("uf"), L("city"), L("lives"), L("unique_cros_listed"), None, None),
        (V("uf"), V("city"), V("lives"), V("unique_cros_listed"), None, None),
        (L("accepts_other_plans"), None, None, L("other_plans"), None, None),
        (V("accepts_other_plans"), V("other_plans"), None, None, None),
        (L("coin_value"), L("last_production"), L("last_production_value"), None, None, None),
        (V("coin_value"), V("last_production"), V("last_production_value"), None, None, None),
        (L("started_on"), L("finished_on"), L("days_to_close"), None, None, None),
        (V("started_on"), V("finished_on"), V("days_to_close"), None, None, None),
    ),
    # Drawn right below the header, only on forms that have the block (record["substitution"]).
    "substitution": (
        (BLOCK_TITLE,),
        (L("exit_date"), L("notice_date"), None, None, None, None),
        (V("exit_date"), V("notice_date"), None, None, None, None),
        # as the header's "Operadora | CRO | UF | Nome dentista": no two free texts side by side
        (L("substitute_city"), L("substitute_cro"), L("substitute_uf"), L("substitute_name"), None, None),
        (V("substitute_city"), V("substitute_cro"), V("substitute_uf"), V("substitute_name"), None, None),
    ),
}


def _check_layout() -> None:
    placed = {cell.key for rows in FORM_LAYOUT.values() for row in rows for cell in row if isinstance(cell, Slot)}
    missing = [f.key for f in PARSED if f.key not in placed]
    assert not missing, f"fields without a place on the form: {missing}"
    assert all(k in BY_KEY for k in placed), "FORM_LAYOUT names a field FIELDS does not declare"
    assert all(f.kind in KINDS for f in FIELDS)


_check_layout()
