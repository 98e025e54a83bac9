"""UFs, IBGE city matching, CPF and CNPJ (numeric and alphanumeric) check digits."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retention_analytics import brazil


def test_the_27_ufs_and_their_tiles_are_distinct():
    assert len(brazil.UFS) == 27
    assert len({uf.tile for uf in brazil.UFS.values()}) == 27


def test_every_municipality_is_loaded():
    assert len(brazil.municipalities()) == 5570


@pytest.mark.parametrize(
    "uf,city,code",
    [
        ("MG", "JOAO MONLEVADE", 3136207),
        ("mg", "João Monlevade", 3136207),
        ("SP", "sao paulo", 3550308),
        ("SP", "SANTA BARBARA D OESTE", 3545803),
        ("RJ", "São Paulo", None),  # a name that exists, in another UF
        ("MG", "Cidade Inventada", None),
        (None, "Belo Horizonte", None),
    ],
)
def test_match_city(uf, city, code):
    found = brazil.match_city(uf, city)
    assert (found.ibge_code if found else None) == code


@pytest.mark.parametrize(
    "cpf,valid", [("52998224725", True), ("52998224700", False), ("11111111111", False), ("5299822472", False)]
)
def test_cpf(cpf, valid):
    assert brazil.valid_cpf(cpf) is valid


@pytest.mark.parametrize(
    "cnpj,valid",
    [("11222333000181", True), ("11222333000180", False), ("12ABC34501DE35", True), ("12ABC34501DE36", False)],
)
def test_cnpj_numeric_and_alphanumeric(cnpj, valid):
    assert brazil.valid_cnpj(cnpj) is valid


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_generated_cpf_check_digits_validate(first_nine):
    cpf = brazil.cpf_check_digits(first_nine)
    assert len(set(cpf)) == 1 or brazil.valid_cpf(cpf)


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=12, max_size=12))
def test_generated_cnpj_check_digits_validate(first_twelve):
    cnpj = brazil.cnpj_check_digits(first_twelve)
    assert len(set(cnpj)) == 1 or brazil.valid_cnpj(cnpj)


def test_document_chars_strip_the_mask():
    assert brazil.document_chars("11.222.333/0001-81") == "11222333000181"
    assert brazil.document_chars("12.abc.345/01de-35") == "12ABC34501DE35"
