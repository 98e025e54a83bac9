"""Masks of personal data: CPF, CNPJ (numeric and alphanumeric), phones, e-mails, free text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retention_analytics.privacy import mask_cnpj, mask_cpf, mask_documents, mask_emails, mask_phones, mask_text


@pytest.mark.parametrize(
    "cpf, masked",
    [
        ("12345969601", "***.459.696-**"),
        ("123.459.696-01", "***.459.696-**"),
        (" 123 459 696 01 ", "***.459.696-**"),
        ("1234", "***"),
        ("ABC45969601", "***"),
        ("", None),
        (None, None),
    ],
)
def test_mask_cpf(cpf, masked):
    assert mask_cpf(cpf) == masked


@pytest.mark.parametrize(
    "cnpj, masked",
    [
        ("11222333000181", "**.222.333/****-**"),
        ("11.222.333/0001-81", "**.222.333/****-**"),
        ("12ABC34501DE35", "**.ABC.345/****-**"),  # alphanumeric CNPJ (from July 2026)
        ("12.abc.345/01de-35", "**.ABC.345/****-**"),
        ("12ABC34501DEXX", "***"),  # check digits are always digits
        ("112223330001", "***"),
        (None, None),
    ],
)
def test_mask_cnpj(cnpj, masked):
    assert mask_cnpj(cnpj) == masked


@pytest.mark.parametrize(
    "text, masked",
    [
        ("(31) 98765-4321", "(**) *****-**21"),
        ("31 98765-4321", "** *****-**21"),
        ("31987654321", "*********21"),
        ("+55 31 3333-4444", "+** ** ****-**44"),
        ("fone 3333-4444.", "fone ****-**44."),
        ("ligar 98765 4321 amanhã", "ligar ***** **21 amanhã"),
    ],
)
def test_mask_phones(text, masked):
    assert mask_phones(text) == masked


@pytest.mark.parametrize(
    "text",
    ["26/03/2024", "R$ 1.234,56", "341 dia(s)", "protocolo 2024/123", "nº de vidas 12.345", "CRO 12345"],
)
def test_dates_money_and_short_numbers_are_not_phones(text):
    assert mask_text(text) == text


@pytest.mark.parametrize(
    "text, masked",
    [
        ("ana.souza@example.com", "a***@example.com"),
        ("escreva para joao+retencao@odonto.com.br hoje", "escreva para j***@odonto.com.br hoje"),
        ("sem e-mail @ aqui", "sem e-mail @ aqui"),
    ],
)
def test_mask_emails(text, masked):
    assert mask_emails(text) == masked


def test_mask_text_masks_everything_in_a_note():
    note = "Dr. tel (31) 98765-4321, e-mail dr@clinica.com, CPF 123.459.696-01, CNPJ 12.ABC.345/01DE-35"
    masked = mask_text(note)
    assert masked == (
        "Dr. tel (**) *****-**21, e-mail d***@clinica.com, CPF ***.459.696-**, CNPJ **.ABC.345/****-**"
    )
    assert mask_text(None) is None


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_any_cpf_keeps_only_its_middle_digits(cpf):
    masked = mask_cpf(cpf)
    assert re.fullmatch(r"\*\*\*\.\d{3}\.\d{3}-\*\*", masked)
    assert masked[4:7] + masked[8:11] == cpf[3:9]


@given(st.text(alphabet="0123456789", min_size=8, max_size=9), st.sampled_from(["", "31 ", "(31) ", "+55 31 "]))
def test_phones_in_text_never_survive(number, prefix):
    phone = prefix + number[:-4] + "-" + number[-4:]
    masked = mask_text(f"ligar para {phone} urgente")
    assert number not in masked.replace("-", "")
    assert masked.endswith(number[-2:] + " urgente")


@given(st.text())
def test_mask_text_never_raises(text):
    assert isinstance(mask_text(text), str)


# Text made of what the masks look at: digits, their punctuation, letters, "@" and spaces.
_MASKABLE = st.text(alphabet="0123456789 .-/()+@abcXYZ", max_size=40)


@given(_MASKABLE)
def test_the_shortcut_for_text_without_enough_digits_changes_nothing(text):
    """mask_text skips its regexes when the text has no "@" and fewer than 8 digits: the same
    result as running them."""
    assert mask_text(text) == mask_phones(mask_emails(mask_documents(text)))


@pytest.mark.parametrize("text, masked", [
    ("SAD2024 campo vazio em 26/03", "SAD2024 campo vazio em 26/03"),  # 8 digits, no document: the regexes, unchanged
    ("1234567", "1234567"),                                            # 7 digits: the shortcut
    ("tel 3198765432", "tel ********32"),                              # a phone written together: masked
    ("ana@odonto.com.br", "a***@odonto.com.br"),                       # no digits, an e-mail: masked
])
def test_the_shortcut_agrees_with_the_masks(text, masked):
    assert mask_text(text) == masked == mask_phones(mask_emails(mask_documents(text)))
