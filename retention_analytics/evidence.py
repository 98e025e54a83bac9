"""The evidence pack for an ANS inspection: one zip with the compliance table of the current view
(XLSX, filters written in, one row per termination with its statuses and dates) and the original
document of every listed case, as the analyst sent it.

    data = evidence_pack(store, frame, "Operadora: X · 2024")      # bytes of a .zip

The originals carry personal data: callers offer the pack only to users who may download
originals (admins) and write the audit entry first (ui/audit.py). It must not compute the table
(metrics.compliance does) nor import streamlit.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

import pandas as pd

from . import export

README = (
    "Pacote de evidências — Conformidade ANS (Lei 9.656/98 art. 17; RN 567/2022)\r\n"
    "Gerado em {when}. Filtros: {filters}.\r\n\r\n"
    "conformidade_ans.xlsx: um desligamento por linha, com a data de saída da rede, o prazo do aviso "
    "aos beneficiários (saída − 30 dias), o aviso publicado, a situação do substituto e se o prestador "
    "era o único da cidade. As regras estão em docs/metrics.md do Painel.\r\n"
    "originais/: o formulário de cada caso listado, como foi enviado ({count} arquivos), com o "
    "Nº do protocolo no início do nome.\r\n"
)


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", text).strip("_")[:80] or "caso"


def evidence_pack(store: Any, frame: pd.DataFrame, filters_description: str,
                  generated_at: dt.datetime | None = None) -> bytes:
    """The zip: README.txt, conformidade_ans.xlsx and originais/<protocolo>_<arquivo>."""
    when = generated_at or dt.datetime.now()
    buffer = io.BytesIO()
    names: set[str] = set()
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
        # The people's version, as the page's own download: an inspector reads headers and labels.
        pack.writestr("conformidade_ans.xlsx", export.to_xlsx_bytes(frame, "compliance", filters_description,
                                                                     header="labels"))
        for case_id, protocol in zip(frame.get("case_id", []), frame.get("protocol_number", [])):
            original = store.document_bytes(int(case_id))
            if original is None:
                continue  # a synthetic case has no document
            file_name, content = original
            name = f"originais/{_safe(str(protocol or case_id))}_{_safe(file_name)}"
            while name in names:
                name = name.replace("originais/", "originais/outro_", 1)
            names.add(name)
            pack.writestr(name, content)
            count += 1
        pack.writestr("README.txt", README.format(when=when.strftime("%d/%m/%Y %H:%M"),
                                                  filters=filters_description, count=count))
    return buffer.getvalue()


__all__ = ["evidence_pack"]
