"""The form's layout: where each label and value sits in the original spreadsheet grid.

`form_grid(record)` lays a record out exactly as the operators' "Formulário - Processo de Retenção"
workbook does (see the real example in form-schema.md: values below their labels, some a cell to
the right, some beside their label in the same row). The demo corpus renders every format from
this grid, so generated forms have the layout real ones have; the parser never reads this module:
it finds labels wherever they are.

Cells are typed (dates, numbers, money, checkboxes) so each format can write them natively (real
date cells in .xlsx) or as pt-BR text (`cell_text`). It must not write files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Union

from ..fields import BY_KEY, FORM_LAYOUT, Field, Slot
from ..vocab import ACTIONS, OUTCOMES, REASONS, SECTORS

TITLE = "Formulário - Processo de Retenção"
OUTROS_NOTE = 'Obs.: OBRIGATÓRIO JUSTIFICATIVA CASO SELECIONE "OUTROS".'
WIDTH = 6  # columns A..F of the workbook


@dataclass(frozen=True)
class Money:
    value: float


@dataclass(frozen=True)
class Decimal2:
    """A number shown with two decimals ("0,40"), like the coin value."""

    value: float


@dataclass(frozen=True)
class Days:
    value: int


@dataclass(frozen=True)
class Check:
    label: str
    checked: bool


Cell = Union[str, int, float, dt.date, Money, Decimal2, Days, Check, None]
Row = list[Cell]

# Reasons as the template prints them, three per row (the newer template, with "Motivos Particulares").
REASON_ROWS: tuple[tuple[str, ...], ...] = (
    ("perda_de_contato", "problemas_de_saude", "beneficiario_grosseiro"),
    ("valores", "franquia", "alteracao_responsavel_tecnico"),
    ("removido_prestador", "sem_local_de_atendimento", "glosas"),
    ("dificuldades_com_o_sistema", "prazo_liberacao_de_guias", "encerramento_de_atividades"),
    ("regras_tecnicas", "apenas_procedimentos_esteticos", "aposentou"),
    ("baixa_procura", "dificuldade_de_contato_com_a_central", "falta_de_suporte_da_operadora"),
    ("cobranca_indevida", "burocracia_operadora", "negativa_de_atendimento"),
    ("ameaca_judicializacao", "terceirizacao_de_atendimento", "migracao"),
    ("carteira_de_clientes_particular", "estudos"),
    ("servidor_publico", "mudou_de_area"),
    ("obito", "motivos_particulares"),
)
ACTION_ROWS: tuple[tuple[str, ...], ...] = (
    ("novos_valores", "suporte", "divulgacao"),
    ("treinamento", "reciclagem", "outros"),
)

_LABELS = {t.code: t.label for t in (*OUTCOMES, *ACTIONS, *REASONS, *SECTORS)}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _requested_by_text(slug: str | None) -> str | None:
    return slug.replace("_", " ").capitalize() if slug else None


def _yes_no(value: bool | None) -> list[Check]:
    return [Check("SIM", value is True), Check("NÃO", value is False)]


def _typed(field: Field, value: Any) -> list[Cell]:
    """A field's value as the cell(s) the workbook holds: real dates and numbers, boxes for SIM/NÃO."""
    kind = field.kind
    if kind == "check":
        return list(_yes_no(value))
    if value is None:
        return [None]
    if kind == "date":
        return [_date(value)]
    if kind == "decimal":
        return [Decimal2(value)]
    if kind == "money":
        return [Money(value)]
    if kind == "days":
        return [Days(value)]
    if kind == "requested":
        return [_requested_by_text(value)]
    return [value]


def _layout_rows(section: str, values: dict[str, Any]) -> list[Row]:
    """FORM_LAYOUT[section] (fields.py) filled with `values`: labels as printed, values typed."""
    rows: list[Row] = []
    for layout_row in FORM_LAYOUT[section]:
        row: Row = []
        for slot in layout_row:
            if isinstance(slot, Slot):
                field = BY_KEY[slot.key]
                row += _typed(field, values.get(slot.key)) if slot.value else [field.label]
            else:
                row.append(slot)
        rows.append(row)
    return rows


def form_grid(record: dict[str, Any]) -> list[Row]:
    """The workbook grid of one record, row by row, each row WIDTH cells or fewer. The optional
    "Substituição" block is drawn (right below the header) only when the record has one."""
    r = record
    contacts = {c["number"]: c for c in r.get("contacts") or []}
    rows: list[Row] = [[TITLE], *_layout_rows("header", r)]
    if r.get("substitution") is not None:
        rows += _layout_rows("substitution", r["substitution"])
    rows += [
        [],
        ["Status retenção"],
        *[[Check(t.label, r.get("outcome") == t.code)] for t in OUTCOMES],
        [],
    ]
    for number in range(1, 6):
        contact = contacts.get(number, {})
        rows += [
            [f"{number}º contato", "Data", _date(contact.get("date"))],
            ["Obs.:"],
            [contact.get("note")],
        ]
    actions = set(r.get("retention_actions") or [])
    rows += [[], ["Ação Retenção"]]
    rows += [[Check(_LABELS[c], c in actions) for c in row] for row in ACTION_ROWS]
    rows += [[OUTROS_NOTE], [], ["Motivo desligamento"]]
    reasons = set(r.get("termination_reasons") or [])
    rows += [[Check(_LABELS[c], c in reasons) for c in row] for row in REASON_ROWS]
    rows += [
        [],
        ["Necessário abertura de protocolo"],
        _yes_no(r.get("protocol_required")),
        [],
        ["Obs. Geral"],
        [r.get("general_note")],
        [],
        ["Setor responsável"],
        [Check(t.label, t.code in set(r.get("responsible_sectors") or [])) for t in SECTORS],
        [],
    ]
    rows += [[name] for name in r.get("signatories") or []]
    return rows


def _pt_number(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def cell_text(cell: Cell, checked: str = "☒", unchecked: str = "☐") -> str:
    """A cell as a person sees it in the workbook: "26/03/2024", "0,40", "R$ 1.234,56", "☒ SIM"."""
    if cell is None:
        return ""
    if isinstance(cell, Check):
        return f"{checked if cell.checked else unchecked} {cell.label}"
    if isinstance(cell, dt.date):
        return cell.strftime("%d/%m/%Y")
    if isinstance(cell, Money):
        return "R$ -" if cell.value == 0 else f"R$ {_pt_number(cell.value, 2)}"
    if isinstance(cell, Decimal2):
        return _pt_number(cell.value, 2)
    if isinstance(cell, Days):
        return f"{cell.value} dia(s)"
    if isinstance(cell, bool):
        return "SIM" if cell else "NÃO"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return _pt_number(cell, 2)
    return str(cell)
