"""Raising a concern: a partner's editor, in their organisation's name, seen by whom they say."""

import pytest
from django.core import mail
from django.urls import reverse

from organisations.models import Membership, Organisation
from partnerships.models import Concern, Participant
from tests.conftest import database_snapshot, make_user


def _url(partnership):
    return reverse("partnerships:concern_create", kwargs={"code": partnership.code})


def _form(partnership, charity, **overrides):
    return {
        "organisation": charity.pk,
        "principle": partnership.framework.principles.get(number=5).pk,
        "what_happened": "The quarterly return doubled without notice.",
        "would_like": "A return in proportion to the grant.",
        "visibility": "lead",
        **overrides,
    }


def test_it_works(client, alice, partnership):
    client.force_login(alice)
    response = client.get(_url(partnership))
    assert response.status_code == 200
    text = response.text
    # Before it is sent, the form says whose name it carries and who will see it.
    assert "raised in your organisation’s name (Riverside Mind), not anonymously" in text
    assert "The lead commissioner and platform admins only" in text
    assert "Every partner organisation" in text
    assert "acknowledge it within 5 working days and answer it within 20" in text


def test_it_raises_the_concern_and_tells_the_lead(
    client, alice, carol, partnership, charity, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(partnership), _form(partnership, charity))
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "partnerships:concern_detail",
        kwargs={"code": partnership.code, "concern_code": concern.code},
    )
    assert (concern.organisation, concern.raised_by, concern.principle.number) == (
        charity,
        alice,
        5,
    )
    assert [m.to for m in mail.outbox] == [[carol.email]]


def test_it_keeps_what_was_typed_when_the_form_is_invalid(client, alice, partnership, charity):
    client.force_login(alice)
    typed = "Late again. " * 10
    response = client.post(
        _url(partnership), _form(partnership, charity, what_happened=typed, would_like="")
    )
    assert response.status_code == 200
    assert "Enter what you would like to happen" in response.text
    assert typed.strip() in response.text
    assert not Concern.objects.exists()


def test_it_refuses_text_over_the_limit_beside_the_field(client, alice, partnership, charity):
    client.force_login(alice)
    response = client.post(
        _url(partnership), _form(partnership, charity, what_happened="x" * 2_001)
    )
    assert response.status_code == 200
    assert response.text.count("What happened must be 2,000 characters or fewer") == 2
    assert not Concern.objects.exists()


def test_it_offers_only_the_organisations_the_person_edits_for(
    client, alice, partnership, outside_charity
):
    """Alice also edits for Hillside Trust, which is not a partner: it cannot raise one."""
    Membership.objects.create(user=alice, organisation=outside_charity, role="editor")
    client.force_login(alice)
    response = client.post(_url(partnership), _form(partnership, outside_charity))
    assert response.status_code == 200
    assert "Select one of the organisations you edit for" in response.text
    assert not Concern.objects.exists()


def test_a_partner_that_has_left_cannot_raise(client, alice, partnership, charity):
    Participant.objects.filter(organisation=charity).update(left_on="2026-01-01")
    client.force_login(alice)
    assert client.get(_url(partnership)).status_code == 404


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    before = database_snapshot()
    assert client.post(_url(partnership), {}).status_code == 404
    assert database_snapshot() == before


def test_it_requires_role(client, bob, partnership, charity):
    client.force_login(bob)
    response = client.post(_url(partnership), _form(partnership, charity))
    assert response.status_code == 403
    assert "raised in an organisation’s name" in response.text
    assert not Concern.objects.exists()


@pytest.mark.parametrize("visibility", ["everyone", ""])
def test_it_asks_who_may_see_it(client, alice, partnership, charity, visibility):
    client.force_login(alice)
    response = client.post(_url(partnership), _form(partnership, charity, visibility=visibility))
    assert "Select who may see the concern" in response.text
    assert not Concern.objects.exists()


def test_a_person_editing_for_two_partners_chooses(client, partnership, charity):
    other = Organisation.objects.create(name="Valley Carers", kind="charity")
    Participant.objects.create(partnership=partnership, organisation=other, role="vcse_partner")
    both = make_user("both@example.org", charity)
    Membership.objects.create(user=both, organisation=other, role="admin")
    client.force_login(both)
    response = client.post(_url(partnership), _form(partnership, other))
    assert response.status_code == 302
    assert Concern.objects.get().organisation == other
