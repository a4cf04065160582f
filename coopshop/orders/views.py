"""The buyer's side: the cart, the checkout, and the order pages (a secret link for guests,
"Mijn bestellingen" for accounts)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from coopshop.catalogue.models import Listing
from coopshop.extensions import db
from coopshop.forms import ButtonForm
from coopshop.invoicing.pdf import render_invoice_pdf
from coopshop.orders import cart as carts
from coopshop.orders import labels, queries
from coopshop.orders.access import access_token
from coopshop.orders.cart_summary import item_count, summarise
from coopshop.orders.checkout import CheckoutDetails, place_order, start_payment
from coopshop.orders.errors import (
    InvalidCartChoice,
    ListingUnavailable,
    OrderNotFound,
    OutOfStock,
    RefundNotPossible,
    TransitionNotAllowed,
)
from coopshop.orders.forms import (
    AddToCartForm,
    CancelForm,
    CartLineForm,
    CheckoutForm,
    delivery_choices,
)
from coopshop.orders.handling import cancel_order
from coopshop.orders.history import Actor
from coopshop.orders.models import Order
from coopshop.orders.restore import restore_cart
from coopshop.payments.gateway import PaymentProviderError

bp = Blueprint("orders", __name__)
labels.register(bp)


@bp.app_context_processor
def cart_helpers() -> dict[str, object]:
    """``cart_item_count()`` for the cart link in the page header, and
    ``add_to_cart_form(listing)`` for the form on a listing's page."""

    def cart_item_count() -> int:
        user_id = current_user.id if current_user.is_authenticated else None
        return item_count(carts.cart_for(current_user), user_id)

    def add_to_cart_form(listing: Listing) -> AddToCartForm | None:
        """None when it is sold out."""
        if listing.stock == 0:
            return None
        form = AddToCartForm(formdata=None)
        form.delivery.choices = delivery_choices(carts.delivery_options(listing))
        if form.delivery.choices:
            form.delivery.data = form.delivery.choices[0][0]
        return form

    return {"cart_item_count": cart_item_count, "add_to_cart_form": add_to_cart_form}


def buyer() -> Actor:
    return Actor(current_user.id if current_user.is_authenticated else None, "buyer")


def store() -> carts.CartStore:
    return carts.cart_for(current_user)


def add_form(listing_id: int) -> tuple[AddToCartForm, object]:
    listing = carts.orderable_listing(listing_id)
    form = AddToCartForm()
    form.delivery.choices = delivery_choices(carts.delivery_options(listing))
    if not form.is_submitted() and form.delivery.choices:
        # The first (usually free) option is chosen already: one decision less.
        form.delivery.data = form.delivery.choices[0][0]
    return form, listing


@bp.route("/winkelwagen/toevoegen/<int:listing_id>", methods=["GET", "POST"])
def add(listing_id: int) -> str | Response | tuple[str, int]:
    """Put a listing in the cart: how many, and how it is delivered."""
    form, listing = add_form(listing_id)
    if form.validate_on_submit():
        try:
            carts.add_to_cart(store(), listing_id, form.quantity.data, form.delivery.data)
        except (OutOfStock, InvalidCartChoice) as refused:
            form.form_errors.append(refused.message)
        else:
            flash(_("“%(title)s” staat in uw winkelwagen.", title=listing.title), "success")
            return redirect(url_for(".cart"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("orders/add.html", form=form, listing=listing), status


@bp.get("/winkelwagen")
def cart() -> str:
    """The cart: every line with its price and delivery today, and what blocks checking out."""
    summary = summarise(store())
    forms = {}
    for line in summary.lines:
        form = CartLineForm(prefix=f"regel-{line.entry.listing_id}", formdata=None)
        form.quantity.data, form.delivery.data = line.entry.quantity, line.entry.delivery
        form.delivery.choices = delivery_choices(line.options)
        forms[line.entry.listing_id] = form
    return render_template("orders/cart.html", summary=summary, forms=forms, button=ButtonForm())


@bp.post("/winkelwagen/<int:listing_id>")
def change_line(listing_id: int) -> Response:
    """Change a cart line's quantity or delivery."""
    form = CartLineForm(prefix=f"regel-{listing_id}")
    try:
        listing = carts.orderable_listing(listing_id)
        form.delivery.choices = delivery_choices(carts.delivery_options(listing))
        if not form.validate_on_submit():
            raise InvalidCartChoice(next(iter(form.errors.values()))[0])
        carts.change_cart_line(store(), listing_id, form.quantity.data, form.delivery.data)
    except (OutOfStock, InvalidCartChoice, ListingUnavailable) as refused:
        flash(refused.message, "error")
    else:
        flash(_("Uw winkelwagen is aangepast."), "success")
    return redirect(url_for(".cart"))


@bp.post("/winkelwagen/<int:listing_id>/verwijderen")
def remove_line(listing_id: int) -> Response:
    """Take a line out of the cart."""
    if ButtonForm().validate_on_submit():
        carts.remove_from_cart(store(), listing_id)
        flash(_("Het is uit uw winkelwagen gehaald."), "success")
    return redirect(url_for(".cart"))


def prefilled_checkout_form() -> CheckoutForm:
    """Filled in from the account, so a returning buyer only ticks the terms."""
    if request.method == "POST" or not current_user.is_authenticated:
        return CheckoutForm()
    details = current_user.buyer
    form = CheckoutForm(obj=details, name=current_user.name, email=current_user.email)
    if details is not None:
        form.phone.data = details.phone
    return form


@bp.route("/afrekenen", methods=["GET", "POST"])
def checkout() -> str | Response | tuple[str, int]:
    """Contact and invoice details, the terms, then on to the payment page."""
    summary = summarise(store())
    if not summary.lines:
        flash(_("Uw winkelwagen is leeg. Kies eerst iets in de winkel."), "info")
        return redirect(url_for(".cart"))
    form = prefilled_checkout_form()
    refusal = None
    if form.validate_on_submit():
        try:
            order = place_order(store(), checkout_details(form), buyer())
        except (OutOfStock, InvalidCartChoice) as refused:
            refusal = refused.message
            summary = summarise(store())
        else:
            return go_to_payment(order)
    status = 409 if refusal else (400 if form.errors else 200)
    page = render_template("orders/checkout.html", form=form, summary=summary, refusal=refusal)
    return page, status


def checkout_details(form: CheckoutForm) -> CheckoutDetails:
    return CheckoutDetails(
        name=form.name.data,
        email=form.email.data,
        phone=form.phone.data,
        street=form.street.data,
        postcode=form.postcode.data,
        city=form.city.data,
        buyer_kind=form.kind.data,
        company_name=form.company_name.data,
        kvk_number=form.kvk_number.data,
        vat_id=form.vat_id.data,
        purchase_order_reference=form.purchase_order_reference.data,
        terms_accepted=bool(form.accept_terms.data),
    )


def go_to_payment(order: Order) -> Response:
    """To the provider's payment page; when it cannot be opened, to the order page, where
    "Betalen" tries again with the same parameters."""
    try:
        return redirect(start_payment(order))
    except PaymentProviderError as failure:
        db.session.rollback()
        flash(failure.message, "error")
        return redirect(
            url_for(".order_page", reference=order.reference, token=access_token(order.reference))
        )


@bp.get("/bestelling/<reference>/<token>")
def order_page(reference: str, token: str) -> str:
    """The order as the buyer sees it: every line's state, refunds, invoices, and what they
    can do now (pay, try again, cancel)."""
    order = queries.order_by_link(reference, token)
    view = queries.order_view(order)
    documents = [
        (d, url_for(".document", reference=reference, token=token, number=d.number))
        for d in view.documents
    ]
    return render_template(
        "orders/order.html",
        order=order,
        view=view,
        documents=documents,
        token=token,
        late_refunds=queries.late_refunds(order),
        **queries.history(view),
        button=ButtonForm(),
        cancel_form=CancelForm(formdata=None),
    )


@bp.post("/bestelling/<reference>/<token>/betalen")
def pay(reference: str, token: str) -> Response:
    """Open (again) the payment page of an order awaiting payment."""
    order = queries.order_by_link(reference, token)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for(".order_page", reference=reference, token=token))
    return go_to_payment(order)


@bp.post("/bestelling/<reference>/<token>/opnieuw")
def try_again(reference: str, token: str) -> Response:
    """After an unpaid order: put its lines back in the cart."""
    order = queries.order_by_link(reference, token)
    if ButtonForm().validate_on_submit():
        skipped = restore_cart(order, store())
        message = _("De artikelen staan weer in uw winkelwagen.")
        if skipped:
            message += " " + _("Niet alles is nog te koop; dat hebben we weggelaten.")
        flash(message, "success")
    return redirect(url_for(".cart"))


@bp.post("/bestelling/<reference>/<token>/annuleren")
def cancel(reference: str, token: str) -> Response:
    """Cancel what is not delivered yet; the money comes back."""
    order = queries.order_by_link(reference, token)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancel_order(order.id, buyer(), form.reason.data or "")
        except (TransitionNotAllowed, RefundNotPossible, PaymentProviderError) as refused:
            flash(refused.message, "error")
        else:
            flash(_("Uw bestelling is geannuleerd. U krijgt het geld terug."), "success")
    return redirect(url_for(".order_page", reference=reference, token=token))


@bp.get("/bestelling/<reference>/<token>/documenten/<number>.pdf")
def document(reference: str, token: str, number: str) -> Response:
    """An invoice or credit note of this order, as a PDF."""
    order = queries.order_by_link(reference, token)
    found = next((d for d in queries.documents_of(order) if d.number == number), None)
    if found is None:
        raise OrderNotFound()
    return Response(
        render_invoice_pdf(found),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{found.number}.pdf"'},
    )


@bp.get("/mijn-bestellingen")
@login_required
def my_orders() -> str:
    """The logged-in buyer's orders, newest first."""
    page = db.paginate(
        queries.orders_of_user(current_user.id),
        page=request.args.get("pagina", 1, type=int),
        per_page=queries.PER_PAGE,
        error_out=False,
    )
    return render_template("orders/my_orders.html", page=page, token_for=access_token)
