"""One column catalogue (issue 10, item 2): every column of every summary table declared once in
metrics/tables.py, and the screen (ui/page.screen_frame) and the people's downloads
(export.for_people) read it. On the demo corpus: no machine key or code reaches a person, numbers
stay numbers, and the numbers shown are the metrics' own, rounded only as displayed."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from retention_analytics import export, metrics
from retention_analytics.filters import Filters
from retention_analytics.metrics.tables import MACHINE, NUMERIC_KINDS, VOCABULARY_LABELS, Column
from retention_analytics.store import Store
from retention_analytics.ui.page import screen_frame

NAMES = list(metrics.TABLES)


@pytest.fixture(scope="module")
def computed(demo_db):
    store = Store(demo_db)
    return {name: metrics.compute(name, store, Filters()) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_each_table_declares_each_column_once(name):
    spec = metrics.TABLES[name]
    keys = [c.key for c in spec.catalogue]
    assert len(keys) == len(set(keys))
    assert [c.key for c in spec.catalogue if not c.parts] == list(spec.columns), "the export contract"
    for column in spec.catalogue:
        assert set(column.parts) <= set(spec.columns), "an interval is drawn from stored columns"
    shown = [c.label for c in spec.catalogue if c.shown]
    assert len(shown) == len(set(shown)), "two columns people read under one header"
    for column in spec.catalogue:
        assert column.label and column.label != column.key
        # Keys and vocabulary codes are for machines (the IBGE code is public and people use it).
        if column.kind == "code" or column.key.endswith("_key") or column.key in ("city_id", "is_total", "band_order"):
            assert column.audience == MACHINE, f"{name}.{column.key} is a key: for machines"
    personal = {c.key for c in spec.catalogue if c.personal}
    if name == "cases":
        assert {"cpf", "cnpj", "dentist_name"} <= personal


@pytest.mark.parametrize("name", NAMES)
def test_the_screen_gets_the_catalogue_and_no_machine_value(name, computed):
    df = computed[name]
    spec = metrics.TABLES[name]
    shown, config = screen_frame(df, metrics.TABLES[name].function)
    assert list(shown.columns) == [c.label for c in spec.shown(df.columns)]
    assert set(config) == set(shown.columns)
    machine_values = {str(v) for c in spec.catalogue if not c.shown and c.key in df for v in df[c.key].dropna()}
    machine_values -= {str(v) for column in shown for v in df.get(_key(spec, column), pd.Series(dtype=object))}
    for column in shown.columns:
        cells = {str(v) for v in shown[column].dropna()}
        leaked = cells & machine_values
        assert not leaked, f"{name}: {column} shows machine values {sorted(leaked)[:3]}"
    for column in spec.shown(df.columns):
        values = shown[column.label]
        if column.kind in NUMERIC_KINDS and values.notna().any():
            assert values.dtype.kind in "iuf", f"{name}.{column.key} is a number: it must sort as one"
        if column.kind in VOCABULARY_LABELS:
            codes = set(VOCABULARY_LABELS[column.kind]) - set(VOCABULARY_LABELS[column.kind].values())
            assert not set(values.dropna()) & codes, f"{name}.{column.key} shows codes"
    if "Caso" in shown and len(shown):
        assert config["Caso"]["type_config"]["format"] == "%d", "case ids print as 3095, never 3.095"


def _key(spec, label):
    return next(c.key for c in spec.catalogue if c.label == label)


@pytest.mark.parametrize("name", NAMES)
def test_numbers_on_screen_and_in_the_peoples_csv_are_the_metrics_numbers(name, computed):
    """Numbers unchanged: what people read is the metric computed from SQL, rounded only to the
    shown precision (a percent 0.3401 → 34,0), on screen and in the download alike."""
    df = computed[name]
    spec = metrics.TABLES[name]
    shown, _ = screen_frame(df, metrics.TABLES[name].function)
    data = export.to_csv_bytes(df, name, "Todos os casos", header="labels")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))[4:]
    header, body = rows[0], rows[1:]
    assert len(body) == len(df) == len(shown)
    for index, column in enumerate(spec.shown(df.columns)):
        if column.kind not in NUMERIC_KINDS:
            continue
        digits = column.decimals + (2 if column.kind == "percent" else 0)
        for raw, on_screen, cell in zip(df[column.key], shown[column.label], (r[index] for r in body)):
            if raw is None or (isinstance(raw, float) and math.isnan(raw)) or pd.isna(raw):
                assert cell == "" and pd.isna(on_screen)
                continue
            expected = round(float(raw), digits)
            assert on_screen == pytest.approx(expected, abs=1e-12), (name, column.key)
            written = float(cell.replace(",", "."))
            scale = 100 if column.kind == "percent" else 1
            assert written == pytest.approx(expected * scale, abs=10 ** -(column.decimals + 1)), (name, column.key)
            if column.decimals:
                assert cell.split(",")[-1].__len__() == column.decimals, f"{cell}: the screen's decimals"


def test_the_interval_is_one_column_people_read(computed):
    """Wide tables: the 95% interval as one column "39,5–49,1%" (its bounds stay for machines)."""
    import re

    df = computed["effectiveness_operator"]
    shown, config = screen_frame(df, metrics.effectiveness_operator)
    assert "IC 95%" in shown and "IC 95% inferior" not in shown and "IC 95% superior" not in shown
    assert list(shown.columns).index("IC 95%") == list(shown.columns).index("Taxa de retenção") + 1
    assert config["Operadora"]["pinned"] is True, "the name stays in view when the table scrolls"
    first = df.iloc[0]
    text = shown["IC 95%"].iloc[0]
    assert re.fullmatch(r"\d{1,3},\d–\d{1,3},\d%", text), text
    low, high = (float(x.replace(",", ".")) for x in text.rstrip("%").split("–"))
    assert low == pytest.approx(first["ci_low"] * 100, abs=0.05) and high == pytest.approx(first["ci_high"] * 100, abs=0.05)
    assert {"ci_low", "ci_high"} <= set(df.columns), "export's machine version keeps both bounds"


# --------------------------------------------------------------------------- text cells
def _cell_by_cell(column, values: pd.Series) -> pd.Series:
    """What the screen showed before Column.texts: each cell labelled on its own (Series.map)."""
    from retention_analytics.formatting import is_missing

    return values.map(lambda v: None if is_missing(v) else str(column.label_of(v)))


def _plain(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series]


@pytest.mark.parametrize("kind, values, expected", [
    ("status", ["desligamento", None, "desligamento", "retencao_efetiva"],
     [VOCABULARY_LABELS["status"]["desligamento"], None, VOCABULARY_LABELS["status"]["desligamento"],
      VOCABULARY_LABELS["status"]["retencao_efetiva"]]),
    ("status", ["codigo_que_veio_do_formulario"], ["codigo_que_veio_do_formulario"]),  # unknown code: as written
    ("text", ["Belo Horizonte", float("nan"), "Belo Horizonte", pd.NA], ["Belo Horizonte", None, "Belo Horizonte", None]),
    ("text", [None, None], [None, None]),
    ("text", [12, 12.5, "12"], ["12", "12.5", "12"]),
    ("text", [["a", "b"], None, ["a", "b"]], ["['a', 'b']", None, "['a', 'b']"]),  # lists: cell by cell
], ids=["vocabulary", "unknown-code", "missing", "all-missing", "mixed", "lists"])
def test_text_cells_are_labelled_once_per_value_as_cell_by_cell(kind, values, expected):
    column = Column("x", "X", kind)
    series = pd.Series(values, index=range(10, 10 + len(values)), dtype=object, name="x")
    got = column.texts(series)
    assert _plain(got) == expected
    pd.testing.assert_series_equal(got, _cell_by_cell(column, series))  # values, missing, dtype, index, name


@settings(max_examples=200, deadline=None)
@given(hs.lists(hs.one_of(hs.none(), hs.sampled_from(sorted(VOCABULARY_LABELS["status"])),
                          hs.text(max_size=6), hs.integers(-5, 5), hs.just(float("nan"))), max_size=30))
def test_text_cells_equal_cell_by_cell_for_any_values(values):
    for kind in ("text", "status"):
        column = Column("x", "X", kind)
        series = pd.Series(values, dtype=object)
        pd.testing.assert_series_equal(column.texts(series), _cell_by_cell(column, series))
