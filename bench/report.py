"""The benchmark's Markdown report: the machine, one table per database, the targets, the plans."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PAGES = ("search", "category", "listing", "home", "robots.txt")
GROWTH_PAGES = ("search", "category", "listing", "home")
# Requests per second as a share of the minimal page's, at the smallest size.
RPS_TARGETS = {"search": 0.20, "category": 0.20, "listing": 0.30}
P95_GROWTH_LIMIT = 1.3


def plans(url: str) -> dict[str, str]:
    """EXPLAIN of the search and category queries (see ``bench.explain_search``)."""
    from bench.explain_search import plans as explain_plans
    from bench.generate_catalogue import bench_app
    from coopshop.extensions import db

    with bench_app(url).app_context():
        found = explain_plans(("fietsen", "mokken"), "wonen-en-decoratie")
        db.engine.dispose()
    return found


def machine(args: argparse.Namespace) -> str:
    with open("/proc/meminfo") as meminfo:
        memory_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    lines = [
        f"- CPUs (nproc): {os.cpu_count()}; memory: {memory_kb / 1024 / 1024:.1f} GiB",
        f"- Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"{postgresql_version(args.pg_url)}",
        f"- {wrk_version.splitlines()[0] if wrk_version else 'wrk'}",
        f"- gunicorn 2 sync workers; wrk 1 thread, {args.connections} connections, "
        f"{args.duration} s per page",
        f"- page cache: {getattr(args, 'page_cache', 'on')}"
        + (f" ({args.cache_type})" if getattr(args, "page_cache", "on") == "on" else ""),
        f"- load average (1 min) at the end: {os.getloadavg()[0]:.1f}",
    ]
    return "\n".join(lines)


def postgresql_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SELECT version()")).scalar()).split(" on ")[0]
    except Exception:  # not reachable: the report says so instead of failing
        return "PostgreSQL not reachable"
    finally:
        engine.dispose()


def row(page: str, size: int, result: dict[str, Any], first: dict | None) -> str:
    """One page at one size; the ratio is to the minimal page measured just before it."""
    ratio = result["rps"] / result["minimal"]["rps"]
    verdicts = []
    if first is None and page in RPS_TARGETS:
        target = RPS_TARGETS[page]
        verdicts.append(f"req/s >= {target:.0%}: {'pass' if ratio >= target else 'FAIL'}")
    growth = ""
    if first is not None and page in GROWTH_PAGES:
        growth = f"{result['p95_ms'] / first['p95_ms']:.2f}x"
        passed = result["p95_ms"] <= P95_GROWTH_LIMIT * first["p95_ms"]
        verdicts.append(f"p95 <= {P95_GROWTH_LIMIT}x: {'pass' if passed else 'FAIL'}")
    errors = result["status_errors"] + result["socket_errors"]
    return (
        f"| {page} | {size:,} | {result['rps']:.0f} | {result['p50_ms']:.1f} | "
        f"{result['p95_ms']:.1f} | {result['minimal']['rps']:.0f} | {ratio:.1%} | {growth} | "
        f"{errors} | {'; '.join(verdicts)} |"
    )


def table(backend: str, runs: dict[str, dict], sizes: list[int]) -> str:
    lines = [
        f"### {backend}",
        "",
        "| page | listings | req/s | p50 ms | p95 ms | minimal page req/s (run just before) | "
        f"req/s / minimal | p95 / p95 at {sizes[0]:,} | errors | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    loads = ", ".join(
        f"{runs[f'{backend} {size}'].get('load_average', {}).get('1 min', 0):.1f} at {size:,}"
        for size in sizes
    )
    lines.insert(1, f"\nLoad average (1 min) at the end of each run: {loads}.")
    pages = [page for page in runs[f"{backend} {sizes[0]}"] if page in PAGES]
    for page in pages:
        first = runs[f"{backend} {sizes[0]}"][page]
        for index, size in enumerate(sizes):
            result = runs[f"{backend} {size}"][page]
            lines.append(row(page, size, result, None if index == 0 else first))
    return "\n".join(lines)


def plan_sections(runs: dict[str, dict]) -> str:
    parts = []
    for name, run in runs.items():
        for title, plan in run.get("plans", {}).items():
            parts.append(f"#### {name} listings, {title}\n\n```\n{plan}\n```")
    return "\n\n".join(parts)


def markdown(runs: dict[str, dict], args: argparse.Namespace) -> str:
    backends = [b for b in args.backends if any(k.startswith(b + " ") for k in runs)]
    tables = [table(backend, runs, args.sizes) for backend in backends]
    database = make_url(args.pg_url).render_as_string(hide_password=True)
    return "\n\n".join(
        [
            "## Machine",
            machine(args),
            f"PostgreSQL server: `{database}` (databases bench_*)",
            "## Results",
            *tables,
            "## Query plans",
            plan_sections(runs),
        ]
    ) + "\n"
