"""On a terminated case's page: its substitution record (Conformidade ANS) and, for an admin or a
gestor of the case's operator, a form to record what was done — exit from the network, notice to
beneficiaries, the substitute. Each save appends a record (the newest wins) through
Store.add_substitutions, with the user's name, and writes the audit log; the form the case was
read from is never changed. Analysts only read.

It must not compute compliance (metrics/sql/compliance.sql does) or write SQL.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from .. import brazil
from .. import formatting as fmt
from ..store import StoreError
from ..store.substitutions import SubstitutionFileError, SubstitutionRow
from ..vocab import label
from . import data, widget_texts
from .case_view import md


def may_record(user: Any, case: dict[str, Any]) -> bool:
    """An admin, or a gestor who sees the case's operator; only on the current version."""
    if user is None or not case.get("is_current") or user.role not in ("admin", "gestor"):
        return False
    return user.scope is None or case.get("operator_key") in user.scope


def draw(page: Any, case: dict[str, Any]) -> None:
    if case.get("outcome") != "desligamento":
        return
    st.markdown("##### Substituição (Conformidade ANS)")
    history = data.store().substitution_history(case["case_key"]) if case.get("case_key") else []
    if history:
        latest = history[0]
        place = " – ".join(v for v in (latest.get("substitute_city"), latest.get("substitute_uf")) if v)
        st.markdown(
            f":gray[Saída da rede]  {md(fmt.date(latest.get('exit_date')) if latest.get('exit_date') else 'a data final do caso')} · "
            f":gray[Aviso publicado]  {md(fmt.date(latest.get('notice_date')))} · "
            f":gray[Substituto]  {md(latest.get('substitute_name') or latest.get('substitute_cro') or '—')}"
            + (f" ({md(place)})" if place else "")
        )
        st.caption(f"Registrado por {md(latest.get('entered_by') or '—')} em {fmt.datetime(latest.get('entered_at'))} "
                   f"({md(label('substitution_source', latest.get('source')))}); {len(history)} registro(s) no histórico.")
    else:
        st.caption("Nenhuma substituição registrada: sem aviso aos beneficiários e sem substituto, para a ANS.")
    if not may_record(page.user, case):
        return
    with st.expander("Registrar substituição", expanded=not history):
        with st.form(f"substituicao_{case['case_id']}", clear_on_submit=False):
            left, right = st.columns(2)
            exit_date = left.date_input("Saída da rede", value=None, format="DD/MM/YYYY",
                                        help="Vazio: vale a data final do caso.")
            notice_date = right.date_input("Aviso publicado aos beneficiários em", value=None, format="DD/MM/YYYY")
            channels = st.text_input("Canais do aviso", placeholder="site, aplicativo, e-mail…")
            a, b, c = st.columns([1, 1, 2])
            cro = a.text_input("CRO do substituto")
            uf = b.selectbox("UF do substituto", [""] + sorted(brazil.UFS), index=0)
            city = c.text_input("Município do substituto")
            name = st.text_input("Nome do substituto")
            notes = st.text_area("Observações", height=68)
            saved = st.form_submit_button("Salvar registro", type="primary")
        if saved:
            _save(page, case, exit_date, notice_date, channels, cro, uf, city, name, notes)


def _save(page: Any, case: dict[str, Any], exit_date: Any, notice_date: Any, channels: str, cro: str, uf: str,
          city: str, name: str, notes: str) -> None:
    clean = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in
             dict(channels=channels, cro=cro, uf=uf, city=city, name=name, notes=notes).items()}
    problems = []
    if clean["cro"] and not clean["cro"].replace(".", "").isdigit():
        problems.append("o CRO do substituto deve ter só números")
    ibge = None
    if clean["city"]:
        municipality = brazil.match_city(clean["uf"], clean["city"]) if clean["uf"] else None
        if municipality is None:
            problems.append(f"“{clean['city']}” não é um município de {clean['uf'] or '(escolha a UF)'} no IBGE")
        else:
            ibge = municipality.ibge_code
    if problems:
        st.error("Nada foi salvo: " + "; ".join(md(p) for p in problems) + ".")
        return
    row = SubstitutionRow(case["protocol_number"], exit_date=exit_date, notice_date=notice_date,
                          notice_channels=clean["channels"], substitute_cro=(clean["cro"] or "").replace(".", "") or None,
                          substitute_uf=clean["uf"], substitute_city=clean["city"], substitute_ibge_code=ibge,
                          substitute_name=clean["name"], notes=clean["notes"])
    store = data.store()
    try:
        store.add_substitutions([row], "manual", page.user.username, allowed_operators=page.user.scope)
        store.record_audit(page.user.username, "registrar_substituicao", role=page.user.role, page=page.title,
                           target=f"caso {case['case_id']}")
    except (SubstitutionFileError, StoreError) as exc:
        st.error(f"Nada foi salvo: {md(exc)}")
        return
    data.clear_caches()
    st.success("Substituição registrada. A página Conformidade ANS já mostra a nova situação.")


_FILE_ROUND = "_substitutions_uploader_round"


def draw_import(page: Any) -> None:
    """Importar's second part: the credentialing system's file of substitution records, all rows or
    none, every bad row listed by line; the template to fill in."""
    from ..store.substitutions import read_substitutions, template_csv

    st.divider()
    st.subheader("Substituições de prestadores desligados")
    st.markdown(
        "Arquivo do sistema de credenciamento (**.csv** com `;` ou **.xlsx**), uma linha por desligamento: "
        "`protocolo`, `data_saida`, `data_aviso`, `cro_substituto`, `uf_substituto`, `municipio_substituto`, "
        "`nome_substituto`. Datas DD/MM/AAAA; célula vazia = não sabido. Entra tudo ou nada."
    )
    st.download_button("⬇️ Modelo do arquivo (CSV)", data=template_csv(), file_name="modelo_substituicoes.csv",
                       mime="text/csv", key="substitutions_template", on_click="ignore")
    uploaded = widget_texts.file_uploader("Arquivo de substituições", type=["csv", "xlsx"],
                                          key=f"substitutions_file_{st.session_state.get(_FILE_ROUND, 0)}")
    if uploaded is None:
        return
    try:
        rows = read_substitutions(uploaded.name, uploaded.getvalue())
    except SubstitutionFileError as exc:
        _problems(exc)
        return
    st.info(f"{fmt.integer(len(rows))} registro(s) lidos de {md(uploaded.name)}. Nada foi gravado ainda.")
    if not st.button("Importar substituições", type="primary", key="substitutions_confirm"):
        return
    store = data.store()
    try:
        stored = store.add_substitutions(rows, "importacao", page.user.username, allowed_operators=page.user.scope)
        store.record_audit(page.user.username, "importar_substituicoes", role=page.user.role, page=page.title,
                           target=uploaded.name, detail=f"{stored} registros")
    except SubstitutionFileError as exc:
        _problems(exc)
        return
    except StoreError as exc:
        st.error(f"Nada foi importado: {md(exc)}", icon="⚠️")
        return
    data.clear_caches()
    st.session_state[_FILE_ROUND] = st.session_state.get(_FILE_ROUND, 0) + 1
    st.success(f"{fmt.integer(stored)} registro(s) de substituição importados. A página Conformidade ANS já "
               "mostra a nova situação.")


def _problems(exc: SubstitutionFileError) -> None:
    st.error("Nada foi importado. Corrija o arquivo e envie de novo:", icon="🚫")
    listed = exc.problems[:50]
    more = [f"… e mais {len(exc.problems) - 50} problemas."] if len(exc.problems) > 50 else []
    st.markdown("\n".join(f"- {md(p)}" for p in listed + more))
