"""The public storefront: search, category pages, a listing, a member's etalage, the
cooperatives and their directory, and the sitemap. Each page is a handful of indexed queries."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from coopshop.catalogue import labels, queries, seo
from coopshop.catalogue.forms import SearchForm
from coopshop.catalogue.models import Listing
from coopshop.catalogue.text import paragraphs
from coopshop.cooperatives.models import Cooperative, Member, MemberStatus
from coopshop.extensions import db
from coopshop.page_cache import shared_page

bp = Blueprint("storefront", __name__)
labels.register(bp)

MAX_PAGE = 500  # deeper than anyone pages; keeps OFFSET bounded


def current_page() -> int:
    return min(max(request.args.get("pagina", 1, type=int) or 1, 1), MAX_PAGE)


def search_form() -> SearchForm:
    form = SearchForm(request.args)
    form.categorie.choices = [SelectChoice("", _("Alle categorieën"))] + [
        SelectChoice(entry.slug, entry.name if entry.parent_id is None else f"\u2013 {entry.name}")
        for entry in queries.category_tree()
    ]
    form.cooperatie.choices = [SelectChoice("", _("Alle coöperaties"))] + [
        SelectChoice(entry.slug, entry.name) for entry in queries.cooperative_directory()
    ]
    form.gemeente.choices = [SelectChoice("", _("Alle gemeenten"))] + [
        SelectChoice(str(id_), name) for id_, name in queries.municipality_choices()
    ]
    form.validate()
    return form


def filters_from(form: SearchForm, category: queries.CategoryEntry | None) -> queries.Filters:
    category = category or queries.category_by_slug(form.categorie.data or "")
    cooperative = next(
        (c for c in queries.cooperative_directory() if c.slug == form.cooperatie.data), None
    )
    municipality = form.gemeente.data or ""
    return queries.Filters(
        text=(form.q.data or "")[:200],
        kind=form.soort.data or None,
        category_ids=(category.id, *category.child_ids) if category else (),
        cooperative_id=cooperative.id if cooperative else None,
        municipality_id=int(municipality) if municipality.isdigit() else None,
        online=bool(form.online.data),
        min_cents=None if form.min.errors else form.min.data,
        max_cents=None if form.max.errors else form.max.data,
        sort=form.sorteer.data if form.sorteer.data in queries.SORTS else "relevance",
        page=current_page(),
    )


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["pagina"] = str(page)
    return url_for(request.endpoint or "storefront.search", **request.view_args or {}, **args)


@bp.get("/zoeken")
@shared_page
def search() -> str:
    """Full-text search with filters, sorted by relevance, date or price, one page at a time."""
    form = search_form()
    results = queries.find_listings(filters_from(form, None))
    return render_template("catalogue/search.html", form=form, results=results, page_url=page_url)


@bp.get("/categorie/<slug>")
@shared_page
def category(slug: str) -> str:
    """A category's listings (its sub-categories' too), newest first."""
    entry = queries.category_by_slug(slug)
    if entry is None:
        abort(404)
    form = search_form()
    if not form.sorteer.raw_data:
        form.sorteer.data = "newest"
    results = queries.find_listings(filters_from(form, entry))
    children = [e for e in queries.category_tree() if e.parent_id == entry.id]
    parent = next((e for e in queries.category_tree() if e.id == entry.parent_id), None)
    return render_template(
        "catalogue/category.html",
        category=entry,
        children=children,
        parent=parent,
        form=form,
        results=results,
        page_url=page_url,
    )


@bp.get("/aanbod/<int:listing_id>")
def listing_short(listing_id: int) -> Response:
    """Short address: sends the visitor on to the address with the title in it."""
    listing = queries.public_listing(listing_id) or abort(404)
    return redirect(url_for(".listing", listing_id=listing.id, slug=listing.slug), 301)


@bp.get("/aanbod/<int:listing_id>/<slug>")
@shared_page
def listing(listing_id: int, slug: str) -> str | Response:
    """One listing: photos, description, price, delivery and who offers it."""
    item = queries.public_listing(listing_id) or abort(404)
    if slug != item.slug:
        return redirect(url_for(".listing", listing_id=item.id, slug=item.slug), 301)
    cover = item.cover
    image = url_for("storage.serve", key=cover.key, _external=True) if cover else None
    return render_template(
        "catalogue/listing.html",
        listing=item,
        paragraphs=paragraphs(item.description),
        json_ld=seo.listing_json_ld(item),
        open_graph=seo.open_graph(
            item.title, item.description, seo.listing_url(item), image, "product"
        ),
    )


@bp.get("/ondernemers/<slug>")
@shared_page
def member(slug: str) -> str:
    """A member's etalage: who they are and what they offer."""
    found = db.session.scalar(
        select(Member).where(Member.slug == slug, Member.status == MemberStatus.ACTIVE)
    ) or abort(404)
    results = queries.member_listings(found.id, current_page())
    return render_template(
        "catalogue/member.html",
        member=found,
        bio=paragraphs(found.bio),
        results=results,
        page_url=page_url,
    )


@bp.get("/cooperaties")
@shared_page
def cooperatives() -> str:
    """Every cooperative in the network, with its members and listings: the movement, visible."""
    return render_template(
        "catalogue/cooperatives.html", cooperatives=queries.cooperative_directory()
    )


@bp.get("/cooperaties/<slug>")
@shared_page
def cooperative(slug: str) -> str:
    """A cooperative's page: what it is, its members and their newest listings."""
    found = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug)) or abort(404)
    members = db.session.scalars(
        select(Member)
        .where(Member.cooperative_id == found.id, Member.status == MemberStatus.ACTIVE)
        .order_by(Member.trade_name)
    ).all()
    entry = next((c for c in queries.cooperative_directory() if c.id == found.id), None)
    return render_template(
        "catalogue/cooperative.html",
        cooperative=found,
        entry=entry,
        members=members,
        description=paragraphs(found.description),
        listings=queries.newest_listings(12, Listing.cooperative_id == found.id),
        json_ld=seo.cooperative_json_ld(found),
    )


# The sitemap protocol allows 50,000 addresses per file: listings go in numbered files of
# this many, named by a sitemap index.
SITEMAP_LISTINGS_PER_FILE = 40_000


def xml_response(template: str, **context: object) -> Response:
    response = make_response(render_template(template, **context))
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    return response


@bp.get("/sitemap.xml")
@shared_page
def sitemap() -> Response:
    """The sitemap index: one file of shop pages, and the listings in numbered files."""
    files = queries.count_visible_listings() // SITEMAP_LISTINGS_PER_FILE + 1
    return xml_response("catalogue/sitemap_index.xml", listing_files=range(1, files + 1))


@bp.get("/sitemap-paginas.xml")
@shared_page
def sitemap_pages() -> Response:
    """The home page, the cooperatives, the categories and every active member's etalage."""
    return xml_response(
        "catalogue/sitemap_pages.xml",
        categories=queries.category_tree(),
        cooperatives=queries.cooperative_directory(),
        members=queries.active_member_slugs(),
    )


@bp.get("/sitemap-aanbod-<int:number>.xml")
@shared_page
def sitemap_listings(number: int) -> Response:
    """Listings ``(number - 1) * SITEMAP_LISTINGS_PER_FILE`` onwards, oldest first."""
    if number < 1:
        abort(404)
    listings = queries.sitemap_listings(
        (number - 1) * SITEMAP_LISTINGS_PER_FILE, SITEMAP_LISTINGS_PER_FILE
    )
    if number > 1 and not listings:
        abort(404)
    return xml_response("catalogue/sitemap_listings.xml", listings=listings)


@bp.get("/robots.txt")
def robots() -> Response:
    """Search engines may read the storefront, not the members' and admins' pages."""
    lines = [
        "User-agent: *",
        "Disallow: /mijn",
        "Disallow: /cooperatie/",
        "Disallow: /netwerk",
        f"Sitemap: {url_for('.sitemap', _external=True)}",
    ]
    response = make_response("\n".join(lines) + "\n")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response
