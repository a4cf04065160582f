"""Fill a database with the demo network plus N published listings, for the benchmarks.

    python -m bench.generate_catalogue --database-url URL --listings 10000 [--seed 1]

The database is migrated, the demo network loaded (``coopshop.demo.load_demo``), then extra
active members (one per 50 listings) and N listings are bulk-inserted in batches of 1,000, with
the search index filled by the catalogue's own code (``coopshop.catalogue.search``).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import bindparam, insert, select, text

from bench import catalogue_text
from coopshop import create_app
from coopshop.accounts.models import Role, User
from coopshop.catalogue import search
from coopshop.catalogue.models import (
    Category,
    Listing,
    ListingImage,
    ListingKind,
    ListingState,
    ServiceArea,
    listing_municipality,
)
from coopshop.catalogue.text import slug
from coopshop.cooperatives.member_services import slugify
from coopshop.cooperatives.models import Cooperative, Member, MemberStatus, Municipality
from coopshop.demo import load_demo
from coopshop.extensions import db
from coopshop.models_base import utcnow

BATCH = 1000
LISTINGS_PER_MEMBER = 50
OUT = Path(__file__).resolve().parent / "out"


def bench_app(database_url: str) -> Flask:
    """The app in development mode on ``database_url``; demo photos go to bench/out/uploads."""
    return create_app(
        {
            "ENV_NAME": "development",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": str(OUT / "uploads"),
            "OUTBOX_DIR": str(OUT / "outbox"),
        }
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--listings", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    with bench_app(args.database_url).app_context():
        upgrade()
        load_demo()
        generate(args.listings, random.Random(args.seed))
        db.engine.dispose()
    print(f"{args.listings} listings in {time.monotonic() - started:.0f} s")


def generate(count: int, rng: random.Random) -> None:
    """Members, then listings in batches; one commit at the end."""
    members = add_members(rng, max(20, count // LISTINGS_PER_MEMBER))
    categories = {c.name: c for c in db.session.scalars(select(Category))}
    photos = db.session.execute(
        select(ListingImage.key, ListingImage.thumb_key, ListingImage.width, ListingImage.height)
    ).all()
    for start in range(0, count, BATCH):
        rows = [listing_values(rng, members, categories) for _ in range(min(BATCH, count - start))]
        insert_listings(rng, rows, photos)
    db.session.commit()
    if search.is_postgresql():
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def add_members(rng: random.Random, count: int) -> list[SimpleNamespace]:
    """Active members spread over the demo cooperatives and municipalities."""
    cooperatives = list(db.session.scalars(select(Cooperative).order_by(Cooperative.id)))
    municipalities = list(db.session.scalars(select(Municipality.id).order_by(Municipality.id)))
    users, members = [], []
    for index in range(count):
        first, trade = catalogue_text.trade_name(rng)
        cooperative = cooperatives[index % len(cooperatives)]
        users.append(user_values(index, first, cooperative.id))
        members.append(
            SimpleNamespace(
                trade_name=trade,
                cooperative=cooperative,
                municipality_id=rng.choice(municipalities),
                slug=f"{slugify(trade)}-{index + 1}",
            )
        )
    user_ids = insert_returning_ids(User, users)
    rows = [member_values(index, m, user_ids[index]) for index, m in enumerate(members)]
    for member, member_id in zip(members, insert_returning_ids(Member, rows), strict=True):
        member.id = member_id
    return members


def user_values(index: int, first: str, cooperative_id: int) -> dict[str, Any]:
    return {
        "email": f"lid{index + 1}@bench.coopshop.demo",
        "name": f"{first} Bench{index + 1}",
        "role": Role.MEMBER,
        "cooperative_id": cooperative_id,
        "password_hash": None,  # invited, never logged in: the storefront does not care
    }


def member_values(index: int, member: SimpleNamespace, user_id: int) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "cooperative_id": member.cooperative.id,
        "municipality_id": member.municipality_id,
        "client_number": f"B-{100001 + index}",
        "trade_name": member.trade_name,
        "slug": member.slug,
        "bio": f"{member.trade_name}: met zorg gemaakt in {member.cooperative.city}.",
        "status": MemberStatus.ACTIVE,
        "exemption_eligible": index % 3 != 0,
    }


def insert_returning_ids(model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert (batched ``executemany`` with RETURNING); the new ids in row order."""
    ids: list[int] = []
    stmt = insert(model.__table__).returning(model.__table__.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), BATCH):
        ids += db.session.execute(stmt, rows[start : start + BATCH]).scalars().all()
    return ids


def listing_values(
    rng: random.Random, members: list[SimpleNamespace], categories: dict[str, Category]
) -> dict[str, Any]:
    """One published listing: a product (60 %) or a service, by a random member."""
    member = rng.choice(members)
    if rng.random() < 0.6:
        item = rng.choice(catalogue_text.PRODUCTS)
        title, description = catalogue_text.product_text(rng, item)
        values = product_values(rng, item)
    else:
        item = rng.choice(catalogue_text.SERVICES)
        title, description = catalogue_text.service_text(rng, item)
        values = service_values(rng, item)
    published = utcnow() - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
    return values | {
        "member": member,
        "category": categories[item.category],
        "title": title,
        "description": description,
        "price_cents": rng.randint(*item.cents) // 5 * 5,
        "vat_rate": item.vat,
        "unit": item.unit,
        "published_at": published,
        "created_at": published - timedelta(days=rng.randint(1, 20)),
        "updated_at": published,
    }


def product_values(rng: random.Random, item: catalogue_text.Product) -> dict[str, Any]:
    shipping = rng.random() < 0.7
    return {
        "kind": ListingKind.PRODUCT,
        "stock": rng.choice((None, *range(1, 25))),
        "delivery_pickup": not shipping or rng.random() < 0.5,
        "delivery_shipping": shipping,
        "shipping_cents": rng.choice((495, 695, 995)) if shipping else None,
        "delivery_on_site": False,
        "delivery_online": False,
        "service_area": ServiceArea.NATIONWIDE,
        "lead_time_days": rng.randint(1, 10),
    }


def service_values(rng: random.Random, item: catalogue_text.Service) -> dict[str, Any]:
    online = item.category == "Taal en vertaling" and rng.random() < 0.5
    area = ServiceArea.ONLINE if online else rng.choice(list(ServiceArea)[:2])
    return {
        "kind": ListingKind.SERVICE,
        "stock": None,
        "delivery_pickup": False,
        "delivery_shipping": False,
        "shipping_cents": None,
        "delivery_on_site": not online,
        "delivery_online": online,
        "service_area": area,
        "lead_time_days": rng.randint(2, 14),
    }


def insert_listings(rng: random.Random, rows: list[dict[str, Any]], photos: list[Any]) -> None:
    """One batch: the listings (with the PostgreSQL tsvector), the FTS5 rows on SQLite, the
    municipalities served, and a demo photo for most listings."""
    documents = [
        search.document(SimpleNamespace(**row, cooperative=row["member"].cooperative))
        for row in rows
    ]
    if search.is_postgresql():
        ids = insert_pg_listings(rows, documents)
    else:
        ids = insert_returning_ids(Listing, [listing_columns(row) for row in rows])
        search_rows = [{"rowid": id_, **doc} for id_, doc in zip(ids, documents, strict=True)]
        db.session.execute(insert(search.listing_search), search_rows)
    served = [
        {"listing_id": id_, "municipality_id": row["member"].municipality_id}
        for id_, row in zip(ids, rows, strict=True)
        if row["service_area"] == ServiceArea.MUNICIPALITIES
    ]
    if served:
        db.session.execute(insert(listing_municipality), served)
    db.session.execute(insert(ListingImage.__table__), image_rows(rng, ids, rows, photos))


def insert_pg_listings(rows: list[dict[str, Any]], documents: list[dict[str, str]]) -> list[int]:
    """The tsvector is built in the INSERT by ``search.pg_vector``, as ``sync_listing`` does."""
    table = Listing.__table__
    vector = search.pg_vector({part: bindparam(f"doc_{part}") for part in documents[0]})
    stmt = (
        insert(table)
        .values(search_vector=vector)
        .returning(table.c.id, sort_by_parameter_order=True)
    )
    params = [
        listing_columns(row) | {f"doc_{part}": value for part, value in doc.items()}
        for row, doc in zip(rows, documents, strict=True)
    ]
    return list(db.session.execute(stmt, params).scalars())


def listing_columns(row: dict[str, Any]) -> dict[str, Any]:
    member, category = row["member"], row["category"]
    columns = {key: value for key, value in row.items() if key not in ("member", "category")}
    return columns | {
        "member_id": member.id,
        "cooperative_id": member.cooperative.id,
        "category_id": category.id,
        "state": ListingState.PUBLISHED,
        "slug": slug(row["title"]),
    }


def image_rows(
    rng: random.Random, ids: list[int], rows: list[dict[str, Any]], photos: list[Any]
) -> list[dict[str, Any]]:
    """Three in four listings get one of the demo photos (the files exist in bench/out)."""
    chosen = [(id_, row, rng.choice(photos)) for id_, row in zip(ids, rows, strict=True)]
    return [
        {
            "listing_id": id_,
            "position": 0,
            "alt_text": f"Foto bij {row['title']}"[:250],
            "key": photo.key,
            "thumb_key": photo.thumb_key,
            "width": photo.width,
            "height": photo.height,
        }
        for id_, row, photo in chosen
        if rng.random() < 0.75
    ]


if __name__ == "__main__":
    main()
