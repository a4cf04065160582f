"""Wiring: extensions, blueprints, request hooks and template helpers, in one place."""

from __future__ import annotations

import importlib

from flask import Flask, has_request_context, request, session
from flask_login import current_user

from coopshop import errors, formatting, page_cache
from coopshop.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = __file__.rsplit("/", 1)[0] + "/migrations"


# Every feature's models, so that the metadata (and Alembic's autogenerate) sees all tables.
MODEL_MODULES = (
    "coopshop.accounts.models",
    "coopshop.cooperatives.models",
    "coopshop.audit.models",
    "coopshop.mail.models",
    "coopshop.ledger.models",
    "coopshop.catalogue.models",
    "coopshop.payments.models",
    "coopshop.invoicing.models",
    "coopshop.settlement.models",
)


def init_app(app: Flask) -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    db.init_app(app)
    page_cache.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_login(app)
    register_blueprints(app)
    register_order_handling(app)
    errors.init_app(app)
    formatting.init_app(app)
    app.after_request(add_security_headers)
    app.context_processor(template_helpers)
    register_cli(app)


def template_helpers() -> dict[str, object]:
    from flask_babel import get_locale

    from coopshop.navigation import main_menu

    return {"main_menu": main_menu, "current_locale": lambda: str(get_locale() or "nl")}


def select_locale() -> str:
    """Dutch unless the visitor chose otherwise; the choice is kept in the session.
    Outside a request (CLI, workers) it is Dutch."""
    if not has_request_context():
        return "nl"
    chosen = session.get("locale")
    if chosen in ("nl", "en"):
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.locale or "nl"
    return "nl"


def init_login(app: Flask) -> None:
    from coopshop.accounts.models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, fingerprint = session_id.partition(":")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or user.credentials_fingerprint() != fingerprint:
            return None
        return user


def register_blueprints(app: Flask) -> None:
    from coopshop.accounts.views import bp as accounts_bp
    from coopshop.audit.views import bp as audit_bp
    from coopshop.cooperatives.member_views import bp as members_bp
    from coopshop.cooperatives.network_views import bp as network_bp
    from coopshop.invoicing.views import bp as invoicing_bp
    from coopshop.payments.views import bp as payments_bp
    from coopshop.site.views import bp as site_bp
    from coopshop.statements.views import bp as statements_bp

    for blueprint in (site_bp, accounts_bp, network_bp, members_bp, audit_bp, statements_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(payments_bp)
    app.register_blueprint(invoicing_bp)
    register_catalogue_blueprints(app)
    register_settlement_blueprints(app)
    register_order_blueprints(app)


def register_order_blueprints(app: Flask) -> None:
    from coopshop.orders.admin_views import bp as order_admin_bp
    from coopshop.orders.member_views import bp as member_orders_bp
    from coopshop.orders.views import bp as orders_bp

    for blueprint in (orders_bp, member_orders_bp, order_admin_bp):
        app.register_blueprint(blueprint)


def register_order_handling(app: Flask) -> None:
    """The orders feature's payment event handler (``payments.webhooks.register_handler``),
    its invoice PDF attachments, the cart merge on log-in and its CLI commands."""
    from coopshop import orders

    orders.init_app(app)


def register_catalogue_blueprints(app: Flask) -> None:
    from coopshop.catalogue.category_views import bp as categories_bp
    from coopshop.catalogue.member_views import bp as listings_bp
    from coopshop.catalogue.moderation_views import bp as moderation_bp
    from coopshop.catalogue.storefront_views import bp as storefront_bp
    from coopshop.storage import bp as storage_bp

    for blueprint in (storefront_bp, listings_bp, moderation_bp, categories_bp, storage_bp):
        app.register_blueprint(blueprint)


def register_settlement_blueprints(app: Flask) -> None:
    from coopshop.settlement.payout_views import bp as payouts_bp
    from coopshop.settlement.views import bp as settlement_bp

    app.register_blueprint(settlement_bp)
    app.register_blueprint(payouts_bp)


def register_cli(app: Flask) -> None:
    from coopshop import cli

    cli.init_app(app)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def add_security_headers(response):  # type: ignore[no-untyped-def]
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    return response
