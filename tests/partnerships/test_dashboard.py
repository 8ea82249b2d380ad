import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership
from partnerships.models import Action, Assessment, Participant, Partnership, Review
from partnerships.views.partnerships import DASHBOARD_LIST_SIZE, DASHBOARD_PAGE_SIZE
from tests.conftest import store_result, submit


def _main(response) -> str:
    """The page's own content, without the header's navigation (which links to registration
    for every commissioner) or the footer."""
    text = response.text
    return text[text.index('<main class="govuk-main-wrapper"') : text.index("</main>")]


def test_it_works(client, alice, partnership):
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    main = _main(response)
    detail = reverse("partnerships:detail", kwargs={"code": partnership.code})
    assert f'href="{detail}">Riverside Partnership</a>' in main
    assert "NHS North Valley ICB" in main  # its partners


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    response = client.get(reverse("dashboard"))
    assert "Riverside Partnership" not in response.text
    assert "not in any partnerships yet" in response.text


def test_it_sends_anonymous_people_to_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_shows_the_latest_review_state(client, alice, partnership, carol):
    Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_by=carol,
        opened_on="2026-01-05",
        due_on="2026-02-05",
        state=Review.State.CLOSED,
        closed_on="2026-02-10",
        overall_rag="amber",
    )
    Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_by=carol,
        opened_on="2026-11-01",
        due_on="2026-12-01",
    )
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert "due 1 December 2026" in response.text


def test_it_offers_registration_to_commissioners_with_no_partnerships(client, carol):
    client.force_login(carol)
    main = _main(client.get(reverse("dashboard")))
    assert "not in any partnerships yet" in main
    assert f'href="{reverse("partnerships:create")}"' in main


def _add_partnerships(count, framework, icb, charity, alice):
    """`count` rows in each of the dashboard's lists: partnerships (with partners and
    reviews), assessments waiting, actions, and reviews coming due."""
    soon = timezone.localdate() + datetime.timedelta(days=20)
    for number in range(count):
        for state in ("open", "due"):
            partnership = Partnership.objects.create(
                name=f"Partnership {state} {number:03}",
                kind=Partnership.Kind.GRANT,
                framework=framework,
                next_review_due=soon,
            )
            Participant.objects.create(
                partnership=partnership, organisation=icb, role="commissioner"
            )
            Participant.objects.create(
                partnership=partnership, organisation=charity, role="provider"
            )
            if state == "open":
                review = Review.objects.create(
                    partnership=partnership,
                    framework=framework,
                    opened_on="2026-10-01",
                    due_on="2026-11-01",
                )
                Assessment.objects.create(review=review, organisation=charity)
            Action.objects.create(
                partnership=partnership,
                description=f"Action {state} {number:03}",
                owner_organisation=charity,
                owner=alice,
                due_on=soon,
            )


@pytest.mark.parametrize("count", [1, 10, 100])
def test_it_runs_a_fixed_number_of_queries(client, alice, framework, icb, charity, count):
    _add_partnerships(count, framework, icb, charity, alice)
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    context = response.context
    assert len(context["page"]) == min(2 * count, DASHBOARD_PAGE_SIZE)
    assert len(context["waiting"]) == count
    assert len(context["your_actions"]) == min(2 * count, DASHBOARD_LIST_SIZE)
    assert len(context["coming_due"]) == min(count, DASHBOARD_LIST_SIZE)
    # A list cut short says so, and where the rest are.
    more_actions = "most pressing open actions, overdue first" in response.text
    assert more_actions == (2 * count > DASHBOARD_LIST_SIZE)
    assert ("These are the 10 due soonest" in response.text) == (count > DASHBOARD_LIST_SIZE)
    # The person and their memberships for the header (the session was kept at sign-in), then
    # the count, page, partners, reviews with their stored results, waiting assessments,
    # actions, concerns awaiting an answer and reviews coming due; the next time only the
    # page's own eight, as the person and the header are kept until they change
    # (organisations/frame.py). No page is kept.
    assert len(queries) == 10, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("dashboard"))
    assert len(queries) == 8, [q["sql"] for q in queries]


def test_a_change_shows_at_once(client, alice, partnership, charity):
    client.force_login(alice)
    assert "Write the annual report" not in client.get(reverse("dashboard")).text
    Action.objects.create(
        partnership=partnership,
        description="Write the annual report",
        owner_organisation=charity,
        owner=alice,
    )
    assert "Write the annual report" in client.get(reverse("dashboard")).text


def test_a_person_no_longer_staff_sees_only_their_own_at_once(client, ada, partnership):
    client.force_login(ada)
    assert "Riverside Partnership" in _main(client.get(reverse("dashboard")))
    ada.is_staff = False
    ada.save(update_fields=["is_staff"])  # as the admin site and the shell save a person
    assert "Riverside Partnership" not in _main(client.get(reverse("dashboard")))


def test_a_partner_removed_sees_it_go_at_once(client, alice, partnership, charity):
    client.force_login(alice)
    assert "Riverside Partnership" in _main(client.get(reverse("dashboard")))
    Participant.objects.filter(partnership=partnership, organisation=charity).update(
        left_on=datetime.date(2026, 11, 1)
    )
    assert "Riverside Partnership" not in _main(client.get(reverse("dashboard")))


def test_it_lists_soonest_review_due_first_a_page_at_a_time(client, alice, framework, icb, charity):
    _add_partnerships(20, framework, icb, charity, alice)  # 40, due in a week and a month
    Partnership.objects.filter(name="Partnership open 000").update(next_review_due=None)
    client.force_login(alice)
    first = client.get(reverse("dashboard")).context["page"]
    second = client.get(reverse("dashboard"), {"page": "2"}).context["page"]
    names = [p.name for p in first] + [p.name for p in second]
    assert len(first) == DASHBOARD_PAGE_SIZE and len(second) == 40 - DASHBOARD_PAGE_SIZE
    dues = [p.next_review_due for p in [*first, *second]]
    assert dues[:-1] == sorted(dues[:-1]) and dues[-1] is None  # no date: last
    assert names[-1] == "Partnership open 000"


def test_it_finds_partnerships_by_name_and_keeps_the_name_across_pages(
    client, alice, framework, icb, charity
):
    _add_partnerships(30, framework, icb, charity, alice)
    client.force_login(alice)
    response = client.get(reverse("dashboard"), {"name": "  OPEN 00 "})
    names = [p.name for p in response.context["page"]]
    assert names == [f"Partnership open 00{n}" for n in range(10)]
    assert "10 partnerships with “OPEN 00” in the name." in response.text
    assert 'value="OPEN 00"' in response.text
    wide = client.get(reverse("dashboard"), {"name": "open"})
    assert 'href="?name=open&amp;page=2#partnerships"' in wide.text
    assert len(client.get(reverse("dashboard"), {"name": "open", "page": "2"}).context["page"]) == 5
    nothing = client.get(reverse("dashboard"), {"name": "Riverside<script>"})
    assert "No partnership you can see has “Riverside&lt;script&gt;” in its name." in nothing.text


def test_it_lists_assessments_waiting_for_my_organisation(client, alice, carol, open_review):
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert "Riverside Partnership: Riverside Mind’s self-assessment" in response.text
    # Carol's organisation has its own assessment; she is not shown the charity's.
    client.force_login(carol)
    response = client.get(reverse("dashboard"))
    assert "Riverside Mind’s self-assessment" not in response.text
    assert "NHS North Valley ICB’s self-assessment" in response.text


def test_it_drops_an_assessment_once_submitted(client, alice, charity_assessment):
    submit(charity_assessment, by=alice)
    client.force_login(alice)
    assert "Riverside Mind’s self-assessment" not in client.get(reverse("dashboard")).text


def test_it_lists_my_actions_overdue_first(client, alice, partnership, charity):
    for description, due in [("Later", "2099-01-01"), ("Overdue", "2020-01-01")]:
        Action.objects.create(
            partnership=partnership,
            description=f"{description} action",
            owner_organisation=charity,
            owner=alice,
            due_on=due,
        )
    client.force_login(alice)
    text = client.get(reverse("dashboard")).text
    assert text.index("Overdue action") < text.index("Later action")


def test_it_lists_reviews_coming_due(client, carol, partnership):
    partnership.next_review_due = timezone.localdate() + datetime.timedelta(days=20)
    partnership.save(update_fields=["next_review_due"])
    client.force_login(carol)
    text = client.get(reverse("dashboard")).text
    assert "Reviews coming due" in text


def test_a_review_already_open_is_not_coming_due(client, carol, partnership, open_review):
    partnership.next_review_due = timezone.localdate() + datetime.timedelta(days=20)
    partnership.save(update_fields=["next_review_due"])
    client.force_login(carol)
    assert "Reviews coming due" not in client.get(reverse("dashboard")).text


def test_the_header_follows_a_change_of_role_at_once(client, carol):
    client.force_login(carol)
    assert reverse("partnerships:create") in client.get(reverse("dashboard")).text
    membership = carol.memberships.get()
    membership.role = Membership.Role.VIEWER
    membership.save()  # as the people page and the admin site change a role
    assert reverse("partnerships:create") not in client.get(reverse("dashboard")).text


def test_it_shows_the_latest_published_result(
    client, alice, partnership, closed_review, icb, charity
):
    client.force_login(alice)
    main = _main(client.get(reverse("dashboard")))
    assert "None published yet" not in main  # a closed review with no scores yet…
    assert "Index –" in main  # …has its result, without an index
    submit(Assessment.objects.create(review=closed_review, organisation=icb), default=5)
    submit(Assessment.objects.create(review=closed_review, organisation=charity), default=4)
    store_result(closed_review)
    Review.objects.create(  # an open review publishes nothing yet
        partnership=partnership,
        framework=partnership.framework,
        opened_on="2026-11-01",
        due_on="2026-12-01",
    )
    main = _main(client.get(reverse("dashboard")))
    # Sides 5 and 4: 4.5 a principle, index 87.5, shown 88, green.
    assert "Index 88<span" in main
    assert 'govuk-tag--green">Green</strong>' in main


def test_a_review_date_that_has_passed_is_marked_overdue(client, carol, partnership):
    client.force_login(carol)
    partnership.next_review_due = timezone.localdate() - datetime.timedelta(days=3)
    partnership.save(update_fields=["next_review_due"])
    page = client.get(reverse("dashboard")).text
    coming_due = page.split("Reviews coming due", 1)[1].split("</ul>", 1)[0]
    assert "Riverside Partnership" in coming_due and "Overdue" in coming_due
    partnership.next_review_due = timezone.localdate() + datetime.timedelta(days=3)
    partnership.save(update_fields=["next_review_due"])
    coming_due = client.get(reverse("dashboard")).text.split("Reviews coming due", 1)[1]
    assert "Overdue" not in coming_due.split("</ul>", 1)[0]
