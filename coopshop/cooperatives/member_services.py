"""A cooperative admin's use cases: inviting members and admins, status and eligibility.

Every function takes the acting admin and checks that the cooperative is theirs.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import select

from coopshop.accounts.models import Role, User
from coopshop.accounts.permissions import may_administer
from coopshop.accounts.services import ensure_email_free, normalise_email, send_invitation
from coopshop.audit.services import record, snapshot
from coopshop.catalogue.services import reindex_member_listings
from coopshop.cooperatives.models import Member, MemberStatus
from coopshop.errors import NotFound
from coopshop.extensions import db
from coopshop.mail.services import deliver_pending


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "lid"


def unique_member_slug(trade_name: str) -> str:
    base = slugify(trade_name)
    taken = set(db.session.scalars(select(Member.slug).where(Member.slug.like(f"{base}%"))))
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    return candidate


def check_scope(actor: User, cooperative_id: int) -> None:
    if not may_administer(actor, cooperative_id):
        raise NotFound()


def invite_member(actor: User, cooperative_id: int, values: dict[str, Any]) -> Member:
    """Create the member (on trial) and their log-in, and e-mail the invitation link.

    Raises ``EmailTaken`` when the address has an account, ``NotFound`` outside the admin's scope.
    """
    check_scope(actor, cooperative_id)
    ensure_email_free(values["email"])
    user = User(
        email=normalise_email(values["email"]),
        name=values["name"],
        role=Role.MEMBER,
        cooperative_id=cooperative_id,
    )
    member = Member(
        user=user,
        cooperative_id=cooperative_id,
        status=MemberStatus.TRIAL,
        slug=unique_member_slug(values["trade_name"]),
        **{key: values[key] for key in MEMBER_FIELDS},
    )
    record_and_send_invitation(actor, "member.invited", member, user)
    return member


MEMBER_FIELDS = (
    "municipality_id",
    "client_number",
    "trade_name",
    "iban",
    "exemption_eligible",
    "exemption_end",
)


def invite_admin(actor: User, cooperative_id: int, name: str, email: str) -> User:
    """Invite a fellow coordinator of the same cooperative."""
    check_scope(actor, cooperative_id)
    ensure_email_free(email)
    user = User(
        email=normalise_email(email), name=name, role=Role.COOP_ADMIN, cooperative_id=cooperative_id
    )
    record_and_send_invitation(actor, "admin.invited", user, user)
    return user


def record_and_send_invitation(
    actor: User, action: str, invited: Member | User, user: User
) -> None:
    """Store the invited member or admin, log it, e-mail the link; one commit for all three."""
    db.session.add(invited)
    record(
        actor.id,
        action,
        invited,
        cooperative_id=user.cooperative_id,
        summary=f"{user.name} <{user.email}>",
    )
    send_invitation(user)
    db.session.commit()
    deliver_pending()


def update_member(actor: User, member: Member, values: dict[str, Any]) -> Member:
    """Change a member's details; an eligibility change is recorded under its own action."""
    check_scope(actor, member.cooperative_id)
    before = snapshot(member)
    for key in MEMBER_FIELDS:
        setattr(member, key, values[key])
    eligibility_changed = (before["exemption_eligible"], before["exemption_end"]) != (
        member.exemption_eligible,
        member.exemption_end.isoformat() if member.exemption_end else None,
    )
    action = "member.eligibility_changed" if eligibility_changed else "member.updated"
    if before["trade_name"] != member.trade_name:
        reindex_member_listings(member.id)
    record(
        actor.id,
        action,
        member,
        cooperative_id=member.cooperative_id,
        before=before,
        summary=member.trade_name,
    )
    db.session.commit()
    return member


def set_member_status(actor: User, member: Member, status: MemberStatus) -> Member:
    """Activate, suspend or mark as left; a suspended member can no longer log in."""
    check_scope(actor, member.cooperative_id)
    if member.status == status:
        return member
    before = snapshot(member)
    member.status = status
    record(
        actor.id,
        f"member.{status.value}",
        member,
        cooperative_id=member.cooperative_id,
        before=before,
        summary=member.trade_name,
    )
    db.session.commit()
    return member


def resend_invitation(actor: User, member: Member) -> None:
    check_scope(actor, member.cooperative_id)
    if member.user.password_hash is not None:
        return
    send_invitation(member.user)
    record(
        actor.id,
        "member.invitation_resent",
        member,
        cooperative_id=member.cooperative_id,
        summary=member.trade_name,
    )
    db.session.commit()
    deliver_pending()


def update_own_profile(member: Member, trade_name: str, bio: str, iban: str | None) -> None:
    """What a member may change about themselves: trade name, public bio, IBAN."""
    renamed = member.trade_name != trade_name
    member.trade_name, member.bio, member.iban = trade_name, bio, iban
    if renamed:
        reindex_member_listings(member.id)
    db.session.commit()


def today() -> date:
    return date.today()
