import re

import pytest
from django.urls import reverse

from organisations.models import Organisation
from partnerships.models import Participant


@pytest.fixture
def council(db):
    return Organisation.objects.create(name="Valley Council", kind="local_authority")


def _url(partnership):
    return reverse("partnerships:participants", kwargs={"code": partnership.code})


def _remove_url(participant):
    return reverse(
        "partnerships:participant_remove",
        kwargs={"code": participant.partnership.code, "participant_code": participant.code},
    )


def test_it_adds_a_partner(client, carol, partnership, council):
    client.force_login(carol)
    response = client.post(
        _url(partnership), {"organisation": council.code, "role": "local_authority"}
    )
    assert response.status_code == 302
    assert partnership.participants.filter(organisation=council, role="local_authority").exists()


def test_it_does_not_offer_current_partners(client, carol, partnership, charity, council):
    client.force_login(carol)
    response = client.get(_url(partnership))
    options = response.context["form"].fields["organisation"].queryset
    assert council in options
    assert charity not in options


def test_it_refuses_a_second_lead_commissioner(client, carol, partnership, council):
    client.force_login(carol)
    response = client.post(
        _url(partnership), {"organisation": council.code, "role": "lead_commissioner"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not partnership.participants.filter(organisation=council).exists()


def test_it_hides_from_outsiders(client, dan, partnership, council):
    client.force_login(dan)
    response = client.post(_url(partnership), {"organisation": council.code, "role": "other"})
    assert response.status_code == 404
    assert partnership.participants.count() == 2


def test_it_requires_role(client, bob, partnership, council):
    client.force_login(bob)
    response = client.post(_url(partnership), {"organisation": council.code, "role": "other"})
    assert response.status_code == 403
    assert partnership.participants.count() == 2


def test_removing_a_partner_keeps_its_history(client, carol, alice, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(carol)
    response = client.post(_remove_url(participant))
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.left_on is not None
    # A partner that has left no longer sees the partnership.
    client.force_login(alice)
    detail = reverse("partnerships:detail", kwargs={"code": partnership.code})
    assert client.get(detail).status_code == 404


def test_a_removed_partner_can_rejoin(client, carol, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(carol)
    client.post(_remove_url(participant))
    client.post(_url(partnership), {"organisation": charity.code, "role": "provider"})
    participant.refresh_from_db()
    assert (participant.left_on, participant.role) == (None, "provider")


def test_the_lead_commissioner_cannot_be_removed(client, carol, partnership, icb):
    lead = Participant.objects.get(partnership=partnership, organisation=icb)
    client.force_login(carol)
    response = client.post(_remove_url(lead), follow=True)
    assert "The lead commissioner cannot be removed" in response.text
    lead.refresh_from_db()
    assert lead.left_on is None


def test_remove_hides_from_outsiders(client, dan, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(dan)
    assert client.post(_remove_url(participant)).status_code == 404
    participant.refresh_from_db()
    assert participant.left_on is None


def test_remove_requires_role(client, alice, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(alice)
    assert client.post(_remove_url(participant)).status_code == 403
    participant.refresh_from_db()
    assert participant.left_on is None


def test_remove_rejects_get(client, carol, partnership, charity):
    participant = Participant.objects.get(partnership=partnership, organisation=charity)
    client.force_login(carol)
    assert client.get(_remove_url(participant)).status_code == 405


def test_its_optional_date_says_so_once(client, carol, partnership):
    client.force_login(carol)
    page = client.get(_url(partnership)).text
    assert "Date it joined (optional)" in page
    assert "(optional) (optional)" not in page


def _search(client, partnership, text):
    return client.get(_url(partnership), {"q": text})


def test_it_finds_an_organisation_by_name_or_identifier_and_offers_only_those(
    client, carol, partnership, council
):
    other = Organisation.objects.create(
        name="Brightwater Trust",
        kind="charity",
        charity_number="1098765",
        charity_regulator="CCEW",
        company_number="01234567",
    )
    nhs = Organisation.objects.create(name="Valley Hospital", kind="nhs_trust", ods_code="RX1")
    client.force_login(carol)
    first = client.get(_url(partnership))
    assert first.context["form"].fields["organisation"].widget.choices == []
    assert "Search for the organisation above, then select it here." in first.text

    for text, expected in [
        ("valley", [council, nhs]),
        ("  VALLEY   council ", [council]),
        ("1098765", [other]),
        ("0123 4567", [other]),
        ("rx1", [nhs]),
    ]:
        form = _search(client, partnership, text).context["form"]
        assert form.matches == expected, text
        assert [code for code, _ in form.fields["organisation"].widget.choices] == [
            str(o.code) for o in expected
        ]
    page = _search(client, partnership, "1098765").text
    assert "Brightwater Trust (Charity, charity 1098765, company 01234567)" in page


def test_its_search_never_offers_a_current_partner(client, carol, partnership, charity):
    client.force_login(carol)
    response = _search(client, partnership, "Riverside")
    assert response.context["form"].matches == []
    assert "No organisation that is not yet a partner matches “Riverside”" in response.text


def test_it_offers_at_most_twenty_and_says_there_are_more(client, carol, partnership):
    Organisation.objects.bulk_create(
        Organisation(name=f"Carers Centre {n:02}", kind="charity") for n in range(25)
    )
    client.force_login(carol)
    response = _search(client, partnership, "carers centre")
    assert len(response.context["form"].matches) == 20
    assert "Type more of the name to find others" in response.text


def test_a_failed_add_keeps_the_search_and_the_choice(client, carol, partnership, council):
    client.force_login(carol)
    url = _url(partnership) + "?q=council"
    response = client.post(url, {"organisation": council.code, "role": ""})
    assert response.status_code == 200
    assert "Select the organisation’s role" in response.text
    assert re.search(rf'value="{council.code}"\s+checked', response.text) or (
        f'value="{council.code}" checked' in response.text
    )
    assert not partnership.participants.filter(organisation=council).exists()


def test_it_refuses_an_organisation_code_that_is_not_there(client, carol, partnership):
    client.force_login(carol)
    for value in ["not-a-code", "0b6f2b8e-5a3e-4b56-9a59-0cc1f2d1f6a1", ""]:
        response = client.post(_url(partnership), {"organisation": value, "role": "other"})
        assert response.status_code == 200
        assert partnership.participants.count() == 2


def _json_search(client, partnership, text):
    url = reverse("partnerships:organisation_search", kwargs={"code": partnership.code})
    return client.get(url, {"q": text})


def test_its_search_answers_the_autocomplete_with_what_the_page_offers(
    client, carol, partnership, council, charity
):
    client.force_login(carol)
    response = _json_search(client, partnership, "council")
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "code": str(council.code),
                "name": "Valley Council",
                "label": "Valley Council (Local authority)",
            }
        ],
        "more": False,
    }
    assert _json_search(client, partnership, "Riverside").json()["results"] == []
    assert _json_search(client, partnership, "").json()["results"] == []


def test_its_search_hides_from_outsiders_and_requires_role(client, dan, bob, partnership):
    client.force_login(dan)
    assert _json_search(client, partnership, "council").status_code == 404
    client.force_login(bob)
    assert _json_search(client, partnership, "council").status_code == 403


def test_an_organisation_chosen_in_the_autocomplete_comes_selected(
    client, carol, partnership, council
):
    client.force_login(carol)
    page = client.get(_url(partnership), {"q": "Valley Council", "chosen": str(council.code)})
    assert re.search(rf'value="{council.code}"\s+checked', page.text)
    # A code that the search did not find selects nothing.
    page = client.get(_url(partnership), {"q": "nothing", "chosen": str(council.code)})
    assert "checked" not in page.text.split('id="add"', 1)[1]
