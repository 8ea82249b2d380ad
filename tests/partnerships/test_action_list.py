import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerships.access import can_change_action
from partnerships.models import Action
from partnerships.views.actions import ACTIONS_PAGE_SIZE


def _url(partnership, **filters):
    url = reverse("partnerships:action_list", kwargs={"code": partnership.code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in filters.items()) if filters else "")


def _add(partnership, organisation, description, *, status="open", due_on=None, **extra):
    return Action.objects.create(
        partnership=partnership,
        owner_organisation=organisation,
        description=description,
        status=status,
        due_on=due_on,
        **extra,
    )


def _descriptions(response):
    return [action.description for action, _ in response.context["rows"]]


def test_it_works(client, bob, action):
    client.force_login(bob)
    response = client.get(_url(action.partnership))
    assert response.status_code == 200
    assert "Agree a lighter quarterly report" in response.text
    assert "Riverside Mind" in response.text


def test_it_hides_from_outsiders(client, dan, action):
    client.force_login(dan)
    response = client.get(_url(action.partnership))
    assert response.status_code == 404
    assert "Agree a lighter quarterly report" not in response.text


def test_it_offers_no_changes_to_viewers(client, bob, action):
    # Bob may read the list, but has no role to add or change actions.
    client.force_login(bob)
    response = client.get(_url(action.partnership))
    assert "Add an action" not in response.text
    assert "Mark as done" not in response.text
    edit = reverse(
        "partnerships:action_edit",
        kwargs={"code": action.partnership.code, "action_code": action.code},
    )
    assert edit not in response.text


def test_it_offers_changes_to_editors(client, alice, action):
    client.force_login(alice)
    response = client.get(_url(action.partnership))
    assert reverse("partnerships:action_create", kwargs={"code": action.partnership.code}) in (
        response.text
    )
    assert "Mark as done" in response.text


def test_it_shows_change_exactly_where_the_access_rule_allows(
    client, partnership, charity, icb, action, alice, bob, carol
):
    icb_action = _add(partnership, icb, "Share the data dashboard")
    for person in (alice, bob, carol):
        client.force_login(person)
        response = client.get(_url(partnership))
        shown = {a.pk: allowed for a, allowed in response.context["rows"]}
        assert shown == {
            action.pk: can_change_action(person, action),
            icb_action.pk: can_change_action(person, icb_action),
        }, person


def test_it_lists_overdue_actions_first_among_open_ones(client, bob, partnership, charity, icb):
    today = timezone.localdate()
    _add(partnership, charity, "Later", due_on=today + datetime.timedelta(days=30))
    _add(partnership, charity, "No date")
    _add(partnership, icb, "Done long ago", status="done", due_on=today - datetime.timedelta(400))
    _add(partnership, icb, "Overdue", due_on=today - datetime.timedelta(days=3))
    _add(partnership, icb, "Very overdue", due_on=today - datetime.timedelta(days=60))
    client.force_login(bob)
    response = client.get(_url(partnership))
    assert _descriptions(response) == [
        "Very overdue",
        "Overdue",
        "Later",
        "No date",
        "Done long ago",
    ]
    assert response.text.count(">Overdue</strong>") == 2


def test_it_filters_by_owner_and_status(client, bob, partnership, charity, icb):
    _add(partnership, charity, "Charity open")
    _add(partnership, charity, "Charity done", status="done")
    _add(partnership, icb, "ICB open")
    client.force_login(bob)
    response = client.get(_url(partnership, owner=charity.code, status="open"))
    assert _descriptions(response) == ["Charity open"]
    # The filters stay in the URL and in the form, so the page can be shared or reloaded.
    assert f'<option value="{charity.code}" selected>' in response.text
    assert '<option value="open" selected>' in response.text
    assert 'method="get"' in response.text
    assert "Clear filters" in response.text


def test_it_ignores_filters_that_do_not_fit(client, bob, partnership, charity, outside_charity):
    _add(partnership, charity, "Charity open")
    client.force_login(bob)
    response = client.get(_url(partnership, owner=outside_charity.code, status="lost"))
    assert response.status_code == 200
    assert _descriptions(response) == ["Charity open"]


def test_it_never_offers_a_non_partner_to_filter_by(client, bob, partnership, outside_charity):
    client.force_login(bob)
    response = client.get(_url(partnership))
    owners = list(response.context["filters"].fields["owner"].queryset)
    assert outside_charity not in owners
    assert "Hillside Trust" not in response.text


def test_it_says_when_there_are_no_actions(client, alice, partnership):
    client.force_login(alice)
    response = client.get(_url(partnership))
    assert "No actions have been agreed for this partnership yet." in response.text
    assert "Add an action" in response.text


def test_it_says_when_no_action_matches_the_filters(client, bob, action):
    client.force_login(bob)
    response = client.get(_url(action.partnership, status="dropped"))
    assert "No actions match these filters." in response.text


@pytest.mark.parametrize("count", [1, 10, 100])
def test_it_runs_a_fixed_number_of_queries(
    client, alice, partnership, charity, closed_review, count
):
    principle = partnership.framework.principles.get(number=1)
    for number in range(count):
        _add(
            partnership,
            charity,
            f"Action {number:02}",
            owner=alice,
            review=closed_review,
            principle=principle,
            due_on=datetime.date(2026, 1, 1),
        )
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(partnership, owner=charity.code, status="open"))
    assert response.status_code == 200
    shown = min(count, ACTIONS_PAGE_SIZE)
    assert len(response.context["rows"]) == shown
    assert response.text.count(">Overdue</strong>") == shown
    assert f"Actions matching the filters ({count}" in response.text
    # User, partnership, owner filter, can manage, memberships, count, a page of actions, can
    # add, navigation, owner choices (the session was kept at sign-in: organisations/frame.py).
    assert len(queries) == 10, [q["sql"] for q in queries]


def test_it_lists_a_page_at_a_time_keeping_the_filters(client, alice, partnership, charity):
    for number in range(ACTIONS_PAGE_SIZE + 3):
        _add(partnership, charity, f"Action {number:02}", due_on=datetime.date(2027, 1, 1 + number))
    client.force_login(alice)
    first = client.get(_url(partnership, status="open"))
    assert len(first.context["rows"]) == ACTIONS_PAGE_SIZE
    assert "(28; page 1 of 2)" in first.text
    assert 'href="?status=open&amp;page=2"' in first.text
    second = client.get(_url(partnership, status="open", page="2"))
    assert [a.description for a, _ in second.context["rows"]] == [
        "Action 25",
        "Action 26",
        "Action 27",
    ]
