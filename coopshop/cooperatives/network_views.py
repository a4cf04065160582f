"""Network admin screens: cooperatives and their levy, municipalities and their rules, buyers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from coopshop.accounts.models import Buyer, User
from coopshop.accounts.permissions import network_admin_required
from coopshop.cooperatives import services
from coopshop.cooperatives.forms import (
    CooperativeForm,
    LevyRateForm,
    MunicipalityForm,
    RuleVersionForm,
)
from coopshop.cooperatives.models import Cooperative, Member, Municipality, SettlementRuleVersion
from coopshop.extensions import db

bp = Blueprint("network", __name__, url_prefix="/netwerk")


@bp.before_request
@network_admin_required
def guard() -> None:
    """Every page here is for network admins only."""


@bp.get("/")
def dashboard() -> str:
    """Overview of the network: cooperatives with their member counts."""
    counts = dict(
        db.session.execute(
            select(Member.cooperative_id, func.count()).group_by(Member.cooperative_id)
        ).all()
    )
    cooperatives = db.session.scalars(select(Cooperative).order_by(Cooperative.name)).all()
    return render_template("network/dashboard.html", cooperatives=cooperatives, counts=counts)


@bp.route("/cooperaties/nieuw", methods=["GET", "POST"])
def new_cooperative() -> str | Response:
    """Add a cooperative to the network."""
    return edit_cooperative_form(None)


@bp.route("/cooperaties/<int:cooperative_id>", methods=["GET", "POST"])
def edit_cooperative(cooperative_id: int) -> str | Response:
    """Change a cooperative's details and see its levy versions."""
    return edit_cooperative_form(db.get_or_404(Cooperative, cooperative_id))


def edit_cooperative_form(cooperative: Cooperative | None) -> str | Response:
    form = CooperativeForm(obj=cooperative)
    if form.validate_on_submit():
        try:
            cooperative = services.save_cooperative(current_user, cooperative, form.values())
        except services.DuplicateValue as clash:
            form.form_errors.append(clash.message)
        else:
            flash(_("De gegevens van de coöperatie zijn opgeslagen."), "success")
            return redirect(url_for("network.edit_cooperative", cooperative_id=cooperative.id))
    return render_template(
        "network/cooperative_form.html",
        form=form,
        cooperative=cooperative,
        levy_form=LevyRateForm(formdata=None),
    )


@bp.post("/cooperaties/<int:cooperative_id>/afdracht")
def add_levy_rate(cooperative_id: int) -> str | Response:
    """Add a new support-fund levy version from a date on."""
    cooperative = db.get_or_404(Cooperative, cooperative_id)
    levy_form = LevyRateForm()
    if levy_form.validate_on_submit():
        try:
            services.add_levy_rate(
                current_user,
                cooperative,
                levy_form.levy.data,
                levy_form.effective_from.data,
                levy_form.note.data or "",
            )
        except services.DuplicateValue as clash:
            levy_form.effective_from.errors.append(clash.message)
        else:
            flash(_("Het nieuwe afdrachtpercentage is opgeslagen."), "success")
            return redirect(url_for("network.edit_cooperative", cooperative_id=cooperative.id))
    return render_template(
        "network/cooperative_form.html",
        form=CooperativeForm(obj=cooperative),
        cooperative=cooperative,
        levy_form=levy_form,
    ), 400


@bp.get("/gemeenten")
def municipalities() -> str:
    """All municipalities with the rule version in force today."""
    rows = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    return render_template("network/municipalities.html", municipalities=rows)


@bp.route("/gemeenten/nieuw", methods=["GET", "POST"])
def new_municipality() -> str | Response:
    """Add a municipality."""
    return municipality_form(None)


@bp.route("/gemeenten/<int:municipality_id>", methods=["GET", "POST"])
def edit_municipality(municipality_id: int) -> str | Response:
    """A municipality's details and its settlement rule versions."""
    return municipality_form(db.get_or_404(Municipality, municipality_id))


def municipality_form(municipality: Municipality | None) -> str | Response:
    form = MunicipalityForm(obj=municipality)
    if form.validate_on_submit():
        try:
            municipality = services.save_municipality(current_user, municipality, form.values())
        except services.DuplicateValue as clash:
            form.cbs_code.errors.append(clash.message)
        else:
            flash(_("De gemeente is opgeslagen."), "success")
            return redirect(url_for("network.edit_municipality", municipality_id=municipality.id))
    return render_template("network/municipality_form.html", form=form, municipality=municipality)


@bp.route("/gemeenten/<int:municipality_id>/regels/nieuw", methods=["GET", "POST"])
def new_rule_version(municipality_id: int) -> str | Response:
    """Add a settlement rule version from a date on."""
    return rule_version_form(db.get_or_404(Municipality, municipality_id), None)


@bp.route("/gemeenten/<int:municipality_id>/regels/<int:rule_id>", methods=["GET", "POST"])
def edit_rule_version(municipality_id: int, rule_id: int) -> str | Response:
    """Change a settlement rule version."""
    rule = db.get_or_404(SettlementRuleVersion, rule_id)
    if rule.municipality_id != municipality_id:
        abort(404)
    return rule_version_form(rule.municipality, rule)


def rule_version_form(
    municipality: Municipality, rule: SettlementRuleVersion | None
) -> str | Response:
    form = RuleVersionForm(
        obj=rule,
        tax_reserve=rule.tax_reserve_bp if rule else 0,
        exemption=rule.exemption_bp if rule else None,
        offset=rule.offset_bp if rule else 10000,
    )
    if form.validate_on_submit():
        try:
            services.save_rule_version(current_user, municipality, rule, form.values())
        except (services.DuplicateValue, services.RuleVersionRewritesHistory) as clash:
            form.effective_from.errors.append(clash.message)
        except services.RuleVersionInUse as in_use:
            form.form_errors.append(in_use.message)
        else:
            flash(_("De regelversie is opgeslagen."), "success")
            return redirect(url_for("network.edit_municipality", municipality_id=municipality.id))
    return render_template(
        "network/rule_version_form.html",
        form=form,
        municipality=municipality,
        rule=rule,
        in_use=services.rule_version_in_use(rule),
    )


@bp.get("/kopers")
def buyers() -> str:
    """Buyer accounts: consumers, companies and municipalities."""
    rows = db.session.execute(
        select(User, Buyer).join(Buyer, Buyer.user_id == User.id).order_by(User.created_at.desc())
    ).all()
    return render_template("network/buyers.html", rows=rows)
