"""A small per-process cache for what every storefront page shows but rarely changes: the
category tree, the cooperatives and the counts in the directory.

Entries belong to the storefront generation (``coopshop.page_cache``): a committed change to
the catalogue in any worker process starts a new generation, and every process drops its
entries when it sees that. Entries also expire after ``CATALOGUE_CACHE_SECONDS`` (60 by
default), for changes the generation does not notice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_app_context

from coopshop import page_cache

T = TypeVar("T")
DEFAULT_SECONDS = 60
EXTENSION_KEY = "coopshop_catalogue_cache"


def _entries() -> dict[str, tuple[float, Any]]:
    """This process's entries for the current generation (a new generation starts empty)."""
    generation = page_cache.current_generation()
    stamp, entries = current_app.extensions.get(EXTENSION_KEY, (None, {}))
    if stamp != generation:
        entries = {}
        current_app.extensions[EXTENSION_KEY] = (generation, entries)
    return entries  # type: ignore[no-any-return]


def cached(key: str, compute: Callable[[], T]) -> T:
    """The cached value for ``key``, computed when missing or expired."""
    seconds = current_app.config.get("CATALOGUE_CACHE_SECONDS", DEFAULT_SECONDS)
    entries = _entries()
    now = time.monotonic()
    hit = entries.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]  # type: ignore[no-any-return]
    value = compute()
    entries[key] = (now, value)
    return value


def clear() -> None:
    if has_app_context():
        current_app.extensions.pop(EXTENSION_KEY, None)
