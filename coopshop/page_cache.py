"""Whole-page cache for the storefront pages that anonymous visitors see.

Most visitors are anonymous and see the same catalogue pages, and rendering one (queries,
Jinja, Babel, the filter form) costs tens of times more than serving stored bytes. A page is
stored once per *storefront generation*, language and URL, in Flask-Caching's backend: files
under ``instance/`` by default (shared by the worker processes of one machine), Redis when
``CACHE_TYPE`` is ``RedisCache`` (shared by several machines).

Freshness: every committed transaction that wrote a table the storefront shows (listings,
photos, categories, members, cooperatives, municipalities) moves the generation to a new random
value, *after* the commit. A page is stored under the generation read before it was rendered,
so a page rendered from data that was about to change is filed under a generation that is no
longer asked for. Writes are noticed through SQLAlchemy's session events: ORM flushes and
``session.execute`` of insert/update/delete statements (the stock reservations are such
statements). Raw SQL text, migrations and changes made while no app was running are not seen:
a new app process therefore starts a new generation, and entries expire after
``CACHE_DEFAULT_TIMEOUT`` seconds regardless.

Only anonymous visitors with nothing personal in their session (no cart, no messages waiting)
are served from the cache. Each visitor still gets their own CSRF token: the stored page is
split where the token was, and the visitor's own token is put back in.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_app_context, make_response, request, session
from flask_caching import Cache
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from werkzeug.wrappers import Response

cache = Cache()

# The tables whose rows appear on public storefront pages.
STOREFRONT_TABLES = frozenset(
    {
        "category",
        "listing",
        "listing_image",
        "listing_municipality",
        "member",
        "cooperative",
        "municipality",
    }
)
# Session keys that do not make a page personal: the CSRF secret and the chosen language.
IMPERSONAL_SESSION_KEYS = frozenset({"csrf_token", "locale"})
GENERATION_KEY = "storefront-generation"
STALE_FLAG = "storefront_changed"
# Headers of a stored page that belong to one response only and are never stored.
PERSONAL_HEADERS = frozenset({"set-cookie", "content-length", "vary"})

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Bind the cache backend, keyed apart per database, and start a new generation."""
    database = str(app.config["SQLALCHEMY_DATABASE_URI"]).encode()
    app.config.setdefault("CACHE_KEY_PREFIX", hashlib.sha256(database).hexdigest()[:12] + ":")
    cache.init_app(app)
    if app.config.get("PAGE_CACHE_ENABLED", True):
        with app.app_context():
            start_new_generation()


def enabled() -> bool:
    return bool(current_app.config.get("PAGE_CACHE_ENABLED", True))


def start_new_generation() -> None:
    """Make every stored page unreachable; called after each storefront change is committed."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
    g.pop("storefront_generation", None)


def current_generation() -> str:
    """The generation this request renders for (read once per request)."""
    if "storefront_generation" not in g:
        generation = cache.get(GENERATION_KEY)
        if generation is None:  # evicted or expired: begin a new one rather than trust old pages
            generation = uuid.uuid4().hex
            cache.set(GENERATION_KEY, generation, timeout=0)
        g.storefront_generation = generation
    return str(g.storefront_generation)


def _visitor_is_anonymous_and_impersonal() -> bool:
    """Anonymous and nothing personal in the session. Asked without loading the user: a
    logged-in session holds ``_user_id``, and a remember-me cookie may log a visitor in."""
    if request.method != "GET" or not enabled():
        return False
    if any(value for key, value in session.items() if key not in IMPERSONAL_SESSION_KEYS):
        return False  # a cart, a message waiting, a log-in: this visitor's page is their own
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return remember_cookie not in request.cookies


def _page_key() -> str:
    # The visitor is anonymous here, so the language is the session's choice or Dutch (what
    # web.select_locale decides, without loading the user).
    locale = session.get("locale") if session.get("locale") in ("nl", "en") else "nl"
    return f"page:{current_generation()}:{locale}:{request.full_path}"


def shared_page(view: F) -> F:
    """Serve the view from the page cache for anonymous visitors; store its 200 responses."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _visitor_is_anonymous_and_impersonal():
            return view(*args, **kwargs)
        key = _page_key()
        stored = cache.get(key)
        if stored is not None:
            return _response_from(stored)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.direct_passthrough:
            cache.set(key, _storable(response))
        return response

    return wrapper  # type: ignore[return-value]


def _storable(response: Response) -> tuple[list[str], list[tuple[str, str]]]:
    """The body split around this visitor's CSRF token, and the headers worth keeping."""
    body = response.get_data(as_text=True)
    chunks = body.split(generate_csrf()) if "csrf_token" in g else [body]
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in PERSONAL_HEADERS]
    return chunks, headers


def _response_from(stored: tuple[list[str], list[tuple[str, str]]]) -> Response:
    chunks, headers = stored
    body = generate_csrf().join(chunks) if len(chunks) > 1 else chunks[0]
    response = Response(body, headers=headers)
    response.headers["X-Page-Cache"] = "hit"
    return response


# --- noticing storefront changes -------------------------------------------------------------


def _mark_if_storefront(session_: Session, table_name: str | None) -> None:
    if table_name in STOREFRONT_TABLES:
        session_.info[STALE_FLAG] = True


@event.listens_for(Session, "before_flush")
def _notice_flushed_changes(session_: Session, flush_context: Any, instances: Any) -> None:
    for instance in (*session_.new, *session_.dirty, *session_.deleted):
        table = getattr(instance, "__table__", None)
        _mark_if_storefront(session_, getattr(table, "name", None))
        if session_.info.get(STALE_FLAG):
            return


@event.listens_for(Session, "do_orm_execute")
def _notice_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _mark_if_storefront(state.session, getattr(table, "name", None))


@event.listens_for(Session, "after_commit")
def _refresh_after_commit(session_: Session) -> None:
    if session_.info.pop(STALE_FLAG, False) and has_app_context() and enabled():
        start_new_generation()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session_: Session) -> None:
    session_.info.pop(STALE_FLAG, None)
