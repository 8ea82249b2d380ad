import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation
from partnerships.models import Action, Assessment, Participant, Review
from partnerships.views.partnerships import PARTNERSHIP_ACTIONS_SHOWN
from tests.conftest import store_result, submit

# The same for 1, 10 or 100 partners, reviews and actions: nothing is loaded once per row.
# One more than before the open actions were counted apart from the ten shown, and one more
# for the open concerns the person may see; one fewer since the session is kept from sign-in
# (organisations/frame.py). Two more for how the partnership is doing at the top: the latest
# result's principles, and the open review's progress.
QUERIES = 12


def _url(partnership):
    return reverse("partnerships:detail", kwargs={"code": partnership.code})


def test_it_works(client, bob, partnership, closed_review, action):
    client.force_login(bob)
    response = client.get(_url(partnership))
    assert response.status_code == 200
    text = response.text
    assert "Riverside Mind" in text and "Lead commissioner" in text
    assert "Agree a lighter quarterly report" in text
    assert (
        reverse(
            "partnerships:review_results",
            kwargs={"code": partnership.code, "review_code": closed_review.code},
        )
        in text
    )


def test_it_hides_from_outsiders(client, dan, partnership):
    client.force_login(dan)
    assert client.get(_url(partnership)).status_code == 404


def test_it_offers_changes_only_to_commissioners(client, bob, carol, partnership):
    edit = reverse("partnerships:edit", kwargs={"code": partnership.code})
    client.force_login(bob)
    assert edit not in client.get(_url(partnership)).text
    client.force_login(carol)
    assert edit in client.get(_url(partnership)).text


def test_it_sends_anonymous_people_to_sign_in(client, partnership):
    response = client.get(_url(partnership))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_it_runs_a_fixed_number_of_queries(client, carol, partnership, rows):
    """`rows` more partners (one of them former), reviews and actions."""
    for number in range(rows):
        organisation = Organisation.objects.create(name=f"Partner {number}", kind="charity")
        Participant.objects.create(
            partnership=partnership,
            organisation=organisation,
            role="vcse_partner",
            lead_contact=carol,
            joined_on=datetime.date(2020, 1, 1),
            left_on=datetime.date(2024, 1, 1) if number == 0 else None,
        )
        Action.objects.create(
            partnership=partnership,
            description=f"Action {number}",
            owner_organisation=organisation,
            owner=carol,
            principle=partnership.framework.principles.get(number=1 + number % 7),
        )
        opened = datetime.date(2000 + number // 12, 1 + number % 12, 1)
        review = Review.objects.create(
            partnership=partnership,
            framework=partnership.framework,
            opened_on=opened,
            due_on=opened + datetime.timedelta(days=28),
            state=Review.State.CLOSED,
            closed_on=opened + datetime.timedelta(days=30),
            overall_rag="amber",  # the lead commissioner's, in the State column
        )
        submit(Assessment.objects.create(review=review, organisation=partnership.icb), default=4)
        store_result(review)
    open_review = Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_on=datetime.date(2030, 1, 1),
        due_on=datetime.date(2030, 1, 29),
    )
    for participant in partnership.participants.filter(left_on=None):
        Assessment.objects.create(review=open_review, organisation=participant.organisation)
    client.force_login(carol)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(partnership))
    assert response.status_code == 200
    assert len(response.context["participants"]) == rows + 1  # and the two of the cast
    assert len(response.context["former_participants"]) == 1
    shown = min(rows, PARTNERSHIP_ACTIONS_SHOWN)
    assert response.text.count('app-wrap-anywhere">Action ') == shown
    if rows > shown:
        assert f"{rows} open actions: the {shown} due soonest are below." in response.text
    assert len(response.context["reviews"]) == rows + 1
    assert f"0 of {rows + 1} partners have submitted" in response.text
    # Each closed review with its index (75: every statement rated 4) and band.
    history = response.text[response.text.index("Health-check reviews of this partnership") :]
    assert history.count('numeric">75</td>') == rows
    assert 'data-testid="latest-index">75</strong>' in response.text
    assert history.count('govuk-tag--green">Green</strong>') == rows
    assert len(queries) == QUERIES, [q["sql"] for q in queries]


def _scored(review, icb, charity):
    """NHS 5s and VCSE 2s on Transparency, 4s elsewhere: one significant gap (+3.0)."""
    submit(review.assessments.get(organisation=icb), scores={2: [5, 5, 5, 5]})
    submit(review.assessments.get(organisation=charity), scores={2: [2, 2, 2, 2]})
    review.state, review.closed_on, review.overall_rag = "closed", review.due_on, "amber"
    review.save()
    return store_result(review)


def _standing(text):
    start = text.index('id="standing"')
    return text[start : text.index("</dl>", start)]


def test_it_leads_with_how_the_partnership_is_doing(
    client, bob, carol, partnership, open_review, icb, charity
):
    from partnerships import results

    latest = _scored(open_review, icb, charity)
    later = Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_on=datetime.date(2027, 3, 1),
        due_on=datetime.date(2027, 3, 29),
    )
    for organisation in (icb, charity):
        Assessment.objects.create(review=later, organisation=organisation)
    submit(later.assessments.get(organisation=icb), by=carol)
    client.force_login(bob)
    text = client.get(_url(partnership)).text
    standing = _standing(text)
    # Above the details and the partners.
    assert text.index('id="standing"') < text.index("Service area") < text.index(">Partners<")
    # The figures are the stored result's: index (27.5 / 7 − 1) / 4 × 100 = 73, amber.
    result = results.stored_result(latest)
    assert round(result.index) == 73 and result.rag == "amber"
    assert 'data-testid="latest-index">73</strong> out of 100' in standing
    assert 'govuk-tag--yellow">Amber</strong>' in standing
    assert "1 significant gap between the NHS and VCSE sides" in standing
    assert "Published 30 November 2026" in standing
    assert (
        reverse(
            "partnerships:review_results",
            kwargs={"code": partnership.code, "review_code": latest.code},
        )
        in standing
    )
    assert "1 of 2 partners has submitted; due 29 March 2027" in standing
    assert (
        reverse(
            "partnerships:review_detail",
            kwargs={"code": partnership.code, "review_code": later.code},
        )
        in standing
    )


def test_it_says_when_nothing_is_published_or_open(client, bob, partnership):
    client.force_login(bob)
    standing = _standing(client.get(_url(partnership)).text)
    assert "No results published yet" in standing
    assert "No review is open; the next is due 31 March 2027" in standing


def test_a_confidential_review_leads_with_only_what_the_reader_may_see(
    client, bob, ada, partnership, open_review, icb, charity
):
    # One organisation a side, fewer than the three a side that may be shown: the score,
    # the index, the band and the gap are withheld from the partners, not from an admin.
    Review.objects.filter(pk=open_review.pk).update(visibility=Review.Visibility.CONFIDENTIAL)
    open_review.refresh_from_db()
    _scored(open_review, icb, charity)
    client.force_login(bob)
    standing = _standing(client.get(_url(partnership)).text)
    assert 'data-testid="latest-index">Withheld</strong>' in standing
    assert "partners’ rating withheld" in standing
    # The figures' own cell (the links beside it carry codes, in which any digits can occur).
    figures = standing[standing.index('data-testid="latest-result"') :]
    figures = figures[: figures.index("</dd>")]
    assert "73" not in figures and "Amber" not in figures
    assert "No significant gaps between the NHS and VCSE sides (the gap on 7 principles is" in (
        standing
    )
    client.force_login(ada)
    standing = _standing(client.get(_url(partnership)).text)
    assert 'data-testid="latest-index">73</strong>' in standing
    assert "1 significant gap" in standing
