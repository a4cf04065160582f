"""Check that the SQLite search shortcut (``queries.page_rows`` looking among FTS5's best
matches first) gives exactly the pages the full query gives, on a generated catalogue.

    python -m bench.verify_search --database-url sqlite:///bench/out/catalogue-100k.sqlite3
"""

from __future__ import annotations

import argparse
import itertools
from unittest import mock

from bench.generate_catalogue import bench_app
from bench.run_catalogue import upgrade_schema
from coopshop.catalogue import queries, search
from coopshop.extensions import db

QUERIES = ("fietsen", "tassen", "schoonmaak", "handgemaakte kaarsen", "mokken", "utrecht", "xyz")
PAGES = (1, 2, 7, 40)


def filter_variants() -> list[dict]:
    """No filters, and filters that leave few candidates (so the full query must take over)."""
    keramiek = queries.category_by_slug("keramiek")
    return [
        {},
        {"kind": "service"},
        {"category_ids": (keramiek.id,)} if keramiek else {},
        {"min_cents": 40000},
        {"online": True},
    ]


def page_ids(filters: queries.Filters, shortcut: bool) -> list[int]:
    if shortcut:
        return [listing.id for listing in queries.find_listings(filters).listings]
    with mock.patch.object(search, "best_matches", return_value=None):
        return [listing.id for listing in queries.find_listings(filters).listings]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    upgrade_schema(args.database_url)
    checked = 0
    with bench_app(args.database_url).test_request_context():
        for query, page, extra in itertools.product(QUERIES, PAGES, filter_variants()):
            filters = queries.Filters(text=query, page=page, **extra)
            fast, full = page_ids(filters, shortcut=True), page_ids(filters, shortcut=False)
            if fast != full:
                raise SystemExit(f"Different pages for {filters}: {fast} != {full}")
            checked += 1
        db.engine.dispose()
    print(f"{checked} searches: the same listings in the same order with and without the shortcut")


if __name__ == "__main__":
    main()
