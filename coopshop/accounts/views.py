"""Log-in, log-out, registration, invitations, password reset and the buyer's own profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from coopshop.accounts import rate_limit, services
from coopshop.accounts.forms import (
    BuyerProfileForm,
    ChoosePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
)
from coopshop.accounts.models import Role
from coopshop.accounts.permissions import roles_required
from coopshop.forms import ButtonForm

bp = Blueprint("accounts", __name__)

HOME_BY_ROLE = {
    Role.NETWORK_ADMIN: "network.dashboard",
    Role.COOP_ADMIN: "members.dashboard",
    Role.MEMBER: "members.my_dashboard",
    Role.BUYER: "accounts.profile",
}


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: an absolute or protocol-relative URL could send users away."""
    # Browsers read a backslash as a slash, so "/\evil.example" would be protocol-relative.
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/inloggen", methods=["GET", "POST"])
def login() -> str | Response:
    """Log in with e-mail and password; sends each role to its own area."""
    form = LoginForm()
    error = None
    if request.method == "POST":
        rate_limit.count_login_attempt(request.form.get("email", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.InvalidCredentials as failure:
            error = failure.message
        else:
            login_user(user, remember=form.remember.data)
            return redirect(
                safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE[Role(user.role)])
            )
    return render_template("accounts/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/uitloggen")
def logout() -> Response:
    """Log out (a POST with CSRF token, so no other site can log a user out)."""
    if ButtonForm().validate_on_submit():
        logout_user()
        flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("site.home"))


@bp.route("/registreren", methods=["GET", "POST"])
def register() -> str | Response:
    """A buyer creates an account (members and admins are invited instead)."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_buyer(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                **form.buyer_details(),
            )
        except services.EmailTaken as taken:
            form.email.errors.append(taken.message)
        else:
            login_user(user)
            flash(_("Welkom! Uw account is klaar."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/register.html", form=form)


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | Response:
    """An invited member or admin chooses a password and is logged in."""
    services.invited_user(token)  # a used or old link says so before the form is filled in
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        user = services.accept_invitation(token, form.password.data)
        login_user(user)
        flash(_("Uw wachtwoord is opgeslagen. Welkom bij coopshop!"), "success")
        return redirect(url_for(HOME_BY_ROLE[Role(user.role)]))
    return render_template(
        "accounts/choose_password.html", form=form, title=_("Kies uw wachtwoord")
    )


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password() -> str | Response:
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "Als dit e-mailadres bij ons bekend is, ontvangt u binnen een paar minuten een "
                "e-mail met een link. De link werkt één uur."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    """Choose a new password with the e-mailed link."""
    services.password_reset_user(token)  # a used or old link says so before the form is filled in
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        flash(_("Uw nieuwe wachtwoord is opgeslagen. U kunt nu inloggen."), "success")
        return redirect(url_for("accounts.login"))
    return render_template(
        "accounts/choose_password.html", form=form, title=_("Kies een nieuw wachtwoord")
    )


@bp.route("/account", methods=["GET", "POST"])
@roles_required(Role.BUYER)
def profile() -> str | Response:
    """The buyer's own details (name, company, address)."""
    user = current_user._get_current_object()
    form = BuyerProfileForm(obj=user.buyer, name=user.name)
    if form.validate_on_submit():
        services.update_buyer_profile(user, name=form.name.data, **form.buyer_details())
        flash(_("Uw gegevens zijn opgeslagen."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.get("/mijn-account")
@login_required
def home() -> Response:
    """Whatever the role, one link in the header leads to the user's own area."""
    return redirect(url_for(HOME_BY_ROLE[Role(current_user.role)]))
