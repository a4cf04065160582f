"""Period close (preview, then close), the reports and their downloads, and the member's page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from coopshop.accounts.models import Role
from coopshop.accounts.permissions import admin_required, require_cooperative, roles_required
from coopshop.cooperatives.models import Cooperative
from coopshop.errors import DomainError
from coopshop.extensions import db
from coopshop.settlement import queries, reports
from coopshop.settlement.close import close_period, preview_close
from coopshop.settlement.exemption import exemption_months
from coopshop.settlement.forms import CloseForm, CorrectionForm, PeriodChoiceForm
from coopshop.settlement.models import SettlementReport
from coopshop.settlement.periods import is_period, month_name
from coopshop.statements.views import scoped_cooperative_or_404

bp = Blueprint("settlement", __name__)

PER_PAGE = 50


def report_or_404(report_id: int) -> SettlementReport:
    report = db.get_or_404(SettlementReport, report_id)
    require_cooperative(current_user, report.cooperative_id)
    return report


@bp.get("/cooperatie/<int:cooperative_id>/verrekening")
@admin_required
def index(cooperative_id: int) -> str:
    """Choose a month to close; the months closed before, with their reports."""
    cooperative = scoped_cooperative_or_404(cooperative_id)
    open_periods = queries.open_periods_with_bookings(cooperative.id)
    form = PeriodChoiceForm(formdata=None)
    form.periode.choices = [(period, month_name(period)) for period in open_periods]
    return render_template(
        "settlement/index.html",
        cooperative=cooperative,
        form=form,
        closed=queries.closed_periods(cooperative.id),
        month_name=month_name,
    )


@bp.get("/cooperatie/<int:cooperative_id>/verrekening/voorbeeld")
@admin_required
def preview(cooperative_id: int) -> str:
    """Every member's figures if the chosen month were closed now; nothing changes yet."""
    cooperative = scoped_cooperative_or_404(cooperative_id)
    period = request.args.get("periode", "")
    if not is_period(period):
        abort(404)
    return render_preview(cooperative, period, CloseForm(formdata=None))


def render_preview(cooperative: Cooperative, period: str, form: CloseForm) -> str:
    """The preview, or why the month cannot be closed (already closed, an earlier one open)."""
    try:
        plan, refusal = preview_close(cooperative, period), None
    except DomainError as error:
        plan, refusal = None, error.message
    return render_template(
        "settlement/preview.html",
        cooperative=cooperative,
        period=period,
        period_name=month_name(period),
        plan=plan,
        refusal=refusal,
        form=form,
    )


@bp.post("/cooperatie/<int:cooperative_id>/verrekening/<period>/afsluiten")
@admin_required
def close(cooperative_id: int, period: str) -> str | Response | tuple[str, int]:
    """Close the month: offsets posted, period locked, reports issued, all at once."""
    cooperative = scoped_cooperative_or_404(cooperative_id)
    if not is_period(period):
        abort(404)
    form = CloseForm()
    if not form.validate_on_submit():
        return render_preview(cooperative, period, form), 400
    closed = close_period(cooperative.id, period, current_user)
    flash(
        _(
            "%(month)s is afgesloten. Er zijn %(count)d rapporten gemaakt.",
            month=month_name(period).capitalize(),
            count=len(closed.reports),
        ),
        "success",
    )
    return redirect(url_for("settlement.index", cooperative_id=cooperative.id))


@bp.get("/cooperatie/verrekening/rapporten")
@admin_required
def report_list() -> str:
    """Every issued report the admin may see (network admins: all), newest first."""
    page = db.paginate(
        reports.visible_reports(current_user),
        page=request.args.get("pagina", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("settlement/reports.html", page=page, month_name=month_name)


@bp.get("/cooperatie/verrekening/rapporten/<int:report_id>")
@admin_required
def report(report_id: int) -> str:
    """One report: its members, its versions, the downloads and the correction form."""
    found = report_or_404(report_id)
    return render_report(found, CorrectionForm(formdata=None))


def render_report(report: SettlementReport, form: CorrectionForm) -> str:
    return render_template(
        "settlement/report.html",
        report=report,
        versions=reports.versions_of(report),
        is_current=reports.is_current(report),
        form=form,
        month_name=month_name,
    )


@bp.get("/cooperatie/verrekening/rapporten/<int:report_id>.<file_format>")
@admin_required
def report_download(report_id: int, file_format: str) -> Response:
    """The report's PDF, CSV or XLSX exactly as issued."""
    file = reports.report_file(report_or_404(report_id), file_format)
    disposition = "inline" if file_format == "pdf" else "attachment"
    return Response(
        file.content,
        mimetype=file.mimetype,
        headers={"Content-Disposition": f'{disposition}; filename="{file.filename}"'},
    )


@bp.post("/cooperatie/verrekening/rapporten/<int:report_id>/corrigeren")
@admin_required
def correct_report(report_id: int) -> str | Response | tuple[str, int]:
    """Issue a corrected version that names the one it replaces."""
    found = report_or_404(report_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return render_report(found, form), 400
    new = reports.reissue_report(current_user, found, form.reason.data or "")
    flash(_("Versie %(version)d van het rapport is gemaakt.", version=new.version), "success")
    return redirect(url_for("settlement.report", report_id=new.id))


@bp.get("/mijn/verrekening")
@roles_required(Role.MEMBER)
def my_settlement() -> str:
    """The member's own lines on the municipal reports, and the exemption months left."""
    member = current_user.member
    return render_template(
        "settlement/my_settlement.html",
        member=member,
        lines=reports.member_lines(member.id),
        months=exemption_months(member, date.today()),
        month_name=month_name,
    )
