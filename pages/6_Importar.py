"""Importar: send forms from the browser, see what each one says, confirm to store the batch.

Any supported format (.xlsx, .xls, .ods, .csv, .docx, .pdf, .txt, .md) or a .zip of them. Files are parsed
once, when they arrive, and previewed (key fields, warnings, and for rejected files the reason in
Portuguese); nothing is written until "Confirmar importação", which stores the whole batch in one
transaction and shows what happened (new, replaced, duplicate, rejected and why). The store's data
version changes with the write, so every page shows the new cases on its next run.

Who may import (auth.py): admins anything; a gestor only forms of their own operators (the rest
is refused in the preview and never stored, see ui/importer.py); an analista only reads. Real
forms never join the demonstration: the preview says how to go on, and an admin may remove the
demonstration and import in one click.

It must not parse or write by itself (retention_analytics.ui.importer does) and must never show
a traceback: every failure is a Portuguese message saying what failed, in which file, and what to do.
"""

from __future__ import annotations

import streamlit as st

from retention_analytics import formatting as fmt
from retention_analytics.store import IngestSummary, StoreError
from retention_analytics.ui import data, importer, substitution_form, widget_texts
from retention_analytics.ui.case_view import inline_md as md
from retention_analytics.ui.page import EMPTY_CELL, current_page

# Filters do not apply to an import, so the sidebar shows only the page list (the filters stay
# in session state and in the URL for the other pages).
page = current_page()
if page.user is None or not page.user.may_import:
    st.info("Seu papel (analista) só consulta os dados. Para importar formulários, peça a um gestor ou administrador.")
    st.stop()

_ROUND = "_import_uploader_round"  # a new uploader key after an import empties the uploader
_PREVIEW = "_import_preview"  # the parsed batch of the files now in the uploader
_RESULT = "_import_result"  # the summary of the last import, shown until new files arrive
_REMOVED = "_import_removed_demo"  # what "Remover a demonstração e importar" deleted
_SHOW_CASE_LINKS = 10


def _draw_summary(summary: IngestSummary) -> None:
    removed = st.session_state.get(_REMOVED)
    if removed is not None and removed.has_demo:
        st.info(f"Demonstração removida: {fmt.integer(removed.demo_documents)} formulários fictícios apagados.", icon="🧪")
    if summary.new:
        st.success(
            f"Importação concluída: {fmt.integer(summary.new)} formulário(s) novo(s). "
            "Todas as páginas já mostram os novos casos."
        )
    elif summary.duplicate and not summary.rejected:
        st.info("Nada novo foi gravado: todos os arquivos enviados já estavam importados (duplicados).")
    elif summary.rejected:
        st.warning("Nenhum formulário foi importado: os arquivos enviados foram rejeitados (veja os motivos abaixo).")
    columns = st.columns(4)
    columns[0].metric("Novos", fmt.integer(summary.new), help="Formulários gravados como casos")
    columns[1].metric("Substituídos", fmt.integer(summary.superseded),
                      help="Versões anteriores do mesmo protocolo, mantidas como histórico")
    columns[2].metric("Duplicados", fmt.integer(summary.duplicate), help="Arquivos idênticos a um já importado; ignorados")
    columns[3].metric("Rejeitados", fmt.integer(summary.rejected), help="Arquivos que não puderam ser lidos como formulário")
    st.dataframe(importer.summary_frame(summary), hide_index=True, width="stretch", placeholder=EMPTY_CELL)
    for result in summary.results:
        if result.status == "rejected":
            st.error(f"**{md(result.name)}** foi rejeitado: {md(result.reason)}", icon="🚫")
    new_cases = [r for r in summary.results if r.case_id is not None]
    for result in new_cases[:_SHOW_CASE_LINKS]:
        st.page_link("pages/5_Casos.py", label=f"Abrir o caso {md(result.protocol_number or result.case_id)}",
                     icon="🗂️", query_params={"caso": str(result.case_id)})
    if summary.rejected:
        st.page_link("pages/7_Qualidade_dos_dados.py", label="Ver todos os documentos rejeitados", icon="🧹")
    with st.expander("Resumo em texto (o mesmo do terminal)"):
        st.code(summary.text(), language=None)
    _draw_alerts(summary)


def _draw_alerts(summary: IngestSummary) -> None:
    """What the alert rules said after this import (alerts.after_import)."""
    if summary.alerts_error:
        st.warning(summary.alerts_error, icon="🔔")
    elif summary.alerts_fired:
        st.info(f"{fmt.integer(summary.alerts_fired)} alerta(s) novo(s) depois desta importação: veja a Visão geral.",
                icon="🔔")


def _draw_preview(preview: importer.Preview) -> bool:
    """Show what the import will do; True when the user confirmed and the batch was stored."""
    st.subheader("Prévia")
    columns = st.columns(4)
    columns[0].metric("Formulários lidos", fmt.integer(len(preview.parsed)))
    columns[1].metric("Serão importados", fmt.integer(preview.to_store),
                      help=f"{fmt.integer(len(preview.with_warnings))} com avisos")
    columns[2].metric("Duplicados", fmt.integer(preview.count("duplicate")))
    columns[3].metric("Rejeitados", fmt.integer(len(preview.rejected)))
    st.dataframe(preview.frame(), hide_index=True, width="stretch", placeholder=EMPTY_CELL)
    for parsed in preview.rejected:
        st.error(f"**{md(parsed.name)}** não pode ser lido como formulário: {md(parsed.reason)}", icon="🚫")
    for name, reason in preview.refused:
        st.error(f"**{md(name)}** não será importado: {md(reason)}", icon="⛔")
    if preview.with_warnings:
        with st.expander(f"Avisos da leitura ({fmt.integer(len(preview.with_warnings))} formulário(s))"):
            for parsed in preview.with_warnings:
                st.markdown(f"**{md(parsed.name)}**")  # names and warnings quote the file: text, not markdown
                st.markdown("\n".join(f"- {md(w)}" for w in parsed.warnings))
    if preview.rejected:
        st.caption("Arquivos rejeitados também são guardados ao confirmar, para aparecerem em **Qualidade dos dados**.")
    remove_demo = False
    if preview.demo_conflict:
        # Real forms never join the demonstration: say what to do; an admin may clear it here.
        # Our own text (the database path comes from the server's settings): its `commands` render as code.
        st.error(preview.demo_conflict, icon="🧪")
        if not page.user.is_admin:
            st.info("Peça a um administrador para remover a demonstração ou apontar o painel para um banco novo.")
            return False
        st.caption("A demonstração tem só formulários fictícios gerados pelo sistema; nenhum formulário real é apagado. "
                   "Depois da importação, o painel passa a pedir login.")
        if not st.button("Remover a demonstração e importar", type="primary", key="import_remove_demo"):
            return False
        remove_demo = True
    elif not st.button("Confirmar importação", type="primary", key="import_confirm"):
        return False

    bar = st.progress(0.1, text=f"Gravando {fmt.integer(len(preview.parsed))} documento(s)…")
    try:
        if remove_demo:
            removed, summary = importer.remove_demo_and_commit(data.store(), preview, page.user)
            st.session_state[_REMOVED] = removed
        else:
            summary = importer.commit(data.store(), preview, page.user)
    except StoreError as exc:
        bar.empty()
        st.error(f"A importação não foi gravada: {exc}", icon="⚠️")
        return False
    except Exception as exc:  # noqa: BLE001 - never a traceback on screen
        bar.empty()
        st.error(
            f"A importação não foi gravada por um erro inesperado ({type(exc).__name__}). Nada deste lote "
            "foi salvo. Tente de novo; se repetir, avise o suporte informando os arquivos enviados.",
            icon="⚠️",
        )
        return False
    bar.progress(1.0, text="Importação concluída.")
    # The write bumped the data version, which already keys every cache; clearing them too makes
    # sure no page of this server can show the old numbers.
    data.clear_caches()
    st.session_state[_RESULT] = summary
    st.session_state.pop(_PREVIEW, None)
    st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1
    return True


st.markdown(
    "Envie um ou mais formulários (**.xlsx, .xls, .ods, .csv, .docx, .doc, .odt, .rtf, .pdf, .txt, .md**, ou escaneados e fotografados: **.pdf, .png, .jpg, .tif**) ou um **.zip** com vários, ou o e-mail que os trouxe (**.eml**, **.msg**: cada anexo é um formulário). "
    "Os arquivos são lidos e conferidos antes; nada é gravado até você clicar em **Confirmar importação**. "
    "Um arquivo já importado é reconhecido e não é gravado de novo."
)
files = widget_texts.file_uploader(
    "Formulários",
    type=list(importer.UPLOAD_TYPES),
    accept_multiple_files=True,
    key=f"import_files_{st.session_state.get(_ROUND, 0)}",
    help="Arraste os arquivos para cá ou clique para escolher. Um .zip pode conter pastas.",
)

if not files:
    st.session_state.pop(_PREVIEW, None)
    last = st.session_state.get(_RESULT)
    if isinstance(last, IngestSummary):
        st.subheader("Última importação")
        _draw_summary(last)
else:
    st.session_state.pop(_RESULT, None)  # new files: the previous import's summary is history now
    st.session_state.pop(_REMOVED, None)
    uploads: list[importer.Upload] = []
    for uploaded in files:
        try:
            uploads.append(importer.Upload(uploaded.name, uploaded.getvalue()))
        except Exception as exc:  # noqa: BLE001 - a broken upload is a message, not a traceback
            st.error(
                f"Não foi possível receber **{md(uploaded.name)}** ({type(exc).__name__}). Envie o arquivo de novo.",
                icon="⚠️",
            )
    preview = st.session_state.get(_PREVIEW)
    if uploads and (not isinstance(preview, importer.Preview) or preview.fingerprint != importer.fingerprint(uploads)):
        bar = st.progress(0.0, text="Lendo os arquivos…")

        def progress(done: int, total: int | None, name: str) -> None:
            bar.progress(min(1.0, done / total) if total else 1.0, text=f"Lendo {done} de {total or done}: {name}")

        try:
            preview = importer.prepare(data.store(), uploads, progress, page.user)
        except StoreError as exc:
            preview = None
            st.error(f"Não foi possível conferir os arquivos no banco de dados: {exc}", icon="⚠️")
        except Exception as exc:  # noqa: BLE001 - never a traceback on screen
            preview = None
            st.error(
                f"Erro inesperado ao ler os arquivos enviados ({type(exc).__name__}). Nada foi gravado. "
                "Envie os arquivos de novo; se repetir, avise o suporte informando quais arquivos eram.",
                icon="⚠️",
            )
        bar.empty()
        if preview is not None:
            st.session_state[_PREVIEW] = preview
    if isinstance(preview, importer.Preview) and uploads:
        if _draw_preview(preview):
            st.rerun()  # draw the page again from the stored summary, with an empty uploader

substitution_form.draw_import(page)
