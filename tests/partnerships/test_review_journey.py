"""The whole review journey through the browser's eyes (the Django test client).

Carol (lead commissioner) opens a review; two charities and a trust complete their
self-assessments page by page and submit; the ICB does not. Carol records the health check,
closes the review with the ICB missing, and every partner reads the same results, whose
numbers equal the scoring module's for the same answers.
"""

import datetime
import difflib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership, Organisation
from partnerships import scoring
from partnerships.models import Participant, Review
from tests.conftest import make_user

# Each organisation's answer to every statement of a principle, by principle number.
ANSWERS = {
    "Riverside Mind": {1: 4, 2: 2, 3: 4, 4: 3, 5: 1, 6: 4, 7: 3},
    "Valley Carers": {1: 3, 2: 3, 3: None, 4: 4, 5: 2, 6: 4, 7: 4},
    "Valley NHS Trust": {1: 4, 2: 5, 3: 4, 4: 4, 5: 5, 6: 3, 7: 4},
}


@pytest.fixture
def cast(partnership, charity, alice, carol):
    carers = Organisation.objects.create(name="Valley Carers", kind="charity")
    trust = Organisation.objects.create(name="Valley NHS Trust", kind="nhs_trust")
    Participant.objects.create(partnership=partnership, organisation=carers, role="vcse_partner")
    Participant.objects.create(partnership=partnership, organisation=trust, role="provider")
    return {
        "Riverside Mind": alice,
        "Valley Carers": make_user("cara@valleycarers.example", carers, Membership.Role.EDITOR),
        "Valley NHS Trust": make_user("terry@valleytrust.example", trust, Membership.Role.EDITOR),
    }


def _complete_and_submit(client, person, review, organisation_name):
    client.force_login(person)
    progress = client.get(
        reverse(
            "partnerships:review_detail",
            kwargs={"code": review.partnership.code, "review_code": review.code},
        )
    ).text
    task_list_url = re.search(r'href="([^"]+/assessments/[^"]+/)"', progress)[1]
    assert client.get(task_list_url).status_code == 200
    for number, score in ANSWERS[organisation_name].items():
        page = client.get(f"{task_list_url}principles/{number}/").text
        version = re.search(r'name="version" value="(\d+)"', page)[1]
        data = {"version": version, "intent": "continue"}
        for statement_id in re.findall(r'name="score_(\d+)"', page):
            data[f"score_{statement_id}"] = "dont_know" if score is None else str(score)
            data[f"comment_{statement_id}"] = "Not yet" if score is not None and score <= 2 else ""
        response = client.post(f"{task_list_url}principles/{number}/", data)
        assert response.status_code == 302, response.text
    assert client.get(f"{task_list_url}check/").status_code == 200
    assert client.post(f"{task_list_url}submit/").status_code == 302


def _expected(review):
    statements = {p.number: p.statements.count() for p in review.framework.principles.all()}
    names = {p.number: p.name for p in review.framework.principles.all()}
    sides = {o.name: str(o.side) for o in Organisation.objects.filter(name__in=ANSWERS)}
    organisations = [
        scoring.OrganisationAnswers(
            name,
            name,
            sides[name],
            {number: [score] * statements[number] for number, score in answers.items()},
        )
        for name, answers in ANSWERS.items()
    ]
    return scoring.score_review(organisations, statements, principle_names=names)


def test_a_review_from_opening_to_shared_results(client, partnership, carol, bob, cast):
    # The lead commissioner opens the review.
    client.force_login(carol)
    due = timezone.localdate() + datetime.timedelta(weeks=4)
    client.post(
        reverse("partnerships:review_open", kwargs={"code": partnership.code}),
        {"due_on_0": due.day, "due_on_1": due.month, "due_on_2": due.year},
    )
    review = Review.objects.get(partnership=partnership)
    assert review.assessments.count() == 4  # the ICB, two charities and the trust

    # Three partners complete and submit; partners see who has submitted, not what.
    for name, person in cast.items():
        _complete_and_submit(client, person, review, name)
    client.force_login(bob)
    progress = client.get(
        reverse(
            "partnerships:review_detail",
            kwargs={"code": partnership.code, "review_code": review.code},
        )
    ).text
    assert "3 of 4 partners have submitted" in progress
    results_url = reverse(
        "partnerships:review_results",
        kwargs={"code": partnership.code, "review_code": review.code},
    )
    assert client.get(results_url).status_code == 403

    # The lead commissioner records the health check and closes without the ICB.
    client.force_login(carol)
    health_check = {f"rag_{n}": "amber" for n in range(1, 8)}
    health_check.update({"rag_5": "red", "comment_5": "Reporting is heavy", "summary": "Fair"})
    kwargs = {"code": partnership.code, "review_code": review.code}
    assert (
        client.post(reverse("partnerships:health_check", kwargs=kwargs), health_check).status_code
        == 302
    )
    close_url = reverse("partnerships:review_close", kwargs=kwargs)
    assert "NHS North Valley ICB" in client.get(close_url).text  # who is missing
    response = client.post(close_url, {"overall_rag": "red", "confirm_missing": "on"})
    assert response.status_code == 302

    # Every partner sees the same results, with the scoring module's numbers.
    expected = _expected(review)
    pages = []
    for person in [carol, bob, *cast.values()]:
        client.force_login(person)
        page = client.get(results_url).text
        # From the heading on: Carol's first visit also carries the "review is closed" banner.
        # Only the editors of a partner other than the lead have the link to reply, and only
        # those who may add actions the links to add one.
        page = re.sub(r'<p class="govuk-body"><a [^>]*/replies/.*?</p>', "", page)
        page = re.sub(r"<br><a [^>]*/actions/new/.*?</a>", "", page, flags=re.S)
        page = page[page.index("<h1") : page.index("</main>")]
        pages.append("\n".join(line for line in page.splitlines() if line.strip()))
    for other in pages[1:]:
        assert other == pages[0], "\n".join(
            difflib.unified_diff(pages[0].splitlines(), other.splitlines(), lineterm="")
        )
    page = pages[0]
    assert f'data-testid="index">{scoring.shown_index(expected.index)}' in page
    for principle in expected.principles:
        row = re.search(
            rf"{principle.number}\. {re.escape(principle.name)}</th>(.*?)</tr>", page, re.S
        )[1]
        assert f"{scoring.shown(principle.score)}" in row
        if principle.gap is not None:
            assert f"{abs(principle.shown_gap)}" in row
    proportionality = expected.principle(5)
    # Hand-worked: NHS side 5 (the trust), VCSE side (1 + 2) / 2 = 1.5, gap +3.5.
    assert (proportionality.side_means["nhs"], proportionality.side_means["vcse"]) == (5.0, 1.5)
    assert proportionality.gap_flag == "significant"
    assert "+3.5" in page
