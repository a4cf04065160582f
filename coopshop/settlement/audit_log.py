"""Audit events for settlement objects, without the stored files in their before/after."""

from __future__ import annotations

from typing import Any

from coopshop.audit.models import AuditEvent
from coopshop.audit.services import record, snapshot


def without_files(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The values minus stored files (bytes): those are kept, with a checksum, on the object."""
    if values is None:
        return None
    return {key: value for key, value in values.items() if not isinstance(value, bytes)}


def file_free_snapshot(obj: Any) -> dict[str, Any] | None:
    """A snapshot for ``before`` that leaves the stored files out."""
    return without_files(snapshot(obj))


def record_event(
    actor_id: int | None,
    action: str,
    obj: Any,
    *,
    cooperative_id: int,
    summary: str,
    before: dict[str, Any] | None = None,
) -> AuditEvent:
    """:func:`coopshop.audit.services.record`, with the files left out; adds, the caller commits."""
    event = record(
        actor_id, action, obj, cooperative_id=cooperative_id, before=before, summary=summary[:255]
    )
    # record() only adds the event, so it can still be trimmed before the flush writes it.
    event.after = without_files(event.after)
    return event
