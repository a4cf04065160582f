"""Benchmark the payment webhook: signed checkout.session.completed events confirmed per second,
end to end, on SQLite and PostgreSQL.

    python -m bench.webhooks [--backends sqlite postgresql] [--orders 2000] [--lines 2]
                             [--connections 8] [--in-process 200] [--pg-url URL]

For each backend a fresh database (bench/out/webhooks.sqlite3, or the PostgreSQL database
``bench_webhooks`` next to ``--pg-url``) gets the demo network and N orders placed through the
real checkout, each with its stock reserved and a simulated checkout session, with one line
from each of ``--lines`` cooperatives. gunicorn (2 sync workers on 127.0.0.1, serving
``--app-spec``, by default ``coopshop.wsgi:app``) then gets every order's signed
``checkout.session.completed`` event, POSTed once to /betalingen/webhook over
``--connections`` client connections: a bounded run. The time runs until every stored event
is handled (end to end, not only answered). Afterwards every order must be paid with one
invoice and one sale entry per cooperative, and the ledger check must pass; the CPU each
process used per event and the events per batch are reported. ``--in-process N`` also
confirms N more orders one at a time inside this process, for the cost of a lone event (wall
and CPU time) and where it goes (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import os
import pstats
import queue
import secrets
import sys
import threading
import time
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from bench.load import OUT, gunicorn
from coopshop import create_app
from coopshop.catalogue.models import Listing
from coopshop.demo import load_demo
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.ledger.checks import check_ledger
from coopshop.ledger.models import JournalEntry
from coopshop.orders.cart import CartEntry
from coopshop.orders.checkout import CheckoutDetails, place_order, start_payment
from coopshop.orders.history import Actor
from coopshop.orders.models import Order
from coopshop.payments.models import SimulatedCheckout, StoredEvent
from coopshop.payments.signing import sign_payload
from coopshop.payments.simulator_events import checkout_object, simulator_webhook_secret

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET_KEY = "bench-webhooks-" + secrets.token_hex(24)
DETAILS = CheckoutDetails(
    "Bea Bench", "bea@voorbeeld.nl", "Marktplein 4", "3512 AB", "Utrecht", terms_accepted=True
)
Event = tuple[bytes, str]  # the raw body and its Stripe-Signature header
# Where the time of one event goes (cumulative, so parts overlap their callers).
PARTS = {
    "whole webhook request": ("payments/views.py", "webhook"),
    "event stored (payments)": ("payments/webhooks.py", "remember_event"),
    "event handled in its batch, committed": ("payments/webhooks.py", "_handle_batch"),
    "invoices issued (invoicing)": ("invoicing/services.py", "draft_invoices|store_invoices"),
    "invoices booked (ledger)": ("invoicing/booking.py", "prepare_invoice_booking|book_invoices"),
    "e-mails queued": ("orders/notifications.py", "members_notified|orders_confirmed"),
}


class FixedCart:
    """The same lines for every order, as a cart the checkout can read."""

    def __init__(self, entries: list[CartEntry]) -> None:
        self._entries = entries

    def entries(self) -> list[CartEntry]:
        return list(self._entries)

    def clear(self) -> None:
        pass


def prepared_app(backend: str, args: argparse.Namespace) -> Flask:
    """A fresh, migrated database with the demo network; the app on it."""
    if backend == "sqlite":
        (OUT / "webhooks.sqlite3").unlink(missing_ok=True)
        url = f"sqlite:///{OUT / 'webhooks.sqlite3'}"
    else:
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "bench_webhooks" WITH (FORCE)'))
            connection.execute(text('CREATE DATABASE "bench_webhooks"'))
        admin.dispose()
        url = make_url(args.pg_url).set(database="bench_webhooks").render_as_string(False)
    settings = {"ENV_NAME": "development", "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url}
    app = create_app(
        {**settings, "OUTBOX_DIR": str(OUT / "outbox"), "UPLOAD_DIR": str(OUT / "uploads")}
    )
    with app.app_context():
        upgrade()
        load_demo()
    return app


def place_orders(app: Flask, count: int, lines: int) -> list[str]:
    """``count`` orders through the checkout (reservation and simulated session each), one line
    from each of ``lines`` cooperatives: a listing with shipping, given ample stock."""
    with app.test_request_context():
        stocked = select(Listing).where(Listing.stock.is_not(None), Listing.delivery_shipping)
        per_cooperative = {
            listing.cooperative_id: listing.id for listing in db.session.scalars(stocked)
        }
        chosen = sorted(per_cooperative.values())[:lines]
        db.session.execute(update(Listing).where(Listing.id.in_(chosen)).values(stock=10**7))
        cart = FixedCart([CartEntry(listing_id, 1, "shipping") for listing_id in chosen])
        references = []
        for _ in range(count):
            order = place_order(cart, DETAILS, Actor(None, "buyer"))
            start_payment(order)
            references.append(order.reference)
        return references


def signed_events(app: Flask, references: list[str]) -> list[Event]:
    """The provider's side: each session paid, its completed event signed just now (a
    signature older than five minutes is refused)."""
    bodies = []
    with app.app_context():
        query = select(SimulatedCheckout).where(SimulatedCheckout.reference.in_(references))
        for checkout in db.session.scalars(query):
            checkout.status, checkout.payment_status = "complete", "paid"
            checkout.payment_intent_id = f"pi_bench_{checkout.reference}"
            event = {
                "id": f"evt_bench_{checkout.reference}",
                "object": "event",
                "type": "checkout.session.completed",
            }
            event |= {"created": int(time.time()), "data": {"object": checkout_object(checkout)}}
            bodies.append(json.dumps(event, separators=(",", ":")).encode())
        db.session.commit()
        secret = simulator_webhook_secret()
        return [(body, sign_payload(body, secret)) for body in bodies]


def post_all(
    base_url: str, events: list[Event], connections: int
) -> tuple[float, list[float], list[Event]]:
    """Every event once over ``connections`` client threads: (seconds, latencies in ms, the
    events answered with an error)."""
    host, port = base_url.removeprefix("http://").split(":")
    work: queue.Queue[Event] = queue.Queue()
    for event in events:
        work.put(event)
    latencies: list[float] = []
    failed: list[Event] = []

    def client() -> None:
        while not work.empty():
            event = work.get()
            started = time.perf_counter()
            connection = http.client.HTTPConnection(host, int(port), timeout=60)
            headers = {"Content-Type": "application/json", "Stripe-Signature": event[1]}
            connection.request("POST", "/betalingen/webhook", body=event[0], headers=headers)
            status = connection.getresponse().status
            connection.close()
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                failed.append(event)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failed


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far (user + system) by the processes on this machine, by part:
    the app's gunicorn processes, the PostgreSQL server, this process (the client and the
    waiting) and everything else (another process's load shows up here)."""
    tick = os.sysconf("SC_CLK_TCK")
    parts: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        if stat.parent.name == str(os.getpid()):
            part = "client"
        elif b"gunicorn" in command:
            part = "app"
        elif command.startswith(b"postgres") or b"postgres:" in command:
            part = "PostgreSQL"
        else:
            part = "other"
        parts[part] = parts.get(part, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return parts


def batch_count(app: Flask) -> int:
    """How many batches handled the events: each batch marks its events with one time."""
    with app.app_context():
        query = select(func.count(func.distinct(StoredEvent.processed_at)))
        return db.session.scalar(query) or 0


def wait_until_handled(app: Flask, timeout: float = 60.0) -> int:
    """Wait until no stored event is left unprocessed (at most ``timeout`` s); how many are
    left then."""
    deadline = time.perf_counter() + timeout
    with app.app_context():
        unprocessed = select(func.count()).where(StoredEvent.processed_at.is_(None))
        while (left := db.session.scalar(unprocessed)) and time.perf_counter() < deadline:
            db.session.commit()
            time.sleep(0.005)
        db.session.commit()
        return left or 0


def keep_error_log(base_url: str) -> None:
    """gunicorn's error log (bench.load removes it on exit), for the cause of a failure."""
    log = OUT / f"gunicorn-{base_url.rsplit(':', 1)[1]}.log"
    if log.exists():
        (OUT / "webhooks-errors.log").write_text(log.read_text())


def verify(app: Flask, references: list[str], lines: int) -> bool:
    """Every order paid, one invoice and one sale entry per cooperative, the ledger sound."""
    with app.app_context():
        paid = select(func.count()).where(Order.reference.in_(references), Order.state == "paid")
        invoices = select(func.count()).select_from(Invoice)
        sales = select(func.count()).where(JournalEntry.reference.like("invoice:%"))
        counts = [db.session.scalar(query) for query in (paid, invoices, sales)]
        return counts == [len(references), *[len(references) * lines] * 2] and not check_ledger()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[round(share * (len(ordered) - 1))], 1)


def in_process_cost(app: Flask, events: list[Event]) -> dict[str, float]:
    """One event at a time through Flask's test client: wall and CPU ms per event, then the
    same again under cProfile for where the time goes (ms per event, cumulative)."""
    client = app.test_client()

    def post(batch: list[Event]) -> None:
        for body, signature in batch:
            headers = {"Stripe-Signature": signature}
            if client.post("/betalingen/webhook", data=body, headers=headers).status_code != 200:
                raise SystemExit("a webhook failed in process")

    half = len(events) // 2
    post(events[:10])  # warm the caches: templates, compiled SQL, prepared statements
    wall, cpu = time.perf_counter(), time.process_time()
    post(events[10:half])
    count = half - 10
    cost = {
        "wall ms": (time.perf_counter() - wall) * 1000 / count,
        "CPU ms": (time.process_time() - cpu) * 1000 / count,
    }
    profile = cProfile.Profile()
    profile.runcall(post, events[half:])
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for label, (path, names) in PARTS.items():
        total = sum(
            row[3]
            for (file, _, name), row in stats.items()
            if file.endswith(path) and name in names.split("|")
        )
        cost[f"{label} (profiled)"] = total * 1000 / (len(events) - half)
    return {key: round(value, 1) for key, value in cost.items()}


def measure(backend: str, args: argparse.Namespace) -> dict[str, object]:
    app = prepared_app(backend, args)
    references = place_orders(app, args.orders, args.lines)
    env = {
        "COOPSHOP_DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
        "COOPSHOP_SECRET_KEY": SECRET_KEY,
    }
    env |= {"COOPSHOP_ENV_NAME": "production", "COOPSHOP_OUTBOX_DIR": str(OUT / "outbox")}
    with gunicorn(args.app_spec, env, "/gezond") as base_url:
        events = signed_events(app, references)
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        posting, latencies, failed = post_all(base_url, events, args.connections)
        # End to end: until every event is handled, not only answered.
        waiting = wait_until_handled(app)
        seconds = time.perf_counter() - started
        batches = batch_count(app)
        cpu_used = {
            part: round((spent - cpu_before.get(part, 0.0)) * 1000 / len(events), 2)
            for part, spent in cpu_seconds().items()
        }
        # As Stripe does with an event not answered with 200: deliver it again, later.
        retried = post_all(base_url, failed, 1)[2] if failed else []
        if failed:
            keep_error_log(base_url)
    result: dict[str, object] = {
        "events/s": round(len(latencies) / seconds, 1),
        "answered/s": round(len(latencies) / posting, 1),
        "left unhandled": waiting,
        "events per batch": round(len(events) / batches, 1) if batches else None,
        "CPU ms per event": cpu_used,
        "p50 ms": percentile(latencies, 0.50),
        "p95 ms": percentile(latencies, 0.95),
        "failures": len(failed),
        "failed again when retried": len(retried),
        "verified": verify(app, references, args.lines),
    }
    if args.in_process:
        extra = place_orders(app, args.in_process, args.lines)
        result["in process"] = in_process_cost(app, signed_events(app, extra))
        result["verified"] = result["verified"] and verify(app, references + extra, args.lines)
    with app.app_context():
        db.engine.dispose()
    print(f"{backend}: {result}", file=sys.stderr)
    return result


def markdown(results: dict[str, dict], args: argparse.Namespace) -> str:
    lines = [
        f"{args.orders} orders, each with one line from each of {args.lines} cooperatives, so "
        f"{args.lines} invoices, {args.lines} sale entries and {args.lines + 1} e-mails per event; "
        f"gunicorn -w 2 -k sync; {args.connections} client connections on 127.0.0.1.",
        "",
        "| backend | events/s | p50 ms | p95 ms | answered with an error (failed again when "
        "retried) | all paid, invoiced, booked; ledger check |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for backend, r in results.items():
        verdict = "yes; passes" if r["verified"] else "**NO**"
        errors = f"{r['failures']} ({r['failed again when retried']})"
        row = [backend, r["events/s"], r["p50 ms"], r["p95 ms"], errors, verdict]
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    if args.in_process:
        parts = list(next(iter(results.values()))["in process"])
        lines += [
            "",
            f"One event at a time, in process ({args.in_process} events, ms per event):",
            "",
        ]
        lines += ["| | " + " | ".join(results) + " |", "|---|" + "---:|" * len(results)]
        lines += [
            f"| {part} | " + " | ".join(str(r["in process"][part]) for r in results.values()) + " |"
            for part in parts
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=2, choices=[1, 2, 3])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--in-process", type=int, default=0, metavar="N")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--app-spec", default="coopshop.wsgi:app")
    parser.add_argument("--output", default=str(OUT / "webhooks-results"))
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    results = {backend: measure(backend, args) for backend in args.backends}
    report = markdown(results, args)
    Path(args.output + ".json").write_text(json.dumps(results, indent=2))
    Path(args.output + ".md").write_text(report)
    print(report)
    if not all(result["verified"] for result in results.values()):
        raise SystemExit("verification failed: see above")


if __name__ == "__main__":
    main()
