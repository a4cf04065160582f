"""Deterministic demo network: three cooperatives, five municipalities, fifteen members, buyers.

Loading is idempotent: if the demo network admin exists, nothing is touched.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from coopshop.accounts.models import Buyer, BuyerKind, Role, User
from coopshop.accounts.services import hash_password
from coopshop.catalogue.demo import load_demo_catalogue
from coopshop.cooperatives.member_services import slugify
from coopshop.cooperatives.models import (
    Cooperative,
    LevyRate,
    Member,
    MemberStatus,
    Municipality,
    SettlementRuleVersion,
)
from coopshop.extensions import db
from coopshop.ledger.flows import SaleLine, post_sale

DEMO_PASSWORD = "demo-wachtwoord"
NETWORK_ADMIN_EMAIL = "netwerk@coopshop.demo"
RULES_FROM = date(2026, 1, 1)

COOPERATIVES = [
    # slug, name, street, postcode, city, kvk, vat, iban, prefix, levy_bp
    (
        "utrecht-samen",
        "Coöperatie Utrecht Samen",
        "Oudegracht 120",
        "3511 AX",
        "Utrecht",
        "81234567",
        "NL812345678B01",
        "NL89RABO3000000000",
        "CUS",
        1500,
    ),
    (
        "amsterdam-maakt",
        "Amsterdam Maakt U.A.",
        "Javastraat 45",
        "1094 HB",
        "Amsterdam",
        "81234569",
        "NL812345691B01",
        "NL30INGB3007919137",
        "AMM",
        1250,
    ),
    (
        "rotterdam-werkt",
        "Rotterdam Werkt Coöperatie",
        "Witte de Withstraat 8",
        "3012 BN",
        "Rotterdam",
        "85432100",
        "NL854321007B01",
        "NL73ABNA3015838274",
        "RTW",
        1000,
    ),
]

MUNICIPALITIES = [
    # cbs, name, period, basis, tax_reserve_bp, offset_bp, withhold, iban
    ("GM0344", "Utrecht", "month", "gross", 0, 10000, True, "NL57TRIO3023757411"),
    ("GM0363", "Amsterdam", "month", "net", 1700, 10000, True, "NL57ASNB3031676548"),
    ("GM0599", "Rotterdam", "quarter", "gross", 0, 10000, True, "NL25SNSB3039595685"),
    ("GM0356", "Nieuwegein", "month", "gross", 0, 10000, False, None),
    ("GM0479", "Zaanstad", "quarter", "net", 1500, 7500, True, "NL49BUNQ3047514822"),
]

MEMBERS = [
    # cooperative slug, name, trade name, municipality cbs, eligible, status
    ("utrecht-samen", "Fatima el Amrani", "Fatima's Naaiatelier", "GM0344", True, "active"),
    ("utrecht-samen", "Jan de Vries", "Fietsmaker Jan", "GM0344", True, "active"),
    ("utrecht-samen", "Sanne Bakker", "Sanne Schildert", "GM0356", False, "active"),
    ("utrecht-samen", "Mehmet Yilmaz", "Klusbedrijf Mehmet", "GM0356", True, "active"),
    ("utrecht-samen", "Els Visser", "Els Breit", "GM0344", False, "trial"),
    ("amsterdam-maakt", "Priya Ramdin", "Priya's Keuken", "GM0363", True, "active"),
    ("amsterdam-maakt", "Tom Jansen", "Tom Timmert", "GM0363", True, "active"),
    ("amsterdam-maakt", "Noor Haddad", "Noor Vertaalt", "GM0479", False, "active"),
    ("amsterdam-maakt", "Kees Mulder", "Tuinman Kees", "GM0479", True, "active"),
    ("amsterdam-maakt", "Lotte de Boer", "Lotte Fotografeert", "GM0363", True, "trial"),
    ("rotterdam-werkt", "Ahmed Benali", "Benali Schoonmaak", "GM0599", True, "active"),
    ("rotterdam-werkt", "Ingrid Smit", "Keramiek Ingrid", "GM0599", False, "active"),
    ("rotterdam-werkt", "Rachid Ouali", "Rachid Repareert", "GM0599", True, "active"),
    ("rotterdam-werkt", "Maria Santos", "Maria's Mozaïek", "GM0599", True, "active"),
    ("rotterdam-werkt", "Wim Hendriks", "Hendriks Houtwerk", "GM0599", False, "trial"),
]

MEMBER_IBANS = [
    "NL10KNAB3055433959",
    "NL96RABO3063353096",
    "NL37INGB3071272233",
    "NL80ABNA3079191370",
    "NL64TRIO3087110507",
    "NL64ASNB3095029644",
    "NL32SNSB3102948781",
    "NL56BUNQ3110867918",
    "NL17KNAB3118787055",
    "NL06RABO3126706192",
    "NL44INGB3134625329",
    "NL87ABNA3142544466",
    "NL71TRIO3150463603",
    "NL71ASNB3158382740",
    "NL39SNSB3166301877",
]


def demo_email(name: str) -> str:
    return f"{slugify(name).replace('-', '.')}@coopshop.demo"


def load_demo() -> bool:
    """Create the demo network once; returns False when it was already there."""
    if db.session.scalar(select(User.id).where(User.email == NETWORK_ADMIN_EMAIL)):
        return False
    password_hash = hash_password(DEMO_PASSWORD)  # hashing is slow; once is enough
    db.session.add(
        User(
            email=NETWORK_ADMIN_EMAIL,
            name="Netwerkbeheer",
            role=Role.NETWORK_ADMIN,
            password_hash=password_hash,
        )
    )
    cooperatives = add_cooperatives(password_hash)
    municipalities = add_municipalities()
    add_members(cooperatives, municipalities, password_hash)
    add_buyers(password_hash)
    add_demo_sales()
    db.session.flush()
    load_demo_catalogue()
    db.session.commit()
    return True


def add_cooperatives(password_hash: str) -> dict[str, Cooperative]:
    cooperatives = {}
    for slug, name, street, postcode, city, kvk, vat, iban, prefix, levy_bp in COOPERATIVES:
        cooperative = Cooperative(
            slug=slug,
            name=name,
            street=street,
            postcode=postcode,
            city=city,
            kvk_number=kvk,
            vat_id=vat,
            iban=iban,
            invoice_prefix=prefix,
            email=f"info@{slug}.demo",
            description=f"{name} helpt ondernemers in {city} op weg.",
        )
        cooperative.levy_rates.append(
            LevyRate(
                levy_bp=levy_bp,
                effective_from=RULES_FROM,
                note="Vastgesteld door de ledenvergadering",
            )
        )
        db.session.add(cooperative)
        db.session.add(
            User(
                email=f"coordinator@{slug}.demo",
                name=f"Coördinator {city}",
                role=Role.COOP_ADMIN,
                cooperative=cooperative,
                password_hash=password_hash,
            )
        )
        cooperatives[slug] = cooperative
    return cooperatives


def add_municipalities() -> dict[str, Municipality]:
    municipalities = {}
    for cbs, name, period, basis, tax_reserve_bp, offset_bp, withhold, iban in MUNICIPALITIES:
        municipality = Municipality(cbs_code=cbs, name=name, iban=iban)
        municipality.rule_versions.append(
            SettlementRuleVersion(
                effective_from=RULES_FROM,
                period=period,
                basis=basis,
                tax_reserve_bp=tax_reserve_bp,
                exemption_bp=2500,
                exemption_cap_cents=28500,
                exemption_max_months=6,
                offset_bp=offset_bp,
                withhold=withhold,
                source_note="Participatiewet art. 31 lid 2 onder n; bedragen per 1 januari 2026",
            )
        )
        db.session.add(municipality)
        municipalities[cbs] = municipality
    return municipalities


def add_members(
    cooperatives: dict[str, Cooperative],
    municipalities: dict[str, Municipality],
    password_hash: str,
) -> None:
    for index, (coop_slug, name, trade_name, cbs, eligible, status) in enumerate(MEMBERS):
        cooperative = cooperatives[coop_slug]
        user = User(
            email=demo_email(name),
            name=name,
            role=Role.MEMBER,
            cooperative=cooperative,
            password_hash=password_hash,
        )
        db.session.add(
            Member(
                user=user,
                cooperative=cooperative,
                municipality=municipalities[cbs],
                client_number=f"{cbs[2:]}-{10001 + index}",
                trade_name=trade_name,
                slug=slugify(trade_name),
                bio=f"{trade_name}: met zorg gemaakt in {cooperative.city}.",
                iban=MEMBER_IBANS[index],
                status=MemberStatus(status),
                exemption_eligible=eligible,
            )
        )


def add_buyers(password_hash: str) -> None:
    consumer = User(
        email="koper@coopshop.demo", name="Anna Koper", role=Role.BUYER, password_hash=password_hash
    )
    consumer.buyer = Buyer(
        kind=BuyerKind.CONSUMER, street="Lange Nieuwstraat 1", postcode="3512 PA", city="Utrecht"
    )
    business = User(
        email="inkoop@bedrijf.demo",
        name="Bram Inkoop",
        role=Role.BUYER,
        password_hash=password_hash,
    )
    business.buyer = Buyer(
        kind=BuyerKind.BUSINESS,
        company_name="Groen Kantoor B.V.",
        kvk_number="87654321",
        vat_id="NL876543207B01",
        street="Stationsplein 10",
        postcode="3511 ED",
        city="Utrecht",
    )
    db.session.add_all([consumer, business])


DEMO_SALE_MONTHS = (date(2026, 9, 12), date(2026, 10, 9), date(2026, 11, 6))


def add_demo_sales() -> None:
    """Paid sales booked through the ledger, so that statements show real figures.

    The amounts are fixed by the member's position, so every demo load books the same ledger.
    """
    db.session.flush()
    members = db.session.scalars(
        select(Member).where(Member.status == MemberStatus.ACTIVE).order_by(Member.id)
    ).all()
    for index, member in enumerate(members):
        for month, day in enumerate(DEMO_SALE_MONTHS):
            gross = 12000 + (index * 7919 + month * 4513) % 60000
            rate = (21, 9, 0)[(index + month) % 3]
            post_sale(
                cooperative_id=member.cooperative_id,
                invoice_reference=f"DEMO-{member.id}-{day:%Y%m}",
                booking_date=day,
                levy_bp=member.cooperative.levy_bp_on(day) or 0,
                lines=[SaleLine(member.id, gross, rate)],
            )
