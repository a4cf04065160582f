"""The baseline: a minimal Flask app with one route returning a short HTML page, served by
gunicorn exactly like coopshop (``gunicorn -w 2 -k sync 'bench.minimal_app:create_app()'``)."""

from __future__ import annotations

from flask import Flask

PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Hallo</title></head>
<body><h1>Hallo</h1><p>Een minimale pagina als maatstaf.</p></body></html>
"""


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> str:
        """A short, constant HTML page."""
        return PAGE

    return app
