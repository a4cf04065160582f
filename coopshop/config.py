"""Configuration in layers: defaults here, then ``instance/config.py``, then ``COOPSHOP_*``
environment variables, then the settings a test passes to ``create_app``."""

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = PROJECT_ROOT / "instance"
DEV_SECRET_KEY = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def default_config(instance_path: Path) -> dict[str, Any]:
    """Settings that make the embedded default work: SQLite, payment simulator, file outbox."""
    return {
        "ENV_NAME": "development",
        "SECRET_KEY": DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'coopshop.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ["nl", "en"],
        "RATELIMIT_STORAGE_URI": "memory://",
        "TRUSTED_PROXY_HOPS": 0,
        "RATELIMIT_ENABLED": True,
        # Log-in attempts per client address, and per account (against guessing from many
        # addresses); counted in RATELIMIT_STORAGE_URI (memory://, or redis://... for all workers).
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "LOGIN_ACCOUNT_RATE_LIMIT": "20 per hour",
        "MAIL_SERVER": "",
        "MAIL_PORT": 587,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_USE_TLS": True,
        "MAIL_SENDER": "coopshop <noreply@coopshop.localhost>",
        "OUTBOX_DIR": str(instance_path / "outbox"),
        "PASSWORD_RESET_MAX_AGE": 3600,
        "INVITATION_MAX_AGE": 14 * 24 * 3600,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "PREFERRED_URL_SCHEME": "http",
        "SERVER_NAME": None,
        # Payments: without a Stripe secret key the built-in payment simulator is used.
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        "STRIPE_API_BASE": "",  # empty: Stripe's own; tests point it at a local double
        "SIMULATOR_WEBHOOK_SECRET": "",  # empty: derived from SECRET_KEY
        "CHECKOUT_EXPIRY_MINUTES": 30,
        # Storefront pages for anonymous visitors (coopshop.page_cache). Files under instance/
        # are shared by the worker processes of one machine; several machines share Redis
        # (COOPSHOP_CACHE_TYPE=RedisCache, COOPSHOP_CACHE_REDIS_URL=redis://...).
        "PAGE_CACHE_ENABLED": True,
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(instance_path / "page-cache"),
        "CACHE_THRESHOLD": 5000,
        "CACHE_DEFAULT_TIMEOUT": 600,
    }


def environment_config(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """``COOPSHOP_FOO=bar`` sets ``FOO``; ``DATABASE_URL`` and ``SECRET_KEY`` are read as well."""
    settings: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    if environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    defaults = default_config(INSTANCE_PATH)
    for key, value in environ.items():
        if key.startswith("COOPSHOP_"):
            name = key.removeprefix("COOPSHOP_")
            settings[name] = parse_env_value(value, defaults.get(name))
    if "DATABASE_URL" in settings:
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(settings.pop("DATABASE_URL"))
    return settings


def parse_env_value(value: str, default: Any = None) -> Any:
    """Environment values are strings; booleans and integers are recognised so flags work.

    A setting whose default is text (a secret key, a password) stays text, even ``123456``.
    """
    if isinstance(default, str):
        return value
    lowered = value.strip().lower()
    if lowered in {"true", "yes", "on"}:
        return True
    if lowered in {"false", "no", "off"}:
        return False
    if lowered.lstrip("-").isdigit():
        return int(lowered)
    return value


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out ``postgres://`` URLs; SQLAlchemy wants the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def check_config(config: dict[str, Any] | Any) -> None:
    """Refuse to run outside development and tests with a missing or development secret key."""
    env_name = config.get("ENV_NAME", "production")
    if env_name in {"development", "testing"}:
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < 32:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(for example with COOPSHOP_SECRET_KEY)."
        )
    if not config.get("SESSION_COOKIE_SECURE") or not config.get("REMEMBER_COOKIE_SECURE"):
        raise ConfigError("Session cookies must be secure in production.")


def production_overrides() -> dict[str, Any]:
    """In production the cookies only travel over HTTPS."""
    return {
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SECURE": True,
        "PREFERRED_URL_SCHEME": "https",
    }
