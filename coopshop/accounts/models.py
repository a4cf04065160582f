"""Users and buyer profiles."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.extensions import db
from coopshop.models_base import created_at_column

if TYPE_CHECKING:
    from coopshop.cooperatives.models import Cooperative, Member


class Role(StrEnum):
    NETWORK_ADMIN = "network_admin"
    COOP_ADMIN = "coop_admin"
    MEMBER = "member"
    BUYER = "buyer"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Empty until an invited user has chosen a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id"), index=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    cooperative: Mapped[Cooperative | None] = relationship()
    member: Mapped[Member | None] = relationship(back_populates="user", uselist=False)
    buyer: Mapped[Buyer | None] = relationship(back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:  # used by Flask-Login to refuse blocked accounts
        if self.blocked or self.password_hash is None:
            return False
        return not (self.member is not None and self.member.status in {"suspended", "left"})

    def get_id(self) -> str:
        """The session (and remember-me cookie) names the password too, so that setting a new
        password logs out every other session of this user."""
        return f"{self.id}:{self.credentials_fingerprint()}"

    def credentials_fingerprint(self) -> str:
        return hashlib.sha256((self.password_hash or "unset").encode()).hexdigest()[:16]

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_network_admin(self) -> bool:
        return self.role == Role.NETWORK_ADMIN

    @property
    def is_coop_admin(self) -> bool:
        return self.role == Role.COOP_ADMIN


class BuyerKind(StrEnum):
    CONSUMER = "consumer"
    BUSINESS = "business"
    MUNICIPALITY = "municipality"


class Buyer(db.Model):
    """A client account: a consumer, a company or a municipality buying from the members."""

    __tablename__ = "buyer"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=BuyerKind.CONSUMER)
    company_name: Mapped[str | None] = mapped_column(String(160))
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    vat_id: Mapped[str | None] = mapped_column(String(20))
    street: Mapped[str | None] = mapped_column(String(160))
    postcode: Mapped[str | None] = mapped_column(String(7))
    city: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship(back_populates="buyer")
