"""Invoice PDFs for those who may see them, and the cooperative's list of invoices."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from coopshop.accounts.models import User
from coopshop.accounts.permissions import admin_required, may_administer, require_cooperative
from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.invoicing import queries
from coopshop.invoicing.models import Invoice
from coopshop.invoicing.pdf import render_invoice_pdf

bp = Blueprint("invoicing", __name__)

PER_PAGE = 50


def may_download(user: User, invoice: Invoice) -> bool:
    """The buyer it is addressed to, the cooperative's admins and network admins."""
    if invoice.buyer_user_id is not None and invoice.buyer_user_id == user.id:
        return True
    return user.is_network_admin or (
        user.is_coop_admin and may_administer(user, invoice.cooperative_id)
    )


@bp.get("/facturen/<number>.pdf")
@login_required
def invoice_pdf(number: str) -> Response:
    """The invoice or credit note as a PDF; not found for anyone who may not see it."""
    invoice = queries.invoice_by_number(number)
    if invoice is None or not may_download(current_user, invoice):
        abort(404)
    return Response(
        render_invoice_pdf(invoice),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice.number}.pdf"'},
    )


@bp.get("/cooperatie/<int:cooperative_id>/facturen")
@admin_required
def cooperative_invoices(cooperative_id: int) -> str:
    """The cooperative's invoices and credit notes, newest first, 50 to a page."""
    cooperative = db.get_or_404(Cooperative, cooperative_id)
    require_cooperative(current_user, cooperative.id)
    page = db.paginate(
        queries.cooperative_invoices_query(cooperative.id),
        page=request.args.get("pagina", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("invoicing/list.html", cooperative=cooperative, page=page)
