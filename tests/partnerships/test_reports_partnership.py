"""One partnership's report: its results, and its ICB's and region's averages (≥ 5 only)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships import results
from partnerships.models import Assessment, Partnership, Review
from partnerships.templatetags.scores import index, score
from tests.conftest import store_result, submit
from tests.partnerships.report_seed import candid_partnership, expected_latest, seed, tables


@pytest.fixture
def seeded(framework, icb, charity, partnership, carol):
    return seed(framework=framework, icb=icb, charity=charity, partnership=partnership, carol=carol)


def _get(client, user, partnership):
    client.force_login(user)
    return client.get(reverse("partnerships:partnership_report", kwargs={"code": partnership.code}))


def test_it_works(client, carol, seeded, partnership):
    response = _get(client, carol, partnership)
    assert response.status_code == 200
    _, result = expected_latest([partnership])[partnership]
    scores = tables(response.text)["scores"]
    assert [row[1].split()[0] for row in scores[1:]] == [score(p.score) for p in result.principles]
    assert f'data-testid="index">{index(result.index)} out of 100' in response.text


def test_it_hides_from_outsiders(client, seeded, partnership):
    """Erin commissions for another ICB: the partnership is not there for her."""
    assert _get(client, seeded.erin, partnership).status_code == 404


def test_it_requires_role(client, alice, seeded, partnership):
    response = _get(client, alice, partnership)
    assert response.status_code == 403
    assert "Reports and exports are for commissioners" in response.text


def test_it_compares_with_the_icb_and_region_of_five_or_more(client, carol, seeded, partnership):
    """The averages of the stored results of the group's latest reviews."""
    latest = expected_latest(seeded.north_partnerships)
    assert len(latest) >= 5
    comparison = tables(_get(client, carol, partnership).text)["comparison"]
    assert comparison[0][2:] == [
        f"ICB average ({len(latest)} partnerships)",
        f"NHS region average ({len(latest)} partnerships)",
    ]
    assert comparison[1][2] == index(_mean([r.index for _, r in latest.values()]))
    for row, number in zip(comparison[2:], range(1, 8), strict=True):
        values = [r.principle(number).score for _, r in latest.values()]
        assert row[2] == row[3] == score(_mean([v for v in values if v is not None]))


def _mean(values):
    """The mean of stored figures, exactly (decimals)."""
    return sum(values) / len(values)


def test_it_says_why_a_smaller_group_has_no_average(client, ada, seeded):
    south = seeded.south_partnerships[0]
    response = _get(client, ada, south)
    assert "comparison" not in tables(response.text)
    assert (
        f"{seeded.south.name} has {len(expected_latest(seeded.south_partnerships))} partnerships"
        in response.text
    )
    assert "An average is shown only for at least 5" in response.text
    assert "there is no ICB average here" in response.text
    assert "there is no NHS region average here" in response.text


def test_a_commissioners_averages_hold_only_what_they_can_see(
    client, ada, seeded, framework, charity
):
    """Five more partnerships in South Hills that Erin's ICB is not in: the admin's group
    reaches five and gets an average; Erin's stays at what she can see, and does not."""
    for n in range(5):
        other = Partnership.objects.create(
            name=f"Hidden {n}", kind="grant", icb=seeded.south, framework=framework
        )
        review = Review.objects.create(
            partnership=other,
            framework=framework,
            opened_on=datetime.date(2026, 1, 5),
            due_on=datetime.date(2026, 2, 5),
            state=Review.State.CLOSED,
            closed_on=datetime.date(2026, 2, 5),
            overall_rag="green",
        )
        submit(Assessment.objects.create(review=review, organisation=charity), default=5)
        store_result(review)
    south = seeded.south_partnerships[0]
    assert "comparison" in tables(_get(client, ada, south).text)
    response = _get(client, seeded.erin, south)
    assert "comparison" not in tables(response.text)
    assert "there is no ICB average here" in response.text
    assert "that you can see" in response.text


def test_a_partnership_without_a_closed_review_says_so(client, carol, partnership):
    response = _get(client, carol, partnership)
    assert response.status_code == 200
    assert "No review of this partnership has closed yet" in response.text


def test_it_matches_the_results_page(client, carol, seeded, partnership):
    review, _ = expected_latest([partnership])[partnership]
    result = results.stored_result(review)
    page = tables(_get(client, carol, partnership).text)["scores"]
    for row, principle in zip(page[1:], result.principles, strict=True):
        assert row[2] == score(principle.side_means["nhs"])
        assert row[4] == score(principle.side_means["vcse"])


@pytest.mark.parametrize(("size", "reviews"), [(3, 1), (12, 6)])
def test_it_costs_a_fixed_number_of_queries(client, carol, framework, icb, size, reviews):
    """7 organisations and 1 review, or 25 and 6 (the trend), a shared comment from each on
    every principle and a reply from each charity, the review confidential: the same queries."""
    review = candid_partnership(
        size=size, framework=framework, icb=icb, carol=carol, reviews=reviews
    )
    client.force_login(carol)
    url = reverse("partnerships:partnership_report", kwargs={"code": review.partnership.code})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count("Shared by ") == 7 * (2 * size + 1)  # one a principle
    assert response.text.count("Reply of ") == size
    # User, memberships, the reports role, partnership, review, the trend's reviews with
    # their stored results, principles' and organisations' figures, Carol's own
    # organisations, health check and its entries, the ICB's and region's averages, shared
    # comments, replies, partners, actions.
    assert len(queries) == 17, [q["sql"] for q in queries]
