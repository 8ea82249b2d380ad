from django.urls import reverse

from tests.conftest import submit


def _url(review):
    return reverse(
        "partnerships:review_detail",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )


def test_it_shows_who_has_submitted_but_not_what(client, bob, carol, open_review, icb):
    assessment = open_review.assessments.get(organisation=icb)
    submit(assessment, by=carol, scores={1: [1, 1, 1, 1]})
    client.force_login(bob)
    response = client.get(_url(open_review))
    assert response.status_code == 200
    assert "1 of 2 partners have submitted" in response.text
    assert "Needs work" not in response.text  # the ICB's comments stay private
    assert (
        reverse(
            "partnerships:review_results",
            kwargs={"code": open_review.partnership.code, "review_code": open_review.code},
        )
        not in response.text
    )


def test_it_links_a_partner_to_its_own_assessment_only(client, alice, open_review, charity, icb):
    client.force_login(alice)
    response = client.get(_url(open_review))
    mine = open_review.assessments.get(organisation=charity)
    theirs = open_review.assessments.get(organisation=icb)
    assert str(mine.code) in response.text
    assert str(theirs.code) not in response.text


def test_it_offers_the_lead_commissioner_the_health_check(client, carol, bob, open_review):
    client.force_login(carol)
    assert "Record the health check" in client.get(_url(open_review)).text
    client.force_login(bob)
    assert "Record the health check" not in client.get(_url(open_review)).text


def test_it_hides_from_outsiders(client, dan, open_review):
    client.force_login(dan)
    assert client.get(_url(open_review)).status_code == 404
