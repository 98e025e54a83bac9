"""Casos: find a case and read its whole form.

A searchable, paged list of the current cases under the sidebar filters (metrics.cases: CPF, CNPJ,
phones and e-mails masked). Choosing a case (clicking its row, or the protocol list below the
table) shows the form as it was filled: header fields, status, contacts as a timeline, every
checkbox of actions, reasons and sectors, notes, signatories, the parser's warnings, the earlier
versions of the same protocol and a download of the original file. The chosen case lives in the
URL (`?caso=ID`), so a copied link opens it. The list is a fragment: a search or a page of the list
reruns only the list, and opening a case from it reruns the whole page.

Access: the list and the form come through the user's filters, which always carry their operator
restriction, so a case of another operator — by click, protocol list or `?caso=` link — is "não
encontrado". Personal data is masked unless an admin switched "Mostrar dados pessoais" on, and then
each view and download is recorded in the audit log first (ui/audit.py). The original document
holds everything unmasked, so only admins get its download, audited on click.

It must not query the database or unmask anything itself: it draws what data.get returns
and only fetches the original file's bytes for its (audited) download button.
"""

from __future__ import annotations

import hashlib
import mimetypes
from typing import Any

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from retention_analytics import metrics
from retention_analytics import formatting as fmt
from retention_analytics.filters import STATUS_LABELS
from retention_analytics.store import StoreError
from retention_analytics.ui import audit
from retention_analytics.ui import case_view as cv
from retention_analytics.ui import data, state, substitution_form
from retention_analytics.ui.page import LIST_PAGE_SIZE, Page, current_page, list_page, no_data, selected_row, show_table

_CASE = "_casos_case"  # the case on screen (int) or None; a plain key, so it survives page switches
_URL_WRITTEN = "_casos_url_case"  # the ?caso= this page last wrote, to tell a new link from our own echo
_SEARCH = "_casos_search"  # the search text, kept like the filters when the page is left
_PICKS = "_casos_table_picks"  # table key → case id its selection last opened
_SEARCH_WIDGET = "casos_busca"
_PAGE_WIDGET = "casos_pagina"
_CHOICE_WIDGET = "casos_escolha"
_OPENED_BY_LIST = "_casos_opened_by_list"  # the list (a fragment run) opened this case: scroll to it
_DRAWN = "_casos_drawn_case"  # the case the last whole run of the page drew below the list

_LIST_COLUMNS = [
    "case_id", "protocol_number", "status", "operator", "analyst", "uf", "city", "dentist_name", "cpf", "cnpj",
    "reference_date", "closure_days", "reasons", "warning_count",
]


def _case_id(raw: Any) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _open(case_id: int | None) -> None:
    st.session_state[_CASE] = case_id


# First, before any state is touched: the frame's filters (and on a fresh server's first deep link,
# the hand-over to app.py, which reruns this script; see ui/page.current_page).
page: Page = current_page()

# --- which case: a link's ?caso= wins when it is new; otherwise the one chosen in this session ----
bad_link: str | None = None
raw_link = st.query_params.get("caso")
if raw_link not in (None, "") and raw_link != st.session_state.get(_URL_WRITTEN):
    st.session_state[_CASE] = _case_id(raw_link)
    if st.session_state[_CASE] is None:
        bad_link = raw_link
selected: int | None = st.session_state.get(_CASE)
st.session_state[_URL_WRITTEN] = str(selected) if selected else None

state.sync_url(page.filters, {"caso": selected})


def _remember_url(case_id: int | None) -> None:
    state.sync_url(page.filters, {"caso": case_id})
    st.session_state[_URL_WRITTEN] = str(case_id) if case_id else None


def _in_fragment_run() -> bool:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "fragment_ids_this_run", None))


@st.fragment
def _list_fragment() -> None:
    """The list as a fragment: typing a search or turning a page reruns only the list (not the
    sidebar, the frame and the open form: docs/performance.md). A case opened from it needs the
    whole page (the form below, the address): then the app reruns."""
    _draw_list()
    # Compared with what the page drew, not with the start of this run: the protocol list's
    # callback has already changed the case when the fragment's run starts.
    if _in_fragment_run() and st.session_state.get(_CASE) != st.session_state.get(_DRAWN):
        st.session_state[_OPENED_BY_LIST] = True
        st.rerun(scope="app")


def _draw_list() -> pd.DataFrame:
    """Search box, paged table and the protocol list; returns the rows on screen."""
    # Seeded on every run, like the sidebar: after a page switch the old box's value is still
    # readable under the key, but the box drawn now is a new widget that would start empty.
    st.session_state[_SEARCH_WIDGET] = st.session_state.get(_SEARCH, "")

    def on_search() -> None:
        st.session_state[_SEARCH] = st.session_state.get(_SEARCH_WIDGET, "")

    search = st.text_input(
        "Buscar",
        key=_SEARCH_WIDGET,
        on_change=on_search,
        placeholder="Protocolo, dentista, CRO, cidade, operadora, analista, arquivo ou dígitos do CPF/CNPJ",
        help="A busca ignora maiúsculas e acentos. Para CPF/CNPJ, digite ao menos 3 dígitos.",
    ).strip()
    total = data.get(metrics.cases_count, page.filters, search=search or None)
    if total == 0:
        if search:
            st.info(f"Nenhum caso encontrado para “{cv.inline_md(search)}”. Confira a grafia ou busque por outro dado.")
        elif page.filters.is_empty():
            if page.user is not None and page.user.may_import:
                st.info("Ainda não há casos no banco de dados. Importe formulários na página **Importar**.")
                st.page_link("pages/6_Importar.py", label="Importar formulários", icon="📥")
            else:
                st.info("Ainda não há casos no banco de dados: um gestor ou administrador importa os formulários.")
        else:
            no_data()
        return pd.DataFrame(columns=_LIST_COLUMNS)

    # The page picker of every paged list (ui/page.list_page): back to page 1 when the filters or
    # the search change what is listed.
    first = list_page(_PAGE_WIDGET, total, "casos", metrics.cases, (page.filters, search))
    revealed = audit.reveal(page, "lista de casos")
    rows = data.get(metrics.cases, page.filters, search=search or None, limit=LIST_PAGE_SIZE, offset=first,
                        **({"reveal": True} if revealed else {}))
    shown = rows[[c for c in _LIST_COLUMNS if c in rows.columns]].copy()
    found = "caso encontrado" if total == 1 else "casos encontrados"
    st.caption(
        f"{fmt.integer(total)} {found} · clique numa linha para abrir o formulário."
        + (" Dados pessoais visíveis (registrado na auditoria)." if revealed else " CPF e CNPJ aparecem mascarados.")
    )

    # The table's key follows what it lists: a new search or page is a new table with nothing
    # selected, so a row number picked in the old list never opens a case of the new one.
    listing = hashlib.sha1(repr((page.filters, search, first)).encode()).hexdigest()[:12]
    key = f"casos_tabela_{listing}"
    event = show_table(shown.reset_index(drop=True), metrics.cases, page, key=key, height=360, selectable=True,
                       revealed=revealed)
    picks: dict[str, int | None] = st.session_state.setdefault(_PICKS, {})
    row = selected_row(event)  # the row's checkbox or a click on any of its cells
    if row is not None and row < len(shown):
        picked = int(shown["case_id"].iloc[row])
        # Only a new click opens a case: an old selection left in the table must not undo a choice
        # made since in the protocol list or a link.
        if picks.get(key) != picked:
            picks[key] = picked
            _open(picked)
    else:
        picks[key] = None

    # The fallback without a mouse click in the grid: the cases on screen by protocol.
    options: list[int | None] = [None, *[int(v) for v in shown["case_id"]]]
    current = st.session_state.get(_CASE)
    if current is not None and current not in options:
        options.append(current)
    labels = {
        int(r.case_id): " · ".join(
            str(v) for v in (r.protocol_number or f"caso {r.case_id}", r.dentist_name, r.city, r.uf)
            if v is not None and not (isinstance(v, float) and pd.isna(v))
        )
        for r in shown.itertuples()
    }
    st.session_state[_CHOICE_WIDGET] = current  # seeded: the list always says which case is open
    st.selectbox(
        "Abrir o caso do protocolo",
        options,
        key=_CHOICE_WIDGET,
        format_func=lambda v: "— escolha um caso —" if v is None else labels.get(v, f"Caso {v}"),
        placeholder="— escolha um caso —",
        on_change=lambda: _open(st.session_state.get(_CHOICE_WIDGET)),
    )
    return shown


def _boxes(items: list[tuple[bool, str]], columns: int = 1) -> None:
    if columns == 1:
        st.markdown("  \n".join(cv.box(checked, label) for checked, label in items))
        return
    per_column = -(-len(items) // columns)
    for column, start in zip(st.columns(columns), range(0, len(items), per_column)):
        column.markdown("  \n".join(cv.box(checked, label) for checked, label in items[start:start + per_column]))


_ANCHOR = "formulario-do-caso"
# Run in the browser when a case was just opened: the form is drawn below the list, so the page
# scrolls to it (a component iframe of the app's own origin may reach the page it sits in).
_SCROLL_TO_FORM = (
    "<script>const t = window.parent.document.getElementById('" + _ANCHOR + "');"
    " if (t) { t.scrollIntoView({behavior: 'smooth', block: 'start'}); }</script>"
)


def _draw_case(case: dict[str, Any], revealed: bool = False, just_opened: bool = False) -> None:
    case_id = int(case["case_id"])
    st.divider()
    title_col, close_col = st.columns([5, 1])
    title_col.subheader(f"Formulário do caso {cv.inline_md(case.get('protocol_number') or case_id)}", anchor=_ANCHOR)
    if just_opened:
        components.html(_SCROLL_TO_FORM, height=0)
    close_col.button("Fechar caso", key="casos_fechar", on_click=_open, args=(None,), width="stretch")
    status = cv.status_label(case)
    color = {"Retenção Efetiva": "green", "Desligamento": "orange", "Não se trata de Retenção": "violet"}.get(status, "gray")
    badges = [f":{color}-badge[{cv.md(status)}]"]
    badges.append(":blue-badge[Versão atual]" if case.get("is_current") else ":gray-badge[Versão anterior]")
    if case.get("warnings"):
        badges.append(f":orange-badge[{len(case['warnings'])} aviso(s) de leitura]")
    st.markdown(" ".join(badges) + f" · Caso nº {case_id} · Arquivo: {cv.md(cv.file_name(case.get('source')))}")
    reading = cv.reading_line(case)
    if reading:
        st.caption(reading)
    if not case.get("is_current"):
        newer = case.get("superseded_by")
        st.info("Esta é uma versão anterior deste protocolo, substituída por um formulário importado depois.")
        if newer:
            st.button(f"Abrir a versão seguinte (caso {newer})", key="casos_newer", on_click=_open, args=(int(newer),))

    st.markdown("##### Dados do formulário")
    fields = cv.header_fields(case, reveal=revealed)
    for start in range(0, len(fields), 4):
        for column, (label, value) in zip(st.columns(4), fields[start:start + 4]):
            column.markdown(f":gray[{cv.md(label)}]  \n{cv.md(value)}")
    derived = st.columns(4)
    derived[0].markdown(f":gray[Data de referência]  \n{cv.md(fmt.date(case.get('reference_date')))}")
    derived[1].markdown(f":gray[Dias para finalizar (calculado)]  \n{cv.md(fmt.days(case.get('closure_days')))}")
    derived[2].markdown(f":gray[CROs do caso]  \n{cv.md(fmt.integer(case.get('cros_at_stake')))}")

    st.markdown("##### Status")
    _boxes(cv.outcome_checklist(case), columns=3)

    st.markdown("##### Contatos")
    contacts = cv.contacts(case, reveal=revealed)
    if not contacts:
        st.caption("Nenhum contato registrado no formulário.")
    for contact in contacts:
        with st.container(border=True):
            st.markdown(f"🗓️ **{cv.md(contact['date'])}** · {cv.md(contact['title'])}")
            st.markdown(cv.md(contact["note"]) if contact["note"] else ":gray[sem observação]")

    left, right = st.columns(2)
    with left:
        st.markdown("##### Ação retenção")
        _boxes(cv.action_checklist(case))
        st.markdown("##### Setor responsável")
        _boxes(cv.sector_checklist(case))
        st.markdown("##### Necessário abertura de protocolo")
        _boxes(cv.protocol_checklist(case), columns=2)
    with right:
        st.markdown("##### Obs. geral")
        note = case.get("general_note")
        st.markdown(cv.md(note) if note else ":gray[sem observação]")
        st.markdown("##### Assinaturas")
        signatories = case.get("signatories") or []
        st.markdown("  \n".join(cv.md(name) for name in signatories) if signatories else ":gray[nenhuma assinatura]")
    st.markdown("##### Motivo desligamento")
    _boxes(cv.reason_checklist(case), columns=3)

    st.markdown("##### Avisos da leitura")
    if case.get("warnings"):
        st.warning("\n".join(f"- {cv.md(w)}" for w in case["warnings"]))
    else:
        st.caption("Nenhum aviso: o formulário foi lido sem campos faltando ou inconsistentes.")

    versions = case.get("versions") or []
    st.markdown("##### Histórico do documento")
    if len(versions) <= 1:
        st.caption("Nenhuma outra versão deste protocolo foi importada.")
    else:
        st.caption("Formulários com o mesmo nº de protocolo, do mais recente ao mais antigo; vale o mais recente.")
        for version in versions:
            vid = int(version["case_id"])
            outcome = version.get("outcome")
            text = (
                f"Caso {vid} · {cv.md(cv.file_name(version.get('source')))} · "
                f"{'versão atual' if version.get('is_current') else 'substituída'} · "
                f"{cv.md(STATUS_LABELS.get(outcome, 'sem status marcado') if outcome else 'sem status marcado')}"
            )
            left, right = st.columns([5, 1])
            left.markdown(("**▶ " + text + "** (em exibição)") if vid == case_id else text)
            if vid != case_id:
                right.button("Abrir", key=f"casos_versao_{vid}", on_click=_open, args=(vid,), width="stretch")

    substitution_form.draw(page, case)

    user = page.user
    if user is None or not user.is_admin:
        st.caption("O documento original tem os dados pessoais sem máscara: só um administrador pode baixá-lo.")
        return
    try:
        original = data.store().document_bytes(case_id)
    except StoreError as exc:
        st.error(f"Não foi possível ler o documento original: {exc}")
        original = None
    if original:
        name, content = original
        st.download_button(
            "⬇️ Baixar o documento original",
            # Made on click, after the audit log has the download (no file when it cannot be recorded).
            data=audit.audited_download(user, page.title, f"documento original do caso {case_id}", None,
                                        lambda: content, action=audit.ORIGINAL),
            file_name=name,
            mime=mimetypes.guess_type(name)[0] or "application/octet-stream",
            key=f"casos_original_{case_id}",
            on_click="ignore",
            help="O arquivo exatamente como foi importado (contém os dados pessoais sem máscara; o download "
                 "fica registrado na auditoria).",
        )


if page.has_data:
    if bad_link is not None:
        st.warning(f"O link pede o caso “{cv.inline_md(bad_link[:40])}”, que não é um número de caso válido. Escolha um caso na lista.")
    before = st.session_state.get(_CASE)
    _list_fragment()
    chosen = st.session_state.get(_CASE)
    just_opened = chosen != before or bool(st.session_state.pop(_OPENED_BY_LIST, False))
    st.session_state[_DRAWN] = chosen
    if chosen != before:
        _remember_url(chosen)  # a row was clicked in this run: the address bar follows at once
    if chosen is not None:
        detail = data.get(metrics.case_detail, page.filters, case_id=int(chosen))
        revealed_case = detail is not None and audit.reveal(page, f"caso {int(chosen)}")
        if revealed_case:  # only after the view is in the audit log
            detail = data.get(metrics.case_detail, page.filters, case_id=int(chosen), reveal=True)
        if detail is None:
            st.warning(
                f"O caso {chosen} não foi encontrado (ou não é de uma operadora que você pode ver). "
                "Escolha outro caso na lista."
            )
            _open(None)
            _remember_url(None)
            st.session_state[_DRAWN] = None
        else:
            _draw_case(detail, revealed=revealed_case, just_opened=just_opened)
