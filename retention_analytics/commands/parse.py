"""`parse --format jsonl|table ARQUIVO...`: read forms and print their records, store nothing.

jsonl is the contract of form-schema.md: one JSON object per form, one per line, in argument order,
exactly the keys of record.RECORD_KEYS in that order; a form that cannot be read gets
`{"source": ..., "error": ...}` and the command exits 1 at the end. A folder or .zip argument gives
one line per form inside it (source = the form's name, e.g. "lote.zip:formulario.txt"), and so
does an e-mail (.eml, .msg: one line per attached form, its date, sender and subject in
reading.message).
table prints the same records for people. This command must not touch the database.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="lê formulários e mostra os campos (não grava nada)",
        description="Lê formulários (planilhas, documentos, PDF, texto, imagens escaneadas, pastas, .zip e e-mails .eml/.msg) e mostra os campos lidos.",
    )
    parser.add_argument(
        "--format",
        choices=("jsonl", "table"),
        default="jsonl",
        help="jsonl: um objeto JSON por formulário, por linha (padrão); table: quadro legível",
    )
    parser.add_argument("files", nargs="+", metavar="ARQUIVO", help="arquivos, pastas ou .zip")
    parser.add_argument(
        "--sem-mascara", dest="unmasked", action="store_true",
        help="no formato table, mostra CPF, CNPJ, telefones e e-mails sem máscara (o jsonl é sempre o registro completo)",
    )
    parser.set_defaults(func=run)


def documents_for(arg: str) -> Iterator[Any]:
    """The forms an argument names. A plain file keeps the path exactly as given as its source."""
    from ..forms.sources import Document, documents_from_bytes, iter_documents

    path = Path(arg)
    if path.is_dir():
        found = False
        for doc in iter_documents([path]):
            found = True
            yield doc
        if not found:
            yield Document(arg, b"", "A pasta não contém formulários (planilhas, documentos, PDF, texto, imagens, .zip ou e-mails).")
        return
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        yield Document(arg, b"", "Arquivo não encontrado. Confira o caminho.")
        return
    except OSError as exc:
        yield Document(arg, b"", f"Não foi possível ler o arquivo ({exc.strerror}).")
        return
    yield from documents_from_bytes(arg, data)


def read(doc: Any) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) or (None, Portuguese error) for one document; never raises."""
    from ..forms import parse_document
    from ..record import FormReadError

    if doc.error:
        return None, doc.error
    try:
        return parse_document(doc.name, doc.data, getattr(doc, "origin", ())), None
    except FormReadError as exc:
        return None, str(exc) or "Não foi possível ler este formulário."
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
        return None, f"Erro inesperado ao ler este formulário ({type(exc).__name__}); avise o suporte."


def ordered(record: dict[str, Any]) -> dict[str, Any]:
    """Exactly RECORD_KEYS, in order (lists never null), whatever else the record carries."""
    from ..record import LIST_KEYS, RECORD_KEYS

    out: dict[str, Any] = {}
    for key in RECORD_KEYS:
        value = record.get(key)
        out[key] = ([] if value is None else value) if key in LIST_KEYS else value
    return out


def run(args: argparse.Namespace) -> int:
    failed = 0
    out = sys.stdout
    for arg in args.files:
        for doc in documents_for(arg):
            record, error = read(doc)
            if error is not None:
                failed += 1
            if args.format == "jsonl":
                line = {"source": doc.name, "error": error} if record is None else ordered(record)
                out.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
            else:
                out.write(render_table(doc.name, masked(record) if record and not args.unmasked else record, error) + "\n")
            out.flush()
    if failed and args.format == "table":
        print(f"{failed} arquivo(s) não puderam ser lidos.", file=sys.stderr)
    return 1 if failed else 0


# --- table ------------------------------------------------------------------------------------


def masked(record: dict[str, Any]) -> dict[str, Any]:
    """The record as people may see it on screen (LGPD): documents, phones and e-mails masked.
    jsonl stays the full record: it is the machine contract, piped into other programs."""
    from .. import privacy

    shown = dict(record)
    shown["cpf"] = privacy.mask_cpf(record.get("cpf"))
    shown["cnpj"] = privacy.mask_cnpj(record.get("cnpj"))
    for key in ("general_note", "other_plans"):
        shown[key] = privacy.mask_text(record.get(key))
    shown["contacts"] = [{**c, "note": privacy.mask_text(c.get("note"))} for c in record.get("contacts") or []]
    if isinstance(record.get("substitution"), dict):  # the block's free text, as the fields say
        from ..fields import SUBSTITUTION

        shown["substitution"] = {
            **record["substitution"],
            **{f.key: privacy.mask_text(record["substitution"].get(f.key)) for f in SUBSTITUTION if f.mask == "text"},
        }
    return shown


def _value(key: str, value: Any) -> str:
    from .. import formatting

    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "Sim" if value else "Não"
    if key == "last_production_value":
        return formatting.money(value)
    if key == "coin_value":
        return formatting.number(value, 2)
    if isinstance(value, float):
        return formatting.number(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return formatting.date(value) if formatting.date(value) != formatting.MISSING else value
    if key == "days_to_close":
        return formatting.days(value)
    return str(value)


def render_table(name: str, record: dict[str, Any] | None, error: str | None) -> str:
    """One form as `rótulo: valor` lines, lists below, warnings last."""
    from ..record import HEADER_LABELS
    from ..vocab import label

    lines = [f"== {name} =="]
    if record is None:
        lines.append(f"  ERRO: {error}")
        return "\n".join(lines) + "\n"
    width = max(len(v) for v in HEADER_LABELS.values()) + 1
    for key, caption in HEADER_LABELS.items():
        lines.append(f"  {(caption + ':').ljust(width)} {_value(key, record.get(key))}")
    substitution = record.get("substitution")
    if substitution:  # the optional "Substituição" block, with the labels the form prints
        from ..fields import SUBSTITUTION

        for field in SUBSTITUTION:
            lines.append(f"  {(field.label + ':').ljust(width)} {_value(field.key, substitution.get(field.key))}")
    lines.append(f"  {'Status:'.ljust(width)} {label('outcome', record.get('outcome')) or '—'}")
    lines.append(f"  {'Necessário protocolo:'.ljust(width)} {_value('protocol_required', record.get('protocol_required'))}")
    lines.append(f"  {'Obs. Geral:'.ljust(width)} {_value('general_note', record.get('general_note'))}")

    def listing(title: str, items: list[str]) -> None:
        lines.append(f"  {title}:" + ("" if items else " —"))
        lines.extend(f"    - {item}" for item in items)

    contacts = [
        f"{c.get('number')}º contato"
        + (f" em {_value('date', c.get('date'))}" if c.get("date") else "")
        + (f": {c.get('note')}" if c.get("note") else "")
        for c in record.get("contacts") or []
    ]
    listing("Contatos", contacts)
    listing("Ação Retenção", [label("action", c) for c in record.get("retention_actions") or []])
    listing("Motivo desligamento", [label("reason", c) for c in record.get("termination_reasons") or []])
    listing("Setor responsável", [label("sector", c) for c in record.get("responsible_sectors") or []])
    listing("Assinaturas", list(record.get("signatories") or []))
    listing("Avisos", list(record.get("warnings") or []))
    return "\n".join(lines) + "\n"
