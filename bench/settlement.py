"""Benchmark the period close: 1,000 members, 100,000 invoice lines, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.settlement [--backend sqlite|postgresql|both]
                                         [--members 1000] [--lines 100000] [--pdf-rounds 7]
                                         [--cold]

For each backend: a fresh database is migrated; one cooperative with two monthly municipalities
(500 members each) and N invoice lines in September 2026 is loaded bulk-style (the legs come
from the ledger's own ``sale_lines``; entries and postings are inserted in batches). Then, in
the same run, it times:

- the single SQL aggregate over the same rows (member income per member, one GROUP BY over
  the postings; the close reads the same figures from the ledger's income totals, and the
  script checks that the two agree);
- the close itself (``close_period``: plan, reports with PDF/CSV/XLSX, offsets, lock), with
  the time spent in WeasyPrint measured apart, and every query counted with a
  ``before_cursor_execute`` event. Target: close minus PDF rendering <= 3x the aggregate.
  Both start from a collected heap (``gc.collect()`` after loading); the close's commit and
  any garbage-collector pauses outside the PDF rendering are shown apart (they stay in the
  close's time);
- one report PDF of a 500-member municipality against WeasyPrint alone on the same HTML,
  ``--pdf-rounds`` turns of each (best of each). Target: <= 1.2x.

By default the close runs after the preview of the same month in the same process, as every
close does: an admin closes in the browser from the preview page, and ``coopshop settle
close`` prints the preview and asks before it closes (the preview reads what the close reads
and changes nothing). With ``--cold`` the close runs first thing in a fresh process, without
the preview. It prints a Markdown section for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import make_url
from weasyprint import HTML

from coopshop import create_app
from coopshop.accounts.models import Role, User
from coopshop.cooperatives.models import Cooperative, Member, MemberStatus
from coopshop.extensions import db
from coopshop.ledger.accounts import get_accounts
from coopshop.ledger.balances import sum_cents
from coopshop.ledger.flows import SaleLine, sale_lines
from coopshop.ledger.income import IncomeKey, add_member_legs, count_member_legs
from coopshop.ledger.models import EntryKind, JournalEntry, Leg, Posting
from coopshop.settlement import documents, pdf, queries
from coopshop.settlement.close import close_period, preview_close
from coopshop.settlement.models import SettlementReport
from coopshop.settlement.reports import corrected_document
from tests.factories import gen_cooperative, gen_municipality

OUT = Path(__file__).resolve().parent / "out"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PERIOD = "2026-09"
LINES_PER_INVOICE = 4
BATCH = 5000


def fresh_database(backend: str) -> str:
    if backend == "sqlite":
        OUT.mkdir(exist_ok=True)
        path = OUT / "settlement-bench.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    base = make_url(PG_URL)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "bench_settlement" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "bench_settlement"'))
    admin.dispose()
    return base.set(database="bench_settlement").render_as_string(hide_password=False)


def bench_app(url: str) -> Flask:
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    return app


# --- loading ------------------------------------------------------------------------------------


def load(members: int, lines: int) -> int:
    """The cooperative, its members and their September sales; returns the cooperative id."""
    cooperative = gen_cooperative(name="Coöperatie Bank Test", slug="bench")
    municipalities = [gen_municipality(name="Utrecht"), gen_municipality(name="Amersfoort")]
    member_ids = insert_members(cooperative, [m.id for m in municipalities], members)
    get_accounts([f"member:{member_id}:payable" for member_id in member_ids])
    levy_bp = cooperative.levy_bp_on(date(2026, 9, 1)) or 0
    insert_sales(cooperative.id, member_ids, lines, levy_bp)
    db.session.commit()
    return cooperative.id


def insert_members(cooperative: Cooperative, municipality_ids: list[int], count: int) -> list[int]:
    users = [
        {
            "email": f"lid{n}@bench.test",
            "name": f"Lid {n:04d}",
            "role": Role.MEMBER,
            "password_hash": None,
            "cooperative_id": cooperative.id,
        }
        for n in range(count)
    ]
    user_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True), users
    ).all()
    rows = [
        {
            "user_id": user_id,
            "cooperative_id": cooperative.id,
            "municipality_id": municipality_ids[n % len(municipality_ids)],
            "client_number": f"KL-{n:05d}",
            "trade_name": f"Lid {n:04d}",
            "slug": f"lid-{n}",
            "bio": "",
            "iban": None,
            "status": MemberStatus.ACTIVE,
            "exemption_eligible": n % 3 != 0,
        }
        for n, user_id in enumerate(user_ids)
    ]
    return list(
        db.session.scalars(insert(Member).returning(Member.id, sort_by_parameter_order=True), rows)
    )


def insert_sales(cooperative_id: int, member_ids: list[int], lines: int, levy_bp: int) -> None:
    """``lines`` invoice lines in invoices of four, booked as the ledger books a sale."""
    accounts: dict[str, int] = {}
    incomes: dict[IncomeKey, int] = defaultdict(int)
    for start in range(0, lines // LINES_PER_INVOICE, BATCH):
        invoices = range(start, min(start + BATCH, lines // LINES_PER_INVOICE))
        entries = [entry_row(cooperative_id, n) for n in invoices]
        entry_ids = db.session.scalars(
            insert(JournalEntry).returning(JournalEntry.id, sort_by_parameter_order=True), entries
        ).all()
        postings = []
        for n, entry_id in zip(invoices, entry_ids, strict=True):
            legs = sale_lines(cooperative_id, levy_bp, invoice_lines(member_ids, n))
            postings += posting_rows(entry_id, legs, accounts)
            count_member_legs(incomes, cooperative_id, PERIOD, legs)
        db.session.execute(insert(Posting), postings)
    # The running totals the posting service keeps, as it would have kept them.
    add_member_legs(incomes)


def entry_row(cooperative_id: int, n: int) -> dict[str, Any]:
    day = date(2026, 9, 1 + n % 30)
    return {
        "kind": EntryKind.SALE,
        "reference": f"sale:BENCH-{n}",
        "booking_date": day,
        "period": PERIOD,
        "cooperative_id": cooperative_id,
        "description": "",
    }


def invoice_lines(member_ids: list[int], n: int) -> list[SaleLine]:
    return [
        SaleLine(
            member_ids[(n * 7 + k * 131) % len(member_ids)],
            1000 + (n * 37 + k) % 20000,
            (21, 9, 0, 21)[k],
        )
        for k in range(LINES_PER_INVOICE)
    ]


def posting_rows(entry_id: int, legs: list[Any], accounts: dict[str, int]) -> list[dict]:
    missing = [leg.account for leg in legs if leg.account not in accounts]
    if missing:
        accounts.update({code: a.id for code, a in get_accounts(missing).items()})
    return [
        {
            "entry_id": entry_id,
            "account_id": accounts[leg.account],
            "amount_cents": leg.amount_cents,
            "member_id": leg.member_id,
            "leg": leg.leg,
        }
        for leg in legs
    ]


# --- measuring ----------------------------------------------------------------------------------


def best_of(runs: int, work: Callable[[], Any]) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def aggregate(cooperative_id: int) -> dict[tuple[int, str], int]:
    """Member income per member, summed from the period's postings in one GROUP BY: the query
    the close ran until it read the ledger's income totals (the same figures, checked below).
    Grouped by member and period only, the cheapest form of it."""
    query = (
        select(Posting.member_id, JournalEntry.period, -sum_cents(Posting.amount_cents))
        .select_from(Posting)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(
            JournalEntry.cooperative_id == cooperative_id,
            JournalEntry.period.in_([PERIOD]),
            Posting.leg == Leg.MEMBER,
        )
        .group_by(Posting.member_id, JournalEntry.period)
    )
    return {(member, period): cents for member, period, cents in db.session.execute(query)}


def aggregate_seconds(cooperative_id: int) -> float:
    """The single SQL aggregate over the period's postings, best of 5 with a warm cache. It
    gives the figures the close reads from the ledger's income totals (checked here)."""
    summed = aggregate(cooperative_id)  # warms the cache
    assert summed == queries.member_incomes(cooperative_id, [PERIOD]), "totals differ"
    return best_of(5, lambda: aggregate(cooperative_id))


def serial_aggregate_seconds(cooperative_id: int) -> float | None:
    """The same aggregate with PostgreSQL's parallel workers off (best of 5), for the record
    only: by default PostgreSQL runs it in two processes, the close runs in one. None on
    SQLite, which has no parallel plans."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    try:
        return best_of(5, lambda: aggregate(cooperative_id))
    finally:
        db.session.rollback()  # SET LOCAL ends with the transaction


def timed_close(cooperative_id: int) -> dict[str, float]:
    """Close the period once: total time, time inside WeasyPrint and inside the CSV/XLSX
    writers, and the number of queries (a ``before_cursor_execute`` event counts them).

    Also, for the explanation only (they stay inside the close's time): the final commit, and
    the garbage collector's pauses outside the PDF rendering (WeasyPrint leaves the heap large,
    so a collection during the close costs more than it would without it)."""
    spent = {"pdf": 0.0, "files": 0.0, "commit": 0.0, "gc": 0.0, "full_gc": 0}
    statements: list[str] = []
    collecting: list[float] = []
    in_pdf = [False]
    originals = {
        (pdf, "render_report_pdf", "pdf"): pdf.render_report_pdf,
        (documents, "to_csv_and_xlsx", "files"): documents.to_csv_and_xlsx,
    }

    def timed(function: Callable[..., Any], bucket: str) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            started = time.perf_counter()
            in_pdf[0] = bucket == "pdf"
            try:
                return function(*args)
            finally:
                in_pdf[0] = False
                spent[bucket] += time.perf_counter() - started

        return run

    def collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting.append(time.perf_counter())
        elif collecting:
            pause = time.perf_counter() - collecting.pop()
            if not in_pdf[0]:
                spent["gc"] += pause
                if info["generation"] == 2:
                    spent["full_gc"] += 1

    committing: list[float] = []

    def commit(_connection: Any) -> None:
        committing.append(time.perf_counter())  # close_period returns right after its commit

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    for (module, name, bucket), function in originals.items():
        setattr(module, name, timed(function, bucket))
    event.listen(db.engine, "before_cursor_execute", count)
    event.listen(db.engine, "commit", commit)
    gc.callbacks.append(collection)
    try:
        started = time.perf_counter()
        close_period(cooperative_id, PERIOD, None)
        ended = time.perf_counter()
        total = ended - started
        spent["commit"] = ended - committing[-1] if committing else 0.0
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        event.remove(db.engine, "commit", commit)
        gc.callbacks.remove(collection)
        for (module, name, _bucket), function in originals.items():
            setattr(module, name, function)
    return {"total": total, **spent, "queries": len(statements)}


def alternating_best(runs: int, first: Callable[[], Any], second: Callable[[], Any]) -> tuple:
    """The best time of each of two jobs, run in turns so that both see the same machine load."""
    firsts, seconds = [], []
    for _ in range(runs):
        firsts.append(best_of(1, first))
        seconds.append(best_of(1, second))
    return min(firsts), min(seconds)


def pdf_overhead(cooperative_id: int, rounds: int) -> dict[str, float]:
    """One 500-member report: our renderer vs WeasyPrint alone on the very same HTML."""
    report = db.session.scalar(
        select(SettlementReport).where(SettlementReport.cooperative_id == cooperative_id)
    )
    # The issued report's own figures, as a document (the one a correction would print).
    document = corrected_document(report, "bench", "benchmark")
    html = pdf.report_html(document)
    ours, alone = alternating_best(
        rounds, lambda: pdf.render_report_pdf(document), lambda: HTML(string=html).write_pdf()
    )
    return {"members": len(document.lines), "ours": ours, "weasyprint": alone}


def run(
    backend: str, members: int, lines: int, pdf_rounds: int, after_preview: bool = True
) -> dict[str, Any]:
    app = bench_app(fresh_database(backend))
    with app.app_context():
        started = time.perf_counter()
        cooperative_id = load(members, lines)
        loaded = time.perf_counter() - started
        if backend == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        # Start both timings from a collected heap, as timeit does: the loading above leaves
        # enough garbage that the next full collection, wherever it falls, takes 0.1 s.
        if after_preview:
            # As every close runs: the preview of every member's figures first, in the same
            # process (it reads what the close reads, and changes nothing).
            preview_close(db.session.get(Cooperative, cooperative_id), PERIOD)
            db.session.rollback()
        gc.collect()
        aggregate = aggregate_seconds(cooperative_id)
        serial = serial_aggregate_seconds(cooperative_id)
        close = timed_close(cooperative_id)
        close["load_average"] = os.getloadavg()[0]
        overhead = pdf_overhead(cooperative_id, pdf_rounds)
        db.engine.dispose()
    start = "after the preview" if after_preview else "cold"
    return {
        "backend": f"{backend}, {start}",
        "load": loaded,
        "aggregate": aggregate,
        "serial": serial,
        **close,
        **overhead,
    }


def markdown(results: list[dict[str, Any]], members: int, lines: int) -> str:
    rows = []
    for r in results:
        without_pdf = r["total"] - r["pdf"]
        without_files = without_pdf - r["files"]
        ratio, files_ratio = without_pdf / r["aggregate"], without_files / r["aggregate"]
        pdf_ratio = r["ours"] / r["weasyprint"]
        serial = "n/a" if r["serial"] is None else f"{r['serial'] * 1000:.1f}"
        rows.append(
            f"| {r['backend']} | {r['load']:.0f} | {r['aggregate'] * 1000:.1f} | {serial} | "
            f"{r['total']:.2f} | {r['pdf']:.2f} | {r['files'] * 1000:.0f} | "
            f"{r['commit'] * 1000:.0f} | {r['gc'] * 1000:.0f} ({r['full_gc']} full) | "
            f"{without_pdf * 1000:.0f} = {ratio:.1f}x {verdict(ratio <= 3)} | "
            f"{without_files * 1000:.0f} = {files_ratio:.1f}x | {r['queries']} | "
            f"{r['ours']:.2f} / {r['weasyprint']:.2f} = {pdf_ratio:.2f}x {verdict(pdf_ratio <= 1.2)} | "
            f"{r['load_average']:.1f} |"
        )
    header = (
        f"{members:,} members in two municipalities, {lines:,} invoice lines "
        f"({lines // LINES_PER_INVOICE:,} invoices of {LINES_PER_INVOICE} lines) in {PERIOD}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}.\n\n"
        "| backend | load s | aggregate ms | the same without parallel workers ms (not "
        "used for the ratios) | close s | of which PDF s | of which CSV+XLSX ms | "
        "of which commit ms | of which GC pauses ms | "
        "close minus PDF ms, ÷ aggregate (≤ 3x) | minus PDF, CSV, XLSX ms, ÷ aggregate | "
        "queries in the close | 500-member PDF s: ours / WeasyPrint alone (≤ 1.2x) | "
        "1-min load average at the close |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|---:|\n"
    )
    return header + "\n".join(rows)


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument(
        "--pdf-rounds", type=int, default=7, help="turns of the PDF comparison (best of each)"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="close first thing in a fresh process, without the preview before it",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [
        run(backend, args.members, args.lines, args.pdf_rounds, not args.cold)
        for backend in backends
    ]
    print(markdown(results, args.members, args.lines))


if __name__ == "__main__":
    main()
