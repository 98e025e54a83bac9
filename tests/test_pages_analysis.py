"""The four analysis pages (Motivos, Tempo de finalização, Cobertura, Efetividade) run in AppTest.

For each page: it runs without an exception on the demo database, on an empty one and with no
database at all; changing a sidebar filter changes the numbers shown; the CSV offered under a
table holds exactly that table (the same rows the metrics give under the same filters, the same
values the screen shows); and a filter that matches nothing shows the friendly message.

Download bytes: AppTest keeps download data in an in-memory media store it drops after each run,
so `downloads` swaps in a store that remembers every file, found again by the button's URL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_helpers import file_id, open_tab

from retention_analytics import export, metrics
from retention_analytics.filters import Filters
from retention_analytics.store import Store
from retention_analytics.ui.state import FILTERS_KEY

ROOT = Path(__file__).resolve().parents[1]
REASONS = "pages/1_Motivos_de_desligamento.py"
CLOSURE = "pages/2_Tempo_de_finalizacao.py"
COVERAGE = "pages/3_Cobertura_da_rede.py"
EFFECTIVENESS = "pages/4_Efetividade.py"
PAGES = (REASONS, CLOSURE, COVERAGE, EFFECTIVENESS)
NOTHING_MATCHES = "Nenhum caso corresponde aos filtros escolhidos"

# page → (a table it shows: the show_table key, its TABLES name, the column that tells its rows apart,
# the lazy tab it is in: None for the first, open by default)
TABLE_OF_PAGE = {
    REASONS: ("reasons_table", "reasons", "label", None),
    CLOSURE: ("closure_times_table", "closure_times", "operator", "Por operadora"),
    COVERAGE: ("coverage_gaps_table", "coverage_gaps", "city", "Cidades com lacuna"),
    EFFECTIVENESS: ("effectiveness_operator_table", "effectiveness_operator", "operator", None),
}


# --------------------------------------------------------------------------- helpers
# (`downloads`, every eager download of a run: tests/conftest.py)
def run(page: str, query: dict[str, str] | None = None) -> AppTest:
    """`page` inside app.py's frame, as the server runs it (a deep link to its URL)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.switch_page(page)
    return at.run()


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _csv_buttons(at: AppTest) -> list:
    return [b for b in at.get("download_button") if "-csv_" in b.proto.id]


def has_table(at: AppTest, key: str) -> bool:
    return any(b.proto.id.endswith(f"-csv_{key}") for b in _csv_buttons(at))


def table(at: AppTest, key: str) -> pd.DataFrame:
    """The table show_table drew with `key`, as shown (Portuguese headers, pt-BR text).

    A read-only st.dataframe carries no key in AppTest, but show_table draws each table followed
    by its buttons (keyed "csv_<key>"), so the n-th CSV button belongs to the n-th table."""
    buttons = _csv_buttons(at)
    assert len(buttons) == len(at.dataframe), "every table of these pages comes with its downloads"
    index = [i for i, b in enumerate(buttons) if b.proto.id.endswith(f"-csv_{key}")]
    assert index, f"no table {key!r}"
    return at.dataframe[index[0]].value


def csv_of(at: AppTest, downloads: dict[str, bytes], key: str) -> bytes:
    button = [b for b in _csv_buttons(at) if b.proto.id.endswith(f"-csv_{key}")]
    assert button, f"no CSV button for {key!r}"
    return downloads[file_id(button[0])]


def csv_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    """(the preamble lines, [header, *rows]) of a CSV download."""
    text = data.decode("utf-8-sig")
    head, _, body = text.partition("\r\n\r\n")
    return head.split("\r\n"), list(csv.reader(io.StringIO(body), delimiter=";"))


def filters_of(at: AppTest) -> Filters:
    return at.session_state[FILTERS_KEY]


def caption_filters(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Filtros: "))


def zero_case_combination(path: Path) -> tuple[str, str]:
    """An operator and a UF that each have cases but none together."""
    store = Store(path)
    options = metrics.filter_options(store, Filters())
    for operator, uf in itertools.product(options["operators"]["value"], options["ufs"]["value"]):
        if metrics.cases_count(store, Filters(operators=(operator,), ufs=(uf,))) == 0:
            return operator, uf
    pytest.skip("every operator has cases in every UF of the demo corpus")


def busiest_uf(path: Path) -> str:
    options = metrics.filter_options(Store(path), Filters())
    return str(options["ufs"].sort_values("cases", ascending=False)["value"].iloc[0])


# --------------------------------------------------------------------------- every page runs
@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_the_demo_db(page, demo_db, use_db):
    use_db(demo_db)
    at = run(page)
    assert_ok(at)
    assert at.title and at.dataframe and at.get("download_button")
    assert not [i for i in at.info if NOTHING_MATCHES in i.value]
    assert at.get("plotly_chart")


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_an_empty_db(page, empty_db, use_db):
    use_db(empty_db)
    at = run(page)
    assert_ok(at)
    assert any(NOTHING_MATCHES in i.value for i in at.info)
    assert not at.dataframe and not at.get("download_button")


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_a_database(page, tmp_path, use_db):
    use_db(tmp_path / "nao_existe.duckdb")
    at = run(page)
    assert_ok(at)
    assert any("Ainda não há dados" in i.value for i in at.info)


# --------------------------------------------------------------------------- filters and downloads
@pytest.mark.parametrize("page", PAGES)
def test_a_filter_changes_the_numbers_and_the_csv_is_the_table_shown(page, demo_db, use_db, downloads):
    use_db(demo_db)
    key, name, label_column, tab = TABLE_OF_PAGE[page]
    at = run(page)
    if tab:
        at = open_tab(at, tab)
    before = table(at, key)

    uf = busiest_uf(demo_db)
    at.multiselect(key="flt_ufs").set_value([uf]).run()
    assert_ok(at)
    f = filters_of(at)
    assert f.ufs == (uf,)
    assert caption_filters(at) == f"Filtros: UF: {uf}"
    after = table(at, key)
    assert not after.equals(before), "the UF filter did not change the table"

    # The CSV under the table: the page's filters in words, then exactly the metrics' frame under
    # the same filters (byte for byte, apart from the generation time)...
    lines, rows = csv_rows(csv_of(at, downloads, key))
    assert lines[0] == metrics.TABLES[name].title
    assert lines[1] == caption_filters(at)
    expected = metrics.compute(name, Store(demo_db), f)
    expected_lines, expected_rows = csv_rows(export.to_csv_bytes(expected, name, caption_filters(at)[9:],
                                                                 header="labels"))
    assert rows == expected_rows
    assert lines[:2] == expected_lines[:2]
    # ... with the screen's columns, in its order, under its Portuguese headers (machine keys
    # dropped), and the same rows, in the same order, as the table on the screen.
    header, body = rows[0], rows[1:]
    shown = list(after.columns)
    assert [h.removesuffix(" (%)") for h in header] == shown
    assert not set(header) & {c.key for c in metrics.TABLES[name].catalogue}, "no machine key as a header"
    assert len(body) == len(after)
    label = metrics.TABLES[name].columns[label_column]
    assert [r[header.index(label)] for r in body] == [str(v) for v in after[label]]


def test_the_reason_picker_lists_the_terminated_cases_citing_it(demo_db, use_db, downloads):
    use_db(demo_db)
    at = run(REASONS)
    assert_ok(at)
    reasons = table(at, "reasons_table")
    assert not has_table(at, "reason_cases"), "no case list before a reason is picked"

    # The second most cited reason (AppTest cannot click a bar: the selectbox is the same path).
    code = metrics.reasons(Store(demo_db), Filters())["reason_code"].iloc[1]
    at.selectbox(key="reasons_pick").set_value(code).run()
    assert_ok(at)
    assert at.selectbox(key="reasons_pick").value == code
    label = reasons["Motivo"].iloc[1]
    cases = table(at, "reason_cases")
    cited = int(str(reasons["Casos que citam"].iloc[1]).replace(".", ""))
    assert len(cases) == cited  # the bar's count is the list's length
    assert set(cases["Status"]) == {"Desligamento"}, "the status by its label, never its code"
    assert all(label in str(r) for r in cases["Motivos de desligamento"])

    lines, rows = csv_rows(csv_of(at, downloads, "reason_cases"))
    expected = metrics.cases(Store(demo_db), filters_of(at), reason=code, limit=500)
    expected = expected[list(metrics.TABLES["cases"].columns)]
    assert rows == csv_rows(export.to_csv_bytes(expected, "cases", "x", header="labels"))[1]
    assert [r[0] for r in rows[1:]] == [str(v) for v in cases["Caso"]]


def test_the_coverage_map_metric_can_be_switched(demo_db, use_db):
    use_db(demo_db)
    at = run(COVERAGE)
    control = at.segmented_control(key="coverage_map_metric")
    assert control.value == "cases"
    control.set_value("retention_rate").run()
    assert_ok(at)
    assert at.segmented_control(key="coverage_map_metric").value == "retention_rate"


def test_the_map_metric_is_in_the_url(demo_db, use_db):
    """Issue 10: every page's view choices in the URL; the map's metric was not."""
    use_db(demo_db)
    at = run(COVERAGE, query={"mapa": "taxa_de_retencao", "uf": "MG"})
    assert_ok(at)
    assert at.segmented_control(key="coverage_map_metric").value == "retention_rate", "a link sets the map"
    assert at.query_params.get("mapa") == "taxa_de_retencao" and at.query_params.get("uf") == "MG"
    at.segmented_control(key="coverage_map_metric").set_value("cros_lost").run()
    assert_ok(at)
    assert at.query_params.get("mapa") == "cros_perdidos", "a choice goes to the address bar"
    at.run()
    assert at.segmented_control(key="coverage_map_metric").value == "cros_lost", "and stays"
    at.switch_page(REASONS).run()
    assert "mapa" not in at.query_params
    at.switch_page(COVERAGE).run()
    assert at.segmented_control(key="coverage_map_metric").value == "cros_lost", "kept across page switches"
    assert at.query_params.get("mapa") == "cros_perdidos"
    at.segmented_control(key="coverage_map_metric").set_value("cases").run()
    assert "mapa" not in at.query_params, "the default metric leaves the URL short"


# --------------------------------------------------------------------------- nothing matches
@pytest.mark.parametrize("page", PAGES)
def test_a_period_without_cases_shows_the_friendly_message(page, demo_db, use_db):
    use_db(demo_db)
    at = run(page, query={"de": "2001-01-01", "ate": "2001-01-31"})
    assert_ok(at)
    assert filters_of(at).start == dt.date(2001, 1, 1)
    assert any(NOTHING_MATCHES in i.value for i in at.info)
    assert not at.dataframe


@pytest.mark.parametrize("page", [REASONS, EFFECTIVENESS])
def test_an_operator_and_uf_without_cases_show_the_friendly_message(page, demo_db, use_db):
    use_db(demo_db)
    operator, uf = zero_case_combination(demo_db)
    at = run(page)
    at.multiselect(key="flt_operators").set_value([operator]).run()
    at.multiselect(key="flt_ufs").set_value([uf]).run()
    assert_ok(at)
    assert filters_of(at).operators == (operator,) and filters_of(at).ufs == (uf,)
    assert any(NOTHING_MATCHES in i.value for i in at.info)
    assert not at.dataframe
