"""The demo corpus: deterministic, within the record contract, and shaped like real operations.

These tests never read /work/shared and never need the parser (test_roundtrip.py does that).
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import importlib
import io
import json
import os
import re
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from retention_analytics.brazil import UFS, match_city, valid_cnpj, valid_cpf
from retention_analytics.demo import (
    ANCHOR,
    EXTENSIONS,
    FORMATS,
    TEMPLATES,
    Defect,
    generate_corpus,
    generate_records,
    render,
    write_corpus,
)
from retention_analytics.demo.generator import DEFECT_KINDS, FIRST_START, OPERATORS
from retention_analytics.record import DATE_KEYS, RECORD_KEYS
from retention_analytics.text import collapse, key
from retention_analytics.vocab import ACTIONS, OUTCOMES, REASONS, REQUESTERS, SECTORS

ROOT = Path(__file__).resolve().parents[1]
# the package exports the function `render`, which hides the submodule of the same name
render_module = importlib.import_module("retention_analytics.demo.render")


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(3000, seed=20240326)


@pytest.fixture(scope="module")
def latest(corpus):
    """The current version of every case (the last form filed with its protocol number)."""
    cases = {}
    for form in corpus:
        cases[form.record["protocol_number"]] = form
    return list(cases.values())


# -- determinism ------------------------------------------------------------------------------------
def test_same_seed_same_records_and_bytes_in_every_format():
    first, second = generate_corpus(30, seed=7), generate_corpus(30, seed=7)
    assert [f.record for f in first] == [f.record for f in second]
    assert [(f.file_name, f.fmt, f.defects, f.template) for f in first] == [
        (f.file_name, f.fmt, f.defects, f.template) for f in second
    ]
    for a, b in zip(first[:6], second[:6]):
        for fmt in FORMATS:
            assert render(a.record, fmt, a.defects, a.template) == render(b.record, fmt, b.defects, b.template), fmt


def test_different_seed_different_corpus():
    a, b = generate_corpus(30, seed=7), generate_corpus(30, seed=8)
    assert [f.record for f in a] != [f.record for f in b]
    for fmt in FORMATS:
        assert render(a[0].record, fmt) != render(b[0].record, fmt), fmt


def test_generate_records_is_the_corpus_records():
    assert generate_records(25, seed=3) == [f.record for f in generate_corpus(25, seed=3)]


_DIGEST_SCRIPT = """
import hashlib
from retention_analytics.demo import generate_corpus, render, FORMATS
h = hashlib.sha256()
for f in generate_corpus(12, seed=99):
    for fmt in FORMATS:
        h.update(render(f.record, fmt, f.defects, f.template))
print(h.hexdigest())
"""


def test_bytes_do_not_depend_on_hash_seed_or_process():
    """Same corpus in fresh processes with different hash seeds: no set order or clock leaks in."""
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", _DIGEST_SCRIPT], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


# -- the record contract ----------------------------------------------------------------------------
_STRINGS = ("analyst", "operator", "dentist_name", "city", "other_plans", "last_production", "general_note")
_INTS = ("cro_count", "lives", "unique_cros_listed", "days_to_close")
_CODES = {t.code for t in OUTCOMES}


def _check_record(form) -> None:
    r = form.record
    kinds = {d.kind for d in form.defects}
    assert tuple(r) == RECORD_KEYS
    assert r["warnings"] == [] and r["source"] == form.file_name
    for k in DATE_KEYS:
        assert r[k] is None or dt.date.fromisoformat(r[k]).isoformat() == r[k], k
    for k in _INTS:
        assert r[k] is None or (type(r[k]) is int and r[k] >= 0), k
    for k in ("coin_value", "last_production_value"):
        assert r[k] is None or type(r[k]) is float, k
    for k in _STRINGS:
        assert r[k] is None or (isinstance(r[k], str) and collapse(r[k]) == r[k]), k
    assert r["cro"] is None or (r["cro"].isdigit() and not r["cro"].startswith("0"))
    assert r["cro_uf"] is None or r["cro_uf"] in UFS
    assert r["uf"] is None or r["uf"] in UFS
    assert r["person_type"] in ("J", "F", None)
    assert r["requested_by"] in {t.code for t in REQUESTERS} | {None}
    assert r["outcome"] in _CODES | {None}
    assert r["accepts_other_plans"] in (True, False, None)
    assert r["protocol_required"] in (True, False, None)
    assert re.fullmatch(r"SAD\d{12}", r["protocol_number"])
    if r["cpf"] is not None:
        assert valid_cpf(r["cpf"]), r["cpf"]
    if r["cnpj"] is not None:
        assert valid_cnpj(r["cnpj"]), r["cnpj"]
        if not r["cnpj"].isdigit():  # alphanumeric CNPJs exist only since July 2026
            assert r["inclusion_date"] >= "2026-07-01" and re.fullmatch(r"[0-9A-Z]{12}\d{2}", r["cnpj"])
    if r["person_type"] == "F":
        assert r["cnpj"] is None and r["cro_count"] in (1, None)
    for name, vocab in (("retention_actions", ACTIONS), ("termination_reasons", REASONS), ("responsible_sectors", SECTORS)):
        order = [t.code for t in vocab]
        assert r[name] == [c for c in order if c in r[name]], name  # known codes, form order, no repeats
    assert r["last_production"] in (None, "sem produção") or re.fullmatch(r"(0[1-9]|1[0-2])/20\d\d", r["last_production"])
    assert r["coin_value"] is None or 0.35 <= r["coin_value"] <= 0.60
    assert r["lives"] is None or 1 <= r["lives"] <= 5000
    assert r["unique_cros_listed"] is None or 1 <= r["unique_cros_listed"] <= 40
    if r["city"] is not None and r["uf"] is not None:
        # real IBGE names as people write them; a misspelt one is a declared defect
        assert (match_city(r["uf"], r["city"]) is None) == ("city_typo" in kinds), r["city"]
    numbers = [c["number"] for c in r["contacts"]]
    assert 1 <= len(numbers) <= 5 and numbers == sorted(set(numbers)) and set(numbers) <= set(range(1, 6))
    for c in r["contacts"]:
        assert set(c) == {"number", "date", "note"} and (c["date"] or c["note"])
        assert c["note"] is None or collapse(c["note"]) == c["note"]
    dates = [c["date"] for c in r["contacts"] if c["date"]]
    if "dates_out_of_order" not in kinds:
        assert dates == sorted(dates)
    if r["started_on"]:
        assert FIRST_START.isoformat() <= r["started_on"] <= ANCHOR.isoformat()
    for d in [*dates, r["finished_on"], r["form_date"]]:
        assert d is None or d <= ANCHOR.isoformat()  # nothing happens after the demo's "today"
    if r["finished_on"] and r["started_on"] and r["days_to_close"] is not None and "days_mismatch" not in kinds:
        assert r["days_to_close"] == (dt.date.fromisoformat(r["finished_on"]) - dt.date.fromisoformat(r["started_on"])).days
    if r["outcome"] is None and "two_outcomes" not in kinds:
        assert r["finished_on"] is None and r["days_to_close"] is None  # open case
    if r["outcome"] is not None:
        assert r["finished_on"] is not None
    if r["form_date"] and "dates_out_of_order" not in kinds:
        assert r["form_date"] in (r["finished_on"], *dates) or r["form_date"] == r["started_on"]
    assert 0 <= len(r["signatories"]) <= 2 and all(collapse(s) == s for s in r["signatories"])
    for d in form.defects:
        assert isinstance(d, Defect) and d.kind in DEFECT_KINDS
    assert form.template in TEMPLATES and form.fmt in FORMATS
    assert form.file_name.endswith(EXTENSIONS[form.fmt])


def test_every_record_satisfies_the_contract(corpus):
    for form in corpus:
        _check_record(form)
    json.dumps([f.record for f in corpus])  # JSON-ready as the contract says


def test_protocols_unique_except_updates_and_file_names_unique(corpus):
    names = [f.file_name for f in corpus]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"\d{4}_SAD\d{12}\.(xlsx|csv|docx|pdf|md|txt)", n) for n in names)
    assert len({f.record["protocol_number"] for f in corpus}) == 3000


def test_updated_forms_come_after_the_version_they_supersede(corpus):
    seen: dict[str, int] = {}
    pairs = []
    for i, form in enumerate(corpus):
        p = form.record["protocol_number"]
        if p in seen:
            pairs.append((corpus[seen[p]], form))
        seen[p] = i
    assert 0.02 <= len(pairs) / 3000 <= 0.045  # ~3 % of cases were filed twice
    for early, late in pairs:
        assert early.file_name < late.file_name
        # the first filing is still open and has fewer contacts
        assert early.record["finished_on"] is None and early.record["days_to_close"] is None
        assert len(early.record["contacts"]) < len(late.record["contacts"])


# -- distributions ----------------------------------------------------------------------------------
def test_all_27_ufs_and_real_cities(corpus):
    assert {f.record["uf"] for f in corpus} - {None} == set(UFS)
    written = [f.record["city"] for f in corpus if f.record["city"]]
    assert any(c.isupper() and c.isascii() for c in written)  # "JOAO MONLEVADE" style
    assert any(not c.isascii() and not c.isupper() for c in written)  # official spelling


def test_defect_share_and_kinds(corpus):
    defective = [f for f in corpus if f.defects]
    assert 0.035 <= len(defective) / len(corpus) <= 0.07
    assert {d.kind for f in defective for d in f.defects} == set(DEFECT_KINDS)


def test_open_share(latest):
    open_cases = [f for f in latest if f.record["finished_on"] is None and not f.defects]
    assert 0.05 <= len(open_cases) / len(latest) <= 0.12


def test_operators_retention_rates_differ(latest):
    tally = collections.defaultdict(lambda: [0, 0])
    for f in latest:
        r = f.record
        if r["outcome"] in ("retencao_efetiva", "desligamento") and r["finished_on"]:
            t = tally[key(r["operator"])]
            t[0] += 1
            t[1] += r["outcome"] == "retencao_efetiva"
    assert set(tally) == {key(op.name) for op in OPERATORS}  # spelling variants group together
    rates = {op: ret / n for op, (n, ret) in tally.items()}
    assert all(n >= 100 for n, _ in tally.values())
    assert max(rates.values()) - min(rates.values()) >= 0.2, rates


def test_operator_spelling_variants_exist(corpus):
    spellings = collections.defaultdict(set)
    for f in corpus:
        if f.record["operator"]:
            spellings[key(f.record["operator"])].add(f.record["operator"])
    assert all(len(s) >= 3 for s in spellings.values())


def test_analysts_have_different_speeds(latest):
    days = collections.defaultdict(list)
    for f in latest:
        r = f.record
        if r["days_to_close"] is not None and r["analyst"] and not f.defects:
            days[key(r["analyst"])].append(r["days_to_close"])
    medians = [statistics.median(v) for v in days.values() if len(v) >= 30]
    assert 18 <= len(medians) <= 22
    assert min(medians) <= 30 and max(medians) >= 90


def test_seasonality(latest):
    months = collections.Counter(f.record["started_on"][5:7] for f in latest)
    summer = (months["01"] + months["02"] + months["03"]) / 3
    assert summer > 1.2 * months["07"] and summer > 1.5 * months["12"]


def test_reasons_mostly_remuneration_and_business_model(latest):
    from retention_analytics.vocab import CATEGORY_OF_REASON

    terminated = [f.record for f in latest if f.record["outcome"] == "desligamento"]
    assert all(1 <= len(r["termination_reasons"]) <= 3 for r in terminated)
    cited = collections.Counter(CATEGORY_OF_REASON[c] for r in terminated for c in r["termination_reasons"])
    top_two = {c for c, _ in cited.most_common(2)}
    assert top_two == {"Remuneração", "Modelo de negócio do prestador"}, cited


def test_retention_actions_more_often_when_retained(latest):
    def offered(outcome):
        rs = [f.record for f in latest if f.record["outcome"] == outcome]
        return sum(bool(r["retention_actions"]) for r in rs) / len(rs)

    assert offered("retencao_efetiva") > offered("desligamento") + 0.2


def test_documents_people_and_coverage(corpus):
    records = [f.record for f in corpus]
    alnum = [r for r in records if r["cnpj"] and not r["cnpj"].isdigit()]
    assert alnum, "recent inclusions should include alphanumeric CNPJs"
    assert {r["person_type"] for r in records} >= {"J", "F"}
    assert {r["requested_by"] for r in records} >= {"operadora", "prestador"}
    gaps = [r for r in records if r["outcome"] == "desligamento" and (r["cro_count"] or 1) >= (r["unique_cros_listed"] or 99)]
    assert len(gaps) > 50  # terminations that can leave a city without a listed dentist


def test_format_mix(corpus):
    counts = collections.Counter(f.fmt for f in corpus)
    assert set(counts) == set(FORMATS)
    assert counts["xlsx"] == max(counts.values())


# -- rendering --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample():
    forms = generate_corpus(60, seed=5)
    return next(
        f for f in forms
        if f.record["outcome"] == "desligamento" and f.record["last_production_value"] and len(f.record["contacts"]) >= 2
    )


def test_xlsx_has_typed_cells(sample):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(render(sample.record, "xlsx")))
    ws = wb.active
    values = {c.coordinate: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert ws["A1"].value == "Formulário - Processo de Retenção" and ws["A1"].font.bold
    assert isinstance(ws["F3"].value, dt.datetime) and ws["F3"].number_format == "dd/mm/yyyy"
    assert ws["E2"].value == sample.record["cro_count"]
    assert ws["C15"].value == pytest.approx(sample.record["last_production_value"]) and "R$" in ws["C15"].number_format
    assert ws["A15"].value == pytest.approx(sample.record["coin_value"]) and ws["A15"].number_format == "0.00"
    assert ws["C17"].value == sample.record["days_to_close"]
    assert ws["A2"].font.bold and not ws["A3"].font.bold
    assert any(str(c.value).startswith("☒ ") for c in values.values())
    assert ws.column_dimensions["D"].width > 20


def test_csv_is_semicolon_utf8_as_displayed(sample):
    data = render(sample.record, "csv")
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Formulário - Processo de Retenção;")
    assert all(line.count(";") >= 5 for line in lines[:17])
    assert "☒ Desligamento" in text and " dia(s)" in text and "R$ " in text


def test_docx_header_table_and_checkbox_paragraphs(sample):
    import docx

    document = docx.Document(io.BytesIO(render(sample.record, "docx")))
    table = document.tables[0]
    assert table.rows[0].cells[0].text == "Colaborador"
    assert table.rows[3].cells[0].text == (sample.record["operator"] or "")
    paragraphs = [p.text for p in document.paragraphs]
    assert "☒ Desligamento" in paragraphs
    assert any(p.startswith("☐ Ofertado Novos Valores\t") or p.startswith("☒ Ofertado Novos Valores\t") for p in paragraphs)
    with zipfile.ZipFile(io.BytesIO(render(sample.record, "docx"))) as archive:
        assert {i.date_time for i in archive.infolist()} == {archive.infolist()[0].date_time}


def test_pdf_text_layer(sample):
    import pdfplumber

    with pdfplumber.open(io.BytesIO(render(sample.record, "pdf"))) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "Formulário - Processo de Retenção" in text
    assert "Desligamento" in text and sample.record["protocol_number"] in text


def test_pdf_falls_back_to_core_fonts(sample, monkeypatch):
    import pdfplumber

    monkeypatch.setattr(render_module, "pdf_font", lambda: None)
    with pdfplumber.open(io.BytesIO(render(sample.record, "pdf"))) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "[X] Desligamento" in text and "[ ] Retenção Efetiva" in text


def test_md_and_txt_styles(sample):
    md = render(sample.record, "md").decode()
    assert md.lstrip().startswith("# Formulário - Processo de Retenção")
    assert '<input checked="" type="checkbox"/> Desligamento' in md and "\t" in md and "**Obs.:**" in md
    assert "1º contato Data " in md and "- |" in md
    marks = {"txt": ("☒", "☐"), "txt_brackets": ("[x]", "[ ]"), "txt_parens": ("(X)", "( )")}
    for fmt, (on, off) in marks.items():
        txt = render(sample.record, fmt).decode()
        assert f"{on} Desligamento" in txt and f"{off} Retenção Efetiva" in txt
        assert re.search(r"Operadora {2,}CRO {2,}UF {2,}Nome dentista", txt)


def test_templates_change_label_spellings(sample):
    record = dict(sample.record, termination_reasons=["regras_tecnicas"])
    old = render(record, "txt", template="antigo").decode()
    new = render(record, "txt", template="atual").decode()
    y2024 = render(record, "txt", template="2024").decode()
    assert "Régras Técnicas" in old and "Motivos Particulares" not in old and "Data inicio" in old
    assert "Regras Técnicas" in new and "Motivos Particulares" in new
    assert "nº de vistas" in y2024 and "Grossoeiro" in y2024


def test_render_defects_draw_what_the_record_cannot_hold(sample):
    record = dict(sample.record, outcome=None, accepts_other_plans=None)
    defects = (Defect("two_outcomes", ("retencao_efetiva", "desligamento")), Defect("both_checked", ("accepts_other_plans",)))
    txt = render(record, "txt", defects).decode()
    assert "☒ Retenção Efetiva" in txt and "☒ Desligamento" in txt and "☐ Não se trata" in txt
    assert re.search(r"☒ SIM +☒ NÃO", txt)


def test_unknown_format_or_template_is_refused(sample):
    with pytest.raises(ValueError):
        render(sample.record, "odt")
    with pytest.raises(ValueError):
        render(sample.record, "txt", template="novo")


# -- writing ----------------------------------------------------------------------------------------
def test_write_corpus_writes_one_file_per_form(tmp_path):
    calls = []
    paths = write_corpus(tmp_path / "a", cases=40, seed=11, progress=lambda done, total: calls.append((done, total)))
    forms = generate_corpus(40, seed=11)
    assert [p.name for p in paths] == [f.file_name for f in forms]
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    assert calls[-1] == (len(forms), len(forms)) and len(calls) == len(forms)
    again = write_corpus(tmp_path / "b", cases=40, seed=11)
    digest = lambda ps: [hashlib.sha256(p.read_bytes()).hexdigest() for p in ps]  # noqa: E731
    assert digest(paths) == digest(again)
