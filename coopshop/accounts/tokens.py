"""Signed, expiring, single-use links for invitations and password resets.

A token carries a fingerprint of the user's current password hash, so it stops working the moment
the password is set: a link works once.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from coopshop.accounts.models import User
from coopshop.extensions import db

INVITATION = "invitation"
PASSWORD_RESET = "password-reset"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"coopshop-{purpose}")


def _fingerprint(user: User) -> str:
    return user.credentials_fingerprint()


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"user": user.id, "fp": _fingerprint(user)})


def read_token(token: str, purpose: str, max_age: int) -> User | None:
    """The user the token was made for, or ``None`` if it is forged, expired or used."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict):
        return None
    user = db.session.get(User, payload.get("user", 0))
    if user is None or payload.get("fp") != _fingerprint(user):
        return None
    return user
