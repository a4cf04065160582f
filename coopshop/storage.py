"""Where uploaded files live. ``LocalStorage`` keeps them under ``UPLOAD_DIR`` (by default
``instance/uploads``); an object store can take its place behind the same three methods.

Keys are random and never reused, so a file may be cached for a year.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from flask import Blueprint, Flask, abort, current_app, send_from_directory
from werkzeug.wrappers import Response

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
KEY_PATTERN = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*\.(jpg|png|webp)$")
CACHE_FOR_A_YEAR = "public, max-age=31536000, immutable"


class Storage(Protocol):
    def save(self, key: str, content: bytes) -> None: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Files on the local disk; fine for one machine or a shared volume."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def save(self, key: str, content: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".part")
        temporary.write_bytes(content)
        os.replace(temporary, target)  # a reader never sees half a file

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


def upload_dir(app: Flask) -> Path:
    return Path(app.config.get("UPLOAD_DIR") or Path(app.instance_path) / "uploads")


def get_storage() -> Storage:
    """The app's storage; one per app, made on first use."""
    storage = current_app.extensions.get("coopshop_storage")
    if storage is None:
        storage = current_app.extensions["coopshop_storage"] = LocalStorage(
            upload_dir(current_app)  # type: ignore[arg-type]
        )
    return storage


bp = Blueprint("storage", __name__)


@bp.get("/bestanden/<path:key>")
def serve(key: str) -> Response:
    """An uploaded file, with its real content type and a long cache lifetime."""
    if not KEY_PATTERN.match(key):
        abort(404)
    response = send_from_directory(
        upload_dir(current_app),  # type: ignore[arg-type]
        key,
        mimetype=CONTENT_TYPES[key.rsplit(".", 1)[1]],
        conditional=True,
    )
    response.headers["Cache-Control"] = CACHE_FOR_A_YEAR
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
