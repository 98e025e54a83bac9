"""Metas e alertas: the targets per operator and the alert rules (docs/metrics.md, "Metas e alertas").

Everyone sees the targets and rules of their operators and the alerts fired for them; only an
admin sets a target (retention rate, share closed within 60 days) or adds and switches off a rule
(what to watch, over which operator, with which number, for which e-mails). Every change is
recorded in the audit log. The same as `targets set` and `alerts rules add` on the command line.

Thin on purpose: reads and writes go through store/alerting.py; what an alert means is alerts.py's.
"""

import streamlit as st

from retention_analytics import formatting as fmt
from retention_analytics import metrics
from retention_analytics.store import StoreError, alerting
from retention_analytics.ui import data
from retention_analytics.ui.case_view import inline_md as md
from retention_analytics.ui.page import Page, current_page

_MESSAGE = "_metas_message"


def _say(kind: str, text: str) -> None:
    st.session_state[_MESSAGE] = (kind, text)


def _operators(page: Page) -> dict[str, str]:
    options = data.get(metrics.filter_options, page.filters.access_only())
    frame = options["operators"]
    return dict(zip(frame["value"], frame["label"]))


def draw_targets(page: Page, names: dict[str, str]) -> None:
    st.subheader("Metas por operadora")
    store = data.store()
    rows = alerting.targets(store, page.user.scope)
    if rows:
        st.dataframe(
            [{"Operadora": names.get(r["operator_key"], r["operator"]),
              "Meta de retenção": fmt.percent(r["retention_rate"]) if r["retention_rate"] is not None else "sem meta",
              "Meta de finalizados em até 60 dias": (fmt.percent(r["closed_within_60"])
                                                     if r["closed_within_60"] is not None else "sem meta"),
              "Definida por": r["set_by"] or "—", "Em": fmt.datetime(r["set_at"])} for r in rows],
            hide_index=True, width="stretch")
    else:
        st.caption("Nenhuma meta definida para as suas operadoras.")
    if not page.user.is_admin:
        st.caption("Só um administrador define metas.")
        return
    with st.form("meta_form", clear_on_submit=False):
        st.markdown("**Definir a meta de uma operadora**")
        operator = st.selectbox("Operadora", list(names), format_func=names.get, key="meta_operadora")
        left, right = st.columns(2)
        # Whole percentages: the box then reads "40", never "40.00" (the widget's decimal point is not pt-BR).
        retention = left.number_input("Meta de retenção (%)", min_value=0, max_value=100, value=40, step=1,
                                      key="meta_retencao")
        closed = right.number_input("Meta de finalizados em até 60 dias (%)", min_value=0, max_value=100,
                                    value=70, step=1, key="meta_60")
        clear = st.checkbox("Remover as metas desta operadora", key="meta_remover")
        if st.form_submit_button("Salvar meta"):
            try:
                alerting.set_target(store, names[operator], None if clear else retention / 100,
                                    None if clear else closed / 100, by=page.user.username)
                store.record_audit(page.user.username, "definir_meta", role=page.user.role, page=page.title,
                                   target=names[operator],
                                   detail="removida" if clear else f"retenção {retention}%, 60 dias {closed}%")
                _say("ok", f"Metas de {names[operator]} {'removidas' if clear else 'salvas'}.")
            except StoreError as exc:
                _say("error", str(exc))
            st.rerun()


def draw_rules(page: Page, names: dict[str, str]) -> None:
    st.subheader("Regras de alerta")
    store = data.store()
    user = page.user
    # A gestor sees the rules of their operators (a rule over every operator is an admin's).
    found = [r for r in alerting.rules(store) if user.scope is None or r.operator_key in user.scope]
    if not found:
        st.caption("Nenhuma regra de alerta ativa" + ("" if user.sees_everything else " para as suas operadoras") + ".")
    for rule in found:
        number = "" if rule.kind == "nova_lacuna" else f" · N = {fmt.integer(rule.threshold)} {alerting.THRESHOLD_LABELS[rule.kind]}"
        where = names.get(rule.operator_key, rule.operator_key) if rule.operator_key else "todas as operadoras"
        to = ", ".join(rule.recipients) or "sem e-mail (só no painel)"
        left, right = st.columns([6, 1])
        left.markdown(f"**{rule.label}**{number} · {md(where)} · para: {md(to)}")
        if user.is_admin and right.button("Desativar", key=f"regra_off_{rule.rule_id}"):
            alerting.remove_rule(store, rule.rule_id)
            store.record_audit(user.username, "desativar_alerta", role=user.role, page=page.title,
                               target=f"regra {rule.rule_id}")
            _say("ok", "Regra desativada; os alertas dela continuam no histórico.")
            st.rerun()
    if not user.is_admin:
        st.caption("Só um administrador cadastra regras de alerta.")
        return
    with st.form("regra_form"):
        st.markdown("**Nova regra de alerta**")
        kind = st.selectbox("O que vigiar", list(alerting.RULE_KINDS), format_func=alerting.RULE_KINDS.get,
                            key="regra_tipo")
        left, right = st.columns(2)
        threshold = left.number_input("N (tentativas, dias em aberto ou dias antes do prazo do aviso)",
                                      min_value=0, max_value=3650, value=20, step=1, key="regra_n",
                                      help="Retenção: as últimas N tentativas finalizadas (padrão 20). Caso aberto: "
                                           "mais de N dias (padrão 90). Aviso: N dias antes do prazo (padrão 10). "
                                           "Nova lacuna: não usa o número.")
        operator = right.selectbox("Operadora", [None, *names], key="regra_operadora",
                                   format_func=lambda v: "Todas as operadoras" if v is None else names[v])
        recipients = st.text_input("E-mails que recebem o alerta (separados por vírgula)", key="regra_emails")
        if st.form_submit_button("Cadastrar regra"):
            try:
                alerting.add_rule(store, kind, int(threshold) if kind != "nova_lacuna" else 0, recipients,
                                  operator=names[operator] if operator else None, by=user.username)
                store.record_audit(user.username, "cadastrar_alerta", role=user.role, page=page.title,
                                   target=alerting.RULE_KINDS[kind], detail=recipients or None)
                _say("ok", "Regra cadastrada. Ela é avaliada depois de cada importação e pelo `report run-due`.")
            except StoreError as exc:
                _say("error", str(exc))
            st.rerun()


def draw(page: Page) -> None:
    if page.user is None:
        return
    message = st.session_state.pop(_MESSAGE, None)
    if message:
        (st.success if message[0] == "ok" else st.error)(message[1])
    names = _operators(page)
    draw_targets(page, names)
    st.divider()
    draw_rules(page, names)
    st.divider()
    st.subheader("Alertas disparados")
    fired = alerting.recent_alerts(data.store(), page.user.scope, limit=100)
    if not fired:
        st.caption("Nenhum alerta disparado nas suas operadoras.")
        return
    st.dataframe(
        [{"Disparado em": fmt.datetime(a["fired_at"]), "Tipo": alerting.RULE_KINDS.get(a["kind"], a["kind"]),
          "Alerta": a["message"], "E-mail": fmt.datetime(a["mailed_at"]) if a["mailed_at"] else "não enviado"}
         for a in fired],
        hide_index=True, width="stretch")


page = current_page()
if page.has_data:
    draw(page)
