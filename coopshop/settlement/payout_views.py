"""Payout runs: the threshold, a new SEPA batch, its file for the bank, executed or cancelled."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from coopshop.accounts.permissions import admin_required, require_cooperative
from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.forms import ButtonForm
from coopshop.settlement import payout_services
from coopshop.settlement.forms import PayoutForm, ThresholdForm
from coopshop.settlement.models import PayoutBatch
from coopshop.settlement.payouts import (
    batch_items,
    default_execution_date,
    payees,
    pending_batch,
)
from coopshop.statements.views import scoped_cooperative_or_404

bp = Blueprint("payouts", __name__)


def batch_or_404(batch_id: int) -> PayoutBatch:
    batch = db.get_or_404(PayoutBatch, batch_id)
    require_cooperative(current_user, batch.cooperative_id)
    return batch


@bp.get("/cooperatie/<int:cooperative_id>/uitbetalingen")
@admin_required
def index(cooperative_id: int) -> str:
    """Who would be paid now, the threshold, and the batches made before."""
    cooperative = scoped_cooperative_or_404(cooperative_id)
    return render_index(
        cooperative,
        PayoutForm(formdata=None, execution_date=default_execution_date(date.today())),
        ThresholdForm(formdata=None, threshold=cooperative.payout_threshold_cents),
    )


def render_index(cooperative: Cooperative, form: PayoutForm, threshold_form: ThresholdForm) -> str:
    batches = db.session.scalars(
        select(PayoutBatch)
        .where(PayoutBatch.cooperative_id == cooperative.id)
        .order_by(PayoutBatch.created_at.desc())
    ).all()
    return render_template(
        "settlement/payouts.html",
        cooperative=cooperative,
        payees=payees(cooperative),
        pending=pending_batch(cooperative.id),
        batches=batches,
        form=form,
        threshold_form=threshold_form,
    )


@bp.post("/cooperatie/<int:cooperative_id>/uitbetalingen")
@admin_required
def create(cooperative_id: int) -> str | Response | tuple[str, int]:
    """Make a new batch with its SEPA file."""
    cooperative = scoped_cooperative_or_404(cooperative_id)
    form = PayoutForm()
    if not form.validate_on_submit():
        threshold_form = ThresholdForm(formdata=None, threshold=cooperative.payout_threshold_cents)
        return render_index(cooperative, form, threshold_form), 400
    batch = payout_services.create_batch(current_user, cooperative.id, form.execution_date.data)
    flash(_("De uitbetaling is klaargezet. Download het bestand voor de bank."), "success")
    return redirect(url_for("payouts.batch", batch_id=batch.id))


@bp.post("/cooperatie/<int:cooperative_id>/uitbetalingen/drempel")
@admin_required
def threshold(cooperative_id: int) -> str | Response | tuple[str, int]:
    """Change the pot a member must reach before being paid out."""
    cooperative = scoped_cooperative_or_404(cooperative_id)
    form = ThresholdForm()
    if not form.validate_on_submit():
        payout_form = PayoutForm(formdata=None, execution_date=default_execution_date(date.today()))
        return render_index(cooperative, payout_form, form), 400
    payout_services.set_threshold(current_user, cooperative, form.threshold.data or 0)
    flash(_("De drempel is opgeslagen."), "success")
    return redirect(url_for("payouts.index", cooperative_id=cooperative.id))


@bp.get("/cooperatie/uitbetalingen/<int:batch_id>")
@admin_required
def batch(batch_id: int) -> str:
    """One batch: its transfers, who was skipped and why, and the next step."""
    found = batch_or_404(batch_id)
    paid, skipped = batch_items(found)
    return render_template(
        "settlement/payout_batch.html",
        batch=found,
        paid=paid,
        skipped=skipped,
        button_form=ButtonForm(),
    )


@bp.post("/cooperatie/uitbetalingen/<int:batch_id>/bestand")
@admin_required
def export(batch_id: int) -> Response:
    """The pain.001 file for the bank; the first download marks the batch exported."""
    found = batch_or_404(batch_id)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("payouts.batch", batch_id=found.id))
    xml = payout_services.export_batch(current_user, found)
    return Response(
        xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{found.message_id}.xml"'},
    )


@bp.post("/cooperatie/uitbetalingen/<int:batch_id>/uitgevoerd")
@admin_required
def execute(batch_id: int) -> Response:
    """The bank carried out the transfers: book them."""
    found = batch_or_404(batch_id)
    if ButtonForm().validate_on_submit():
        payout_services.execute_batch(current_user, found, date.today())
        flash(_("De uitbetaling is geboekt."), "success")
    return redirect(url_for("payouts.batch", batch_id=found.id))


@bp.post("/cooperatie/uitbetalingen/<int:batch_id>/annuleren")
@admin_required
def cancel(batch_id: int) -> Response:
    """Cancel a batch that was not carried out; nothing is booked."""
    found = batch_or_404(batch_id)
    if ButtonForm().validate_on_submit():
        payout_services.cancel_batch(current_user, found)
        flash(_("De uitbetaling is geannuleerd."), "success")
    return redirect(url_for("payouts.batch", batch_id=found.id))
