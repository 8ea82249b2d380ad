import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership, Organisation
from partnerships.models import Action, Partnership, Review
from tests.conftest import make_user


def _url(partnership, **query):
    url = reverse("partnerships:action_create", kwargs={"code": partnership.code})
    return f"{url}?{urlencode(query)}" if query else url


def _form(organisation, **overrides):
    data = {
        "description": "Agree a shared outcomes framework",
        "owner_organisation": organisation.pk,
        "due_on_0": "31",
        "due_on_1": "3",
        "due_on_2": "2027",
    }
    data.update(overrides)
    return data


@pytest.fixture
def other_partnership(framework, icb, outside_charity):
    """Hillside's partnership with the ICB: Riverside's pickers must never offer its things."""
    partnership = Partnership.objects.create(
        name="Hillside Partnership", kind=Partnership.Kind.GRANT, framework=framework
    )
    partnership.participants.create(organisation=icb, role="lead_commissioner")
    partnership.participants.create(organisation=outside_charity, role="vcse_partner")
    return partnership


def test_it_works(client, alice, partnership, charity, closed_review):
    principle = partnership.framework.principles.get(number=3)
    client.force_login(alice)
    response = client.post(
        _url(partnership),
        _form(charity, owner=alice.pk, review=closed_review.pk, principle=principle.pk),
    )
    assert response.status_code == 302
    assert response.url == reverse("partnerships:action_list", kwargs={"code": partnership.code})
    action = Action.objects.get(partnership=partnership)
    assert (action.description, action.owner_organisation, action.owner) == (
        "Agree a shared outcomes framework",
        charity,
        alice,
    )
    assert (action.review, action.principle) == (closed_review, principle)
    assert (action.due_on, action.status, action.created_by) == (
        datetime.date(2027, 3, 31),
        "open",
        alice,
    )
    assert "The action is added." in client.get(response.url).text


def test_commissioners_can_add_actions_for_a_partner(client, carol, partnership, charity):
    client.force_login(carol)
    response = client.post(_url(partnership), _form(charity, due_on_0="", due_on_1="", due_on_2=""))
    assert response.status_code == 302
    assert Action.objects.get(partnership=partnership).due_on is None


def test_it_hides_from_outsiders(client, dan, partnership, charity):
    client.force_login(dan)
    response = client.post(_url(partnership), _form(charity))
    assert response.status_code == 404
    assert not Action.objects.exists()


def test_it_requires_role(client, bob, partnership, charity):
    client.force_login(bob)
    response = client.post(_url(partnership), _form(charity))
    assert response.status_code == 403
    assert "Only editors and admins of the partner organisations can add actions." in (
        response.text
    )
    assert not Action.objects.exists()


def test_it_keeps_everything_typed_when_the_form_is_invalid(client, alice, partnership, charity):
    client.force_login(alice)
    response = client.post(
        _url(partnership),
        _form(charity, description="", owner=alice.pk, due_on_0="31", due_on_1="2"),
    )
    assert response.status_code == 200
    text = response.text
    assert "govuk-error-summary" in text
    assert "<title>Error: " in text
    assert "Enter what needs to happen" in text
    assert "Due date must be a real date" in text
    assert f'<option value="{charity.pk}" selected>' in text
    assert f'<option value="{alice.pk}" selected>' in text
    assert 'value="31"' in text and 'value="2027"' in text
    assert not Action.objects.exists()


def test_it_keeps_a_typed_description_when_another_field_is_wrong(
    client, alice, partnership, charity
):
    client.force_login(alice)
    response = client.post(_url(partnership), _form(charity, owner_organisation=""))
    assert "Select the organisation that owns the action" in response.text
    assert "Agree a shared outcomes framework</textarea>" in response.text


def test_the_owner_must_work_for_the_owner_organisation(client, alice, partnership, icb):
    client.force_login(alice)
    response = client.post(_url(partnership), _form(icb, owner=alice.pk))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["owner"] == [
        "Alice does not work for NHS North Valley ICB. Choose someone from "
        "NHS North Valley ICB, or leave the person blank"
    ]
    assert "govuk-error-summary" in response.text
    assert not Action.objects.exists()


def test_it_prefills_from_the_link(client, carol, partnership, closed_review):
    client.force_login(carol)
    response = client.get(
        _url(
            partnership,
            review=closed_review.code,
            principle=4,
            description="Publish the grant criteria",
        )
    )
    assert response.status_code == 200
    principle = partnership.framework.principles.get(number=4)
    assert f'<option value="{closed_review.pk}" selected>' in response.text
    assert f'<option value="{principle.pk}" selected>' in response.text
    assert "Publish the grant criteria</textarea>" in response.text
    assert "govuk-error-summary" not in response.text


@pytest.mark.parametrize(
    "query",
    [
        {"review": "not-a-uuid", "principle": "eight"},
        {"review": "00000000-0000-0000-0000-000000000000", "principle": "99"},
        {"principle": "-1", "description": "   "},
    ],
)
def test_it_ignores_a_prefill_that_does_not_fit(client, carol, partnership, query):
    client.force_login(carol)
    response = client.get(_url(partnership, **query))
    assert response.status_code == 200
    assert response.context["form"].initial == {}
    assert "govuk-error-summary" not in response.text


def test_it_ignores_another_partnerships_review_in_the_link(
    client, carol, partnership, other_partnership
):
    theirs = Review.objects.create(
        partnership=other_partnership,
        framework=other_partnership.framework,
        opened_on=datetime.date(2026, 1, 5),
        due_on=datetime.date(2026, 2, 5),
    )
    client.force_login(carol)
    response = client.get(_url(partnership, review=theirs.code))
    assert response.context["form"].initial.get("review") is None


def test_pickers_offer_only_this_partnerships_things(
    client, alice, carol, dan, partnership, other_partnership, framework, open_review
):
    theirs = Review.objects.create(
        partnership=other_partnership,
        framework=other_partnership.framework,
        opened_on=datetime.date(2026, 1, 5),
        due_on=datetime.date(2026, 2, 5),
    )
    client.force_login(alice)
    form = client.get(_url(partnership)).context["form"]
    assert list(form.fields["review"].queryset) == [open_review]
    assert theirs not in form.fields["review"].queryset
    organisations = set(form.fields["owner_organisation"].queryset.values_list("name", flat=True))
    assert organisations == {"NHS North Valley ICB", "Riverside Mind"}
    people = set(form.fields["owner"].queryset)
    assert {alice, carol} <= people
    assert dan not in people
    assert list(form.fields["principle"].queryset) == list(framework.principles.all())


def test_it_never_offers_a_non_partner(client, alice, partnership, outside_charity, dan):
    client.force_login(alice)
    response = client.get(_url(partnership))
    assert "Hillside Trust" not in response.text
    assert dan.email not in response.text


def test_it_refuses_a_non_partner_sent_by_hand(client, alice, partnership, outside_charity, dan):
    client.force_login(alice)
    response = client.post(_url(partnership), _form(outside_charity, owner=dan.pk))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["owner_organisation"] == ["Select one of the partner organisations"]
    assert errors["owner"] == ["Select someone who works for a partner organisation"]
    assert not Action.objects.exists()


def test_a_partner_that_has_left_is_not_offered(client, carol, partnership, charity):
    partnership.participants.filter(organisation=charity).update(left_on=timezone.localdate())
    client.force_login(carol)
    form = client.get(_url(partnership)).context["form"]
    assert charity not in form.fields["owner_organisation"].queryset


def test_people_are_grouped_by_their_organisation(client, alice, carol, partnership, charity):
    both = make_user("erin@riverside.example", charity)
    Membership.objects.create(
        user=both, organisation=Organisation.objects.get(name__endswith="ICB")
    )
    client.force_login(alice)
    response = client.get(_url(partnership))
    assert '<optgroup label="NHS North Valley ICB">' in response.text
    assert '<optgroup label="Riverside Mind">' in response.text
    assert response.text.count("Erin (erin@riverside.example)") == 2


def test_it_asks_to_confirm_a_due_date_in_the_past(client, alice, partnership, charity):
    client.force_login(alice)
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    past = {
        "due_on_0": str(last_week.day),
        "due_on_1": str(last_week.month),
        "due_on_2": str(last_week.year),
    }
    response = client.post(_url(partnership), _form(charity, **past))
    assert response.status_code == 200
    assert f"The due date, {last_week:%-d %B %Y}, is in the past" in response.text
    assert 'type="checkbox" name="confirm_past_due"' in response.text
    assert "Agree a shared outcomes framework" in response.text  # nothing typed is lost
    assert not Action.objects.exists()

    response = client.post(_url(partnership), _form(charity, **past, confirm_past_due="on"))
    assert response.status_code == 302
    assert Action.objects.get().due_on == last_week


def test_it_asks_nothing_of_a_date_today_or_later(client, alice, partnership, charity):
    client.force_login(alice)
    page = client.get(_url(partnership)).text
    assert 'type="checkbox" name="confirm_past_due"' not in page
    today = timezone.localdate()
    day, month, year = str(today.day), str(today.month), str(today.year)
    response = client.post(
        _url(partnership), _form(charity, due_on_0=day, due_on_1=month, due_on_2=year)
    )
    assert response.status_code == 302
