"""The audit log, as each admin may see it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from coopshop.accounts.permissions import admin_required, scoped
from coopshop.audit.labels import action_label, field_label
from coopshop.audit.models import AuditEvent
from coopshop.audit.services import changed_fields
from coopshop.extensions import db

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


@bp.get("/logboek")
@admin_required
def log() -> str:
    """Administrative actions, newest first: all for network admins, their own for coordinators."""
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    stmt = scoped(
        select(AuditEvent).order_by(AuditEvent.id.desc()), AuditEvent.cooperative_id, current_user
    )
    events = db.session.scalars(stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template(
        "audit/log.html",
        events=events[:PAGE_SIZE],
        page=page,
        has_next=len(events) > PAGE_SIZE,
        changed_fields=changed_fields,
        action_label=action_label,
        field_label=field_label,
    )
