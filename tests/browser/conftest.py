"""Browser harness: the app served on localhost with the demo data, Debian's Chromium driven by
Playwright, and axe-core (from npm) checking every page against WCAG 2.0/2.1 A and AA."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from coopshop import create_app
from coopshop.demo import DEMO_PASSWORD, load_demo
from coopshop.extensions import db
from tests.conftest import (
    BACKEND,
    base_config,
    drop_postgres_database,
    migrate_database,
    postgres_database,
)

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(WSGIRequestHandler):
    """No access log: failures are reported by the assertions, not by hundreds of log lines."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, database_suffix: str
) -> Iterator[LiveServer]:
    """The real app (CSRF on) with the demo network, served from a thread."""
    tmp = tmp_path_factory.mktemp("browser")
    if BACKEND == "postgresql":
        url = postgres_database(f"{database_suffix}_browser")
    else:
        url = f"sqlite:///{tmp / 'browser.sqlite3'}"
    migrate_database(url, tmp)
    config = {**base_config(url, tmp), "WTF_CSRF_ENABLED": True, "SERVER_NAME": None}
    app = create_app(config)
    with app.app_context():
        load_demo()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    with app.app_context():
        db.engine.dispose()
    if BACKEND == "postgresql":
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing: run `make setup` (it installs Debian's chromium package)."
        )
    if not AXE_SCRIPT.exists():
        pytest.fail("axe-core is missing: run `make setup` (it runs npm ci).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # axe is injected as a script, which the app's Content-Security-Policy would (rightly) block.
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Page, server: LiveServer, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form, as a person would: by label, then the button."""
    page.goto(f"{server.url}/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core on the current page for WCAG 2.0/2.1 A and AA."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """A readable summary for the assertion message."""
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"][:5]]
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} -> {json.dumps(targets)}"
        )
    return "\n".join(lines)
