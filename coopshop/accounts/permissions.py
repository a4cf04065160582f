"""Role checks for views and the one scoping helper every admin query goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from coopshop.accounts.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Log-in required, and the user must have one of ``roles``; otherwise 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = roles_required(Role.NETWORK_ADMIN, Role.COOP_ADMIN)
network_admin_required = roles_required(Role.NETWORK_ADMIN)


def visible_cooperative_ids(user: User) -> set[int] | None:
    """The cooperatives whose data ``user`` may administer; ``None`` means all of them."""
    if user.role == Role.NETWORK_ADMIN:
        return None
    if user.role == Role.COOP_ADMIN and user.cooperative_id is not None:
        return {user.cooperative_id}
    return set()


def scoped(
    stmt: Select[Any], cooperative_column: InstrumentedAttribute[Any], user: User
) -> Select[Any]:
    """Limit ``stmt`` to the rows of the cooperatives ``user`` administers."""
    visible = visible_cooperative_ids(user)
    if visible is None:
        return stmt
    return stmt.where(cooperative_column.in_(visible))


def may_administer(user: User, cooperative_id: int | None) -> bool:
    visible = visible_cooperative_ids(user)
    return visible is None or cooperative_id in visible


def require_cooperative(user: User, cooperative_id: int | None) -> None:
    """Not found, rather than forbidden, so that ids of other cooperatives give nothing away."""
    if not may_administer(user, cooperative_id):
        abort(404)
