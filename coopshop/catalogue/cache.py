"""A small per-process cache for what every storefront page shows but rarely changes: the
category tree, the cooperatives and the counts in the directory.

Entries live for ``CATALOGUE_CACHE_SECONDS`` (60 by default). A change made in this process
clears the cache at once; other worker processes see it when their entry expires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_app_context

T = TypeVar("T")
DEFAULT_SECONDS = 60


def _entries() -> dict[str, tuple[float, Any]]:
    return current_app.extensions.setdefault("coopshop_catalogue_cache", {})


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
        _entries().clear()
