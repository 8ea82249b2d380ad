import datetime
from decimal import Decimal

from django.urls import reverse


def _url(partnership):
    return reverse("partnerships:edit", kwargs={"code": partnership.code})


def _form(**overrides):
    data = {
        "name": "Riverside Mental Health Partnership",
        "kind": "contract",
        "service_area": "Mental health",
        "review_frequency_months": "12",
        "next_review_due_0": "31",
        "next_review_due_1": "3",
        "next_review_due_2": "2027",
    }
    data.update(overrides)
    return data


def test_it_works(client, carol, partnership):
    client.force_login(carol)
    response = client.post(_url(partnership), _form())
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.name == "Riverside Mental Health Partnership"


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    response = client.post(_url(partnership), _form())
    assert response.status_code == 404
    partnership.refresh_from_db()
    assert partnership.name == "Riverside Partnership"


def test_it_requires_role(client, alice, bob, partnership):
    for person in (alice, bob):
        client.force_login(person)
        response = client.post(_url(partnership), _form())
        assert response.status_code == 403
        assert "Only editors and admins of this partnership’s commissioning" in response.text
    partnership.refresh_from_db()
    assert partnership.name == "Riverside Partnership"


def test_it_keeps_the_saved_details_when_the_form_is_invalid(client, carol, partnership):
    client.force_login(carol)
    response = client.post(_url(partnership), _form(name="", service_area="Dementia"))
    assert response.status_code == 200
    assert 'value="Dementia"' in response.text
    partnership.refresh_from_db()
    assert (partnership.name, partnership.service_area) == (
        "Riverside Partnership",
        "Mental health",
    )


def test_a_next_review_date_that_has_passed_does_not_stop_other_changes(client, carol, partnership):
    partnership.next_review_due = datetime.date(2025, 1, 31)
    partnership.save(update_fields=["next_review_due"])
    client.force_login(carol)
    response = client.post(
        _url(partnership),
        _form(next_review_due_0="31", next_review_due_1="1", next_review_due_2="2025"),
    )
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.name == "Riverside Mental Health Partnership"


def test_its_annual_value_shows_its_pence(client, carol, partnership):
    partnership.annual_value = Decimal("1250000.50")
    partnership.save(update_fields=["annual_value"])
    client.force_login(carol)
    page = client.get(reverse("partnerships:detail", kwargs={"code": partnership.code})).text
    assert "£1,250,000.50" in page
    partnership.annual_value = Decimal("240000.00")
    partnership.save(update_fields=["annual_value"])
    page = client.get(reverse("partnerships:detail", kwargs={"code": partnership.code})).text
    assert "£240,000<" in page
