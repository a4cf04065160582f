"""Time (or profile) the storefront pages in-process, without HTTP: CPU and wall time per request.

    python -m bench.profile_pages --database-url URL [--requests 100] [--profile search]
        [--page-cache on|off]

Less disturbed by other load on the machine than wrk, and it shows where a page spends its time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import time

from bench.load import OUT
from bench.run_catalogue import page_paths, upgrade_schema


def timed(client, paths: list[str], requests: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Mean CPU milliseconds per request over ``paths`` in turn, and the p50 and p95 of the
    requests' wall times (one request at a time: no queueing)."""
    walls = []
    cpu = time.process_time()
    for index in range(requests):
        started = time.perf_counter()
        response = client.get(paths[index % len(paths)])
        walls.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (paths[index % len(paths)], response.status_code)
    walls.sort()
    return {
        "cpu": (time.process_time() - cpu) * 1000 / requests,
        "p50": walls[len(walls) // 2],
        "p95": walls[int(len(walls) * 0.95)],
    }


def show(page: str, times: dict[str, float]) -> None:
    print(
        f"| {page} | {times['cpu']:.2f} | {times['p50']:.2f} | {times['p95']:.2f} |", flush=True
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--profile", help="page to profile with cProfile (top 40 by own time)")
    parser.add_argument(
        "--page-cache",
        choices=["on", "off"],
        default="on",
        help="on: pages come from the page cache after the warm-up; off: each one is rendered",
    )
    args = parser.parse_args(argv)
    upgrade_schema(args.database_url)
    os.environ.update(
        COOPSHOP_DATABASE_URL=args.database_url,
        COOPSHOP_ENV_NAME="production",
        COOPSHOP_SECRET_KEY=secrets.token_urlsafe(48),
        COOPSHOP_UPLOAD_DIR=str(OUT / "uploads"),
        COOPSHOP_PAGE_CACHE_ENABLED="true" if args.page_cache == "on" else "false",
        COOPSHOP_CACHE_DIR=str(OUT / "page-cache"),
    )
    from bench.minimal_app import create_app as create_minimal_app
    from coopshop import create_app

    minimal = create_minimal_app().test_client()
    timed(minimal, ["/"], 100)
    print("| page | CPU ms per request | wall p50 ms | wall p95 ms |\n|---|---:|---:|---:|")
    show("minimal", timed(minimal, ["/"], args.requests * 10))
    client = create_app().test_client()
    for page, paths in page_paths(args.database_url).items():
        timed(client, paths, len(paths))  # warm up: templates, statement caches
        show(page, timed(client, paths, args.requests))
        if page == args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(timed, client, paths, args.requests)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
