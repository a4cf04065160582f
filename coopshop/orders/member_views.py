"""The member's side: orders with their lines, and accepting, delivering or declining them.

A member sees only their own lines of an order, never another member's."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.accounts.models import Role
from coopshop.accounts.permissions import roles_required
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.forms import ButtonForm
from coopshop.orders import queries
from coopshop.orders.errors import (
    OrderNotFound,
    ReasonRequired,
    RefundNotPossible,
    TransitionNotAllowed,
)
from coopshop.orders.forms import DeclineForm
from coopshop.orders.handling import handle_line
from coopshop.orders.history import Actor
from coopshop.orders.models import Order, OrderLine
from coopshop.payments.gateway import PaymentProviderError

bp = Blueprint("member_orders", __name__)

ACTIONS = {"accepteren": "accept", "geleverd": "deliver"}
REFUSALS = (TransitionNotAllowed, ReasonRequired, RefundNotPossible, PaymentProviderError)


def me() -> Member:
    return current_user.member or abort(403)


def my_lines(order: Order, member: Member) -> list[OrderLine]:
    """The member's lines of the order; OrderNotFound when there are none."""
    lines = [line for line in order.lines if line.member_id == member.id]
    if not lines:
        raise OrderNotFound()
    return lines


def my_line_id(reference: str, line_id: int) -> int:
    """``line_id`` when it is one of the member's lines of this order; else OrderNotFound."""
    if line_id not in {line.id for line in my_lines(queries.order_by_reference(reference), me())}:
        raise OrderNotFound()
    return line_id


@bp.get("/mijn/bestellingen")
@roles_required(Role.MEMBER)
def index() -> str:
    """Orders with the member's lines, newest first."""
    member = me()
    page = db.paginate(
        queries.orders_with_lines(OrderLine.member_id == member.id),
        page=request.args.get("pagina", 1, type=int),
        per_page=queries.PER_PAGE,
        error_out=False,
    )
    rows = [(order, my_lines(order, member)) for order in page.items]
    return render_template("orders/member_orders.html", page=page, rows=rows)


def render_order(reference: str, decline_forms: dict[int, DeclineForm] | None = None) -> str:
    member = me()
    order = queries.order_by_reference(reference)
    view = queries.order_view(order, my_lines(order, member))
    forms = decline_forms or {}
    for line_view in view.lines:
        forms.setdefault(
            line_view.line.id, DeclineForm(prefix=f"weigeren-{line_view.line.id}", formdata=None)
        )
    return render_template(
        "orders/member_order.html",
        view=view,
        decline_forms=forms,
        documents=[(document, None) for document in view.documents],
        **queries.history(view),
    )


@bp.get("/mijn/bestellingen/<reference>")
@roles_required(Role.MEMBER)
def order(reference: str) -> str:
    """The member's lines of one order, the buyer's contact details, and the buttons."""
    return render_order(reference)


@bp.post("/mijn/bestellingen/<reference>/regels/<int:line_id>/<action>")
@roles_required(Role.MEMBER)
def act(reference: str, line_id: int, action: str) -> Response:
    """Accept a line, or mark it delivered."""
    if action not in ACTIONS:
        abort(404)
    if ButtonForm().validate_on_submit():
        line = my_line_id(reference, line_id)
        try:
            handle_line(me(), line, ACTIONS[action], Actor(current_user.id, "member"))
        except REFUSALS as refused:
            flash(refused.message, "error")
        else:
            flash(_("Opgeslagen. De klant krijgt een e-mail."), "success")
    return redirect(url_for(".order", reference=reference))


@bp.post("/mijn/bestellingen/<reference>/regels/<int:line_id>/weigeren")
@roles_required(Role.MEMBER)
def decline(reference: str, line_id: int) -> str | Response | tuple[str, int]:
    """Decline a line with a reason: the buyer gets the money back and a credit note."""
    my_line_id(reference, line_id)
    form = DeclineForm(prefix=f"weigeren-{line_id}")
    if not form.validate_on_submit():
        return render_order(reference, {line_id: form}), 400
    try:
        handle_line(me(), line_id, "decline", Actor(current_user.id, "member"), form.reason.data)
    except REFUSALS as refused:
        flash(refused.message, "error")
    else:
        flash(_("U heeft dit geweigerd. De klant krijgt het geld terug en een e-mail."), "success")
    return redirect(url_for(".order", reference=reference))
