import datetime
import re

from django.urls import reverse
from django.utils import timezone

from partnerships.models import Action, Partnership


def _url(action):
    return reverse(
        "partnerships:action_edit",
        kwargs={"code": action.partnership.code, "action_code": action.code},
    )


def _form(action, **overrides):
    data = {
        "description": "Agree a lighter quarterly report, two pages at most",
        "owner_organisation": action.owner_organisation_id,
        "owner": action.owner_id or "",
        "due_on_0": "28",
        "due_on_1": "2",
        "due_on_2": "2027",
        "status": "open",
    }
    data.update(overrides)
    return data


def _unchanged(action):
    saved = Action.objects.get(pk=action.pk)
    return (saved.description, saved.due_on, saved.status, saved.owner_id) == (
        "Agree a lighter quarterly report",
        datetime.date(2027, 1, 31),
        "open",
        action.owner_id,
    )


def test_it_works(client, alice, action):
    client.force_login(alice)
    response = client.post(_url(action), _form(action, status="dropped"))
    assert response.status_code == 302
    assert response.url == reverse(
        "partnerships:action_list", kwargs={"code": action.partnership.code}
    )
    action.refresh_from_db()
    assert action.description == "Agree a lighter quarterly report, two pages at most"
    assert (action.due_on, action.status) == (datetime.date(2027, 2, 28), "dropped")
    assert "The action is saved." in client.get(response.url).text


def test_it_shows_the_saved_values(client, carol, action):
    client.force_login(carol)
    response = client.get(_url(action))
    assert response.status_code == 200
    assert "Agree a lighter quarterly report</textarea>" in response.text
    assert f'<option value="{action.owner_organisation_id}" selected>' in response.text
    assert re.search(r'value="open"\s+checked', response.text)
    assert 'name="due_on_0" value="31"' in response.text


def test_it_hides_from_outsiders(client, dan, action):
    client.force_login(dan)
    response = client.post(_url(action), _form(action, status="done"))
    assert response.status_code == 404
    assert _unchanged(action)


def test_it_hides_another_partnerships_action(client, alice, action, framework, outside_charity):
    # The action is looked up within the partnership in the URL only.
    other = Partnership.objects.create(name="Other", kind="grant", framework=framework)
    url = reverse(
        "partnerships:action_edit", kwargs={"code": other.code, "action_code": action.code}
    )
    client.force_login(alice)
    assert client.get(url).status_code == 404


def test_it_requires_role(client, bob, action):
    client.force_login(bob)
    response = client.post(_url(action), _form(action, status="done"))
    assert response.status_code == 403
    assert "Only the commissioners, or editors and admins of the organisation" in response.text
    assert _unchanged(action)


def test_it_keeps_everything_typed_when_the_form_is_invalid(client, alice, action):
    client.force_login(alice)
    response = client.post(
        _url(action), _form(action, description="Two pages", status="", due_on_1="13")
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert "Select whether the action is open, done or dropped" in response.text
    assert "Due date must be a real date, like 31 3 2027" in response.text
    assert "Two pages</textarea>" in response.text
    assert 'name="due_on_1" value="13"' in response.text
    assert _unchanged(action)


def test_the_owner_must_work_for_the_owner_organisation(client, carol, action, icb):
    client.force_login(carol)
    response = client.post(_url(action), _form(action, owner_organisation=icb.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["owner"] == [
        "Alice does not work for NHS North Valley ICB. Choose someone from "
        "NHS North Valley ICB, or leave the person blank"
    ]
    assert _unchanged(action)


def test_it_can_hand_the_action_to_the_other_organisation(client, carol, action, icb):
    client.force_login(carol)
    response = client.post(_url(action), _form(action, owner_organisation=icb.pk, owner=carol.pk))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.owner_organisation, action.owner) == (icb, carol)


def test_an_action_of_a_partner_that_has_left_can_still_be_closed(
    client, carol, action, partnership, charity
):
    partnership.participants.filter(organisation=charity).update(left_on=timezone.localdate())
    client.force_login(carol)
    form = client.get(_url(action)).context["form"]
    assert charity in form.fields["owner_organisation"].queryset
    response = client.post(_url(action), _form(action, status="dropped"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.owner_organisation) == ("dropped", charity)


def test_an_owner_who_has_left_their_organisation_is_kept(client, carol, action, alice):
    alice.memberships.all().delete()
    client.force_login(carol)
    response = client.get(_url(action))
    assert '<optgroup label="No longer at a partner organisation">' in response.text
    response = client.post(_url(action), _form(action, status="done"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.owner) == ("done", alice)


def test_an_overdue_action_is_changed_without_confirming_its_date_again(client, carol, action):
    action.due_on = datetime.date(2026, 1, 31)
    action.save(update_fields=["due_on"])
    client.force_login(carol)
    response = client.post(
        _url(action), _form(action, due_on_0="31", due_on_1="1", due_on_2="2026", status="done")
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
