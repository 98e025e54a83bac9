"""The demo corpus: a few thousand invented forms in every format users send, for the demo and tests.

    write_corpus(out_dir, cases, seed, progress=None) -> list[Path]   one file per form
    generate_corpus(cases, seed) -> list[DemoForm]                     records + format + defects
    generate_records(cases, seed) -> list[dict]                        what each form says
    render(record, fmt, defects=(), template="atual") -> bytes         one form as a file

The `demo` command writes a corpus with `write_corpus` and ingests it, so the dashboard has
something realistic to show before any real form is loaded; the tests use the same corpus to check
that every format reads back to the record it was written from.

Cost per form on one idle core: generating ~0.3 ms; writing md/csv/txt ~1 ms, xlsx ~7 ms, docx
~10 ms, pdf ~20 ms; 3,000 cases (~3,100 files) write in ~15 s on one core. From a process that
runs no other thread (the CLI), large corpora are rendered by a forked pool, one process per core;
elsewhere (a threaded Streamlit server, where forking is unsafe) writing stays in this process.

It must not touch the database, the parser or any real form: it only writes files into `out_dir`
(and never deletes anything there; give it an empty directory).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..store.prepare import die_with_parent
from .generator import ANCHOR, Defect, DemoForm, generate_corpus, generate_records
from .render import EXTENSIONS, FORMATS, TEMPLATES, render


def _render_form(form: DemoForm) -> bytes:
    return render(form.record, form.fmt, form.defects, form.template)


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
    workers = os.cpu_count() or 1
    can_fork = "fork" in mp.get_all_start_methods() and threading.active_count() == 1
    if can_fork and workers > 1 and len(forms) >= 200:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"), initializer=die_with_parent) as pool:
            contents = pool.map(_render_form, forms, chunksize=32)
    else:
        contents = map(_render_form, forms)
    for done, (form, content) in enumerate(zip(forms, contents), start=1):
        path = out_dir / form.file_name
        path.write_bytes(content)
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
