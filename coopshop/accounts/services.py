"""Account use cases: registration, log-in, invitations, password reset. Each commits once."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from coopshop.accounts import tokens
from coopshop.accounts.models import Buyer, BuyerKind, Role, User
from coopshop.errors import Conflict, DomainError
from coopshop.extensions import db
from coopshop.mail.services import deliver_pending, queue_email
from coopshop.models_base import utcnow

# Checked against when the e-mail address is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("coopshop-timing-equaliser")


class InvalidCredentials(DomainError):
    status_code = 401


class EmailTaken(Conflict):
    pass


class InvalidToken(DomainError):
    status_code = 400


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def hash_password(password: str) -> str:
    """scrypt by default; the test suite configures a cheaper method to stay fast."""
    return generate_password_hash(
        password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    )


def ensure_email_free(email: str) -> None:
    if find_user_by_email(email) is not None:
        raise EmailTaken(
            _("Er is al een account met dit e-mailadres. Log in of kies 'Wachtwoord vergeten'.")
        )


def register_buyer(
    *, email: str, name: str, password: str, kind: str = BuyerKind.CONSUMER, **details: str | None
) -> User:
    """Create a buyer account. Raises ``EmailTaken``."""
    ensure_email_free(email)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=Role.BUYER,
        password_hash=hash_password(password),
    )
    user.buyer = Buyer(kind=kind, **details)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as error:
        # Two registrations with one address at the same moment: the unique index decides.
        db.session.rollback()
        raise EmailTaken(
            _("Er is al een account met dit e-mailadres. Log in of kies 'Wachtwoord vergeten'.")
        ) from error
    return user


def authenticate(email: str, password: str) -> User:
    """The user with these credentials, or ``InvalidCredentials`` (one message for every cause)."""
    user = find_user_by_email(email)
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    valid = check_password_hash(stored, password)
    if user is None or not valid or not user.is_active:
        raise InvalidCredentials(_("Het e-mailadres of het wachtwoord klopt niet."))
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def send_invitation(user: User) -> None:
    """Queue the e-mail with the link where an invited user chooses a password (caller commits)."""
    link = url_for(
        "accounts.accept_invitation",
        token=tokens.make_token(user, tokens.INVITATION),
        _external=True,
    )
    queue_email(user.email, _("Uitnodiging voor coopshop"), "invitation", user=user, link=link)


def invited_user(token: str) -> User:
    """The user an invitation link is for. Raises ``InvalidToken`` for a used, old or forged link."""
    user = tokens.read_token(token, tokens.INVITATION, current_app.config["INVITATION_MAX_AGE"])
    if user is None or user.password_hash is not None:
        raise InvalidToken(
            _("Deze uitnodiging is verlopen of al gebruikt. Vraag uw coördinator om een nieuwe.")
        )
    return user


def accept_invitation(token: str, password: str) -> User:
    """Set the invited user's first password. Raises ``InvalidToken`` for a used or old link."""
    user = invited_user(token)
    user.password_hash = hash_password(password)
    db.session.commit()
    return user


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the account exists; says nothing either way, to protect privacy."""
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        return
    link = url_for(
        "accounts.reset_password",
        token=tokens.make_token(user, tokens.PASSWORD_RESET),
        _external=True,
    )
    queue_email(user.email, _("Nieuw wachtwoord kiezen"), "password_reset", user=user, link=link)
    db.session.commit()
    deliver_pending()


def password_reset_user(token: str) -> User:
    """The user a reset link is for. Raises ``InvalidToken`` for a used, old or forged link."""
    user = tokens.read_token(
        token, tokens.PASSWORD_RESET, current_app.config["PASSWORD_RESET_MAX_AGE"]
    )
    if user is None:
        raise InvalidToken(_("Deze link is verlopen of al gebruikt. Vraag een nieuwe link aan."))
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password with a reset link. Raises ``InvalidToken`` for a used or old link."""
    user = password_reset_user(token)
    user.password_hash = hash_password(password)
    db.session.commit()
    return user


def update_buyer_profile(user: User, *, name: str, **details: str | None) -> None:
    user.name = name.strip()
    buyer = user.buyer or Buyer(user=user)
    for key, value in details.items():
        setattr(buyer, key, value)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    if locale in ("nl", "en"):
        user.locale = locale
        db.session.commit()
