"""The vocabularies: label matching with the form's misspellings, and the reason categories."""

import pytest

from retention_analytics import vocab


@pytest.mark.parametrize(
    "printed,terms,code",
    [
        ("Régras Técnicas", vocab.REASONS, "regras_tecnicas"),
        ("Beneficiário Grossoeiro", vocab.REASONS, "beneficiario_grosseiro"),
        ("Servidor Publico", vocab.REASONS, "servidor_publico"),
        ("ÓBITO", vocab.REASONS, "obito"),
        ("T.I.", vocab.SECTORS, "ti"),
        ("Ofertado Divulgacao", vocab.ACTIONS, "divulgacao"),
        ("Nao se trata de Retencao", vocab.OUTCOMES, "nao_se_trata_de_retencao"),
        ("Estudo", vocab.REASONS, "estudos"),
        ("Outros", vocab.REASONS, None),
        ("arroz com feijão", vocab.REASONS, None),
    ],
)
def test_match_term(printed, terms, code):
    term = vocab.match_term(printed, terms)
    assert (term.code if term else None) == code


def test_every_reason_has_exactly_one_category():
    codes = [t.code for t in vocab.REASONS]
    assert sorted(vocab.CATEGORY_OF_REASON) == sorted(codes)
    assert sum(len(v) for v in vocab.REASON_CATEGORIES.values()) == len(codes)


def test_controllable_categories_are_remuneration_and_processes():
    assert vocab.CONTROLLABLE_CATEGORIES == {"Remuneração", "Processos e suporte"}
