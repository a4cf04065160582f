"""The cost of one payment webhook event in process: CPU and wall ms, SQL statements.

    python -m bench.webhook_cost [--backends sqlite postgresql] [--lines 2] [--events 300]
                                 [--profile N] [--statements]

A quicker companion of ``bench.webhooks`` for iterating: a fresh database per backend
(bench/out/webhook-cost.sqlite3, or the PostgreSQL database ``bench_webhook_cost`` next to
``--pg-url``) with the demo network, ``--events`` orders placed through the real checkout, and
their signed ``checkout.session.completed`` events POSTed one at a time through Flask's test
client. Prints CPU and wall ms per event, SQL statements per event (counted with a cursor
listener, in a separate pass), and with ``--profile N`` the N functions with the most
cumulative time under cProfile. ``--statements`` lists the statements of one event.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections import Counter

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from bench.load import OUT
from bench.webhooks import DEFAULT_PG_URL, SECRET_KEY, Event, place_orders, signed_events, verify
from coopshop import create_app
from coopshop.demo import load_demo
from coopshop.extensions import db
from coopshop.payments.gateway import get_gateway
from coopshop.payments.webhooks import process_stored_events, remember_event


def fresh_app(backend: str, pg_url: str, pre_ping: bool = True) -> Flask:
    if backend == "sqlite":
        (OUT / "webhook-cost.sqlite3").unlink(missing_ok=True)
        url = f"sqlite:///{OUT / 'webhook-cost.sqlite3'}"
    else:
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "bench_webhook_cost" WITH (FORCE)'))
            connection.execute(text('CREATE DATABASE "bench_webhook_cost"'))
        admin.dispose()
        url = make_url(pg_url).set(database="bench_webhook_cost").render_as_string(False)
    app = create_app(
        {
            "ENV_NAME": "development",
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "OUTBOX_DIR": str(OUT / "outbox-cost"),
            "UPLOAD_DIR": str(OUT / "uploads"),
            # As in coopshop/config.py, unless --no-pre-ping: what the ping costs.
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": pre_ping},
        }
    )
    with app.app_context():
        upgrade()
        load_demo()
    return app


def post_all(app: Flask, batch: list[Event]) -> None:
    client = app.test_client()
    for body, signature in batch:
        response = client.post(
            "/betalingen/webhook", data=body, headers={"Stripe-Signature": signature}
        )
        if response.status_code != 200:
            raise SystemExit(f"a webhook failed: {response.status_code}")


def batch_cost(app: Flask, events: list[Event], batch_size: int, backend: str) -> None:
    """The two halves of the webhook apart: storing each event as the endpoint does (verify,
    INSERT, commit), then working them off in batches of ``batch_size``."""
    with app.test_request_context():
        gateway = get_gateway()
        wall, cpu = time.perf_counter(), time.process_time()
        for body, signature in events:
            remember_event(gateway.parse_event(body, signature))
            db.session.commit()
        store = ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)
        wall, cpu = time.perf_counter(), time.process_time()
        handled = process_stored_events(batch_size=batch_size, work_seconds=600)
        work = ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)
    count = len(events)
    assert handled == count, (handled, count)
    print(
        f"{backend}: {count} events; stored one by one: CPU {store[1] / count:.2f} ms/event, "
        f"wall {store[0] / count:.2f}; handled in batches of {batch_size}: "
        f"CPU {work[1] / count:.2f} ms/event, wall {work[0] / count:.2f}"
    )


def measure(backend: str, args: argparse.Namespace) -> None:
    app = fresh_app(backend, args.pg_url, not args.no_pre_ping)
    references = place_orders(app, args.events + 20, args.lines)
    events = signed_events(app, references)
    warm, counted, timed = events[:10], events[10:20], events[20:]
    post_all(app, warm)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    post_all(app, counted)
    event.remove(engine, "before_cursor_execute", count)
    per_event = len(statements) / len(counted)
    half = len(timed) // 2 if args.profile else len(timed)
    if args.batch:
        batch_cost(app, timed[:half], args.batch, backend)
        if args.profile:
            profile = cProfile.Profile(time.process_time if args.cpu else time.perf_counter)
            profile.runcall(batch_cost, app, timed[half:], args.batch, backend)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.profile)
            print(out.getvalue())
        print(f"    verified: {verify(app, references, args.lines)}")
        with app.app_context():
            db.engine.dispose()
        return
    wall, cpu = time.perf_counter(), time.process_time()
    post_all(app, timed[:half])
    wall_ms = (time.perf_counter() - wall) * 1000 / half
    cpu_ms = (time.process_time() - cpu) * 1000 / half
    print(
        f"{backend} lines={args.lines}: {per_event:.1f} statements/event, "
        f"CPU {cpu_ms:.2f} ms/event, wall {wall_ms:.2f} ms/event ({half} events)"
        + (" [pool_pre_ping off]" if args.no_pre_ping else "")
    )
    if args.statements:
        one = statements[: int(per_event)]
        for statement in one:
            print("   ", " ".join(statement.split())[:160])
        kinds = Counter(s.split()[0].upper() for s in statements)
        print("    by kind over", len(counted), "events:", dict(kinds))
    if args.profile:
        profile = cProfile.Profile(time.process_time if args.cpu else time.perf_counter)
        profile.runcall(post_all, app, timed[half:])
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(args.sort).print_stats(args.profile)
        calls_per_event = stats.total_calls / (len(timed) - half)  # type: ignore[attr-defined]
        print(out.getvalue())
    print(
        f"    (profiled: {'CPU' if args.cpu else 'wall'} time; {calls_per_event:.0f} Python calls per event)"
        if args.profile
        else "",
        end="",
    )
    ok = verify(app, references, args.lines)
    print(f"    verified: {ok}")
    with app.app_context():
        db.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--lines", type=int, default=2, choices=[1, 2, 3])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--statements", action="store_true")
    parser.add_argument(
        "--batch", type=int, default=0, metavar="N", help="store all, then handle in batches of N"
    )
    parser.add_argument("--no-pre-ping", action="store_true", help="pool_pre_ping off")
    parser.add_argument(
        "--cpu", action="store_true", help="profile CPU time (slow timer) instead of wall time"
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    for backend in args.backends:
        measure(backend, args)


if __name__ == "__main__":
    main()
