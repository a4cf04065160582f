"""Network admins manage the storefront's categories."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from coopshop.accounts.permissions import network_admin_required
from coopshop.catalogue import categories, queries
from coopshop.catalogue.forms import CategoryForm
from coopshop.catalogue.models import Category
from coopshop.extensions import db

bp = Blueprint("categories", __name__, url_prefix="/netwerk/categorieen")


@bp.before_request
@network_admin_required
def guard() -> None:
    """Network admins only."""


@bp.get("")
def index() -> str:
    """All categories, each main category followed by its sub-categories."""
    return render_template("catalogue/categories.html", categories=queries.category_tree())


@bp.route("/nieuw", methods=["GET", "POST"])
def new() -> str | Response:
    """Add a category."""
    return category_form(None)


@bp.route("/<int:category_id>", methods=["GET", "POST"])
def edit(category_id: int) -> str | Response:
    """Rename a category or move it under another one."""
    return category_form(db.get_or_404(Category, category_id))


def category_form(category: Category | None) -> str | Response:
    form = CategoryForm(obj=category)
    mains = db.session.scalars(
        select(Category).where(Category.parent_id.is_(None)).order_by(Category.name)
    )
    form.parent_id.choices = [SelectChoice(0, _("Geen: dit is een hoofdcategorie"))] + [
        SelectChoice(main.id, main.name)
        for main in mains
        if category is None or main.id != category.id
    ]
    if form.validate_on_submit():
        try:
            categories.save_category(current_user, category, form.values())
        except categories.CategoryConflict as clash:
            form.form_errors.append(clash.message)
        else:
            flash(_("De categorie is opgeslagen."), "success")
            return redirect(url_for("categories.index"))
    return render_template("catalogue/category_form.html", form=form, category=category)
