"""Slowing down password guessing: log-in attempts are counted per client address and per
account, in a moving window, in the rate-limit storage (this process's memory by default,
Redis when ``RATELIMIT_STORAGE_URI`` points there, so that all workers count together).

Only the log-in is limited. The count is therefore a check inside that view, made with the
``limits`` library directly, instead of a hook that runs before every request of the site.
"""

from __future__ import annotations

from flask import current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

EXTENSION_KEY = "coopshop_login_limiter"


def _limiter() -> MovingWindowRateLimiter:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if EXTENSION_KEY not in app.extensions:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions[EXTENSION_KEY] = MovingWindowRateLimiter(storage)
    return app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


def _limits(setting: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[setting]) if current_app.config.get(setting) else []


def count_login_attempt(email: str) -> None:
    """Count one attempt for this address and this account; raises TooManyRequests (a calm
    "wait a few minutes" page) when either has used up its attempts."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limiter = _limiter()
    account = email.strip().lower()
    checks = [(item, "address", request.remote_addr or "") for item in _limits("LOGIN_RATE_LIMIT")]
    checks += [(item, "account", account) for item in _limits("LOGIN_ACCOUNT_RATE_LIMIT")]
    if not all([limiter.hit(item, "login", scope, key) for item, scope, key in checks]):
        raise TooManyRequests()


def reset() -> None:
    """Forget every count (tests start from zero)."""
    _limiter().storage.reset()
