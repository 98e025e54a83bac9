"""pt-BR value parsing and folding: parametrized real-looking values, round trips by hypothesis."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retention_analytics import text as T


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Régras  Técnicas!", "regras tecnicas"),
        ("Nº do protocolo", "no do protocolo"),
        ("ODONTOLIFE", "odontolife"),
        ("  Odonto-Life ", "odonto life"),
        (None, ""),
    ],
)
def test_fold(raw, expected):
    assert T.fold(raw) == expected


@pytest.mark.parametrize("a,b", [("ODONTOLIFE", "OdontoLife"), ("Odonto Life", "odontolife"), ("São Paulo", "SAO PAULO")])
def test_grouping_key_ignores_case_accents_and_spacing(a, b):
    assert T.key(a) == T.key(b)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("26/03/2024", dt.date(2024, 3, 26)),
        ("26/03/24", dt.date(2024, 3, 26)),
        ("2024-03-26", dt.date(2024, 3, 26)),
        ("26.03.2024", dt.date(2024, 3, 26)),
        ("26 de março de 2024", dt.date(2024, 3, 26)),
        ("45377", dt.date(2024, 3, 26)),  # Excel serial in a CSV saved without formats
        ("sem data", None),
        ("", None),
    ],
)
def test_parse_date(raw, expected):
    assert T.parse_date(raw) == expected


def test_impossible_date_is_reported_not_dropped():
    with pytest.raises(T.InvalidDate):
        T.parse_date("31/02/2024")


def test_month_first_when_the_document_says_so():
    assert T.guess_us_locale(["05/20/2024", "01/02/2024"]) is True
    assert T.guess_us_locale(["20/05/2024", "01/02/2024"]) is False
    with T.us_locale(True):
        assert T.parse_date("05/10/24") == dt.date(2024, 5, 10)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0,40", 0.4),
        ("1.234,5", 1234.5),
        ("12.345", 12345.0),
        ("0.4", 0.4),
        ("1,234.56", 1234.56),
        ("-3,5", -3.5),
        ("abc", None),
        ("", None),
    ],
)
def test_parse_decimal(raw, expected):
    assert T.parse_decimal(raw) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [("R$ 1.234,56", 1234.56), ("R$ -", 0.0), ("R$ 0,00", 0.0), ("R$1.000", 1000.0), ("R$", None), ("1.234,56", 1234.56)],
)
def test_parse_money(raw, expected):
    assert T.parse_money(raw) == expected


@pytest.mark.parametrize("raw,expected", [("341 dia(s)", 341), ("341 dias", 341), ("1 dia", 1), ("341", 341), ("muitos", None)])
def test_parse_days(raw, expected):
    assert T.parse_days(raw) == expected


@pytest.mark.parametrize("raw,expected", [("12.345", 12345), ("4,279", 4279), ("16", 16), ("4.0", 4), ("2,5", None)])
def test_parse_int(raw, expected):
    assert T.parse_int(raw) == expected


def _pt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


@given(st.integers(min_value=0, max_value=10**9))
def test_integers_written_pt_br_read_back(n):
    assert T.parse_int(_pt(n, 0)) == n


@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False))
def test_money_written_pt_br_read_back(value):
    assert T.parse_money(f"R$ {_pt(float(value), 2)}") == pytest.approx(float(value))


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2068, 12, 31)))
def test_dates_written_pt_br_read_back(day):
    assert T.parse_date(day.strftime("%d/%m/%Y")) == day


@given(st.text(alphabet=st.characters(max_codepoint=0x2FFF, exclude_categories=("Cs",)), max_size=30))
def test_strip_accents_equals_the_unicode_decomposition(text):
    # The fast path (a translation table for Latin letters) must give exactly what decomposing
    # and dropping combining marks gives, for any text, accents outside the table included.
    import unicodedata

    expected = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    assert T.strip_accents(text) == expected


@pytest.mark.parametrize(
    "texts, us",
    [
        (["16/03/2024", "03/16/2024"], False),  # both orders present: not month-first
        (["Data 03/16/2024", "12/25/2023"], True),
        (["16/03/2024\n01/02/2024"], False),
        (["x1/13/2024"], False),  # not a date at a word boundary
        ([], False),
    ],
)
def test_guess_us_locale_reads_every_text(texts, us):
    assert T.guess_us_locale(texts) is us
