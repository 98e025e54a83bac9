"""Visão geral: the home page. What changed since the user's last visit, the work queue's count
and the alerts of the user's operators (ui/home.py), then the headline numbers against the
previous period and the targets, then one section per tab, computed only while open: monthly cases
by status; top termination reasons and the cities about to lose coverage; who retains best."""

import math

import streamlit as st

from retention_analytics import metrics
from retention_analytics import formatting as fmt
from retention_analytics.charts import overview
from retention_analytics.metrics.summaries import monthly_grid
from retention_analytics.ui import data, home, nav
from retention_analytics.ui.page import Page, chart, current_page, lazy_tabs, no_data, show_table


def _monthly(page: Page) -> None:
    monthly = data.get(metrics.monthly_outcomes, page.filters)
    chart(overview.monthly_outcomes(monthly), key="monthly")
    # Months × status, as people read it (the same counts as the chart).
    show_table(monthly_grid(monthly), metrics.monthly_outcomes_grid, page, key="monthly_table", height=240)


def _reasons_and_gaps(page: Page) -> None:
    left, right = st.columns(2)
    with left:
        reasons = data.get(metrics.reasons, page.filters)
        chart(overview.top_bars(reasons, "label", "share", "Principais motivos de desligamento", percent=True),
              key="top_reasons")
        if reasons.empty:
            st.caption("Nenhum desligamento no recorte.")
    with right:
        gaps = data.get(metrics.coverage_gaps, page.filters)
        gaps_named = gaps.assign(place=gaps["city"] + " – " + gaps["uf"])
        chart(overview.top_bars(gaps_named, "place", "lives", "Cidades com lacuna de cobertura (vidas)"), key="top_gaps")
        if gaps.empty:
            st.caption("Nenhuma cidade perdeu todos os CROs divulgados no recorte.")


def _who_retains(page: Page) -> None:
    st.caption("Taxa de retenção entre as tentativas finalizadas; com menos de 10 tentativas a taxa não entra no ranking.")
    left, right = st.columns(2)
    for column, summary, label in (
        (left, metrics.effectiveness_operator, "operator"),
        (right, metrics.effectiveness_analyst, "analyst"),
    ):
        with column:
            ranking = data.get(summary, page.filters)
            ranked = ranking[~ranking["small_sample"]].sort_values("retention_rate", ascending=False).head(5)
            show_table(ranked[[label, "attempts", "retention_rate", "ci_low", "ci_high", "median_days"]],
                       summary, page, key=f"home_{label}")


page = current_page()

if page.has_data:
    home.draw_my_week(page)
    home.draw_queue_count(page)
    home.draw_alerts(page)
    st.divider()
    kpis = data.get(metrics.kpis_with_delta, page.filters).set_index("metric")
    if kpis.loc["cases", "value"] == 0:
        no_data()
    else:
        previous = page.filters.previous_period()
        first_day = data.get(metrics.filter_options, page.filters.access_only()).get("min_date")
        if previous is None:
            st.caption("Escolha um período na barra lateral para comparar com o período anterior de mesma duração.")
        elif first_day and previous.start and previous.start < first_day:
            st.caption(
                f"Comparação com {previous.describe_period()}, mas os dados começam em {fmt.date(first_day)}: "
                "o período anterior está incompleto e as variações exageram o crescimento."
            )
        else:
            st.caption(f"Variações contra {previous.describe_period()}.")
        cards = [
            ("cases", "Casos", fmt.integer, "normal"),
            ("retention_rate", "Taxa de retenção", fmt.percent, "normal"),
            ("terminations", "Desligamentos", fmt.integer, "inverse"),
            ("cros_lost", "CROs perdidos", fmt.integer, "inverse"),
            ("median_days", "Mediana p/ finalizar", fmt.days, "inverse"),
            ("open_cases", "Casos em aberto", fmt.integer, "inverse"),
            ("lives_at_risk", "Vidas em risco", fmt.integer, "inverse"),
        ]
        columns = st.columns(len(cards))
        for column, (metric, label, formatter, color) in zip(columns, cards):
            row = kpis.loc[metric]
            delta = row["delta"]
            if math.isnan(delta):
                delta_text = None
            elif metric == "retention_rate":
                delta_text = ("+" if delta > 0 else "") + fmt.number(delta * 100, 1) + " p.p."
            else:
                delta_text = (("+" if delta > 0 else "") + fmt.number(delta, 0 if metric != "median_days" else 1))
            column.metric(label, formatter(row["value"]) if not math.isnan(row["value"]) else "–", delta_text,
                          delta_color=color, help="Variação contra o período anterior de mesma duração")
        home.draw_targets(page, kpis)

        # One section at a time, each computed and drawn only while its tab is open (ui/page.lazy_tabs).
        lazy_tabs("home_tabs", [
            ("📅 Casos por mês", lambda: _monthly(page)),
            ("📉 Motivos e lacunas de cobertura", lambda: _reasons_and_gaps(page)),
            ("🏆 Quem retém melhor?", lambda: _who_retains(page)),
        ])
        for path, text in (
            ("pages/1_Motivos_de_desligamento.py", "Ver todos os motivos →"),
            ("pages/3_Cobertura_da_rede.py", "Ver a cobertura da rede →"),
            ("pages/4_Efetividade.py", "Ver a efetividade por operadora e analista →"),
        ):
            if (nav.ROOT / path).exists():
                st.page_link(path, label=text)
