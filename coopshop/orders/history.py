"""State changes of orders and lines, each with its status event in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from coopshop.bulk_insert import insert_rows
from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.orders.models import Order, OrderEvent, OrderLine
from coopshop.orders.states import LINE_TRANSITIONS, ORDER_TRANSITIONS, target


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user (None for a guest buyer) in a role, or the payment provider
    (``role="payment"``) or the system itself (``role="system"``)."""

    user_id: int | None
    role: str


PAYMENT_PROVIDER = Actor(None, "payment")
SYSTEM = Actor(None, "system")


def record(
    order: Order,
    action: str,
    actor: Actor,
    *,
    line: OrderLine | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    amount_cents: int | None = None,
) -> OrderEvent:
    """Add a status event (who, when, from, to, why). Adds only; the caller commits."""
    event = OrderEvent(
        order_id=order.id,
        order_line_id=line.id if line is not None else None,
        actor_id=actor.user_id,
        actor_role=actor.role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        amount_cents=amount_cents,
    )
    db.session.add(event)
    return event


def change_orders_and_lines(
    orders: list[Order],
    action: str,
    line_action: str,
    actor: Actor,
    *,
    set_line_states: bool = True,
) -> list[list[str]]:
    """:func:`change_order` by ``action`` and :func:`change_line` by ``line_action`` for each
    order and every one of its lines, with all their status events written by one INSERT
    (nothing to read back).

    Returns each order's lines' new states. With ``set_line_states=False`` the caller sets
    them itself before the transaction ends (together with other changes of the lines, so
    each line is written once). Raises TransitionNotAllowed before anything changes. Does
    not commit.
    """
    new_states = [target(ORDER_TRANSITIONS, action, order.state) for order in orders]
    line_states = [
        [target(LINE_TRANSITIONS, line_action, line.state) for line in order.lines]
        for order in orders
    ]
    rows = []
    for order, new_state, states in zip(orders, new_states, line_states, strict=True):
        rows.append(_event_values(order, action, actor, None, order.state, new_state))
        rows += [
            _event_values(order, line_action, actor, line, line.state, line_state)
            for line, line_state in zip(order.lines, states, strict=True)
        ]
    # The new states first: the flush before the INSERT then writes each row once.
    for order, new_state, states in zip(orders, new_states, line_states, strict=True):
        order.state = new_state
        if set_line_states:
            for line, line_state in zip(order.lines, states, strict=True):
                line.state = line_state
    insert_rows(OrderEvent.__table__, rows)
    return line_states


def _event_values(
    order: Order,
    action: str,
    actor: Actor,
    line: OrderLine | None,
    from_state: str | None,
    to_state: str | None,
) -> dict[str, object]:
    return {
        "order_id": order.id,
        "order_line_id": line.id if line is not None else None,
        "at": utcnow(),
        "actor_id": actor.user_id,
        "actor_role": actor.role,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "reason": "",
        "amount_cents": None,
    }


def change_order(order: Order, action: str, actor: Actor, reason: str = "") -> None:
    """Move the order by ``action``; raises TransitionNotAllowed from a state it cannot leave
    that way. Writes the status event."""
    new_state = target(ORDER_TRANSITIONS, action, order.state)
    record(order, action, actor, from_state=order.state, to_state=new_state, reason=reason)
    order.state = new_state


def change_line(line: OrderLine, action: str, actor: Actor, reason: str = "") -> None:
    """Move the line by ``action``; raises TransitionNotAllowed. Writes the status event."""
    new_state = target(LINE_TRANSITIONS, action, line.state)
    record(
        line.order,
        action,
        actor,
        line=line,
        from_state=line.state,
        to_state=new_state,
        reason=reason,
    )
    line.state = new_state
