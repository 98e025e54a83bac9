"""What the store keeps per dashboard user: saved views and the last visit to the home page.

    save_view(store, "maria", "MG em 2024", "Motivos_de_desligamento", "uf=MG&de=2024-01-01&ate=2024-12-31")
    views(store, "maria")                       # [{"name", "page", "query", ...}], by name
    previous = visit(store, "maria", now)       # the last visit before this one (None: first)

A view is a page (its ui/nav url_path) and the URL query that page had (filters and view keys,
as Filters.to_query_params and the page write it): restoring one is opening that address. Never
the access restriction: it is not in any URL, and whoever opens a view sees it through their
own operators. These writes change no number, so they do not bump the data version.

It must not import streamlit, and it stores only what the user typed (a name) and the URL.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .store import StoreError

if TYPE_CHECKING:
    from .store import Store

MAX_NAME = 60
MAX_VIEWS = 50  # per user: the sidebar lists them all


class ViewError(StoreError):
    """A view that cannot be saved, worded for users."""


def clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ViewError("Dê um nome à visão (ex.: “MG em 2024”).")
    if len(text) > MAX_NAME:
        raise ViewError(f"O nome da visão pode ter até {MAX_NAME} caracteres.")
    if any(ord(ch) < 32 for ch in text):
        raise ViewError("O nome da visão não pode ter caracteres de controle.")
    return text


def save_view(store: "Store", username: str, name: str, page: str, query: str,
              now: dt.datetime | None = None) -> str:
    """Save (or replace, under the same name) a view of `username`; returns the name stored."""
    text = clean_name(name)
    when = (now or dt.datetime.now()).replace(microsecond=0)
    with store._transaction(bump_version=False) as con:
        count = con.execute("select count(*) from saved_views where username = ? and name <> ?",
                            [username, text]).fetchone()[0]
        if count >= MAX_VIEWS:
            raise ViewError(f"Você já tem {MAX_VIEWS} visões salvas: apague alguma antes de salvar outra.")
        con.execute("delete from saved_views where username = ? and name = ?", [username, text])
        con.execute(
            "insert into saved_views (view_id, username, name, page, query, created_at) "
            "values (nextval('saved_view_id_seq'), ?, ?, ?, ?, ?)",
            [username, text, page, query, when],
        )
    return text


def delete_view(store: "Store", username: str, name: str) -> bool:
    with store._transaction(bump_version=False) as con:
        rows = con.execute("delete from saved_views where username = ? and name = ? returning view_id",
                           [username, name]).fetchall()
    return bool(rows)


def views(store: "Store", username: str) -> list[dict[str, Any]]:
    """The user's views (name, page, query, created_at), by name."""
    if not store.path.exists():
        return []
    with store.connect() as con:
        result = con.execute(
            "select name, page, query, created_at from saved_views where username = ? order by lower(name), name",
            [username],
        )
        return [dict(zip(("name", "page", "query", "created_at"), r)) for r in result.fetchall()]


def last_visit(store: "Store", username: str) -> dt.datetime | None:
    with store.connect() as con:
        row = con.execute("select last_visit from user_visits where username = ?", [username]).fetchone()
    return row[0] if row else None


def visit(store: "Store", username: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """Record a visit of `username` at `now`; returns the visit before it (None: the first)."""
    when = (now or dt.datetime.now()).replace(microsecond=0)
    with store._transaction(bump_version=False) as con:
        row = con.execute("select last_visit from user_visits where username = ?", [username]).fetchone()
        con.execute(
            "insert into user_visits (username, last_visit) values (?, ?) "
            "on conflict (username) do update set last_visit = excluded.last_visit",
            [username, when],
        )
    return row[0] if row else None
