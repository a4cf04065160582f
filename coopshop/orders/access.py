"""The secret link of an order: ``/bestelling/<reference>/<token>``.

The token is an HMAC of the reference with the app's secret key, so it is never stored, cannot
be guessed from the reference, and every e-mail can repeat the same link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

# Crockford's base 32 without I, L, O and U: easy to read out on the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CONTEXT = b"coopshop order access"


def new_reference() -> str:
    """``B-`` and eight random characters, such as ``B-7K3X9Q2M``."""
    return "B-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def access_token(reference: str) -> str:
    key = hmac.new(str(current_app.config["SECRET_KEY"]).encode(), CONTEXT, hashlib.sha256)
    return hmac.new(key.digest(), reference.encode(), hashlib.sha256).hexdigest()[:32]


def token_matches(reference: str, token: str) -> bool:
    return hmac.compare_digest(access_token(reference), token)
