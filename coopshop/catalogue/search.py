"""Full-text search with Dutch stemming, on SQLite (FTS5) and on PostgreSQL (tsvector + GIN).

Both backends see the same words: :func:`search_terms` lower-cases, drops common Dutch words
and stems every word with the Snowball Dutch stemmer *until it stops changing*. One pass is not
enough: Snowball (and PostgreSQL's ``dutch`` configuration, which uses it) stems "fietsen" to
"fiets" but "fiets" to "fiet", so a single pass never brings the two together; a second pass
does. On PostgreSQL these terms then go through ``to_tsvector('dutch', ...)`` and
``websearch_to_tsquery('dutch', ...)``, which leaves stems alone and removes its stop words, on
document and query alike.

The index holds only published listings; :func:`sync_listing` is called by the catalogue
services in the same transaction as every change that affects what a listing is found by.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

import snowballstemmer
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    func,
    literal_column,
    select,
    text,
)

from coopshop.catalogue.models import Listing, ListingState
from coopshop.extensions import db

# Kept out of the application's metadata: it is created by the migration, on SQLite only.
fts_metadata = MetaData()
listing_search = Table(
    "listing_search",
    fts_metadata,
    Column("rowid", Integer),
    Column("title", Text),
    Column("people", Text),
    Column("body", Text),
)
FTS_TABLE = literal_column("listing_search")
# Relative weight of a match in the title, the member/cooperative names and the description.
BM25_WEIGHTS = (10.0, 4.0, 1.0)
# A relevance-sorted page on SQLite first looks among this many best matches per row it shows.
CANDIDATES_PER_ROW = 4
MAX_CANDIDATES = 1000

STOP_WORDS = frozenset(
    [
        "aan",
        "al",
        "alles",
        "als",
        "altijd",
        "andere",
        "ben",
        "bij",
        "daar",
        "dan",
        "dat",
        "de",
        "der",
        "deze",
        "die",
        "dit",
        "doch",
        "doen",
        "door",
        "dus",
        "een",
        "eens",
        "en",
        "er",
        "ge",
        "geen",
        "geweest",
        "haar",
        "had",
        "heb",
        "hebben",
        "heeft",
        "hem",
        "het",
        "hier",
        "hij",
        "hoe",
        "hun",
        "iemand",
        "iets",
        "ik",
        "in",
        "is",
        "ja",
        "je",
        "kan",
        "kon",
        "kunnen",
        "maar",
        "me",
        "meer",
        "men",
        "met",
        "mij",
        "mijn",
        "moet",
        "na",
        "naar",
        "niet",
        "niets",
        "nog",
        "nu",
        "of",
        "om",
        "omdat",
        "onder",
        "ons",
        "ook",
        "op",
        "over",
        "reeds",
        "te",
        "tegen",
        "toch",
        "toen",
        "tot",
        "u",
        "uit",
        "uw",
        "van",
        "veel",
        "voor",
        "want",
        "waren",
        "was",
        "wat",
        "werd",
        "wezen",
        "wie",
        "wil",
        "worden",
        "wordt",
        "zal",
        "ze",
        "zelf",
        "zich",
        "zij",
        "zijn",
        "zo",
        "zonder",
        "zou",
    ]
)
WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("dutch")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Stem until the word stops changing (at most four passes)."""
    stemmer = _stemmer()
    for _ in range(4):
        stemmed = stemmer.stemWord(word)
        if stemmed == word:
            break
        word = stemmed
    return word


def search_terms(value: str) -> list[str]:
    """The stems of the words in ``value``, in order, without common words."""
    return [stem(word) for word in WORD.findall(value.lower()) if word not in STOP_WORDS]


def terms_text(value: str) -> str:
    return " ".join(search_terms(value))


def document(listing: Listing) -> dict[str, str]:
    """What a listing is found by: title; member and cooperative; description and category."""
    return {
        "title": terms_text(listing.title),
        "people": terms_text(f"{listing.member.trade_name} {listing.cooperative.name}"),
        "body": terms_text(f"{listing.description} {listing.category.name}"),
    }


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def sync_listing(listing: Listing) -> None:
    """Put a listing in the index, or take it out when it is not published. Flushes only."""
    db.session.flush()
    searchable = listing.state == ListingState.PUBLISHED
    if is_postgresql():
        listing.search_vector = pg_vector(document(listing)) if searchable else None
        db.session.flush()
        return
    db.session.execute(listing_search.delete().where(listing_search.c.rowid == listing.id))
    if searchable:
        db.session.execute(listing_search.insert().values(rowid=listing.id, **document(listing)))


def pg_vector(doc: dict[str, str]) -> Any:
    """Weights A (title), B (member, cooperative) and C (description, category)."""
    parts = [
        func.setweight(func.to_tsvector(text("'dutch'"), value), literal_column(f"'{weight}'"))
        for value, weight in ((doc["title"], "A"), (doc["people"], "B"), (doc["body"], "C"))
    ]
    return parts[0].op("||")(parts[1]).op("||")(parts[2])


def sync_listings(listings: list[Listing]) -> None:
    for listing in listings:
        sync_listing(listing)


def apply_text_search(stmt: Select[Any], query: str) -> tuple[Select[Any], Any] | None:
    """Limit ``stmt`` to listings matching ``query``; returns the statement and a rank to sort
    by (ascending), or None when the query has no searchable words."""
    terms = search_terms(query)
    if not terms:
        return None
    if is_postgresql():
        tsquery = func.websearch_to_tsquery(text("'dutch'"), " ".join(terms))
        stmt = stmt.where(Listing.search_vector.op("@@")(tsquery))
        return stmt, -func.ts_rank(Listing.search_vector, tsquery)
    stmt = stmt.join(listing_search, listing_search.c.rowid == Listing.id).where(
        FTS_TABLE.op("MATCH")(fts_match(terms))
    )
    return stmt, func.bm25(FTS_TABLE, *BM25_WEIGHTS)


def fts_match(terms: list[str]) -> str:
    return " ".join(f'"{term}"' for term in terms)  # quoted: no FTS5 syntax from visitors


class Candidates(NamedTuple):
    ids: list[int]
    complete: bool  # every match is among them


def best_matches(query: str, wanted: int) -> Candidates | None:
    """SQLite: the best-ranked matches of ``query`` straight from FTS5, enough candidates for
    the first ``wanted`` rows of a relevance-sorted page, ranked as ``apply_text_search`` ranks
    them (then the higher id first). None on PostgreSQL and for very deep pages.

    FTS5 ranks every match either way; this spares the page's query joining every match (for a
    common word, a sizeable share of the catalogue) to its listing, member and cooperative.
    """
    terms = search_terms(query)
    limit = wanted * CANDIDATES_PER_ROW
    if not terms or limit > MAX_CANDIDATES or is_postgresql():
        return None
    stmt = (
        select(listing_search.c.rowid)
        .where(FTS_TABLE.op("MATCH")(fts_match(terms)))
        .order_by(func.bm25(FTS_TABLE, *BM25_WEIGHTS), listing_search.c.rowid.desc())
        .limit(limit)
    )
    ids = list(db.session.scalars(stmt))
    return Candidates(ids, complete=len(ids) < limit)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic hook: leave out the search objects the models cannot describe (the FTS5 table and
    its shadow tables on SQLite, the GIN index on PostgreSQL); the migration creates them."""
    if type_ == "table" and name is not None and name.startswith("listing_search"):
        return False
    return not (type_ == "index" and name == "ix_listing_search_vector")
