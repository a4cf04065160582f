"""Statement pages and their CSV/XLSX downloads."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from coopshop.accounts.models import Role
from coopshop.accounts.permissions import admin_required, require_cooperative, roles_required
from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.statements import services
from coopshop.statements.exports import download

bp = Blueprint("statements", __name__)

FORMATS = ("csv", "xlsx")


def scoped_cooperative_or_404(cooperative_id: int) -> Cooperative:
    cooperative = db.get_or_404(Cooperative, cooperative_id)
    require_cooperative(current_user, cooperative.id)
    return cooperative


def check_format(file_format: str) -> None:
    if file_format not in FORMATS:
        abort(404)


@bp.get("/mijn/verdiensten")
@roles_required(Role.MEMBER)
def my_earnings() -> str:
    """The member's own earnings per month, as a table and a bar chart."""
    earnings = services.member_earnings(current_user.member)
    return render_template("statements/my_earnings.html", earnings=earnings)


@bp.get("/mijn/verdiensten.<file_format>")
@roles_required(Role.MEMBER)
def my_earnings_download(file_format: str) -> Response:
    """The same figures as a CSV or XLSX file."""
    check_format(file_format)
    earnings = services.member_earnings(current_user.member)
    return download(earnings.table, "verdiensten", file_format)


@bp.get("/cooperatie/<int:cooperative_id>/steunfonds")
@admin_required
def fund(cooperative_id: int) -> str:
    """The support fund: levy in and costs out per month."""
    cooperative = scoped_cooperative_or_404(cooperative_id)
    return render_template(
        "statements/fund.html",
        cooperative=cooperative,
        statement=services.fund_statement(cooperative),
    )


@bp.get("/cooperatie/<int:cooperative_id>/steunfonds.<file_format>")
@admin_required
def fund_download(cooperative_id: int, file_format: str) -> Response:
    """The fund statement as a CSV or XLSX file."""
    check_format(file_format)
    cooperative = scoped_cooperative_or_404(cooperative_id)
    table = services.fund_statement(cooperative).table
    return download(table, f"steunfonds-{cooperative.slug}", file_format)


@bp.get("/cooperatie/<int:cooperative_id>/overzicht-leden")
@admin_required
def member_overview(cooperative_id: int) -> str:
    """Per member: turnover, levy, offset withheld, paid out and the pot."""
    cooperative = scoped_cooperative_or_404(cooperative_id)
    lines, _table = services.member_overview(cooperative)
    return render_template("statements/member_overview.html", cooperative=cooperative, lines=lines)


@bp.get("/cooperatie/<int:cooperative_id>/overzicht-leden.<file_format>")
@admin_required
def member_overview_download(cooperative_id: int, file_format: str) -> Response:
    """The member overview as a CSV or XLSX file."""
    check_format(file_format)
    cooperative = scoped_cooperative_or_404(cooperative_id)
    _lines, table = services.member_overview(cooperative)
    return download(table, f"overzicht-leden-{cooperative.slug}", file_format)
