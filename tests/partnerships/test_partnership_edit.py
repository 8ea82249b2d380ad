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
