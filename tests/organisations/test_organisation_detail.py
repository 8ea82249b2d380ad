from django.urls import reverse


def _url(organisation):
    return reverse("organisations:detail", kwargs={"code": organisation.code})


def test_it_works_for_members_with_their_people(client, bob, alice, charity, partnership):
    client.force_login(bob)
    response = client.get(_url(charity))
    assert response.status_code == 200
    assert "1123456" in response.text
    assert "Riverside Partnership" in response.text
    assert alice.email in response.text  # members see the people


def test_partners_see_the_profile_but_not_the_people(client, carol, alice, charity, partnership):
    client.force_login(carol)
    response = client.get(_url(charity))
    assert response.status_code == 200
    assert "Riverside Mind" in response.text
    assert alice.email not in response.text


def test_it_hides_from_outsiders(client, dan, charity, partnership):
    client.force_login(dan)
    assert client.get(_url(charity)).status_code == 404


def test_it_sends_anonymous_people_to_sign_in(client, charity):
    response = client.get(_url(charity))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_platform_admins_see_every_organisation(client, ada, outside_charity):
    client.force_login(ada)
    assert client.get(_url(outside_charity)).status_code == 200
