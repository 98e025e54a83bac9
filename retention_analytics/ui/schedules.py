"""The Relatórios page's content: an admin schedules which report goes to whom, weekly or monthly,
under which filters, and sees what `report run-due` sent.

A schedule takes the sidebar's filters of the moment (without the period: each send covers the
week or month before it) and recipients among the dashboard's users with an e-mail, each of whom
gets their own operators only (reports/schedules.py). Only an admin may see or change schedules
(fail closed: anyone else gets a sentence and nothing else).

It must not build or send reports (reports/ does) nor write SQL (store/report_schedules.py does).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import auth
from .. import formatting as fmt
from ..reports import ANALYSIS_PAGES, PACK_MONTHLY
from ..reports.schedules import describe_report
from ..store import report_schedules as rs
from . import data
from .page import Page

_REPORTS = (*ANALYSIS_PAGES, PACK_MONTHLY)
_FORM = "schedule_form"


def _recipients() -> tuple[dict[str, auth.User], str | None]:
    try:
        users = auth.load_users()
    except auth.AuthError as exc:
        return {}, str(exc)
    return {name: user for name, user in sorted(users.items()) if user.email}, None


def _new_schedule(page: Page, users: dict[str, auth.User]) -> None:
    st.subheader("Novo agendamento")
    scope = page.filters.without_period()
    st.caption(f"Filtros do agendamento: os da barra lateral agora, sem o período — **{scope.describe(page.names)}**. "
               "Cada envio cobre a semana (segunda a domingo) ou o mês anterior ao envio; cada destinatário recebe só "
               "as operadoras que pode ver no painel.")
    with st.form(_FORM, clear_on_submit=True):
        name = st.text_input("Nome do agendamento", placeholder="Ex.: Diretoria – semanal")
        report = st.selectbox("Relatório", _REPORTS, format_func=describe_report)
        frequency = st.radio("Frequência", list(rs.FREQUENCIES), format_func=rs.FREQUENCIES.get, horizontal=True)
        chosen = st.multiselect("Destinatários", list(users), format_func=lambda n: (
            f"{n} ({users[n].email}) · {auth.ROLE_LABELS.get(users[n].role, users[n].role)}"))
        if st.form_submit_button("Agendar"):
            if not chosen:
                st.error("Escolha ao menos um destinatário.")
                return
            if report == PACK_MONTHLY and frequency != "mensal":
                st.error("O pacote mensal é de um mês inteiro: escolha a frequência mensal.")
                return
            rs.add_schedule(data.store(), name.strip() or describe_report(report), report, frequency, chosen,
                            scope, page.user.username if page.user else None)
            st.success(f"Agendado: {describe_report(report)}, {rs.FREQUENCIES[frequency].lower()}, para "
                       f"{', '.join(chosen)}.")


def _schedules_table(schedules: list[rs.Schedule]) -> None:
    st.subheader("Agendamentos")
    if not schedules:
        st.caption("Nenhum relatório agendado.")
        return
    frame = pd.DataFrame([{
        "Nome": s.name,
        "Relatório": describe_report(s.report),
        "Frequência": rs.FREQUENCIES.get(s.frequency, s.frequency),
        "Destinatários": ", ".join(s.recipients),
        "Filtros": s.filters.describe(),
        "Ativo": s.active,
        "Criado em": fmt.datetime(s.created_at),
        "Criado por": s.created_by or fmt.MISSING,
    } for s in schedules])
    st.dataframe(frame, hide_index=True, width="stretch")
    by_id = {s.schedule_id: s for s in schedules}
    row = st.container(horizontal=True)
    chosen = row.selectbox("Agendamento", list(by_id), format_func=lambda i: by_id[i].name, key="schedule_pick")
    if chosen is None:
        return
    schedule = by_id[chosen]
    if row.button("Pausar" if schedule.active else "Reativar", key="schedule_toggle"):
        rs.set_active(data.store(), chosen, not schedule.active)
        st.rerun()
    if row.button("Excluir", key="schedule_delete", type="secondary"):
        rs.delete_schedule(data.store(), chosen)
        st.rerun()


def _deliveries(deliveries: list[rs.Delivery]) -> None:
    st.subheader("Envios recentes")
    if not deliveries:
        st.caption("Nada enviado ainda. Os envios saem quando o `report run-due` roda (cron ou timer do systemd: "
                   "veja o README, “Relatórios e alertas”).")
        return
    frame = pd.DataFrame([{
        "Agendamento": d.schedule_name or fmt.MISSING,
        "Período": f"{fmt.date(d.period_start)} a {fmt.date(d.period_end)}",
        "Destinatário": d.recipient,
        "Situação": rs.STATUS_LABELS.get(d.status, d.status),
        "Em": fmt.datetime(d.sent_at or d.claimed_at),
        "Detalhe": d.detail or "",
    } for d in deliveries])
    st.dataframe(frame, hide_index=True, width="stretch")


def draw(page: Page) -> None:
    if page.user is None or not page.user.is_admin:
        st.info("Só um administrador agenda relatórios. Para receber um relatório por e-mail, peça a um administrador.")
        return
    users, problem = _recipients()
    if problem:
        st.error(problem)
    elif not users:
        st.info("Nenhum usuário do painel tem e-mail cadastrado: cadastre usuários com e-mail "
                "(`python -m retention_analytics users add NOME --email ENDEREÇO …`) para escolher destinatários.")
    else:
        _new_schedule(page, users)
    store = data.store()
    _schedules_table(rs.list_schedules(store))
    _deliveries(rs.list_deliveries(store))

