"""coopshop as it was before the SQLite search shortcut (``queries.page_rows``), to measure the
shortcut's effect in the same run: ``--app-spec 'bench.without_search_shortcut:create_app()'``."""

from __future__ import annotations

from flask import Flask

import coopshop
from coopshop.catalogue import search


def create_app() -> Flask:
    search.best_matches = lambda query, wanted: None  # every search runs the full query
    return coopshop.create_app()
