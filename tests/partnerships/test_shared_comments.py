"""Reasons that travel: comments their writers share appear with the results, in the
partnership PDF and in the comments file, attributed as the review's visibility says."""

import csv
import io

from django.urls import reverse

from partnerships.models import Rating, Review
from tests.conftest import store_result, submit


def _results(review):
    return reverse(
        "partnerships:review_results",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )


def _comments_file(client):
    response = client.get(reverse("partnerships:report_csv", kwargs={"kind": "comments"}))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _closed_with_comments(review, icb, charity, *, visibility="open"):
    for organisation, score in ((icb, 4), (charity, 2)):
        submit(review.assessments.create(organisation=organisation), default=score)
    charity_ratings = Rating.objects.filter(assessment__organisation=charity)
    first, second = charity_ratings.filter(statement__principle__number=3)[:2]
    Rating.objects.filter(pk=first.pk).update(comment="Reports arrive late", comment_shared=True)
    Rating.objects.filter(pk=second.pk).update(comment="Our own worry, kept in")
    Review.objects.filter(pk=review.pk).update(visibility=visibility)
    return store_result(Review.objects.get(pk=review.pk))


def test_a_shared_comment_appears_under_its_principle_with_its_organisation(
    client, carol, closed_review, icb, charity
):
    review = _closed_with_comments(closed_review, icb, charity)
    client.force_login(carol)
    page = client.get(_results(review)).text
    shared = page[page.index('data-testid="shared-comments"') :]
    assert "Reports arrive late" in shared and "Riverside Mind" in shared
    assert shared.index("3. ") < shared.index("Reports arrive late")
    assert "Our own worry, kept in" not in page
    assert "Needs work" not in shared  # the other comments were never shared
    rows = _comments_file(client)
    assert [(r["shown_as_from"], r["comment"]) for r in rows] == [
        ("Riverside Mind", "Reports arrive late")
    ]


def test_a_confidential_review_attributes_a_shared_comment_to_no_organisation(
    client, carol, ada, closed_review, icb, charity
):
    review = _closed_with_comments(closed_review, icb, charity, visibility="confidential")
    client.force_login(carol)
    page = client.get(_results(review)).text
    assert "Reports arrive late" in page
    shared = page[page.index('data-testid="shared-comments"') :]
    shared = shared[: shared.index("<h2")]
    assert "Riverside Mind" not in shared
    # One organisation a side: "A partner", not even its side.
    assert "A partner" in shared
    assert [r["shown_as_from"] for r in _comments_file(client)] == ["A partner"]
    client.force_login(ada)  # platform admins see everything
    assert [r["shown_as_from"] for r in _comments_file(client)] == ["Riverside Mind"]


def test_the_partnership_pdf_carries_the_shared_comments(
    client, carol, closed_review, icb, charity
):
    from pypdf import PdfReader

    _closed_with_comments(closed_review, icb, charity)
    client.force_login(carol)
    url = reverse("partnerships:partnership_pdf", kwargs={"code": closed_review.partnership.code})
    response = client.get(url)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Reports arrive late" in text
    assert "Our own worry" not in text
