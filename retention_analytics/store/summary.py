"""What an ingest (or a reparse) did, per file and in total, and its Portuguese summary text.

The CLI prints `IngestSummary.text()`, the upload page shows the same text and per-file table, so
users read one wording everywhere. It must not touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formatting import integer as pt_int
from ..formatting import number




def pt_float(value: float | None, decimals: int = 1) -> str:
    """1234.5 → "1.234,5": formatting.number with fixed decimals."""
    return number(value, decimals)


STATUS_LABELS: dict[str, str] = {
    "ok": "importado",
    "ok_with_warnings": "importado com avisos",
    "rejected": "rejeitado",
    "duplicate": "duplicado",
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{pt_int(n)} {one if n == 1 else many}"


@dataclass
class FileResult:
    name: str
    status: str  # 'ok', 'ok_with_warnings', 'rejected', 'duplicate'
    reason: str | None = None  # why rejected / what it duplicates (Portuguese)
    case_id: int | None = None
    protocol_number: str | None = None
    warnings: list[str] = field(default_factory=list)
    superseded_by: int | None = None  # a newer form of the same protocol replaced this one
    supersedes: int | None = None  # the earlier current version this form replaced

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass
class IngestSummary:
    origin: str
    batch_id: int | None = None
    results: list[FileResult] = field(default_factory=list)
    superseded: int = 0  # earlier versions that stopped being current because of this batch
    parse_seconds: float = 0.0
    write_seconds: float = 0.0
    current_cases: int | None = None  # filled by reparse
    # Filled by the import path after the commit (alerts.after_import): alerts the batch fired,
    # or why they could not be evaluated (the batch itself is stored either way).
    alerts_fired: int = 0
    alerts_error: str | None = None

    @property
    def new(self) -> int:
        return sum(1 for r in self.results if r.status in ("ok", "ok_with_warnings"))

    @property
    def with_warnings(self) -> int:
        return sum(1 for r in self.results if r.status == "ok_with_warnings")

    @property
    def duplicate(self) -> int:
        return sum(1 for r in self.results if r.status == "duplicate")

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.results if r.status == "rejected")

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def seconds(self) -> float:
        return self.parse_seconds + self.write_seconds

    def counts(self) -> dict[str, int]:
        return {
            "new": self.new,
            "duplicate": self.duplicate,
            "superseded": self.superseded,
            "rejected": self.rejected,
            "with_warnings": self.with_warnings,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "batch_id": self.batch_id,
            **self.counts(),
            "files": [
                {"name": r.name, "status": r.status, "reason": r.reason, "case_id": r.case_id}
                for r in self.results
            ],
        }

    def text(self, max_listed: int = 50) -> str:
        """The Portuguese summary shown after an import: counts, then every rejected file and why."""
        lines: list[str] = []
        if self.origin == "reparse":
            lines.append(
                f"Releitura concluída: {_plural(self.total, 'documento relido', 'documentos relidos')}"
                f" em {pt_float(self.seconds)} s."
            )
            lines.append(f"  Formulários lidos: {pt_int(self.new)} ({pt_int(self.with_warnings)} com avisos)")
            if self.current_cases is not None:
                lines.append(f"  Casos atuais: {pt_int(self.current_cases)}")
            lines.append(f"  Versões anteriores (mesmo protocolo): {pt_int(self.superseded)}")
            lines.append(f"  Rejeitados: {pt_int(self.rejected)}")
        else:
            batch = f" (lote {self.batch_id})" if self.batch_id is not None else ""
            lines.append(
                f"Importação concluída{batch}: {_plural(self.total, 'arquivo lido', 'arquivos lidos')}"
                f" em {pt_float(self.seconds)} s."
            )
            lines.append(f"  Novos: {pt_int(self.new)} ({pt_int(self.with_warnings)} com avisos)")
            lines.append(
                f"  Substituídos: {pt_int(self.superseded)} "
                "(versões anteriores do mesmo protocolo, mantidas como histórico)"
            )
            lines.append(f"  Duplicados (já importados, ignorados): {pt_int(self.duplicate)}")
            lines.append(f"  Rejeitados: {pt_int(self.rejected)}")
        rejected = [r for r in self.results if r.status == "rejected"]
        if rejected:
            lines.append("")
            lines.append("Arquivos rejeitados:")
            lines += [f"  - {r.name}: {r.reason}" for r in rejected]
        duplicates = [r for r in self.results if r.status == "duplicate"]
        if duplicates:
            lines.append("")
            lines.append("Arquivos duplicados:")
            lines += [f"  - {r.name}: {r.reason}" for r in duplicates[:max_listed]]
            if len(duplicates) > max_listed:
                lines.append(f"  … e mais {pt_int(len(duplicates) - max_listed)}.")
        if rejected:
            lines.append("")
            lines.append(
                "Os arquivos rejeitados ficaram guardados no banco. Corrija-os e importe de novo, "
                "ou rode `reparse` depois de uma atualização do leitor."
            )
        return "\n".join(lines)
