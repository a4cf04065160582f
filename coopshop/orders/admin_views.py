"""The cooperative's side: its members' lines of every order, and refunds (full or partial).

Scoped: a coordinator sees and refunds only their own cooperative's lines; another
cooperative's id or line gives "not found". Network admins may look at every cooperative."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.accounts.permissions import admin_required, require_cooperative
from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.money import format_eur
from coopshop.orders import queries
from coopshop.orders.errors import OrderNotFound, ReasonRequired, RefundNotPossible
from coopshop.orders.forms import RefundForm
from coopshop.orders.handling import refund_line
from coopshop.orders.history import Actor
from coopshop.orders.models import Order, OrderLine
from coopshop.payments.gateway import PaymentProviderError

bp = Blueprint("order_admin", __name__)


def scoped_cooperative(cooperative_id: int) -> Cooperative:
    cooperative = db.get_or_404(Cooperative, cooperative_id)
    require_cooperative(current_user, cooperative.id)
    return cooperative


def cooperative_lines(order: Order, cooperative_id: int) -> list[OrderLine]:
    lines = [line for line in order.lines if line.cooperative_id == cooperative_id]
    if not lines:
        raise OrderNotFound()
    return lines


@bp.get("/cooperatie/<int:cooperative_id>/bestellingen")
@admin_required
def index(cooperative_id: int) -> str:
    """Paid orders with lines of the cooperative's members, newest first."""
    cooperative = scoped_cooperative(cooperative_id)
    page = db.paginate(
        queries.orders_with_lines(OrderLine.cooperative_id == cooperative.id),
        page=request.args.get("pagina", 1, type=int),
        per_page=queries.PER_PAGE,
        error_out=False,
    )
    rows = [(order, cooperative_lines(order, cooperative.id)) for order in page.items]
    return render_template(
        "orders/admin_orders.html", cooperative=cooperative, page=page, rows=rows
    )


def render_order(
    cooperative: Cooperative, reference: str, forms: dict[int, RefundForm] | None = None
) -> str:
    order = queries.order_by_reference(reference)
    view = queries.order_view(order, cooperative_lines(order, cooperative.id))
    forms = forms or {}
    for line_view in view.lines:
        forms.setdefault(
            line_view.line.id, RefundForm(prefix=f"terug-{line_view.line.id}", formdata=None)
        )
    documents = [(d, url_for("invoicing.invoice_pdf", number=d.number)) for d in view.documents]
    return render_template(
        "orders/admin_order.html",
        cooperative=cooperative,
        view=view,
        refund_forms=forms,
        documents=documents,
        **queries.history(view),
    )


@bp.get("/cooperatie/<int:cooperative_id>/bestellingen/<reference>")
@admin_required
def order(cooperative_id: int, reference: str) -> str:
    """The cooperative's lines of one order, what was refunded, and a refund form per line."""
    return render_order(scoped_cooperative(cooperative_id), reference)


@bp.post(
    "/cooperatie/<int:cooperative_id>/bestellingen/<reference>/regels/<int:line_id>/terugbetalen"
)
@admin_required
def refund(cooperative_id: int, reference: str, line_id: int) -> str | Response | tuple[str, int]:
    """Refund part or all of what is left on a line, with a credit note."""
    cooperative = scoped_cooperative(cooperative_id)
    order = queries.order_by_reference(reference)
    if line_id not in {line.id for line in cooperative_lines(order, cooperative.id)}:
        raise OrderNotFound()
    form = RefundForm(prefix=f"terug-{line_id}")
    if form.validate_on_submit():
        try:
            actor = Actor(current_user.id, current_user.role)
            refund_line(cooperative.id, line_id, form.amount.data, form.reason.data, actor)
        except (RefundNotPossible, ReasonRequired, PaymentProviderError) as refused:
            form.form_errors.append(refused.message)
        else:
            flash(_("%(amount)s is teruggestort.", amount=format_eur(form.amount.data)), "success")
            return redirect(url_for(".order", cooperative_id=cooperative.id, reference=reference))
    return render_order(cooperative, reference, {line_id: form}), 400
