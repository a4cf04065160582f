"""The listing life cycle as plain data."""

from __future__ import annotations

import pytest

from coopshop.catalogue.states import allowed, member_actions


@pytest.mark.parametrize(
    ("action", "state", "expected"),
    [
        ("submit", "draft", True),
        ("submit", "rejected", True),
        ("submit", "published", False),
        ("approve", "in_review", True),
        ("approve", "draft", False),
        ("request_changes", "in_review", True),
        ("request_changes", "published", False),
        ("pause", "published", True),
        ("resume", "paused", True),
        ("resume", "published", False),
        ("archive", "published", True),
        ("archive", "archived", False),
        ("admin_pause", "published", True),
        ("admin_pause", "in_review", False),
        ("unknown", "draft", False),
    ],
)
def test_which_action_is_allowed_in_which_state(action, state, expected):
    assert allowed(action, state) is expected


def test_a_draft_can_be_submitted_or_archived():
    assert member_actions("draft", paused_by_admin=False) == ["submit", "archive"]


def test_a_member_paused_listing_can_be_resumed_directly():
    assert member_actions("paused", paused_by_admin=False) == ["resume", "archive"]


def test_a_listing_paused_by_the_coordinator_goes_back_through_review():
    assert member_actions("paused", paused_by_admin=True) == ["submit", "archive"]


def test_an_archived_listing_has_no_actions():
    assert member_actions("archived", paused_by_admin=False) == []


def test_a_listing_in_review_can_only_be_archived_by_the_member():
    assert member_actions("in_review", paused_by_admin=False) == ["archive"]
