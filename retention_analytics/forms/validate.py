"""Warnings about a parsed record: what is missing, ambiguous or inconsistent.

A warning never changes a value (except where extract.py already had to leave one blank); it tells
the analyst what to check on the form, in Portuguese, naming the field as printed on the form.
This module must not read files or touch the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..brazil import is_uf, valid_cnpj, valid_cpf
from ..fields import BY_KEY, HEADER
from ..record import HEADER_LABELS

# Header fields whose absence an analyst should be told about (the registry's blank check).
REQUIRED_HEADER: tuple[str, ...] = tuple(f.key for f in HEADER if f.required)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _fmt(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def add_warnings(record: dict[str, Any]) -> None:
    warnings: list[str] = record["warnings"]

    missing = [HEADER_LABELS[f] for f in REQUIRED_HEADER if record.get(f) is None]
    if record.get("cnpj") is None and record.get("cpf") is None:
        missing.append("CNPJ/CPF")
    for label in missing:
        warnings.append(f"Campo não preenchido: {label}")
    if record.get("accepts_other_plans") is None and not any("Atende outros convênios" in w for w in warnings):
        warnings.append("Campo não preenchido: Atende outros convênios (nem SIM nem NÃO marcado)")

    # An open case (no status, no final date) is normal; a final date without a status is not.
    if record.get("outcome") is None and record.get("finished_on") is not None and not any(
        w.startswith("Status da retenção") for w in warnings
    ):
        warnings.append("Status da retenção: nenhuma opção marcada embora haja Data final")
    if record.get("outcome") == "desligamento" and not record.get("termination_reasons"):
        warnings.append("Desligamento sem nenhum Motivo desligamento marcado")

    for field_name in ("cro_uf", "uf"):
        value = record.get(field_name)
        if value is not None and not is_uf(value):
            warnings.append(f"{HEADER_LABELS[field_name]}: {value} não é uma UF brasileira")

    cpf = record.get("cpf")
    if cpf is not None and not valid_cpf(cpf):
        warnings.append(f"CPF: dígitos verificadores não conferem ({len(cpf)} caracteres lidos)")
    cnpj = record.get("cnpj")
    if cnpj is not None and not valid_cnpj(cnpj):
        warnings.append(f"CNPJ: dígitos verificadores não conferem ({len(cnpj)} caracteres lidos)")
    if record.get("person_type") == "J" and cnpj is None and cpf is not None:
        warnings.append("Tipo J (pessoa jurídica) com CPF e sem CNPJ")
    if record.get("person_type") == "F" and cpf is None and cnpj is not None:
        warnings.append("Tipo F (pessoa física) com CNPJ e sem CPF")

    for field_name in ("cro_count", "lives", "unique_cros_listed", "days_to_close", "coin_value", "last_production_value"):
        value = record.get(field_name)
        if value is not None and value < 0:
            warnings.append(f"{HEADER_LABELS[field_name]}: valor negativo ({value})")
    if (record.get("lives") or 0) > 10_000_000:
        warnings.append(f"nº de vidas: {record['lives']} é maior que a população de qualquer cidade")
    if (record.get("cro_count") or 0) > 1_000:
        warnings.append(f"Qtd CRO(s): {record['cro_count']} é implausível para um prestador; confira")
    if (record.get("days_to_close") or 0) > 3_650:
        warnings.append(f"Tempo finalização: {record['days_to_close']} dia(s) é mais de dez anos; confira")

    inclusion = _date(record.get("inclusion_date"))
    opened = _date(record.get("protocol_opened_on"))
    started = _date(record.get("started_on"))
    finished = _date(record.get("finished_on"))
    form_date = _date(record.get("form_date"))
    if started and finished and finished < started:
        warnings.append(f"Data final ({_fmt(finished)}) anterior à Data início ({_fmt(started)})")
    if inclusion and started and started < inclusion:
        warnings.append(f"Data início ({_fmt(started)}) anterior à Data inclusão ({_fmt(inclusion)})")
    if opened and finished and finished < opened:
        warnings.append(f"Data final ({_fmt(finished)}) anterior à Dt. abertura protocolo ({_fmt(opened)})")
    if started and finished and record.get("days_to_close") is not None:
        by_dates = (finished - started).days
        if by_dates != record["days_to_close"]:
            warnings.append(
                f"Tempo finalização ({record['days_to_close']} dia(s)) difere das datas ({by_dates} dia(s)); valem as datas"
            )
    if finished and record.get("outcome") is None:
        pass  # already said above
    if record.get("outcome") is not None and finished is None:
        warnings.append("Status marcado sem Data final: o caso conta como em aberto")
    today = dt.date.today()
    for field_name, value in (("form_date", form_date), ("started_on", started), ("finished_on", finished)):
        if value and value > today + dt.timedelta(days=1):
            warnings.append(f"{HEADER_LABELS[field_name]} ({_fmt(value)}) está no futuro")
        if value and value.year < 1990:
            warnings.append(f"{HEADER_LABELS[field_name]} ({_fmt(value)}) é anterior a 1990; confira o ano")
    dated = [(c["number"], _date(c["date"])) for c in record.get("contacts") or [] if c.get("date")]
    for (n1, d1), (n2, d2) in zip(dated, dated[1:]):
        if d2 and d1 and d2 < d1:
            warnings.append(f"{n2}º contato ({_fmt(d2)}) anterior ao {n1}º contato ({_fmt(d1)})")

    substitution = record.get("substitution")
    if substitution:
        uf = substitution.get("substitute_uf")
        if uf is not None and not is_uf(uf):
            warnings.append(f"Substituição, {BY_KEY['substitute_uf'].label}: {uf} não é uma UF brasileira")
        if record.get("outcome") != "desligamento":
            warnings.append(
                "Bloco Substituição preenchido, mas o status não é Desligamento: a substituição só conta "
                "na Conformidade ANS quando o caso termina em desligamento"
            )
