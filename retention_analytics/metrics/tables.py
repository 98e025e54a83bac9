"""`TABLES`: the registry of exportable summaries, shared by pages, downloads and the CLI.

For each table name: the function that computes it (from summaries.py), its Portuguese title, the
Portuguese stem of its download file name and its column catalogue: every column declared once
(`Column`) with its English key (the export contract for programs), Portuguese header, kind
(integer, id, decimal, days, percent, money, date, month, quarter, bool, text, a vocabulary
shown by its label (status, person_type, requester), a code whose label sits in the next column,
or an interval people read as one column, drawn from two machine columns: "39,5–49,1%"), display precision (`DECIMALS` of the kind), whether it
holds personal data, and whether it is for people or kept for machines (keys, codes, sort orders:
never on screen nor in the downloads people get). The screen (ui/page.show_table), the downloads
(export.py, `header="labels"`) and the CLI (`export --labels`) read it. `compute(name, con, f)` returns the table restricted
to its contract columns, so the screen, the download and the CLI show the same values.

It must not compute anything itself, format values or import streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..filters import STATUS_LABELS, Filters
from ..formatting import is_missing as _is_missing
from ..vocab import NOTICE_STATUSES, REQUESTERS, SUBSTITUTE_STATUSES
from . import summaries as s
from . import work as w


# Display precision of each kind (decimal places as people see them; percent: of the percentage).
DECIMALS: dict[str, int] = {"int": 0, "id": 0, "decimal": 1, "days": 1, "percent": 1, "money": 2}
NUMERIC_KINDS = frozenset(DECIMALS)

# Who a column is for.
PEOPLE = "people"  # on screen and in the downloads people get
MACHINE = "machine"  # keys, codes and sort orders: kept for programs (export's default), never shown

# Columns holding personal data (LGPD): masked unless an admin reveals them (metrics.cases).
PERSONAL_COLUMNS = frozenset({"dentist_name", "cpf", "cnpj", "cro", "general_note"})


# Vocabulary columns shown by their label (the stored value is a code): kind → code → label.
VOCABULARY_LABELS: dict[str, dict[str, str]] = {
    "status": STATUS_LABELS,
    "notice_status": {t.code: t.label for t in NOTICE_STATUSES},
    "substitute_status": {t.code: t.label for t in SUBSTITUTE_STATUSES},
    "person_type": {"F": "Pessoa física", "J": "Pessoa jurídica"},
    "requester": {t.code: t.label for t in REQUESTERS},
}


@dataclass(frozen=True)
class Column:
    """One column of a summary table, declared once for the screen, the downloads and the CLI."""

    key: str  # the English name: the export contract for programs
    label: str  # the Portuguese header people read
    kind: str  # int, id, decimal, days, percent, money, date, datetime, month, quarter, bool, text, code
    audience: str = PEOPLE
    personal: bool = False
    parts: tuple[str, ...] = ()  # an "interval": drawn from these columns (low, high), not stored

    @property
    def decimals(self) -> int | None:
        return DECIMALS.get(self.kind)

    @property
    def shown(self) -> bool:
        return self.audience == PEOPLE

    def label_of(self, value: Any) -> Any:
        """A vocabulary code as people read it ("desligamento" → "Desligamento"); other values as
        they are. An unknown code keeps its text (it came from a form)."""
        labels = VOCABULARY_LABELS.get(self.kind)
        if labels is None or not isinstance(value, str):
            return value
        return labels.get(value, value)

    def texts(self, values: pd.Series) -> pd.Series:
        """`values` as the screen's text cells: each as `str(label_of(value))`, a missing one as None.

        Each distinct value is labelled once (a list of 1,000 cases holds a few dozen operators,
        statuses or cities; labelling cell by cell cost ~10 ms per table on every rerun). Values
        that cannot be told apart by hashing (lists) are labelled one by one."""
        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
        except TypeError:  # unhashable cells
            return values.map(lambda v: None if _is_missing(v) else str(self.label_of(v)))
        shown = [None if _is_missing(v) else str(self.label_of(v)) for v in uniques]
        table = np.array([*shown, None], dtype=object)  # code -1 (missing) → the last, None
        # dtype inferred as Series.map infers it (pandas' text dtype where every cell is text or None)
        return pd.Series(table[codes], index=values.index, name=values.name)


@dataclass(frozen=True)
class TableSpec:
    name: str
    function: Callable[..., pd.DataFrame]
    title: str
    columns: dict[str, str]  # English column name → Portuguese label, in export order
    formats: dict[str, str] = field(default_factory=dict)  # column → formatting kind
    file_stem: str = ""
    catalogue: tuple[Column, ...] = ()

    def labels(self) -> list[str]:
        return list(self.columns.values())

    def column(self, key: str) -> Column | None:
        return next((c for c in self.catalogue if c.key == key), None)

    def shown(self, present: Any = None) -> list[Column]:
        """The columns people see, in order (only those in `present`, when given)."""
        keys = None if present is None else set(present)
        return [c for c in self.catalogue if c.shown and (keys is None or c.key in keys
                                                           or c.parts and set(c.parts) <= keys)]


_RATE_COLUMNS = {
    "attempts": ("Tentativas", "int"),
    "retained": ("Retidos", "int"),
    "retention_rate": ("Taxa de retenção", "percent"),
    # The bounds stay numbers for machines; people read them as one column, "39,5–49,1%".
    "ci_low": ("IC 95% inferior", "percent", MACHINE),
    "ci_high": ("IC 95% superior", "percent", MACHINE),
    "ci": ("IC 95%", "interval", PEOPLE, ("ci_low", "ci_high")),
    "small_sample": ("Amostra pequena", "bool"),
}


def _column(entry: tuple[Any, ...]) -> Column:
    key, label, kind, *rest = entry
    audience = rest[0] if rest else PEOPLE
    parts = tuple(rest[1]) if len(rest) > 1 else ()
    if kind == "code":
        audience = MACHINE  # a vocabulary code: people read the label column beside it
    return Column(key, label, kind, audience, key in PERSONAL_COLUMNS, parts)


def _spec(name: str, function: Callable[..., pd.DataFrame], title: str, file_stem: str,
          columns: list[tuple[str, ...]]) -> TableSpec:
    catalogue = tuple(_column(c) for c in columns)
    return TableSpec(
        name=name,
        function=function,
        title=title,
        # The export contract: stored columns only (an interval is drawn from two of them).
        columns={c.key: c.label for c in catalogue if not c.parts},
        formats={c.key: c.kind for c in catalogue if not c.parts},
        file_stem=file_stem,
        catalogue=catalogue,
    )


def _rate(*names: str) -> list[tuple[Any, ...]]:
    out = []
    for n in names:
        out.append((n, *_RATE_COLUMNS[n]))
        if n == "ci_high":
            out.append(("ci", *_RATE_COLUMNS["ci"]))
    return out


_EFFECTIVENESS = [
    ("cases", "Casos", "int"),
    ("open_cases", "Casos em aberto", "int"),
    ("closed", "Casos finalizados", "int"),
    *_rate("attempts", "retained", "retention_rate", "ci_low", "ci_high", "small_sample"),
    ("rank", "Posição", "int"),
    ("not_retention", "Não se trata de retenção", "int"),
    ("terminations", "Desligamentos", "int"),
    ("median_days", "Mediana de dias para finalizar", "days"),
    ("closed_within_60", "Finalizados em até 60 dias", "percent"),
    ("top_reasons", "Motivos mais citados", "text"),
]

_SPECS: list[TableSpec] = [
    _spec("kpis", s.kpis, "Indicadores principais", "indicadores", [
        ("cases", "Casos", "int"),
        ("closed_cases", "Casos finalizados", "int"),
        ("open_cases", "Casos em aberto", "int"),
        *_rate("attempts", "retained", "retention_rate", "ci_low", "ci_high", "small_sample"),
        ("not_retention", "Não se trata de retenção", "int"),
        ("terminations", "Desligamentos", "int"),
        ("cros_lost", "CROs perdidos", "int"),
        ("median_days", "Mediana de dias para finalizar", "days"),
        ("closure_n", "Casos com tempo de finalização", "int"),
        ("gap_cities", "Cidades com lacuna de cobertura", "int"),
        ("lives_at_risk", "Vidas em risco", "int"),
    ]),
    _spec("monthly_outcomes", s.monthly_outcomes, "Casos por mês e status", "casos_por_mes", [
        ("month", "Mês", "month"),
        ("outcome", "Status (código)", "code"),
        ("outcome_label", "Status", "text"),
        ("cases", "Casos", "int"),
    ]),
    _spec("monthly_outcomes_grid", s.monthly_outcomes_grid, "Casos por mês e status (grade)", "casos_por_mes_grade", [
        ("month", "Mês", "month"),
        *[(code, label, "int") for code, label in STATUS_LABELS.items()],
        ("total", "Total", "int"),
    ]),
    _spec("reasons", s.reasons, "Motivos de desligamento", "motivos_desligamento", [
        ("reason_code", "Código do motivo", "code"),
        ("label", "Motivo", "text"),
        ("category", "Categoria", "text"),
        ("controllable", "Controlável pela operadora", "bool"),
        ("cases", "Casos que citam", "int"),
        ("terminated", "Desligamentos", "int"),
        ("share", "% dos desligamentos", "percent"),
        ("cumulative_share", "% acumulado das citações", "percent"),
    ]),
    _spec("reason_categories", s.reason_categories, "Categorias de motivos de desligamento",
          "categorias_motivos", [
        ("category", "Categoria", "text"),
        ("controllable", "Controlável pela operadora", "bool"),
        ("cases", "Casos que citam", "int"),
        ("terminated", "Desligamentos", "int"),
        ("share", "% dos desligamentos", "percent"),
    ]),
    _spec("reasons_controllable", s.reasons_controllable, "Desligamentos por controle da operadora",
          "motivos_controlaveis", [
        ("kind", "Grupo (código)", "code"),
        ("label", "Grupo", "text"),
        ("cases", "Desligamentos do grupo", "int"),
        ("terminated", "Desligamentos", "int"),
        ("share", "% dos desligamentos", "percent"),
    ]),
    _spec("reasons_quarterly", s.reasons_quarterly, "Categorias de motivos por trimestre",
          "motivos_por_trimestre", [
        ("quarter", "Trimestre", "quarter"),
        ("category", "Categoria", "text"),
        ("controllable", "Controlável pela operadora", "bool"),
        ("cases", "Casos que citam", "int"),
        ("terminated", "Desligamentos no trimestre", "int"),
        ("share", "% dos desligamentos", "percent"),
    ]),
    _spec("reasons_operator_category", s.reasons_operator_category,
          "Categorias de motivos por operadora", "motivos_por_operadora", [
        ("operator_key", "Chave da operadora", "text", MACHINE),
        ("operator", "Operadora", "text"),
        ("category", "Categoria", "text"),
        ("controllable", "Controlável pela operadora", "bool"),
        ("cases", "Casos que citam", "int"),
        ("terminated", "Desligamentos da operadora", "int"),
        ("share", "% dos desligamentos", "percent"),
    ]),
    _spec("closure_times", s.closure_times, "Tempo de finalização por operadora", "tempo_finalizacao", [
        ("operator_key", "Chave da operadora", "text", MACHINE),
        ("operator", "Operadora", "text"),
        ("closed", "Casos finalizados (n)", "int"),
        ("median_days", "Mediana (dias)", "days"),
        ("p75_days", "P75 (dias)", "days"),
        ("p90_days", "P90 (dias)", "days"),
        ("is_total", "Linha de total", "bool", MACHINE),
    ]),
    _spec("closure_distribution", s.closure_distribution, "Distribuição do tempo de finalização",
          "distribuicao_tempo_finalizacao", [
        ("bin_start", "De (dias)", "int"),
        ("bin_end", "Até (dias)", "int"),
        ("cases", "Casos", "int"),
        ("share", "% dos finalizados", "percent"),
    ]),
    *[
        _spec(f"closure_boxes_{by}", function, f"Distribuição do tempo de finalização por {who}",
              f"caixas_tempo_finalizacao_{file_who}", [
            ("group_key", f"Chave {of_who}", "text", MACHINE),
            ("name", who.capitalize(), "text"),
            ("n", "Casos finalizados (n)", "int"),
            ("min_days", "Mínimo (dias)", "days"),
            ("whisker_low", "Haste inferior (dias)", "days"),
            ("q1", "1º quartil (dias)", "days"),
            ("median", "Mediana (dias)", "days"),
            ("q3", "3º quartil (dias)", "days"),
            ("whisker_high", "Haste superior (dias)", "days"),
            ("max_days", "Máximo (dias)", "days"),
            ("outliers", "Casos atípicos", "int"),
        ])
        for by, function, who, of_who, file_who in (
            ("operator", s.closure_boxes_operator, "operadora", "da operadora", "operadoras"),
            ("analyst", s.closure_boxes_analyst, "analista", "do analista", "analistas"),
        )
    ],
    _spec("sla", s.sla, "Finalizados dentro do prazo", "prazos_finalizacao", [
        ("n", "Casos finalizados (n)", "int"),
        ("within_30", "Em até 30 dias", "percent"),
        ("within_60", "Em até 60 dias", "percent"),
        ("within_90", "Em até 90 dias", "percent"),
    ]),
    _spec("open_by_age_band", s.open_by_age_band, "Casos em aberto por idade", "casos_abertos_por_idade", [
        ("band", "Faixa (dias)", "text"),
        ("band_order", "Ordem", "int", MACHINE),
        ("min_days", "De (dias)", "int"),
        ("max_days", "Até (dias)", "int"),
        ("cases", "Casos em aberto", "int"),
    ]),
    _spec("oldest_open_cases", s.oldest_open_cases, "Casos em aberto mais antigos",
          "casos_abertos_mais_antigos", [
        ("case_id", "Caso", "id"),
        ("protocol_number", "Nº do protocolo", "text"),
        ("operator", "Operadora", "text"),
        ("analyst", "Analista", "text"),
        ("uf", "UF", "text"),
        ("city", "Cidade", "text"),
        ("dentist_name", "Dentista", "text"),
        ("cpf", "CPF", "text"),
        ("cnpj", "CNPJ", "text"),
        ("reference_date", "Data de referência", "date"),
        ("age_days", "Idade (dias)", "int"),
        ("last_contact_on", "Último contato", "date"),
        ("contacts", "Contatos", "int"),
    ]),
    _spec("coverage_uf", s.coverage_uf, "Cobertura da rede por UF", "cobertura_uf", [
        ("uf", "UF", "text"),
        ("uf_name", "Estado", "text"),
        ("cases", "Casos", "int"),
        *_rate("attempts", "retained", "retention_rate", "ci_low", "ci_high", "small_sample"),
        ("terminations", "Desligamentos", "int"),
        ("cros_lost", "CROs perdidos", "int"),
        ("gap_cities", "Cidades com lacuna", "int"),
        ("lives_at_risk", "Vidas em risco", "int"),
    ]),
    _spec("coverage_city", s.coverage_city, "Cobertura da rede por cidade", "cobertura_cidades", [
        ("uf", "UF", "text"),
        ("city", "Cidade", "text"),
        ("city_id", "Identificador da cidade", "text", MACHINE),
        ("ibge_code", "Código IBGE", "text"),
        ("lives", "Vidas", "int"),
        ("listed_cros", "CROs divulgados", "int"),
        ("cases", "Casos no período", "int"),
        ("terminations", "Desligamentos", "int"),
        ("cros_lost", "CROs perdidos", "int"),
        ("gap", "Lacuna de cobertura", "bool"),
    ]),
    _spec("coverage_gaps", s.coverage_gaps, "Cidades com lacuna de cobertura", "lacunas_cobertura", [
        ("uf", "UF", "text"),
        ("city", "Cidade", "text"),
        ("ibge_code", "Código IBGE", "text"),
        ("lives", "Vidas", "int"),
        ("listed_cros", "CROs divulgados", "int"),
        ("cros_lost", "CROs perdidos", "int"),
        ("terminations", "Desligamentos", "int"),
    ]),
    _spec("compliance", s.compliance, "Conformidade ANS: desligamentos", "conformidade_ans", [
        ("case_id", "Caso", "id", MACHINE),
        ("protocol_number", "Nº do protocolo", "text"),
        ("operator", "Operadora", "text"),
        ("uf", "UF", "text"),
        ("city", "Cidade", "text"),
        ("lives", "Vidas", "int"),
        ("exit_date", "Saída da rede", "date"),
        ("notice_due", "Aviso até", "date"),
        ("notice_date", "Aviso publicado em", "date"),
        ("notice_status", "Aviso", "notice_status"),
        ("days_to_notice_due", "Dias até o prazo do aviso", "int"),
        ("publication_until", "Publicação até", "date"),
        ("substitute_status", "Substituto", "substitute_status"),
        ("substitute_cro", "CRO do substituto", "text"),
        ("substitute_city", "Município do substituto", "text"),
        ("substitute_name", "Nome do substituto", "text"),
        ("sole_provider", "Único prestador da cidade", "bool"),
        ("days_without_substitute", "Dias sem substituto", "int"),
    ]),
    _spec("compliance_sole_provider_cities", s.compliance_sole_provider_cities,
          "Cidades que perderam o único prestador", "cidades_unico_prestador", [
        ("uf", "UF", "text"),
        ("city", "Cidade", "text"),
        ("lives", "Vidas", "int"),
        ("terminations", "Desligamentos", "int"),
        ("without_substitute", "Sem substituto", "int"),
    ]),
    _spec("effectiveness_operator", s.effectiveness_operator, "Efetividade por operadora",
          "efetividade_operadoras", [
        ("operator_key", "Chave da operadora", "text", MACHINE),
        ("operator", "Operadora", "text"),
        *_EFFECTIVENESS,
    ]),
    _spec("effectiveness_analyst", s.effectiveness_analyst, "Efetividade por analista",
          "efetividade_analistas", [
        ("analyst_key", "Chave do analista", "text", MACHINE),
        ("analyst", "Analista", "text"),
        *_EFFECTIVENESS,
    ]),
    _spec("actions", s.actions, "Retenção por ação ofertada", "acoes_retencao", [
        ("action_code", "Código da ação", "code"),
        ("label", "Ação", "text"),
        ("attempts_offered", "Tentativas com a ação", "int"),
        ("retained_offered", "Retidos com a ação", "int"),
        ("rate_offered", "Taxa com a ação", "percent"),
        ("ci_low_offered", "IC 95% inferior (com)", "percent", MACHINE),
        ("ci_high_offered", "IC 95% superior (com)", "percent", MACHINE),
        ("ci_offered", "IC 95% (com)", "interval", PEOPLE, ("ci_low_offered", "ci_high_offered")),
        ("small_sample_offered", "Amostra pequena (com)", "bool"),
        ("attempts_not_offered", "Tentativas sem a ação", "int"),
        ("retained_not_offered", "Retidos sem a ação", "int"),
        ("rate_not_offered", "Taxa sem a ação", "percent"),
        ("ci_low_not_offered", "IC 95% inferior (sem)", "percent", MACHINE),
        ("ci_high_not_offered", "IC 95% superior (sem)", "percent", MACHINE),
        ("ci_not_offered", "IC 95% (sem)", "interval", PEOPLE, ("ci_low_not_offered", "ci_high_not_offered")),
        ("small_sample_not_offered", "Amostra pequena (sem)", "bool"),
        ("difference", "Diferença (p.p.)", "percent"),
    ]),
    _spec("requested_by", s.requested_by, "Retenção por demandante", "demandado_por", [
        ("requested_by", "Demandado por (código)", "code"),
        ("label", "Demandado por", "text"),
        ("cases", "Casos", "int"),
        *_rate("attempts", "retained", "retention_rate", "ci_low", "ci_high", "small_sample"),
    ]),
    _spec("cases", s.cases, "Casos", "casos", [
        ("case_id", "Caso", "id"),
        ("protocol_number", "Nº do protocolo", "text"),
        ("status", "Status", "status"),
        ("operator", "Operadora", "text"),
        ("analyst", "Analista", "text"),
        ("uf", "UF", "text"),
        ("city", "Cidade", "text"),
        ("ibge_code", "Código IBGE", "text"),
        ("dentist_name", "Dentista", "text"),
        ("cro", "CRO", "text"),
        ("cro_uf", "UF do CRO", "text"),
        ("cpf", "CPF", "text"),
        ("cnpj", "CNPJ", "text"),
        ("person_type", "Tipo", "person_type"),
        ("requested_by", "Demandado por", "requester"),
        ("reference_date", "Data de referência", "date"),
        ("started_on", "Data início", "date"),
        ("finished_on", "Data final", "date"),
        ("closure_days", "Dias para finalizar", "int"),
        ("lives", "Vidas", "int"),
        ("unique_cros_listed", "CROs divulgados", "int"),
        ("cros_at_stake", "CROs do caso", "int"),
        ("reasons", "Motivos de desligamento", "text"),
        ("actions", "Ações de retenção", "text"),
        ("general_note", "Obs. geral", "text"),
        ("warning_count", "Avisos", "int"),
        ("source", "Arquivo", "text"),
    ]),
]

# A long list computed whole (Cobertura's cities, Conformidade's cities) shows, on screen and in
# its downloads, its first LIST_ROW_LIMIT rows in its order: ui/page.first_rows.
LIST_ROW_LIMIT = 1000
# The lists the store pages (Casos, Fila de trabalho, Conformidade ANS) show this many rows at a
# time, with a page picker: what a person reads, not the ~90 thousand open cases of a national
# store (ui/page.list_page); their downloads hold the page on screen.
LIST_PAGE_SIZE = 100

# Data quality (metrics.quality returns these frames together; each is exported on its own).
# Lists are capped at QUALITY_LIST_LIMIT rows, the same cap on the page and in its downloads.
QUALITY_LIST_LIMIT = 1000
# What Qualidade dos dados asks metrics.quality for first: its cards and the common warnings of its
# first tab; the tab's list of forms is asked for a page at a time (quality_warnings with
# limit/offset), the other tabs ask for their own table when opened.
QUALITY_FIRST_VIEW: tuple[str, ...] = ("summary", "warning_messages")


def _quality_part(part: str) -> Callable[..., pd.DataFrame]:
    def function(con: Any, f: Filters | None = None, limit: int = QUALITY_LIST_LIMIT, offset: int = 0) -> pd.DataFrame:
        # Only its own queries; `offset` pages the warnings' list (the others start at their first row).
        return s.quality(con, f, limit=limit, parts=(part,), offset=offset)[part]

    function.__name__ = f"quality_{part}"
    return function


_SPECS += [
    _spec("quality_warnings", _quality_part("warnings"), "Formulários com avisos de leitura",
          "formularios_com_avisos", [
        ("case_id", "Caso", "id"),
        ("protocol_number", "Nº do protocolo", "text"),
        ("operator", "Operadora", "text"),
        ("analyst", "Analista", "text"),
        ("warning_count", "Avisos", "int"),
        ("warnings", "Avisos da leitura", "text"),
        ("source", "Arquivo", "text"),
    ]),
    _spec("quality_warning_messages", _quality_part("warning_messages"), "Avisos de leitura mais comuns",
          "avisos_mais_comuns", [
        ("message", "Aviso", "text"),
        ("cases", "Casos", "int"),
    ]),
    _spec("quality_blank_fields", _quality_part("blank_fields"), "Campos em branco por campo do formulário",
          "campos_em_branco", [
        ("field", "Campo (código)", "code"),
        ("label", "Campo", "text"),
        ("blank", "Em branco", "int"),
        ("cases", "Casos", "int"),
        ("share", "% em branco", "percent"),
    ]),
    _spec("quality_unmatched_cities", _quality_part("unmatched_cities"), "Cidades não encontradas no IBGE",
          "cidades_nao_encontradas", [
        ("uf", "UF", "text"),
        ("city", "Cidade (como escrita)", "text"),
        ("city_key", "Chave da cidade", "text", MACHINE),
        ("cases", "Casos", "int"),
    ]),
    _spec("quality_superseded", _quality_part("superseded"), "Protocolos com versões substituídas",
          "versoes_substituidas", [
        ("current_case_id", "Caso atual", "id"),
        ("protocol_number", "Nº do protocolo", "text"),
        ("operator", "Operadora", "text"),
        ("versions", "Versões", "int"),
        ("case_ids", "Casos (versões)", "text"),
        ("source", "Arquivo da versão atual", "text"),
    ]),
    _spec("quality_rejected", _quality_part("rejected"), "Documentos rejeitados", "documentos_rejeitados", [
        ("document_id", "Documento", "id"),
        ("file_name", "Arquivo", "text"),
        ("ingested_at", "Importado em", "datetime"),
        ("rejection_reason", "Motivo da rejeição", "text"),
        ("size_bytes", "Tamanho (bytes)", "int"),
    ]),
]

# --------------------------------------------------------------------------- the work queue
# (metrics/work.py; pages/9_Fila_de_trabalho.py). Kept in their own list so the registry above
# merges apart from them.
def _work_specs() -> list[TableSpec]:
    return [
        _spec("work_queue", w.work_queue, "Fila de trabalho: casos em aberto", "fila_casos_abertos", [
            ("case_id", "Caso", "id", MACHINE),
            ("protocol_number", "Nº do protocolo", "text"),
            ("operator_key", "Chave da operadora", "text", MACHINE),
            ("operator", "Operadora", "text"),
            ("analyst_key", "Chave do analista", "text", MACHINE),
            ("analyst", "Analista", "text"),
            ("uf", "UF", "text"),
            ("city", "Cidade", "text"),
            ("dentist_name", "Dentista", "text"),
            ("reference_date", "Data de referência", "date"),
            ("age_days", "Idade (dias)", "int"),
            ("band_order", "Ordem da faixa", "int", MACHINE),
            ("band", "Faixa (dias)", "text"),
            ("days_to_next_band", "Dias até a próxima faixa", "int"),
            ("about_to_cross", "Perto de mudar de faixa", "bool"),
            ("last_contact_on", "Último contato", "date"),
        ]),
        _spec("work_queue_terminations", w.work_queue_terminations,
              "Fila de trabalho: desligamentos sem aviso ou sem substituto", "fila_desligamentos_pendentes", [
            ("case_id", "Caso", "id", MACHINE),
            ("protocol_number", "Nº do protocolo", "text"),
            ("operator_key", "Chave da operadora", "text", MACHINE),
            ("operator", "Operadora", "text"),
            ("analyst", "Analista", "text"),
            ("uf", "UF", "text"),
            ("city", "Cidade", "text"),
            ("missing", "Falta", "text"),
            ("exit_date", "Saída da rede", "date"),
            ("notice_due", "Aviso até", "date"),
            ("days_to_notice_due", "Dias até o prazo do aviso", "int"),
            ("notice_status", "Aviso", "notice_status"),
            ("substitute_status", "Substituto", "substitute_status"),
            ("days_without_substitute", "Dias sem substituto", "int"),
        ]),
    ]


_SPECS += _work_specs()

TABLES: dict[str, TableSpec] = {spec.name: spec for spec in _SPECS}
quality_warnings, quality_warning_messages, quality_blank_fields, quality_unmatched_cities, quality_superseded, \
    quality_rejected = (TABLES[f"quality_{part}"].function for part in (
        "warnings", "warning_messages", "blank_fields", "unmatched_cities", "superseded", "rejected"))

# The metric registry: every summary a page, a download or the CLI may ask for, by function
# reference. A caller hands the function itself (`metrics.get(metrics.reasons, con, f)`,
# `ui.data.get(metrics.reasons, f)`); its name is only the key of caches and of the benchmark.
SUMMARIES: dict[str, Callable[..., Any]] = {
    function.__name__: function
    for function in (
        s.kpis, s.kpis_with_delta, s.headline_counts, s.cases_count, s.case_detail, s.quality, s.filter_options,
        s.compliance_kpis, *(spec.function for spec in _SPECS),
        # What pages add for the person using them (ui/data.side): Minha semana, targets.
        w.changes_since, w.targets_vs_results, w.work_queue_terminations_count, w.work_queue_bands,
    )
}
_NAME_OF: dict[Callable[..., Any], str] = {function: name for name, function in SUMMARIES.items()}
_TABLE_OF: dict[Callable[..., Any], TableSpec] = {spec.function: spec for spec in _SPECS}
# A summary returning several exportable tables at once (one bundle of queries): part → table.
_PARTS_OF: dict[Callable[..., Any], dict[str, TableSpec]] = {
    s.quality: {part: TABLES[f"quality_{part}"] for part in (
        "warnings", "warning_messages", "blank_fields", "unmatched_cities", "superseded", "rejected")},
}


def _contract(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    return frame[[c for c in spec.columns if c in frame.columns]].reset_index(drop=True)


def name_of(summary: Callable[..., Any]) -> str:
    """The registry name of a summary function; a function that is not registered is refused."""
    try:
        return _NAME_OF[summary]
    except (KeyError, TypeError):
        raise ValueError(f"not a summary of metrics.SUMMARIES: {summary!r}") from None


def table_of(summary: Callable[..., Any]) -> TableSpec | None:
    """The exportable table a summary function computes (None for the others: the headline with
    its deltas, counts, a case's detail, the sidebar's choices, the quality frames together)."""
    return _TABLE_OF.get(summary)


def get(summary: Callable[..., Any], con: Any, f: Filters | None = None, **kwargs: Any) -> Any:
    """`summary(con, f, **kwargs)`, the one way to ask for a number: an exportable table comes with
    exactly its contract columns, in order (the screen, the download and the CLI show the same);
    so do the tables of a bundle (metrics.quality's frames)."""
    name_of(summary)  # only registered summaries
    out = summary(con, f or Filters(), **kwargs)
    spec = _TABLE_OF.get(summary)
    if spec is not None and isinstance(out, pd.DataFrame):
        return _contract(out, spec)
    parts = _PARTS_OF.get(summary)
    if parts and isinstance(out, dict):
        return {part: _contract(frame, parts[part]) if part in parts else frame for part, frame in out.items()}
    return out


def compute(name: str, con: Any, f: Filters | None = None) -> pd.DataFrame:
    """The table `name` under `f` (a name typed by a person: the CLI's `export NAME`)."""
    return get(TABLES[name].function, con, f)
