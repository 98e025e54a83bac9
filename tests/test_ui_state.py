"""The sidebar filters as users live with them: kept across page switches, in the URL, from a link,
robust to a mangled link, and cleared by "Limpar filtros". Driven through AppTest from app.py
against the demo database, switching to pages the way the sidebar links do."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
UF_WIDGET = "flt_ufs"
TIMEOUT = 120
# Pages this suite switches to (whichever exist: the analysis pages are written in parallel).
OTHER_PAGES = [p for p in ("pages/1_Motivos_de_desligamento.py", "pages/5_Casos.py", "pages/7_Qualidade_dos_dados.py")
               if (Path(APP).parent / p).exists()]


def app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Filtros:"))


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture(autouse=True)
def _demo(demo_db, use_db):
    use_db(demo_db)


@pytest.mark.parametrize("page", OTHER_PAGES)
def test_filters_survive_page_switches(page):
    at = app()
    assert_ok(at)
    at.multiselect(key=UF_WIDGET).set_value(["MG"]).run()
    assert_ok(at)
    assert "UF: MG" in caption(at)
    assert at.query_params.get("uf") == "MG"

    at.switch_page(page).run()
    assert_ok(at)
    assert at.multiselect(key=UF_WIDGET).value == ["MG"], "the sidebar still holds the filter"
    assert "UF: MG" in caption(at), "the page says which filter it uses"
    assert at.query_params.get("uf") == "MG", "the address bar keeps the filter"

    at.switch_page("pages/0_Visao_geral.py").run()
    assert_ok(at)
    assert at.multiselect(key=UF_WIDGET).value == ["MG"]
    assert at.query_params.get("uf") == "MG"


def test_a_link_opens_with_its_filters():
    at = app({"uf": "MG", "status": "desligamento"})
    assert_ok(at)
    assert at.multiselect(key=UF_WIDGET).value == ["MG"]
    assert at.multiselect(key="flt_outcomes").value == ["desligamento"]
    assert "UF: MG" in caption(at) and "Status: Desligamento" in caption(at)
    assert at.query_params.get("uf") == "MG"


def test_a_link_to_a_page_opens_with_its_filters():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["uf"] = "SP"
    at.switch_page("pages/7_Qualidade_dos_dados.py").run()
    assert_ok(at)
    assert at.multiselect(key=UF_WIDGET).value == ["SP"]
    assert "UF: SP" in caption(at)


@pytest.mark.parametrize(
    "query",
    [
        {"uf": "ZZ"},
        {"uf": "<script>alert(1)</script>"},
        {"de": "ontem", "ate": "2024-13-45"},
        {"status": "talvez", "op": "!!!", "cidade": "MG|"},
        {"base": "qualquer"},
        {"caso": "abc"},
    ],
)
def test_invalid_url_values_are_ignored(query):
    at = app(query)
    assert_ok(at)
    assert caption(at) == "Filtros: Todos os casos"
    assert at.multiselect(key=UF_WIDGET).value == []
    assert "uf" not in at.query_params


def test_invalid_values_beside_valid_ones_keep_the_valid_ones():
    at = app({"uf": ["MG", "XX"]})
    assert_ok(at)
    assert at.multiselect(key=UF_WIDGET).value == ["MG"]


def test_clear_filters_clears_everything():
    at = app({"uf": "MG", "status": "desligamento"})
    assert_ok(at)
    clear = next(b for b in at.button if b.label == "Limpar filtros")
    assert not clear.disabled
    clear.click().run()
    assert_ok(at)
    assert at.multiselect(key=UF_WIDGET).value == []
    assert at.multiselect(key="flt_outcomes").value == []
    assert caption(at) == "Filtros: Todos os casos"
    assert "uf" not in at.query_params and "status" not in at.query_params
    assert next(b for b in at.button if b.label == "Limpar filtros").disabled

    # …and the cleared state is what the next page gets, too.
    at.switch_page(OTHER_PAGES[0]).run()
    assert_ok(at)
    assert at.multiselect(key=UF_WIDGET).value == []


def test_custom_period_sticks_and_shows_the_date_picker():
    at = app()
    at.selectbox(key="flt_period").select("Personalizado…").run()
    assert_ok(at)
    assert at.selectbox(key="flt_period").value == "Personalizado…"
    picker = at.date_input(key="flt_range")
    start, end = picker.value
    assert start <= end
    assert at.query_params.get("de") == start.isoformat() and at.query_params.get("ate") == end.isoformat()
    import datetime as dt

    picker.set_value((dt.date(2024, 1, 1), dt.date(2024, 6, 30))).run()
    assert_ok(at)
    assert "01/01/2024 a 30/06/2024" in caption(at)
    assert at.selectbox(key="flt_period").value == "Personalizado…"


def test_custom_period_does_not_snap_back_to_the_active_preset():
    """Issue 10: with "Últimos 90 dias" active, choosing "Personalizado…" started the picker at the
    preset's dates, which matched the preset again, and the selectbox jumped back."""
    at = app()
    at.selectbox(key="flt_period").select("Últimos 90 dias").run()
    assert_ok(at)
    preset = (at.session_state["_retention_filters"].start, at.session_state["_retention_filters"].end)
    at.selectbox(key="flt_period").select("Personalizado…").run()
    assert_ok(at)
    assert at.selectbox(key="flt_period").value == "Personalizado…"
    assert at.date_input(key="flt_range").value == preset, "the picker starts from the preset's dates"
    at.run()  # any later interaction
    assert at.selectbox(key="flt_period").value == "Personalizado…"
    at.switch_page(OTHER_PAGES[0]).run()
    assert at.selectbox(key="flt_period").value == "Personalizado…", "…and across page switches"
    # Back to a preset, and "Limpar filtros", leave the custom mode.
    at.selectbox(key="flt_period").select("Todo o período").run()
    assert at.selectbox(key="flt_period").value == "Todo o período"
    assert not at.get("date_input")


def test_an_empty_relative_period_says_why(demo_db):
    import datetime as dt

    from retention_analytics import formatting as fmt
    from retention_analytics.store import Store
    from retention_analytics.metrics.summaries import filter_options

    last = filter_options(Store(demo_db))["max_date"]
    assert last < dt.date.today() - dt.timedelta(days=29), "the demo corpus ends before the last 30 days"
    at = app()
    at.selectbox(key="flt_period").select("Últimos 30 dias").run()
    assert_ok(at)
    infos = [i.value for i in at.info]
    assert any(f"nenhum caso nos últimos 30 dias; o mais recente é de {fmt.date(last)}" in i for i in infos), infos
    # A period that is empty for another reason keeps the plain message.
    at.selectbox(key="flt_period").select("Todo o período").run()
    at.multiselect(key="flt_ufs").set_value([]).run()
    assert not any("o mais recente é de" in i.value for i in at.info)


def test_the_sidebar_draws_one_widget_per_dimension_and_a_city_names_its_uf_once():
    """ui/sidebar.py loops over filters.DIMENSIONS: a widget per dimension, with its label and key;
    a city's option reads "Belo Horizonte (MG)", not "Belo Horizonte (MG) – MG"."""
    from retention_analytics.filters import DIMENSIONS

    at = app()
    assert_ok(at)
    for dimension in DIMENSIONS:
        widget = at.multiselect(key=f"flt_{dimension.field}")
        assert widget.label == dimension.label and widget.placeholder == dimension.placeholder
    cities = at.multiselect(key="flt_cities")
    shown = [cities.format_func(v) for v in cities.options] if hasattr(cities, "format_func") else list(cities.options)
    assert shown and all(" – " not in s and s.endswith(")") for s in shown), shown[:5]
    at.multiselect(key="flt_ufs").set_value(["MG"]).run()
    assert "UF: MG" in caption(at)


def test_a_long_city_list_offers_the_busiest_cities_until_a_uf_is_chosen(demo_db, monkeypatch):
    """ui/sidebar.city_options: without a UF, the CITY_OPTIONS_LIMIT cities with most cases (and
    any city already chosen, from a link) and a caption saying how to see the others; with one UF,
    every city of that UF; with several, theirs up to the limit (a national store's SP and MG alone
    have ~1,500 cities, sent with every run)."""
    import duckdb

    from retention_analytics.ui import sidebar

    monkeypatch.setattr(sidebar, "CITY_OPTIONS_LIMIT", 20)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        # The city with fewest cases (it cannot be among the 20 busiest) and how many cities MG has.
        quiet = con.execute("select uf || '|' || coalesce(cast(ibge_code as varchar), city_key) from case_facts "
                            "where uf is not null and city_key is not null group by all order by count(*), 1 "
                            "limit 1").fetchone()[0]
        mg = con.execute("select count(distinct coalesce(cast(ibge_code as varchar), city_key)) from case_facts "
                         "where uf = 'MG' and city_key is not null").fetchone()[0]
        mg_sp = con.execute("select count(distinct uf || coalesce(cast(ibge_code as varchar), city_key)) "
                            "from case_facts where uf in ('MG', 'SP') and city_key is not null").fetchone()[0]
    at = app()
    assert_ok(at)
    assert len(at.multiselect(key="flt_cities").options) == 20
    assert any("cidades com mais casos" in c.value and "escolha a UF" in c.value for c in at.sidebar.caption)

    at.multiselect(key="flt_ufs").set_value(["MG"]).run()
    assert_ok(at)
    assert mg > 20 and len(at.multiselect(key="flt_cities").options) == mg, "every city of the UF"
    assert not any("cidades com mais casos" in c.value for c in at.sidebar.caption)

    at.multiselect(key="flt_ufs").set_value(["MG", "SP"]).run()
    assert_ok(at)
    cities = at.multiselect(key="flt_cities")
    assert len(cities.options) == 20 and all(o.endswith(("(MG)", "(SP)")) for o in cities.options)
    assert any(c.value == f"As 20 cidades com mais casos, de {mg_sp} nas UFs escolhidas: escolha uma UF só para ver "
               "todas as cidades dela." for c in at.sidebar.caption)

    linked = app({"cidade": quiet})
    assert_ok(linked)
    cities = linked.multiselect(key="flt_cities")
    assert len(cities.options) == 21 and cities.value == [quiet], "a city chosen by a link stays offered and chosen"
