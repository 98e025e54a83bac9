"""The case record every parser returns (form-schema.md is the contract: keys and codes as written).

A record is a plain dict with exactly RECORD_KEYS, JSON-ready: dates as "YYYY-MM-DD" strings,
lists never None. Plain dicts keep the contract visible and make `parse --format jsonl` a
`json.dumps` away. This module must not parse or store anything.
"""

from __future__ import annotations

import copy
from typing import Any

from .fields import HEADER

# In the order form-schema.md lists them; `parse --format jsonl` prints them in this order. The
# header's keys are those of the field registry (fields.py), in its order.
RECORD_KEYS: tuple[str, ...] = (
    "source",
    *(f.key for f in HEADER),
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
    # on the order of keys. `substitution`: the optional "Substituição" block of newer templates,
    # an object with the keys of fields.SUBSTITUTION_KEYS (null when the form has no such block);
    # `reading`: how the values were read.
    "substitution",
    "reading",
)

LIST_KEYS: frozenset[str] = frozenset(
    {"contacts", "retention_actions", "termination_reasons", "responsible_sectors", "signatories", "warnings"}
)
DATE_KEYS: tuple[str, ...] = tuple(f.key for f in HEADER if f.kind == "date")

# Header fields: the single values in the top half of the form, with the Portuguese label users see.
HEADER_LABELS: dict[str, str] = {f.key: f.people_label for f in HEADER}


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
