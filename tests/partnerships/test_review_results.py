import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation
from partnerships import results
from partnerships.models import Assessment, HealthCheck, HealthCheckEntry, Participant, Review
from tests.conftest import make_user, store_result, submit
from tests.partnerships.report_seed import candid_partnership


def _url(review):
    return reverse(
        "partnerships:review_results",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )


def _close(review):
    review.state, review.closed_on, review.overall_rag = "closed", review.due_on, "amber"
    review.save()
    return store_result(review)


@pytest.fixture
def scored_review(open_review, icb, charity, carol, alice, framework):
    # ICB: 4s everywhere, but 5s on Transparency. Charity: 4s, but 2s on Transparency and
    # one "Don't know" on Sustainability (mean of 3 answered 4s is still 4).
    submit(open_review.assessments.get(organisation=icb), by=carol, scores={2: [5, 5, 5, 5]})
    submit(
        open_review.assessments.get(organisation=charity),
        by=alice,
        scores={2: [2, 2, 2, 2], 1: [4, 4, 4, None]},
    )
    health_check = HealthCheck.objects.create(review=open_review, recorded_by=carol)
    for principle in framework.principles.all():
        HealthCheckEntry.objects.create(
            health_check=health_check, principle=principle, rag="green", comment="On track"
        )
    return _close(open_review)


def test_it_shows_the_scoring_modules_numbers(client, bob, scored_review):
    client.force_login(bob)
    response = client.get(_url(scored_review))
    assert response.status_code == 200
    result = results.stored_result(scored_review)
    transparency = result.principle(2)
    # Hand-worked: NHS 5.0, VCSE 2.0, partnership (5 + 2) / 2 = 3.5, gap +3.0.
    assert (transparency.side_means["nhs"], transparency.side_means["vcse"]) == (5.0, 2.0)
    assert transparency.score == 3.5 and transparency.gap == 3.0
    assert transparency.gap_flag == "significant"
    # Index: principles 4,3.5,4,4,4,4,4 → mean 27.5/7; (mean − 1) / 4 × 100 = 73.2…
    assert round(result.index) == 73
    text = response.text
    assert '<p class="govuk-heading-xl govuk-!-margin-bottom-1" data-testid="index">73' in text
    assert "+3.0" in text
    assert "Significant" in text
    assert "3.5" in text
    assert "Transparency: the NHS side rates it 3.0 points higher than the VCSE side" in text


def test_every_partner_sees_the_same_page(client, alice, carol, scored_review):
    pages = []
    for person in (alice, carol):
        client.force_login(person)
        page = client.get(_url(scored_review)).text
        main = page[page.index("<main") : page.index("</main>")]
        # Only an editor of a partner other than the lead may reply: Alice has the link.
        pages.append(re.sub(r'<p class="govuk-body"><a [^>]*/replies/.*?</p>', "", main))
    assert pages[0] == pages[1]


def test_results_are_hidden_until_the_review_closes(client, carol, bob, open_review):
    for person in (carol, bob):
        client.force_login(person)
        response = client.get(_url(open_review))
        assert response.status_code == 403
        assert "published to every partner when the lead commissioner closes" in response.text


def test_it_explains_a_missing_gap_without_an_nhs_partner(
    client, ada, framework, charity, outside_charity
):
    from partnerships.models import Partnership

    partnership = Partnership.objects.create(
        name="VCSE Alliance", kind="vcse_alliance", framework=framework
    )
    review = Review.objects.create(
        partnership=partnership,
        framework=framework,
        opened_on=datetime.date(2026, 1, 1),
        due_on=datetime.date(2026, 2, 1),
    )
    for organisation in (charity, outside_charity):
        Participant.objects.create(
            partnership=partnership, organisation=organisation, role="vcse_partner"
        )
        submit(Assessment.objects.create(review=review, organisation=organisation))
    _close(review)
    client.force_login(ada)
    response = client.get(_url(review))
    assert "No NHS partner has a score for this principle" in response.text


def _suggestions(text):
    start = text.index('id="suggested-actions"')
    return text[start : text.index("</main>", start)]


def test_it_links_suggestions_to_a_new_action(client, alice, scored_review):
    client.force_login(alice)
    suggestions = _suggestions(client.get(_url(scored_review)).text)
    assert "Add this as an action" in suggestions
    assert f"review={scored_review.code}&amp;principle=2" in suggestions


def test_it_prefills_a_suggestion_as_a_plain_action(client, alice, scored_review):
    client.force_login(alice)
    page = client.get(_url(scored_review)).text
    link = re.search(r'href="([^"]*/actions/new/[^"]*)">Add this as an action', page).group(1)
    form = client.get(link.replace("&amp;", "&")).context["form"]
    description = form.initial["description"]
    assert description == (
        "Transparency: hold a meeting of the NHS and VCSE partners to find out why the NHS "
        "side rates it 3.0 points higher, and agree one change."
    )
    assert "Talk together about why" not in description
    assert form.initial["principle"] == scored_review.framework.principles.get(number=2).pk
    assert form.initial["review"] == scored_review.pk


@pytest.mark.parametrize("role", ["viewer at the charity", "viewer at the ICB"])
def test_viewers_are_not_offered_actions_they_may_not_add(client, bob, icb, scored_review, role):
    viewer = (
        bob
        if role == "viewer at the charity"
        else make_user("vic@northvalley.example", icb, "viewer")
    )
    client.force_login(viewer)
    page = client.get(_url(scored_review)).text
    suggestions = _suggestions(page)
    # The suggestion itself is still said; only the offer to add it is not.
    assert "Transparency: the NHS side rates it 3.0 points higher" in suggestions
    assert "Add this as an action" not in suggestions
    assert "/actions/new/" not in page
    # And the link they are not shown would have been refused.
    assert (
        client.get(
            reverse("partnerships:action_create", kwargs={"code": scored_review.partnership.code})
        ).status_code
        == 403
    )


def test_a_viewer_is_not_offered_an_action_when_nothing_is_suggested(
    client, bob, closed_review, alice
):
    client.force_login(bob)
    assert "Add an action" not in _suggestions(client.get(_url(closed_review)).text)
    client.force_login(alice)
    assert "Add an action" in _suggestions(client.get(_url(closed_review)).text)


def test_a_suggestion_with_an_agreed_action_links_to_it_instead(
    client, alice, bob, charity, scored_review
):
    from partnerships.models import Action

    transparency = scored_review.framework.principles.get(number=2)
    action = Action.objects.create(
        partnership=scored_review.partnership,
        review=scored_review,
        principle=transparency,
        description="Share the referral figures with Riverside Mind every month",
        owner_organisation=charity,
    )
    # The same principle from another review, or another principle, is not this suggestion's.
    Action.objects.create(
        partnership=scored_review.partnership,
        principle=transparency,
        description="Something from before",
        owner_organisation=charity,
    )
    for person in (alice, bob):
        client.force_login(person)
        suggestions = _suggestions(client.get(_url(scored_review)).text)
        agreed = re.search(r'data-testid="agreed">(.*?)</span>', suggestions, re.S).group(1)
        assert agreed.startswith("Action agreed: <a ")
        assert "Share the referral figures with Riverside Mind every month</a>" in agreed
        assert f"#action-{action.code}" in agreed
        assert "principle=2" not in suggestions
        assert "Something from before" not in suggestions
    # The link leads to the action's row.
    href = re.search(r'href="([^"]*)"', agreed).group(1).replace("&amp;", "&")
    listed = client.get(href).text
    assert f'id="action-{action.code}"' in listed


def test_it_shows_the_trend_on_the_same_framework(
    client, bob, scored_review, partnership, icb, charity
):
    later = Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_on=datetime.date(2026, 12, 1),
        due_on=datetime.date(2026, 12, 20),
    )
    for organisation in (icb, charity):
        submit(Assessment.objects.create(review=later, organisation=organisation), default=5)
    _close(later)
    client.force_login(bob)
    text = client.get(_url(later)).text
    assert 'data-testid="trend"' in text
    trend = results.partnership_trend(later, user=bob)
    assert [round(i) for i in trend.index] == [73, 100]


def test_it_hides_from_outsiders(client, dan, scored_review):
    client.force_login(dan)
    assert client.get(_url(scored_review)).status_code == 404


def _partnership_of(size, framework, icb):
    from partnerships.models import Partnership

    partnership = Partnership.objects.create(
        name=f"Size {size}", kind="alliance_contract", framework=framework
    )
    review = Review.objects.create(
        partnership=partnership,
        framework=framework,
        opened_on=datetime.date(2026, 1, 1),
        due_on=datetime.date(2026, 2, 1),
    )
    organisations = [icb] + [
        Organisation.objects.create(name=f"Charity {size}-{n}", kind="charity")
        for n in range(size - 1)
    ]
    for organisation in organisations:
        Participant.objects.create(
            partnership=partnership, organisation=organisation, role="provider"
        )
        submit(Assessment.objects.create(review=review, organisation=organisation), default=3)
    return _close(review)


@pytest.mark.parametrize("size", [1, 10, 100])
def test_it_runs_a_fixed_number_of_queries(client, ada, framework, icb, size):
    """`size` partners, and `size` earlier reviews in the trend."""
    review = _partnership_of(size, framework, icb)
    for number in range(size):
        opened = datetime.date(2000 + number // 12, 1 + number % 12, 1)
        earlier = Review.objects.create(
            partnership=review.partnership,
            framework=framework,
            opened_on=opened,
            due_on=opened + datetime.timedelta(days=20),
        )
        submit(Assessment.objects.create(review=earlier, organisation=icb), default=4)
        _close(earlier)
    client.force_login(ada)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(review))
    assert response.status_code == 200
    assert response.text.count("Charity ") >= size - 1
    assert len(response.context["trend"].labels) == size + 1
    # User, navigation, partnership, review, reviews of the trend with their stored results,
    # their principles' stored figures, each organisation's, the partners who did not submit,
    # health check, the concerns raised in the review's period, the shared comments, the
    # replies, the partners the person may reply for (the session was kept at sign-in:
    # organisations/frame.py).
    assert len(queries) == 13, [q["sql"] for q in queries]


@pytest.mark.parametrize(("size", "reviews"), [(3, 1), (12, 6)])
def test_a_partner_of_a_confidential_review_costs_a_fixed_number_of_queries(
    client, carol, framework, icb, size, reviews
):
    """What the withholding adds for a partner (their own organisations, the shared comments
    with their writers' sides, the replies) costs the same for 7 organisations in 1 review as
    for 25 in 6, with a comment from each and a reply from each charity."""
    review = candid_partnership(
        size=size, framework=framework, icb=icb, carol=carol, reviews=reviews
    )
    client.force_login(carol)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(review))
    assert response.status_code == 200
    assert response.text.count("Shared by ") == 7 * (2 * size + 1)  # one a principle
    assert response.text.count("Reply of ") == size
    # As for an admin (above), with Carol's memberships for the menu and the organisations
    # whose own scores she sees (the withholding's one query), and whether she may add actions
    # (the suggestions' links).
    assert len(queries) == 16, [q["sql"] for q in queries]


@pytest.mark.parametrize(
    ("draft_state", "rated"),
    [("not_started", False), ("not_started", True), ("in_progress", True)],
)
def test_a_draft_assessment_never_counts(
    client, bob, open_review, icb, charity, carol, framework, draft_state, rated
):
    import re

    from partnerships.models import Rating
    from partnerships.services.reviews import review_close
    from principles.models import Statement

    # The ICB submits 4s, and 5s on Transparency: index (29 / 7 − 1) / 4 × 100 = 78.6.
    submit(open_review.assessments.get(organisation=icb), by=carol, scores={2: [5, 5, 5, 5]})
    # Riverside Mind never submitted. Counted, its 1s on every statement would pull every
    # principle down to 2.5 (3.0 on Transparency) and the index to 39.
    draft = open_review.assessments.get(organisation=charity)
    if rated:
        for statement in Statement.objects.filter(principle__framework=framework):
            Rating.objects.create(assessment=draft, statement=statement, score=1, comment="Poor")
    Assessment.objects.filter(pk=draft.pk).update(state=draft_state)
    health_check = HealthCheck.objects.create(review=open_review, recorded_by=carol)
    for principle in framework.principles.all():
        HealthCheckEntry.objects.create(health_check=health_check, principle=principle, rag="green")
    review_close(review=open_review, by=carol, overall_rag="amber")

    client.force_login(bob)
    response = client.get(_url(open_review))
    assert response.status_code == 200
    text = response.text
    assert re.search(r'data-testid="index">\s*(\d+)', text).group(1) == "79"
    organisations = text[text.index('data-testid="organisations"') :]
    organisations = organisations[: organisations.index("</table>")]
    assert "NHS North Valley ICB" in organisations
    assert "Riverside Mind" not in organisations
    # No VCSE side at all, so no gap to show: the ICB's own scores are the partnership's.
    assert "No VCSE partner has a score for this principle" in text
    scores = text[text.index('data-testid="scores"') :]
    scores = scores[: scores.index("</table>")]
    assert "1.0" not in scores and "2.5" not in scores
    assert scores.count(">5.0") == 2  # Transparency: the partnership and the NHS side


def test_it_names_the_partners_who_did_not_submit(client, bob, open_review, icb, carol):
    submit(open_review.assessments.get(organisation=icb), by=carol)
    client.force_login(bob)
    page = client.get(_url(_close(open_review))).text
    said = page[page.index('data-testid="not-submitted"') : page.index('id="scores"')]
    assert "1 partner did not submit a self-assessment, so its views are not in these" in said
    assert "<li>Riverside Mind</li>" in said
    assert "NHS North Valley ICB" not in said


def test_it_says_every_partner_submitted_when_they_did(client, bob, open_review, icb, charity):
    for organisation in (icb, charity):
        submit(open_review.assessments.get(organisation=organisation))
    client.force_login(bob)
    page = client.get(_url(_close(open_review))).text
    assert "Every partner asked submitted a self-assessment." in page
    assert 'data-testid="of-no-side"' not in page


def test_it_says_how_a_partner_of_no_side_counts(client, bob, open_review, icb, partnership):
    other = Organisation.objects.create(name="Valley Housing Co-op", kind=Organisation.Kind.OTHER)
    Participant.objects.create(partnership=partnership, organisation=other, role="other")
    submit(open_review.assessments.get(organisation=icb), default=4)
    submit(Assessment.objects.create(review=open_review, organisation=other), default=1)
    client.force_login(bob)
    page = client.get(_url(_close(open_review))).text
    said = page[page.index('data-testid="of-no-side"') :]
    assert said.startswith('data-testid="of-no-side">Valley Housing Co-op is neither NHS')
    assert "count in the spread" in said and "join no side" in said
    # The ICB's 4s alone make the partnership's scores: the co-op's 1s move only the spread.
    assert results.stored_result(open_review).principle(1).score == 4
    assert results.stored_result(open_review).principle(1).spread == 3


def test_it_states_the_display_rule_under_the_scores(client, bob, scored_review, settings):
    settings.RAG_GREEN_FROM, settings.RAG_AMBER_FROM = 4.5, 3.5
    client.force_login(bob)
    page = client.get(_url(scored_review)).text
    table_end = page.index("</table>", page.index('data-testid="scores"'))
    rule = page.index('data-testid="display-rule"')
    assert table_end < rule < page.index("The seven principles at a glance")
    assert "rounded half up, never to even" in page[rule:]
    # The legend follows the thresholds, which are settings.
    assert "Green is 4.5 or more, amber 3.5 to 4.4, red below 3.5." in page


def test_it_counts_the_concerns_raised_in_its_period_by_principle(
    client, bob, closed_review, concern, partnership, charity
):
    """The closed review closed on 8 December 2025; a concern raised before it counts, the
    fixture's (2 November 2026, after it) does not."""
    import datetime as dt

    from partnerships.models import Concern

    Concern.objects.create(
        partnership=partnership,
        organisation=charity,
        principle=partnership.framework.principles.get(number=2),
        raised_at=dt.datetime(2025, 11, 20, 10, tzinfo=dt.UTC),
        what_happened="Plans changed without us.",
        would_like="Ask us first.",
        visibility="lead",
        acknowledge_by=dt.date(2025, 11, 27),
        respond_by=dt.date(2025, 12, 18),
    )
    client.force_login(bob)
    text = client.get(_url(closed_review)).text
    assert "1 concern that you can see was raised" in text
    assert 'data-testid="period-concerns-principle"' in text and "2. Transparency" in text
