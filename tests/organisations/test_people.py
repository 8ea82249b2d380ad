import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Invitation, Membership
from organisations.views.organisations import PEOPLE_PAGE_SIZE
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
    # The organisation, the admin check, and a count and a page of each of the members and
    # the invitations, however many people there are; the session, the person and their
    # memberships for the header were read by the first request and kept
    # (organisations/frame.py).
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["invitations"]) == min(rows, PEOPLE_PAGE_SIZE)
    assert len(response.context["memberships"]) == min(rows + 1, PEOPLE_PAGE_SIZE)  # and Amy
    assert response.context["memberships"].paginator.count == rows + 1


def test_the_organisation_page_links_here_for_admins_only(client, amy, bob, charity):
    detail = reverse("organisations:detail", kwargs={"code": charity.code})
    client.force_login(amy)
    assert _url(charity) in client.get(detail).text
    client.force_login(bob)
    assert _url(charity) not in client.get(detail).text


def test_it_pages_and_filters_its_lists_keeping_both(client, amy, charity):
    for number in range(PEOPLE_PAGE_SIZE + 5):
        make_user(f"member{number:03}@riverside.example", charity, Membership.Role.VIEWER)
        Invitation.objects.create(
            organisation=charity,
            email=f"invited{number:03}@newcomer.example",
            role=Membership.Role.VIEWER,
            token_hash=f"hash-{number}",
            invited_by=amy,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
    client.force_login(amy)
    url = _url(charity)
    second = client.get(url, {"page": "2", "invitations_page": "2"})
    members = [m.user.email for m in second.context["memberships"]]
    assert members == [f"member{n:03}@riverside.example" for n in range(49, 55)]  # Amy first
    assert len(second.context["invitations"]) == 5
    # Each list's links keep the other list's page.
    assert "?q=&amp;invitations_page=2&amp;page=1#members" in second.text
    assert "?q=&amp;page=2&amp;invitations_page=1#invitations" in second.text
    found = client.get(url, {"q": "MEMBER05"})
    assert [m.user.email for m in found.context["memberships"]] == [
        f"member{n:03}@riverside.example" for n in range(50, 55)
    ]
    assert "5 members match “MEMBER05”" in found.text
    assert not found.context["invitations"]
    assert "No invitation waiting matches “MEMBER05”." in found.text
    assert "?q=MEMBER05" not in found.text  # one page: no links to other pages
    for hostile in ["x" * 5000, "%00", "page", "-1"]:
        assert client.get(url, {"q": hostile, "page": hostile}).status_code == 200
