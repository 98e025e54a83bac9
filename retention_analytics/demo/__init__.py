"""The demo corpus: a few thousand invented forms in every format users send, for the demo and tests.

    write_corpus(out_dir, cases, seed, progress=None) -> list[Path]   one file per form
    generate_corpus(cases, seed) -> list[DemoForm]                     records + format + defects
    generate_records(cases, seed) -> list[dict]                        what each form says
    render(record, fmt, defects=(), template="atual") -> bytes         one form as a file

The `demo` command writes a corpus with `write_corpus` and ingests it, so the dashboard has
something realistic to show before any real form is loaded; the tests use the same corpus to check
that every format reads back to the record it was written from.

Cost per form on one idle core: generating ~0.3 ms; writing md/csv/txt ~1 ms, xlsx ~7 ms, docx
~10 ms, pdf ~20 ms; 3,000 cases (~3,100 files) write in ~15 s. Writing stays in this process on
purpose: a process pool would re-import the caller's main module ("spawn") or fork a threaded
Streamlit server, and the format mix already keeps the slow formats a small share.

It must not touch the database, the parser or any real form: it only writes files into `out_dir`
(and never deletes anything there; give it an empty directory).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .generator import ANCHOR, Defect, DemoForm, generate_corpus, generate_records
from .render import EXTENSIONS, FORMATS, TEMPLATES, render


def write_corpus(
    out_dir: Path,
    cases: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write `cases` cases (plus their earlier versions) as form files; the paths in filing order.

    File names are `NNNN_<protocol>.<ext>`, numbered in the order the forms were filed, so an
    ingest in name order sees an updated form after the version it supersedes. Same `seed`, same
    files, byte for byte. `progress(done, total)` is called after each file.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    forms = generate_corpus(cases, seed)
    paths: list[Path] = []
    for done, form in enumerate(forms, start=1):
        path = out_dir / form.file_name
        path.write_bytes(render(form.record, form.fmt, form.defects, form.template))
        paths.append(path)
        if progress is not None:
            progress(done, len(forms))
    return paths


__all__ = [
    "ANCHOR",
    "Defect",
    "DemoForm",
    "EXTENSIONS",
    "FORMATS",
    "TEMPLATES",
    "generate_corpus",
    "generate_records",
    "render",
    "write_corpus",
]
