"""Cooperative admin screens (members, coordinators) and the member's own area."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from coopshop.accounts.models import Role, User
from coopshop.accounts.permissions import (
    admin_required,
    require_cooperative,
    roles_required,
    scoped,
)
from coopshop.accounts.services import EmailTaken
from coopshop.cooperatives import member_services
from coopshop.cooperatives.forms import (
    AdminInviteForm,
    MemberDetailsForm,
    MemberInviteForm,
    OwnProfileForm,
)
from coopshop.cooperatives.models import Cooperative, Member, MemberStatus, Municipality
from coopshop.extensions import db
from coopshop.forms import ButtonForm
from coopshop.settlement.exemption import exemption_months

bp = Blueprint("members", __name__)

coop_admin_required = roles_required(Role.COOP_ADMIN)
member_required = roles_required(Role.MEMBER)


def municipality_choices() -> list[SelectChoice]:
    return [
        SelectChoice(m.id, m.name)
        for m in db.session.scalars(select(Municipality).order_by(Municipality.name))
    ]


def scoped_member_or_404(member_id: int) -> Member:
    member = db.get_or_404(Member, member_id)
    require_cooperative(current_user, member.cooperative_id)
    return member


@bp.get("/cooperatie")
@admin_required
def dashboard() -> str:
    """A coordinator's start page: their cooperative, members and fellow coordinators."""
    members = db.session.scalars(
        scoped(
            select(Member).join(Member.user).order_by(User.name),
            Member.cooperative_id,
            current_user,
        )
    ).all()
    admins = db.session.scalars(
        scoped(
            select(User).where(User.role == Role.COOP_ADMIN).order_by(User.name),
            User.cooperative_id,
            current_user,
        )
    ).all()
    cooperative = db.session.get(Cooperative, current_user.cooperative_id or 0)
    return render_template(
        "members/dashboard.html", members=members, admins=admins, cooperative=cooperative
    )


@bp.route("/cooperatie/leden/uitnodigen", methods=["GET", "POST"])
@coop_admin_required
def invite_member() -> str | Response:
    """Invite a new member: they get an e-mail with a link to choose a password."""
    form = MemberInviteForm()
    form.municipality_id.choices = municipality_choices()
    if form.validate_on_submit():
        try:
            member = member_services.invite_member(
                current_user, current_user.cooperative_id, form.values()
            )
        except EmailTaken as taken:
            form.email.errors.append(taken.message)
        else:
            flash(
                _(
                    "%(name)s is uitgenodigd. De uitnodiging is per e-mail verstuurd.",
                    name=member.user.name,
                ),
                "success",
            )
            return redirect(url_for("members.member_detail", member_id=member.id))
    return render_template("members/invite_member.html", form=form)


@bp.route("/cooperatie/leden/<int:member_id>", methods=["GET", "POST"])
@admin_required
def member_detail(member_id: int) -> str | Response:
    """A member's details, status and eligibility; coordinators of their cooperative may change them."""
    member = scoped_member_or_404(member_id)
    form = MemberDetailsForm(obj=member)
    form.municipality_id.choices = municipality_choices()
    if form.validate_on_submit():
        member_services.update_member(current_user, member, form.values())
        flash(_("De gegevens van het lid zijn opgeslagen."), "success")
        return redirect(url_for("members.member_detail", member_id=member.id))
    return render_template(
        "members/member_detail.html",
        member=member,
        form=form,
        button_form=ButtonForm(),
        statuses=list(MemberStatus),
        exemption=exemption_months(member, date.today()),
    )


@bp.post("/cooperatie/leden/<int:member_id>/status/<status>")
@admin_required
def set_status(member_id: int, status: str) -> Response:
    """Activate, suspend or mark a member as left."""
    member = scoped_member_or_404(member_id)
    if ButtonForm().validate_on_submit() and status in set(MemberStatus):
        member_services.set_member_status(current_user, member, MemberStatus(status))
        flash(_("De status van het lid is gewijzigd."), "success")
    return redirect(url_for("members.member_detail", member_id=member.id))


@bp.post("/cooperatie/leden/<int:member_id>/uitnodiging")
@admin_required
def resend_invitation(member_id: int) -> Response:
    """Send the invitation e-mail again to a member who has not chosen a password yet."""
    member = scoped_member_or_404(member_id)
    if ButtonForm().validate_on_submit():
        member_services.resend_invitation(current_user, member)
        flash(_("De uitnodiging is opnieuw verstuurd."), "success")
    return redirect(url_for("members.member_detail", member_id=member.id))


@bp.route("/cooperatie/coordinatoren/uitnodigen", methods=["GET", "POST"])
@coop_admin_required
def invite_admin() -> str | Response:
    """Invite a fellow coordinator of this cooperative."""
    form = AdminInviteForm()
    if form.validate_on_submit():
        try:
            member_services.invite_admin(
                current_user, current_user.cooperative_id, form.name.data, form.email.data
            )
        except EmailTaken as taken:
            form.email.errors.append(taken.message)
        else:
            flash(_("De uitnodiging is per e-mail verstuurd."), "success")
            return redirect(url_for("members.dashboard"))
    return render_template("members/invite_admin.html", form=form)


@bp.route("/mijn", methods=["GET", "POST"])
@member_required
def my_dashboard() -> str | Response:
    """The member's own start page and the details they may change themselves."""
    member = current_user.member
    form = OwnProfileForm(obj=member)
    if form.validate_on_submit():
        member_services.update_own_profile(
            member, form.trade_name.data, form.bio.data, form.iban.data
        )
        flash(_("Uw gegevens zijn opgeslagen."), "success")
        return redirect(url_for("members.my_dashboard"))
    return render_template("members/my_dashboard.html", member=member, form=form)
