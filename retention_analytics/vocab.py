"""The form's controlled vocabularies: codes, the labels printed on the form, reason categories.

This is the one place that says which codes exist (form-schema.md, "Vocabularies") and which
category each termination reason belongs to (metrics.md, "Termination reasons"). The store copies
these tables into DuckDB so SQL can join them; parsers match printed labels against them.

It must not know about any file format or the database: it is plain data plus label matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .text import fold, similarity


@dataclass(frozen=True)
class Term:
    code: str
    label: str  # as printed on the form, and as shown to users


OUTCOMES: tuple[Term, ...] = (
    Term("retencao_efetiva", "Retenção Efetiva"),
    Term("desligamento", "Desligamento"),
    Term("nao_se_trata_de_retencao", "Não se trata de Retenção"),
)

ACTIONS: tuple[Term, ...] = (
    Term("novos_valores", "Ofertado Novos Valores"),
    Term("suporte", "Ofertado Suporte"),
    Term("divulgacao", "Ofertado Divulgação"),
    Term("treinamento", "Ofertado Treinamento"),
    Term("reciclagem", "Ofertado Reciclagem"),
    Term("outros", "Outros"),
)

SECTORS: tuple[Term, ...] = (
    Term("ti", "T.I"),
    Term("central_de_atendimento", "Central de atendimento"),
    Term("analise_tecnica", "Análise Técnica"),
    Term("comercial", "Comercial"),
)

REASONS: tuple[Term, ...] = (
    Term("perda_de_contato", "Perda de Contato"),
    Term("problemas_de_saude", "Problemas de Saúde"),
    Term("beneficiario_grosseiro", "Beneficiário Grosseiro"),
    Term("valores", "Valores"),
    Term("franquia", "Franquia"),
    Term("alteracao_responsavel_tecnico", "Alteração Responsável Técnico"),
    Term("removido_prestador", "Removido Prestador"),
    Term("sem_local_de_atendimento", "Sem Local de Atendimento"),
    Term("glosas", "Glosas"),
    Term("dificuldades_com_o_sistema", "Dificuldades com o Sistema"),
    Term("prazo_liberacao_de_guias", "Prazo Liberação de Guias"),
    Term("encerramento_de_atividades", "Encerramento de Atividades"),
    Term("regras_tecnicas", "Regras Técnicas"),
    Term("apenas_procedimentos_esteticos", "Apenas procedimentos Estéticos"),
    Term("aposentou", "Aposentou"),
    Term("baixa_procura", "Baixa Procura"),
    Term("dificuldade_de_contato_com_a_central", "Dificuldade de Contato com a Central"),
    Term("falta_de_suporte_da_operadora", "Falta de Suporte da Operadora"),
    Term("cobranca_indevida", "Cobrança indevida"),
    Term("burocracia_operadora", "Burocracia Operadora"),
    Term("negativa_de_atendimento", "Negativa de Atendimento"),
    Term("ameaca_judicializacao", "Ameaça Judicialização"),
    Term("terceirizacao_de_atendimento", "Terceirização de Atendimento"),
    Term("migracao", "Migração"),
    Term("carteira_de_clientes_particular", "Carteira de Clientes Particular"),
    Term("estudos", "Estudos"),
    Term("servidor_publico", "Servidor Público"),
    Term("mudou_de_area", "Mudou de Área"),
    Term("obito", "Óbito"),
    Term("motivos_particulares", "Motivos Particulares"),
)

# metrics.md, "Categories": one place in the code holds this mapping.
REASON_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Remuneração": ("valores", "glosas", "cobranca_indevida"),
    "Processos e suporte": (
        "prazo_liberacao_de_guias",
        "dificuldades_com_o_sistema",
        "dificuldade_de_contato_com_a_central",
        "falta_de_suporte_da_operadora",
        "burocracia_operadora",
        "regras_tecnicas",
    ),
    "Conflito e conformidade": (
        "beneficiario_grosseiro",
        "negativa_de_atendimento",
        "ameaca_judicializacao",
        "terceirizacao_de_atendimento",
    ),
    "Modelo de negócio do prestador": (
        "carteira_de_clientes_particular",
        "apenas_procedimentos_esteticos",
        "baixa_procura",
        "franquia",
        "migracao",
        "alteracao_responsavel_tecnico",
        "sem_local_de_atendimento",
        "encerramento_de_atividades",
    ),
    "Vida pessoal e carreira": (
        "problemas_de_saude",
        "aposentou",
        "estudos",
        "servidor_publico",
        "mudou_de_area",
        "obito",
        "motivos_particulares",
    ),
    "Contato perdido ou remoção": ("perda_de_contato", "removido_prestador"),
}
CONTROLLABLE_CATEGORIES: frozenset[str] = frozenset({"Remuneração", "Processos e suporte"})

CATEGORY_OF_REASON: dict[str, str] = {
    code: category for category, codes in REASON_CATEGORIES.items() for code in codes
}

# Who asked for the case ("Demandado por?"): free text on the form, stored as a slug. These are
# the values seen in practice, with the labels the dashboard shows.
REQUESTERS: tuple[Term, ...] = (
    Term("operadora", "Operadora"),
    Term("prestador", "Prestador"),
)

# What the dashboard shows where a form left the operator, the analyst or the requester blank
# (metrics bind these into their SQL as $no_operator, $no_analyst: one spelling everywhere).
NO_OPERATOR = "Não informada"
NO_ANALYST = "Não informado"
NO_REQUESTER = "Não informado"


def requester_label(code: str | None) -> str:
    """Who asked for the case, as people read it: the label of a known slug ("operadora" →
    "Operadora"), any other slug as words ("plano_x" → "Plano x"), NO_REQUESTER when blank."""
    if not isinstance(code, str) or not code.strip():  # None, NaN, pandas' NA or blank
        return NO_REQUESTER
    known = {t.code: t.label for t in REQUESTERS}
    return known.get(code, str(code).replace("_", " ").capitalize())


# Conformidade ANS (docs/metrics.md): the statuses of a termination's notice and substitute.
NOTICE_STATUSES: tuple[Term, ...] = (
    Term("no_prazo", "No prazo"),
    Term("atrasado", "Atrasado"),
    Term("sem_aviso", "Sem aviso"),
)
SUBSTITUTE_STATUSES: tuple[Term, ...] = (
    Term("mesmo_municipio", "No mesmo município"),
    Term("outro_municipio", "Em outro município"),
    Term("sem_substituto", "Sem substituto"),
)
SUBSTITUTION_SOURCES: tuple[Term, ...] = (
    Term("manual", "Registrado no caso"),
    Term("importacao", "Arquivo do credenciamento"),
    Term("formulario", "Bloco Substituição do formulário"),
)

VOCABULARIES: dict[str, tuple[Term, ...]] = {
    "notice_status": NOTICE_STATUSES,
    "substitute_status": SUBSTITUTE_STATUSES,
    "substitution_source": SUBSTITUTION_SOURCES,
    "outcome": OUTCOMES,
    "action": ACTIONS,
    "sector": SECTORS,
    "reason": REASONS,
}

LABEL_OF: dict[str, dict[str, str]] = {
    name: {t.code: t.label for t in terms} for name, terms in VOCABULARIES.items()
}


def label(vocabulary: str, code: str | None) -> str:
    """The Portuguese label of a code, or the code itself when unknown (never raises)."""
    if code is None:
        return ""
    return LABEL_OF.get(vocabulary, {}).get(code, code)


@lru_cache(maxsize=16384)
def match_term(text: str, terms: tuple[Term, ...], threshold: float = 0.84) -> Term | None:
    """The term whose printed label `text` is, ignoring case, accents, punctuation and small typos.

    "Régras Técnicas" → regras_tecnicas, "Beneficiário Grossoeiro" → beneficiario_grosseiro.
    Returns None when nothing is close enough, so a stray word never becomes a reason.
    """
    key = fold(text)
    if not key:
        return None
    best: tuple[float, Term | None] = (0.0, None)
    for term in terms:
        candidate = fold(term.label)
        if key == candidate:
            return term
        score = similarity(key, candidate)
        if score > best[0]:
            best = (score, term)
    return best[1] if best[0] >= threshold else None
