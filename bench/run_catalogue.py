"""Benchmark the storefront: search, category, listing and home pages served by gunicorn
(2 sync workers) at 10,000 and 100,000 listings on SQLite and PostgreSQL, next to a minimal
Flask page served the same way in the same run.

    python -m bench.run_catalogue [--backends sqlite postgresql] [--sizes 10000 100000]
                                  [--duration 15] [--connections 8] [--fresh] [--clean]

Databases are generated with ``bench.generate_catalogue`` (SQLite files in bench/out/,
PostgreSQL databases ``bench_10k`` and ``bench_100k`` next to ``--pg-url``) and reused when
present. The Markdown report goes to stdout and to bench/out/catalogue-results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote_plus

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import report
from bench.load import OUT, ROOT, check_paths, gunicorn, require_wrk, wrk

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEARCHES = ("fietsen", "tassen", "schoonmaak", "handgemaakte kaarsen", "vertaling", "mokken")
CATEGORIES = ("fietsen", "keramiek", "tuin", "wonen-en-decoratie", "kleding-en-textiel")
PAGES = ("search", "category", "listing", "home", "robots.txt")
LISTING_SAMPLE = 200
WARM_UP_SECONDS = 3


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def database_url(backend: str, size: int, pg_url: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{OUT / f'catalogue-{label(size)}.sqlite3'}"
    url = make_url(pg_url).set(database=f"bench_{label(size)}")
    return url.render_as_string(hide_password=False)


def scalar(url: str, sql: str) -> object | None:
    """One value from the database at ``url``, or None when it cannot be read."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    except Exception:  # missing file, database or table: there is nothing to reuse
        return None
    finally:
        engine.dispose()


def recreate(url: str, pg_url: str, drop_only: bool = False) -> None:
    """An empty database at ``url``: the SQLite file removed, or the PostgreSQL database
    dropped and created again (through the server's ``--pg-url`` database)."""
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        if target.database:
            Path(target.database).unlink(missing_ok=True)
        return
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        if not drop_only:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def prepare(url: str, size: int, args: argparse.Namespace) -> None:
    """Reuse a database that holds the listings already; generate it otherwise."""
    published = "SELECT count(*) FROM listing WHERE state = 'published'"
    count = None if args.fresh else scalar(url, published)
    if isinstance(count, int) and count >= size:
        print(f"Reusing {make_url(url).database} ({count} published listings)", file=sys.stderr)
        upgrade_schema(url)
        return
    recreate(url, args.pg_url)
    command = [sys.executable, "-m", "bench.generate_catalogue", "--database-url", url]
    command += ["--listings", str(size), "--seed", str(args.seed)]
    print("$ " + " ".join(command), file=sys.stderr)
    subprocess.run(command, cwd=ROOT, check=True)


def upgrade_schema(url: str) -> None:
    """Apply migrations added since the database was generated."""
    from flask_migrate import upgrade

    from bench.generate_catalogue import bench_app
    from coopshop.extensions import db

    with bench_app(url).app_context():
        upgrade()
        db.engine.dispose()


def page_paths(url: str) -> dict[str, list[str]]:
    """The addresses loaded for each page, taken in turn by wrk."""
    return {
        "search": [f"/zoeken?q={quote_plus(query)}" for query in SEARCHES],
        "category": [f"/categorie/{slug}" for slug in CATEGORIES],
        "listing": listing_paths(url),
        "home": ["/"],
        "robots.txt": ["/robots.txt"],  # the app's floor: no database, no template
    }


def listing_paths(url: str) -> list[str]:
    """Visible listings spread evenly over the whole id range."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT listing.id, listing.slug FROM listing JOIN member "
                "ON member.id = listing.member_id WHERE listing.state = 'published' "
                "AND member.status = 'active' ORDER BY listing.id"
            )
        ).all()
    engine.dispose()
    step = max(1, len(rows) // LISTING_SAMPLE)
    return [f"/aanbod/{row.id}/{row.slug}" for row in rows[::step]][:LISTING_SAMPLE]


def app_env(url: str, args: argparse.Namespace) -> dict[str, str]:
    """Production settings; the page cache on (files, or Redis) or off, as asked."""
    env = {
        "COOPSHOP_DATABASE_URL": url,
        "COOPSHOP_ENV_NAME": "production",
        "COOPSHOP_SECRET_KEY": secrets.token_urlsafe(48),
        "COOPSHOP_UPLOAD_DIR": str(OUT / "uploads"),
        "COOPSHOP_PAGE_CACHE_ENABLED": "true" if args.page_cache == "on" else "false",
        "COOPSHOP_CACHE_TYPE": args.cache_type,
        "COOPSHOP_CACHE_DIR": str(OUT / "page-cache"),
    }
    if args.cache_type == "RedisCache":
        env["COOPSHOP_CACHE_REDIS_URL"] = args.redis_url
    return env


def measure(url: str, minimal_url: str, args: argparse.Namespace) -> dict[str, dict]:
    """Each page for ``--duration`` seconds, right after the minimal page for as long, so that
    every ratio compares two runs made under the same conditions."""
    paths = {page: found for page, found in page_paths(url).items() if page in args.pages}
    results: dict[str, dict] = {}
    with gunicorn(args.app_spec, app_env(url, args), "/gezond") as base:
        for page_list in paths.values():
            check_paths(base, page_list)
            wrk(base, page_list, WARM_UP_SECONDS, args.connections)
        for page, page_list in paths.items():
            minimal = wrk(minimal_url, ["/"], args.duration, args.connections)
            results[page] = wrk(base, page_list, args.duration, args.connections)
            results[page]["minimal"] = minimal
            print(f"  {page}: {results[page]}", file=sys.stderr)
    results["load_average"] = {"1 min": os.getloadavg()[0]}
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--duration", type=int, default=15, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--clean", action="store_true", help="remove the databases afterwards")
    parser.add_argument("--output", default=str(OUT / "catalogue-results"))
    parser.add_argument("--pages", nargs="+", default=list(PAGES))
    parser.add_argument("--app-spec", default="coopshop:create_app()", help="gunicorn app")
    parser.add_argument(
        "--page-cache",
        choices=["on", "off"],
        default="on",
        help="serve anonymous pages from the page cache (on, as in production) or render each",
    )
    parser.add_argument(
        "--cache-type", choices=["FileSystemCache", "RedisCache"], default="FileSystemCache"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    require_wrk()
    OUT.mkdir(exist_ok=True)
    runs: dict[str, dict] = {}
    minimal_env = {"COOPSHOP_ENV_NAME": "production"}
    with gunicorn("bench.minimal_app:create_app()", minimal_env) as minimal_url:
        for backend in args.backends:
            for size in args.sizes:
                url = database_url(backend, size, args.pg_url)
                prepare(url, size, args)
                print(f"Measuring {backend} at {size} listings", file=sys.stderr)
                runs[f"{backend} {size}"] = measure(url, minimal_url, args)
                runs[f"{backend} {size}"]["plans"] = report.plans(url)
                if args.clean:
                    recreate(url, args.pg_url, drop_only=True)
    write_outputs(args, runs)


def write_outputs(args: argparse.Namespace, runs: dict[str, dict]) -> None:
    text_report = report.markdown(runs, args)
    with open(args.output + ".json", "w") as handle:
        json.dump(runs, handle, indent=2)
    with open(args.output + ".md", "w") as handle:
        handle.write(text_report)
    print(text_report)


if __name__ == "__main__":
    main()
