from django.urls import reverse

from partnerships.models import Action


def _url(action):
    return reverse(
        "partnerships:action_done",
        kwargs={"code": action.partnership.code, "action_code": action.code},
    )


def _status(action):
    return Action.objects.get(pk=action.pk).status


def test_it_works(client, alice, action):
    client.force_login(alice)
    response = client.post(_url(action))
    assert response.status_code == 302
    assert response.url == reverse(
        "partnerships:action_list", kwargs={"code": action.partnership.code}
    )
    assert _status(action) == "done"
    assert "“Agree a lighter quarterly report” is marked as done." in client.get(response.url).text


def test_commissioners_can_close_a_partners_action(client, carol, action):
    client.force_login(carol)
    assert client.post(_url(action)).status_code == 302
    assert _status(action) == "done"


def test_it_returns_to_the_list_as_it_was_filtered(client, alice, action, charity):
    client.force_login(alice)
    response = client.post(
        _url(action), {"filters": f"owner={charity.code}&status=open&next=//evil.example"}
    )
    list_url = reverse("partnerships:action_list", kwargs={"code": action.partnership.code})
    assert response.url == f"{list_url}?owner={charity.code}&status=open"


def test_it_hides_from_outsiders(client, dan, action):
    client.force_login(dan)
    assert client.post(_url(action)).status_code == 404
    assert _status(action) == "open"


def test_it_requires_role(client, bob, action):
    client.force_login(bob)
    response = client.post(_url(action))
    assert response.status_code == 403
    assert _status(action) == "open"


def test_it_rejects_get(client, alice, action):
    client.force_login(alice)
    assert client.get(_url(action)).status_code == 405
    assert _status(action) == "open"
