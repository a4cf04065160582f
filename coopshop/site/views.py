"""The storefront shell and the language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from coopshop.accounts.services import set_locale
from coopshop.accounts.views import safe_next
from coopshop.cooperatives.models import Cooperative, Member
from coopshop.extensions import db
from coopshop.forms import ButtonForm

bp = Blueprint("site", __name__)


@bp.get("/")
def home() -> str:
    """The shared storefront's front door: what it is and which cooperatives take part."""
    counts = dict(
        db.session.execute(
            select(Member.cooperative_id, func.count())
            .where(Member.status == "active")
            .group_by(Member.cooperative_id)
        ).all()
    )
    cooperatives = db.session.scalars(select(Cooperative).order_by(Cooperative.name)).all()
    return render_template("site/home.html", cooperatives=cooperatives, counts=counts)


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
