"""The demo storefront: categories, and published listings with a photo for active members."""

from __future__ import annotations

from sqlalchemy import func, select

from coopshop.catalogue.models import Category, Listing
from coopshop.catalogue.queries import Filters, find_listings
from coopshop.cooperatives.models import Member, MemberStatus
from coopshop.extensions import db


def test_every_active_demo_member_has_published_listings_with_a_photo(app, runner):
    runner.invoke(args=["demo"])

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) >= 8
        for member in db.session.scalars(select(Member)):
            listings = db.session.scalars(select(Listing).where(Listing.member_id == member.id))
            listings = list(listings)
            if member.status == MemberStatus.ACTIVE:
                assert len(listings) >= 3, member.trade_name
                assert all(item.state == "published" and item.images for item in listings)
            else:
                assert listings == [], member.trade_name


def test_the_demo_storefront_is_searchable(app, runner):
    runner.invoke(args=["demo"])

    with app.test_request_context():
        found = [item.title for item in find_listings(Filters(text="fietsen")).listings]
    assert "Opgeknapte damesfiets met drie versnellingen" in found
