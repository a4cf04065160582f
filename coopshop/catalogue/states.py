"""The listing life cycle as plain data: which action may move a listing from which state.

draft → in review → published ↔ paused; in review → rejected (changes requested) → in review;
anything but archived → archived. Plain data and functions: no request, session or database.
"""

from __future__ import annotations

from dataclasses import dataclass

from coopshop.catalogue.models import ListingState as S


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    by_admin: bool = False
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({S.DRAFT, S.REJECTED, S.PAUSED}), S.IN_REVIEW),
    "pause": Transition(frozenset({S.PUBLISHED}), S.PAUSED),
    "resume": Transition(frozenset({S.PAUSED}), S.PUBLISHED),
    "archive": Transition(
        frozenset({S.DRAFT, S.IN_REVIEW, S.PUBLISHED, S.PAUSED, S.REJECTED}), S.ARCHIVED
    ),
    "approve": Transition(frozenset({S.IN_REVIEW}), S.PUBLISHED, by_admin=True),
    "request_changes": Transition(
        frozenset({S.IN_REVIEW}), S.REJECTED, by_admin=True, needs_reason=True
    ),
    "admin_pause": Transition(frozenset({S.PUBLISHED}), S.PAUSED, by_admin=True, needs_reason=True),
}

# The member's own buttons, in the order they are shown.
MEMBER_ACTIONS = ("submit", "pause", "resume", "archive")


def allowed(action: str, state: str) -> bool:
    transition = TRANSITIONS.get(action)
    return transition is not None and state in transition.sources


def member_actions(state: str, paused_by_admin: bool) -> list[str]:
    """The actions a member may take on their listing now.

    A listing the coordinator paused goes back through review; it cannot simply be resumed.
    """
    actions = [action for action in MEMBER_ACTIONS if allowed(action, state)]
    if state == S.PAUSED:
        actions.remove("submit" if not paused_by_admin else "resume")
    return actions
