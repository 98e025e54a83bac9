"""The case record every parser returns (form-schema.md is the contract: keys and codes as written).

A record is a plain dict with exactly RECORD_KEYS, JSON-ready: dates as "YYYY-MM-DD" strings,
lists never None. Plain dicts keep the contract visible and make `parse --format jsonl` a
`json.dumps` away. This module must not parse or store anything.
"""

from __future__ import annotations

import copy
from typing import Any

# In the order form-schema.md lists them; `parse --format jsonl` prints them in this order.
RECORD_KEYS: tuple[str, ...] = (
    "source",
    "analyst",
    "cro_count",
    "form_date",
    "operator",
    "cro",
    "cro_uf",
    "dentist_name",
    "cnpj",
    "cpf",
    "inclusion_date",
    "person_type",
    "requested_by",
    "protocol_number",
    "protocol_opened_on",
    "uf",
    "city",
    "lives",
    "unique_cros_listed",
    "accepts_other_plans",
    "other_plans",
    "coin_value",
    "last_production",
    "last_production_value",
    "started_on",
    "finished_on",
    "days_to_close",
    "outcome",
    "contacts",
    "retention_actions",
    "termination_reasons",
    "protocol_required",
    "general_note",
    "responsible_sectors",
    "signatories",
    "warnings",
    # Added after the first release (form-schema.md), after `warnings`; consumers must not depend
    # on the order of keys. `substitution`: the optional "Substituição" block of newer templates
    # (null while a form has none: this parser does not read the block yet, so it is always null);
    # `reading`: how the values were read.
    "substitution",
    "reading",
)

LIST_KEYS: frozenset[str] = frozenset(
    {"contacts", "retention_actions", "termination_reasons", "responsible_sectors", "signatories", "warnings"}
)
DATE_KEYS: tuple[str, ...] = (
    "form_date",
    "inclusion_date",
    "protocol_opened_on",
    "started_on",
    "finished_on",
)

# Header fields: the single values in the top half of the form, with the Portuguese label users see.
HEADER_LABELS: dict[str, str] = {
    "analyst": "Colaborador",
    "cro_count": "Qtd CRO(s)",
    "form_date": "Data",
    "operator": "Operadora",
    "cro": "CRO",
    "cro_uf": "UF do CRO",
    "dentist_name": "Nome dentista",
    "cnpj": "CNPJ",
    "cpf": "CPF",
    "inclusion_date": "Data inclusão",
    "person_type": "Tipo",
    "requested_by": "Demandado por?",
    "protocol_number": "Nº do protocolo",
    "protocol_opened_on": "Dt. abertura protocolo",
    "uf": "UF",
    "city": "Cidade",
    "lives": "nº de vidas",
    "unique_cros_listed": "nº CRO(S) únicos divulgados",
    "accepts_other_plans": "Atende outros convênios",
    "other_plans": "Quais?",
    "coin_value": "Moeda",
    "last_production": "Última produç.",
    "last_production_value": "Valor última prod.",
    "started_on": "Data início",
    "finished_on": "Data final",
    "days_to_close": "Tempo finalização",
}


class FormReadError(Exception):
    """A file that cannot be read as a form. The message is Portuguese and says what to do."""


def empty_record(source: str) -> dict[str, Any]:
    record: dict[str, Any] = {k: ([] if k in LIST_KEYS else None) for k in RECORD_KEYS}
    record["source"] = source
    record["reading"] = {"method": "text", "confidence": {}}
    return record


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """The record without `source` and `warnings`: what two renderings of one form must agree on."""
    out = copy.deepcopy(record)
    out.pop("source", None)
    out.pop("warnings", None)
    return out
