"""Anonymized look-alike forms for the store and CLI tests.

`make_record(**fields)` builds a complete, invented case record (no real person: names, CPF and
CNPJ are made up, with valid check digits); `form_text(record)` lays it out as the text a converter
produces from the workbook (one grid row per line, cells separated by tabs, ☒/☐ checkboxes), which
is what the parser reads. Tests must not read /work/shared: CI machines do not have it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from retention_analytics.brazil import cnpj_check_digits, cpf_check_digits
from retention_analytics.forms.template import cell_text, form_grid
from retention_analytics.record import empty_record


def make_record(**fields: Any) -> dict[str, Any]:
    record = empty_record("")
    record.update(
        analyst="Marina Teste Souza",
        cro_count=2,
        form_date="2024-03-26",
        operator="ODONTOLIFE",
        cro="12345",
        cro_uf="MG",
        dentist_name="Clínica Exemplo Ltda",
        cnpj=cnpj_check_digits("123456780001"),
        cpf=cpf_check_digits("123456789"),
        inclusion_date="2020-01-15",
        person_type="J",
        requested_by="operadora",
        protocol_number="PRT-0001",
        protocol_opened_on="2024-03-01",
        uf="MG",
        city="JOAO MONLEVADE",
        lives=16,
        unique_cros_listed=1,
        accepts_other_plans=True,
        other_plans="Plano Fictício Odonto",
        coin_value=0.4,
        last_production="01/2024",
        last_production_value=1234.56,
        started_on="2024-03-01",
        finished_on="2024-03-20",
        days_to_close=19,
        outcome="desligamento",
        contacts=[{"number": 1, "date": "2024-03-02", "note": "Prestador informou encerramento."}],
        retention_actions=["novos_valores"],
        termination_reasons=["encerramento_de_atividades"],
        protocol_required=None,
        general_note=None,
        responsible_sectors=[],
        signatories=["Fulana de Tal", "Beltrano Teste"],
    )
    record.update(fields)
    return record


def form_text(record: dict[str, Any]) -> str:
    rows = form_grid(record)
    return "\n".join("\t".join(cell_text(cell) for cell in row) for row in rows) + "\n"


def write_form(folder: Path, name: str, **fields: Any) -> Path:
    """Write one text form into `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(form_text(make_record(**fields)), encoding="utf-8")
    return path
