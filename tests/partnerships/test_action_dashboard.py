"""'Your actions' on the dashboard: Action.objects.for_dashboard and its partial."""

import datetime

from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partnerships.models import Action, Participant, Partnership

TODAY = timezone.localdate()


def _add(partnership, organisation, description, *, owner=None, due_in=None, status="open"):
    return Action.objects.create(
        partnership=partnership,
        owner_organisation=organisation,
        owner=owner,
        description=description,
        due_on=None if due_in is None else TODAY + datetime.timedelta(days=due_in),
        status=status,
    )


def _descriptions(user):
    return [action.description for action in Action.objects.for_dashboard(user)]


def test_overdue_first_then_by_due_date_and_no_date_last(partnership, charity, alice):
    _add(partnership, charity, "No date", owner=alice)
    _add(partnership, charity, "Next month", owner=alice, due_in=30)
    _add(partnership, charity, "Overdue", owner=alice, due_in=-2)
    _add(partnership, charity, "Due today", owner=alice, due_in=0)
    _add(partnership, charity, "Long overdue", owner=alice, due_in=-90)
    assert _descriptions(alice) == ["Long overdue", "Overdue", "Due today", "Next month", "No date"]


def test_it_lists_mine_and_my_organisations_unowned_open_actions(
    partnership, charity, icb, alice, bob, carol
):
    _add(partnership, charity, "Alice's", owner=alice)
    _add(partnership, charity, "Riverside's, no one named")
    _add(partnership, charity, "Alice's, done", owner=alice, status="done")
    _add(partnership, charity, "Alice's, dropped", owner=alice, status="dropped")
    _add(partnership, icb, "The ICB's, no one named")
    _add(partnership, icb, "Carol's", owner=carol)
    assert set(_descriptions(alice)) == {"Alice's", "Riverside's, no one named"}
    # Bob is at Riverside too, but Alice's actions are hers.
    assert _descriptions(bob) == ["Riverside's, no one named"]
    assert set(_descriptions(carol)) == {"The ICB's, no one named", "Carol's"}


def test_it_leaves_out_partnerships_the_user_no_longer_sees(
    partnership, framework, icb, charity, alice
):
    old = Partnership.objects.create(name="Old grant", kind="grant", framework=framework)
    Participant.objects.create(
        partnership=old, organisation=charity, role="vcse_partner", left_on=TODAY
    )
    Participant.objects.create(partnership=old, organisation=icb, role="lead_commissioner")
    _add(old, charity, "From a partnership Riverside left", owner=alice)
    _add(partnership, charity, "Current", owner=alice)
    assert _descriptions(alice) == ["Current"]


def test_it_shows_nothing_to_outsiders(partnership, charity, dan):
    _add(partnership, charity, "Riverside's, no one named")
    assert _descriptions(dan) == []


def test_visible_to_follows_the_partnership_gate(action, alice, carol, dan, ada):
    assert list(Action.objects.visible_to(alice)) == [action]
    assert list(Action.objects.visible_to(carol)) == [action]
    assert list(Action.objects.visible_to(dan)) == []
    assert list(Action.objects.visible_to(ada)) == [action]


def test_the_partial_flags_overdue_actions_in_one_query(partnership, charity, alice):
    for number in range(5):
        _add(partnership, charity, f"Overdue {number}", owner=alice, due_in=-1 - number)
    _add(partnership, charity, "Not yet", owner=alice, due_in=10)
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(
            "partnerships/_your_actions.html",
            {"your_actions": Action.objects.for_dashboard(alice)},
        )
    assert len(queries) == 1
    assert html.count(">Overdue</strong>") == 5
    assert "Riverside Partnership" in html
    assert html.index("Overdue 4") < html.index("Overdue 0") < html.index("Not yet")


def test_the_partial_says_when_there_is_nothing_to_do(dan):
    html = render_to_string(
        "partnerships/_your_actions.html", {"your_actions": Action.objects.for_dashboard(dan)}
    )
    assert "You have no open actions." in html
    assert "<table" not in html
