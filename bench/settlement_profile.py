"""Profile the period close again and again on one loaded database (a development aid).

    .venv/bin/python -m bench.settlement_profile [--backend sqlite|postgresql] [--runs 5]
                                                 [--reuse] [--profile] [--real-pdf]
                                                 [--without-foreign-keys]

Loads the same data as ``bench.settlement`` once (``--reuse`` keeps a database loaded by an
earlier run: ``bench/out/settlement-profile.sqlite3`` or PostgreSQL ``bench_settlement_profile``),
then closes September ``--runs`` times, each time rolling the close back instead of committing,
so every run closes the same month from the same state. Unless ``--real-pdf`` is given, the PDF
renderer is replaced by a stub (the issue leaves PDF rendering out of the budget anyway). Prints
per run: the aggregate (best of 5), the close without its PDF rendering and without its final
commit, the ratio, the time in the CSV/XLSX writers, and the query count; ``--profile`` adds a
cProfile of the last run. ``--without-foreign-keys`` (PostgreSQL) adds, in turns with each
close, the same close with the foreign keys of the rows it writes in bulk (postings and report
lines) dropped inside its transaction, which is rolled back: what those checks cost, for the
record, not a change to make. ``bench.settlement`` remains the benchmark of record.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import time
from typing import Any

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from bench import settlement as bench
from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.ledger.models import Posting
from coopshop.settlement import close, documents, pdf
from coopshop.settlement.close import close_period
from coopshop.settlement.models import SettlementLine

DATABASE = "bench_settlement_profile"
# The steps of the close timed apart (names in coopshop.settlement.close).
PHASES = (
    "plan_close",
    "settlement_document",
    "rendered_report",
    "store_reports",
    "post_offsets",
    "lock_period",
)


def database_url(backend: str, reuse: bool) -> tuple[str, bool]:
    """The URL, and whether the database still has to be loaded."""
    if backend == "sqlite":
        bench.OUT.mkdir(exist_ok=True)
        path = bench.OUT / "settlement-profile.sqlite3"
        if reuse and path.exists():
            return f"sqlite:///{path}", False
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", True
    base = make_url(bench.PG_URL)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE}
        )
        if not (reuse and exists):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    url = base.set(database=DATABASE).render_as_string(hide_password=False)
    return url, not (reuse and exists)


# The tables the close writes a row per member into, whose foreign keys
# --without-foreign-keys drops for a measurement.
BULK_TABLES = (Posting.__table__, SettlementLine.__table__)


def drop_foreign_keys() -> None:
    """Drop the bulk tables' foreign keys in the current transaction (rolled back after)."""
    for table in BULK_TABLES:
        for constraint in table.foreign_key_constraints:
            db.session.execute(
                text(f'ALTER TABLE {table.name} DROP CONSTRAINT "{constraint.name}"')
            )


def one_close(
    cooperative_id: int,
    real_pdf: bool,
    profiler: cProfile.Profile | None,
    without_foreign_keys: bool = False,
) -> dict[str, Any]:
    spent = {"pdf": 0.0, "files": 0.0}
    statements: list[tuple[float, str]] = []
    originals = {
        (pdf, "render_report_pdf", "pdf"): pdf.render_report_pdf,
        (documents, "to_csv_and_xlsx", "files"): documents.to_csv_and_xlsx,
    }

    def timed(function: Any, bucket: str) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                if bucket == "pdf" and not real_pdf:
                    return b"%PDF-1.7 stub"
                return function(*args, **kwargs)
            finally:
                spent[bucket] += time.perf_counter() - started

        return run

    started_at: list[float] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        started_at.append(time.perf_counter())

    def done(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append((time.perf_counter() - started_at.pop(), statement))

    for name in PHASES:
        spent[name] = 0.0
        originals[(close, name, name)] = getattr(close, name)
    for (module, name, bucket), function in originals.items():
        setattr(module, name, timed(function, bucket))
    if without_foreign_keys:
        drop_foreign_keys()  # before the statements are counted; rolled back with the close
    event.listen(db.engine, "before_cursor_execute", count)
    event.listen(db.engine, "after_cursor_execute", done)
    session = db.session()
    real_commit = session.commit
    session.commit = session.flush  # type: ignore[method-assign]  # roll back afterwards
    try:
        if profiler:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        close_period(cooperative_id, bench.PERIOD, None)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler:
            profiler.disable()
    finally:
        session.commit = real_commit  # type: ignore[method-assign]
        db.session.rollback()
        event.remove(db.engine, "before_cursor_execute", count)
        event.remove(db.engine, "after_cursor_execute", done)
        for (module, name, _bucket), function in originals.items():
            setattr(module, name, function)
    return {
        "total": total,
        "cpu": cpu,
        **spent,
        "queries": len(statements),
        "statements": statements,
    }


def cpu_of_aggregate(cooperative_id: int) -> float:
    """The aggregate's CPU time in this process (best of 5): all of it on SQLite, only the
    client's part on PostgreSQL. Steadier than wall time on a shared machine."""
    timings = []
    for _ in range(5):
        started = time.process_time()
        bench.aggregate(cooperative_id)
        timings.append(time.process_time() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--real-pdf", action="store_true")
    parser.add_argument("--show-queries", action="store_true")
    parser.add_argument("--without-foreign-keys", action="store_true")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    url, needs_load = database_url(args.backend, args.reuse)
    app = (
        bench.bench_app(url)
        if needs_load
        else bench.create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url})
    )
    with app.app_context():
        if needs_load:
            bench.load(args.members, args.lines)
            if args.backend == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
        cooperative_id = db.session.scalar(select(func.min(Cooperative.id)))
        db.session.commit()
        gc.collect()  # as bench.settlement does before its timings
        profiler = cProfile.Profile() if args.profile else None
        for n in range(args.runs):
            aggregate = bench.aggregate_seconds(cooperative_id)
            aggregate_cpu = cpu_of_aggregate(cooperative_id)
            db.session.rollback()
            last = n == args.runs - 1
            r = one_close(cooperative_id, args.real_pdf, profiler if last else None)
            without_pdf = r["total"] - r["pdf"]
            print(
                f"run {n + 1}: aggregate {aggregate * 1000:.1f} ms, close {r['total'] * 1000:.0f} ms"
                f", minus PDF {without_pdf * 1000:.1f} ms = {without_pdf / aggregate:.2f}x"
                f", CSV+XLSX {r['files'] * 1000:.1f} ms, {r['queries']} queries"
                f", load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            print(
                f"   CPU of this process: aggregate {aggregate_cpu * 1000:.1f} ms, "
                f"close {r['cpu'] * 1000:.1f} ms"
                + (f" = {r['cpu'] / aggregate_cpu:.2f}x" if not args.real_pdf else ""),
                flush=True,
            )
            in_sql = sum(seconds for seconds, _ in r["statements"])
            phases = ", ".join(f"{name} {r[name] * 1000:.1f}" for name in PHASES)
            print(f"   SQL {in_sql * 1000:.1f} ms; ms in {phases}", flush=True)
            if args.without_foreign_keys:
                bare = one_close(cooperative_id, args.real_pdf, None, without_foreign_keys=True)
                bare_without_pdf = bare["total"] - bare["pdf"]
                print(
                    f"   the same close without the foreign keys of postings and report lines: "
                    f"minus PDF {bare_without_pdf * 1000:.1f} ms"
                    f" = {bare_without_pdf / aggregate:.2f}x",
                    flush=True,
                )
            if args.show_queries and last:
                for seconds, statement in r["statements"]:
                    print(f"   {seconds * 1000:7.2f} ms", " ".join(statement.split())[:140])

        if profiler:
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
        db.engine.dispose()


if __name__ == "__main__":
    main()
