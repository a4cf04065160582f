"""The query plans of the storefront's search and category queries, exactly as the app sends them.

    python -m bench.explain_search --database-url URL [--query fietsen] [--category fietsen]

The statements are captured while ``queries.find_listings`` runs, then explained with their own
parameters: ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bench.generate_catalogue import bench_app
from coopshop.catalogue import queries
from coopshop.extensions import db


@contextmanager
def captured_statements() -> Iterator[list[tuple[str, Any]]]:
    """Every statement (with its parameters) the engine sends while the block runs."""
    statements: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def explain(statement: str, parameters: Any) -> str:
    """The plan of one captured statement, as text."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
        return "\n".join(row[0] for row in rows)
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return "\n".join(f"{row[0]:>3} {row[1]:>3} {row[3]}" for row in rows)


def listing_query_plan(filters: queries.Filters) -> str:
    """The SQL ``find_listings`` sends for ``filters`` (but the photos' query) and its plans."""
    with captured_statements() as statements:
        queries.find_listings(filters)
    parts = []
    for statement, parameters in statements:
        if "FROM listing_image" in statement:
            continue  # the photos of the page, by primary key
        shown = re.sub(r"^SELECT .*?\nFROM", "SELECT ... FROM", statement, flags=re.S)
        shown = re.sub(r"\((?:\?, ){4,}\?\)", "(?, ?, ..., ?)", shown)
        values = str(parameters)
        values = values if len(values) < 300 else values[:150] + " ... " + values[-60:]
        parts.append(f"{shown}\n-- parameters: {values}\n\n{explain(statement, parameters)}")
    return "\n\n".join(parts)


def plans(texts: tuple[str, ...], category_slug: str) -> dict[str, str]:
    """The plans of searches (by relevance) and of a category page (newest first)."""
    category = queries.category_by_slug(category_slug)
    if category is None:
        raise SystemExit(f"No category {category_slug!r}")
    found = {f"search: {text}": listing_query_plan(queries.Filters(text=text)) for text in texts}
    found[f"category: {category_slug}"] = listing_query_plan(
        queries.Filters(category_ids=(category.id, *category.child_ids), sort="newest")
    )
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--query", nargs="+", default=["fietsen", "mokken"])
    parser.add_argument("--category", default="fietsen")
    args = parser.parse_args(argv)
    with bench_app(args.database_url).app_context():
        for title, plan in plans(tuple(args.query), args.category).items():
            print(f"## {title}\n\n{plan}\n")
        db.engine.dispose()


if __name__ == "__main__":
    main()
