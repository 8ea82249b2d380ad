import pytest
from django.urls import reverse

from organisations.models import AuditEvent, Membership
from organisations.services import membership_change_role
from tests.conftest import make_user


def _url(membership):
    return reverse(
        "organisations:member_role",
        kwargs={"code": membership.organisation.code, "membership_id": membership.pk},
    )


def _membership(user):
    return user.memberships.get()


def test_it_works(client, amy, bob, charity):
    membership = _membership(bob)
    client.force_login(amy)
    page = client.get(_url(membership))
    assert page.status_code == 200
    assert "What can Bob do?" in page.text
    response = client.post(_url(membership), {"role": "editor"})
    assert response.status_code == 302
    assert response.url == reverse("organisations:people", kwargs={"code": charity.code})
    membership.refresh_from_db()
    assert membership.role == "editor"
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.actor, event.organisation, event.object_id) == (amy, charity, str(bob.pk))
    assert event.changes == {"role": ["viewer", "editor"]}


def test_it_hides_from_outsiders(client, dan, bob, amy):
    membership = _membership(bob)
    client.force_login(dan)
    assert client.post(_url(membership), {"role": "admin"}).status_code == 404
    membership.refresh_from_db()
    assert membership.role == "viewer"


def test_it_requires_role(client, alice, bob):
    membership = _membership(bob)
    client.force_login(alice)
    response = client.post(_url(membership), {"role": "admin"})
    assert response.status_code == 403
    assert "Only admins of Riverside Mind" in response.text
    membership.refresh_from_db()
    assert membership.role == "viewer"


def test_it_reaches_only_this_organisations_members(client, ada, dan, charity):
    url = reverse(
        "organisations:member_role",
        kwargs={"code": charity.code, "membership_id": _membership(dan).pk},
    )
    client.force_login(ada)
    assert client.post(url, {"role": "viewer"}).status_code == 404
    assert _membership(dan).role == "editor"


def test_the_last_admin_cannot_step_down(client, amy):
    membership = _membership(amy)
    client.force_login(amy)
    response = client.post(_url(membership), {"role": "viewer"})
    assert response.status_code == 200
    assert "Amy is the only admin of Riverside Mind. Make someone else an admin first." in (
        response.text
    )
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_an_admin_steps_down_when_another_remains(client, amy, charity):
    make_user("abe@riverside.example", charity, Membership.Role.ADMIN)
    client.force_login(amy)
    response = client.post(_url(_membership(amy)), {"role": "editor"})
    assert response.status_code == 302
    # No longer an admin, so back to the organisation rather than to a page now refused.
    assert response.url == reverse("organisations:detail", kwargs={"code": charity.code})
    assert _membership(amy).role == "editor"


def test_platform_admins_change_roles_anywhere(client, ada, dan):
    client.force_login(ada)
    assert client.post(_url(_membership(dan)), {"role": "admin"}).status_code == 302
    assert _membership(dan).role == "admin"


@pytest.mark.parametrize("role", ["owner", "", "<script>alert(1)</script>"])
def test_it_explains_a_bad_role(client, amy, bob, role):
    client.force_login(amy)
    response = client.post(_url(_membership(bob)), {"role": role})
    assert response.status_code == 200
    assert "Select admin, editor or viewer" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert _membership(bob).role == "viewer"


def test_the_same_role_records_nothing(amy, bob):
    membership_change_role(membership=_membership(bob), role="viewer", by=amy)
    assert not AuditEvent.objects.filter(action="membership.role_changed").exists()


def test_an_icb_admin_names_its_vcse_partnership_lead(client, icb, carol):
    """One per ICB: naming a second replaces the first; both changes are audited."""
    admin = make_user("ivy@northvalley.example", icb, Membership.Role.ADMIN)
    client.force_login(admin)
    page = client.get(_url(_membership(carol)))
    assert "They are the ICB’s VCSE partnership lead" in page.text
    client.post(_url(_membership(carol)), {"role": "editor", "vcse_partnership_lead": "on"})
    assert _membership(carol).vcse_partnership_lead
    client.post(_url(_membership(admin)), {"role": "admin", "vcse_partnership_lead": "on"})
    assert not _membership(carol).vcse_partnership_lead
    assert _membership(admin).vcse_partnership_lead
    assert AuditEvent.objects.filter(action="membership.vcse_lead_changed").count() == 3
    people = client.get(reverse("organisations:people", kwargs={"code": icb.code}))
    assert people.text.count("VCSE partnership lead") == 1


def test_only_an_icb_offers_a_vcse_partnership_lead(client, amy, bob):
    client.force_login(amy)
    assert "VCSE partnership lead" not in client.get(_url(_membership(bob))).text
    client.post(_url(_membership(bob)), {"role": "viewer", "vcse_partnership_lead": "on"})
    assert not _membership(bob).vcse_partnership_lead
