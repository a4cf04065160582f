"""coopshop: the shared storefront, ledger and municipal settlement of social cooperatives."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from coopshop.config import (
    INSTANCE_PATH,
    PROJECT_ROOT,
    check_config,
    default_config,
    environment_config,
    production_overrides,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration layers, extensions, blueprints, error pages."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_PATH),
        instance_relative_config=True,
    )
    configure(app, config or {})
    from coopshop import web

    web.init_app(app)
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind N load balancers, take the client's address and scheme from their headers, so that
    rate limits count per client and not per balancer."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS", 0))
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def configure(app: Flask, overrides: dict[str, Any]) -> None:
    """Defaults, then ``instance/config.py``, then the environment, then ``overrides``."""
    app.config.update(default_config(INSTANCE_PATH))
    app.config["ENV_NAME"] = "production"
    app.config.from_pyfile("config.py", silent=True)
    environment = environment_config(os.environ)
    app.config.update(environment)
    app.config.update(overrides)
    if app.config["ENV_NAME"] == "production":
        for key, value in production_overrides().items():
            if key not in environment and key not in overrides:
                app.config[key] = value
    check_config(app.config)
