"""The life cycles of orders and order lines as plain data: no request, session or database.

Order: awaiting payment → paid (the payment was confirmed) | expired | failed; a payment that
arrives after all (expired or failed → paid) revives it. A paid order is completed once every
line is finished, or cancelled when none of its lines was delivered.

Line: pending → open (paid) → accepted → delivered; open or accepted → declined (by the
member, with a reason) or cancelled (by the buyer); pending → void (never paid).
"""

from __future__ import annotations

from dataclasses import dataclass

from coopshop.orders.errors import TransitionNotAllowed
from coopshop.orders.models import LineState as L
from coopshop.orders.models import OrderState as O


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    needs_reason: bool = False


ORDER_TRANSITIONS: dict[str, Transition] = {
    "pay": Transition(frozenset({O.AWAITING_PAYMENT, O.EXPIRED, O.FAILED}), O.PAID),
    "expire": Transition(frozenset({O.AWAITING_PAYMENT}), O.EXPIRED),
    "fail": Transition(frozenset({O.AWAITING_PAYMENT}), O.FAILED),
    "complete": Transition(frozenset({O.PAID}), O.COMPLETED),
    "cancel": Transition(frozenset({O.PAID}), O.CANCELLED),
}

LINE_TRANSITIONS: dict[str, Transition] = {
    "pay": Transition(frozenset({L.PENDING, L.VOID}), L.OPEN),
    "void": Transition(frozenset({L.PENDING}), L.VOID),
    "accept": Transition(frozenset({L.OPEN}), L.ACCEPTED),
    "deliver": Transition(frozenset({L.OPEN, L.ACCEPTED}), L.DELIVERED),
    "decline": Transition(frozenset({L.OPEN, L.ACCEPTED}), L.DECLINED, needs_reason=True),
    "cancel": Transition(frozenset({L.OPEN, L.ACCEPTED}), L.CANCELLED),
}

# The member's buttons on a line, in the order they are shown.
MEMBER_ACTIONS = ("accept", "deliver", "decline")
FINISHED_LINE_STATES = frozenset({L.DELIVERED, L.DECLINED, L.CANCELLED, L.VOID})
# Lines whose money went back to the buyer in full.
GIVEN_BACK_LINE_STATES = frozenset({L.DECLINED, L.CANCELLED})


def allowed(transitions: dict[str, Transition], action: str, state: str) -> bool:
    transition = transitions.get(action)
    return transition is not None and state in transition.sources


def target(transitions: dict[str, Transition], action: str, state: str) -> str:
    """The state ``action`` leads to from ``state``; raises TransitionNotAllowed otherwise."""
    if not allowed(transitions, action, state):
        raise TransitionNotAllowed()
    return transitions[action].target


def member_actions(line_state: str) -> list[str]:
    """What the member may do with a line in this state."""
    return [action for action in MEMBER_ACTIONS if allowed(LINE_TRANSITIONS, action, line_state)]


def cancellable(line_states: list[str]) -> bool:
    """The buyer may cancel while at least one line is paid but not yet delivered."""
    return any(allowed(LINE_TRANSITIONS, "cancel", state) for state in line_states)


def settled_order_action(line_states: list[str]) -> str | None:
    """Once every line of a paid order is finished: "complete" if anything was delivered,
    "cancel" if nothing was; None while a line is still being handled."""
    if not line_states or not all(state in FINISHED_LINE_STATES for state in line_states):
        return None
    return "complete" if L.DELIVERED in line_states else "cancel"
