"""The storefront shell and the language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from coopshop.accounts.services import set_locale
from coopshop.accounts.views import safe_next
from coopshop.catalogue import queries
from coopshop.extensions import db
from coopshop.forms import ButtonForm
from coopshop.page_cache import shared_page

bp = Blueprint("site", __name__)


FEATURED = 8


@bp.get("/")
@shared_page
def home() -> str:
    """The storefront's front door: newest listings, the categories and the cooperatives."""
    return render_template(
        "site/home.html",
        featured=queries.newest_listings(FEATURED),
        categories=[entry for entry in queries.category_tree() if entry.parent_id is None],
        cooperatives=queries.cooperative_directory(),
    )


@bp.post("/taal/<locale>")
def switch_language(locale: str) -> Response:
    """Switch between Dutch and English; kept in the session (and on the account when logged in)."""
    if ButtonForm().validate_on_submit() and locale in ("nl", "en"):
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(current_user, locale)
    return redirect(safe_next(request.form.get("next")) or url_for("site.home"))


@bp.get("/gezond")
def health() -> tuple[str, int]:
    """For the load balancer: the app answers and reaches its database."""
    db.session.execute(select(1))
    return "ok", 200
