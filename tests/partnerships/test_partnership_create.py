import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from partnerships.models import Participant, Partnership

URL = reverse("partnerships:create")


def _form(icb, **overrides):
    data = {
        "lead_organisation": icb.pk,
        "name": "Healthy Homes Alliance",
        "kind": "alliance_contract",
        "service_area": "Housing and health",
        "icb": icb.pk,
        "starts_on_0": "1",
        "starts_on_1": "4",
        "starts_on_2": "2026",
        "annual_value": "1,250,000",
        "review_frequency_months": "6",
        "next_review_due_0": "30",
        "next_review_due_1": "9",
        "next_review_due_2": "2027",
    }
    data.update(overrides)
    return data


def test_it_works(client, carol, icb, framework):
    client.force_login(carol)
    response = client.post(URL, _form(icb))
    partnership = Partnership.objects.get(name="Healthy Homes Alliance")
    assert response.status_code == 302
    assert response.url == reverse("partnerships:participants", kwargs={"code": partnership.code})
    assert partnership.framework == framework
    assert str(partnership.annual_value) == "1250000.00"
    assert partnership.review_frequency_months == 6
    lead = Participant.objects.get(partnership=partnership)
    assert (lead.organisation, lead.role, lead.lead_contact) == (icb, "lead_commissioner", carol)


def test_it_requires_role(client, alice, icb):
    client.force_login(alice)
    response = client.post(URL, _form(icb))
    assert response.status_code == 403
    assert "NHS commissioning organisation" in response.text
    assert not Partnership.objects.exists()


def test_it_does_not_let_a_commissioner_lead_for_another_organisation(client, carol, charity, icb):
    client.force_login(carol)
    response = client.post(URL, _form(icb, lead_organisation=charity.pk))
    assert response.status_code == 200
    assert not Partnership.objects.exists()


def test_it_keeps_what_was_typed_when_the_form_is_invalid(client, carol, icb):
    client.force_login(carol)
    response = client.post(
        URL,
        _form(icb, name="", annual_value="lots", review_frequency_months="0", starts_on_2=""),
    )
    assert response.status_code == 200
    text = response.text
    assert "<title>Error: Register a partnership" in text
    assert "There is a problem" in text
    assert "Enter the name of the partnership" in text
    assert "Annual value must be an amount in pounds" in text
    assert "between 1 and 60" in text
    assert "Start date must include a day, month and year" in text
    assert 'value="Housing and health"' in text
    assert 'value="lots"' in text
    assert not Partnership.objects.exists()


def test_it_rejects_an_end_before_the_start(client, carol, icb):
    client.force_login(carol)
    response = client.post(URL, _form(icb, ends_on_0="1", ends_on_1="1", ends_on_2="2026"))
    assert "End date must be the same as or after the start date" in response.text
    assert not Partnership.objects.exists()


def test_it_rejects_an_impossible_date(client, carol, icb):
    client.force_login(carol)
    response = client.post(URL, _form(icb, starts_on_0="31", starts_on_1="2"))
    assert "Start date must be a real date" in response.text
    assert not Partnership.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("£1,250,000.50", "1250000.50"),
        ("1250000.5", "1250000.50"),
        ("£ 250,000", "250000.00"),
        (" 250000 ", "250000.00"),
        ("0", "0.00"),
    ],
)
def test_it_takes_pounds_and_pence_as_people_type_them(client, carol, icb, typed, stored):
    client.force_login(carol)
    response = client.post(URL, _form(icb, annual_value=typed))
    assert response.status_code == 302
    assert str(Partnership.objects.get().annual_value) == stored


@pytest.mark.parametrize("typed", ["1e3", "1E3", "-5", "1,25,000", "12.345", "1.2.3", "NaN"])
def test_it_refuses_what_is_not_an_amount_and_shows_what_was_typed(client, carol, icb, typed):
    client.force_login(carol)
    response = client.post(URL, _form(icb, annual_value=typed))
    assert response.status_code == 200
    assert "Annual value must be an amount in pounds" in response.text
    assert f'value="{escape(typed)}"' in response.text
    assert not Partnership.objects.exists()


def test_it_refuses_a_next_review_date_in_the_past_and_says_why(client, carol, icb):
    client.force_login(carol)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        URL,
        _form(
            icb,
            next_review_due_0=str(yesterday.day),
            next_review_due_1=str(yesterday.month),
            next_review_due_2=str(yesterday.year),
        ),
    )
    assert response.status_code == 200
    assert "Next review due must be today or later" in response.text
    assert not Partnership.objects.exists()
