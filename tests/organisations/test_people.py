import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Invitation, Membership
from tests.conftest import make_user


def _url(organisation):
    return reverse("organisations:people", kwargs={"code": organisation.code})


def test_it_works(client, amy, alice, bob, charity, invitation):
    client.force_login(amy)
    response = client.get(_url(charity))
    assert response.status_code == 200
    assert [m.user for m in response.context["memberships"]] == [alice, amy, bob]
    assert "Viewer" in response.text
    assert invitation.email in response.text  # waiting to be accepted
    assert reverse("organisations:invite", kwargs={"code": charity.code}) in response.text


def test_it_hides_from_outsiders(client, dan, charity, amy):
    client.force_login(dan)
    assert client.get(_url(charity)).status_code == 404


def test_it_requires_role(client, alice, bob, carol, charity, partnership):
    for person in (alice, bob, carol):  # an editor, a viewer, a partner's editor
        client.force_login(person)
        response = client.get(_url(charity))
        assert response.status_code == 403
        assert "Only admins of Riverside Mind can see and manage its people." in response.text


def test_platform_admins_manage_any_organisation(client, ada, dan, outside_charity):
    client.force_login(ada)
    response = client.get(_url(outside_charity))
    assert response.status_code == 200
    assert dan.email in response.text


def test_it_marks_an_expired_invitation(client, amy, charity, invitation):
    invitation.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    invitation.save(update_fields=["expires_at"])
    client.force_login(amy)
    assert "Expired" in client.get(_url(charity)).text


def test_it_leaves_out_accepted_and_cancelled_invitations(client, amy, charity, invitation):
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    client.force_login(amy)
    response = client.get(_url(charity))
    assert invitation.email not in response.text
    assert "No invitations are waiting." in response.text


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_it_pins_its_query_count(client, amy, charity, rows, django_assert_num_queries):
    for number in range(rows):
        make_user(f"member{number}@riverside.example", charity, Membership.Role.VIEWER)
        Invitation.objects.create(
            organisation=charity,
            email=f"invited{number}@newcomer.example",
            role=Membership.Role.VIEWER,
            token_hash=f"hash-{number}",
            invited_by=amy,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
    client.force_login(amy)
    url = _url(charity)
    client.get(url)
    # The organisation, the admin check, the members and the invitations, however many people
    # there are; the session, the person and their memberships for the header were read by
    # the first request and kept (organisations/frame.py).
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["invitations"]) == rows
    assert len(response.context["memberships"]) == rows + 1  # and Amy


def test_the_organisation_page_links_here_for_admins_only(client, amy, bob, charity):
    detail = reverse("organisations:detail", kwargs={"code": charity.code})
    client.force_login(amy)
    assert _url(charity) in client.get(detail).text
    client.force_login(bob)
    assert _url(charity) not in client.get(detail).text
