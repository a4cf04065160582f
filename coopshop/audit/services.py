"""Recording administrative actions. Adds to the session; the calling service commits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect

from coopshop.audit.models import AuditEvent
from coopshop.extensions import db

# Secrets never enter the audit log, not even hashed.
HIDDEN_FIELDS = {"password_hash"}


def snapshot(obj: Any) -> dict[str, Any]:
    """A JSON-safe copy of a model's column values, for the before/after of an event."""
    values: dict[str, Any] = {}
    for column in inspect(obj).mapper.column_attrs:
        if column.key in HIDDEN_FIELDS:
            continue
        value = getattr(obj, column.key)
        if isinstance(value, date | datetime):
            value = value.isoformat()
        values[column.key] = value
    return values


def record(
    actor_id: int | None,
    action: str,
    obj: Any,
    *,
    cooperative_id: int | None = None,
    before: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditEvent:
    """Record ``action`` on ``obj``; ``before`` is a snapshot taken before the change."""
    db.session.flush()  # the object needs its id
    after = snapshot(obj)
    event = AuditEvent(
        actor_id=actor_id,
        cooperative_id=cooperative_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        summary=summary,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def changed_fields(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """The fields an event changed, as (name, before, after), for display."""
    before = event.before or {}
    after = event.after or {}
    keys = [key for key in after if before.get(key) != after.get(key)]
    return [(key, before.get(key), after.get(key)) for key in keys if key != "created_at"]
