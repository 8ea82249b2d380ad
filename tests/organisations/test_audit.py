import pytest
from django.db import DatabaseError, transaction

from organisations.audit import audit, changes_between
from organisations.models import AuditEvent


def test_it_records_who_what_and_the_changes(alice, partnership, charity):
    event = audit(
        alice,
        "partnership.changed",
        partnership,
        organisation=charity,
        changes={"name": ["Old", "New"], "password": ["x", "y"]},
    )
    event.refresh_from_db()
    assert (event.actor, event.actor_email, event.action) == (
        alice,
        alice.email,
        "partnership.changed",
    )
    assert event.object_type == "partnerships.partnership"
    assert event.object_id == str(partnership.code)
    assert event.changes == {"name": ["Old", "New"]}  # never a password
    assert event.at.tzinfo is not None


def test_changes_between_lists_only_what_changed():
    before = {"name": "A", "kind": "grant", "token": "s1"}
    after = {"name": "B", "kind": "grant", "token": "s2"}
    assert changes_between(before, after) == {"name": ["A", "B"]}


def test_the_trail_refuses_update_and_delete(alice):
    event = audit(alice, "user.signed_in")
    for statement in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(action="tampered"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()
    event.refresh_from_db()
    assert event.action == "user.signed_in"


def test_it_records_the_ip_address_of_the_request(client, alice):
    from organisations.audit import _ip_address

    token = _ip_address.set("203.0.113.7")
    try:
        event = audit(alice, "user.signed_in")
    finally:
        _ip_address.reset(token)
    assert event.ip_address == "203.0.113.7"
