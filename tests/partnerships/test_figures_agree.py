"""For any ratings, every band and flag on the results page and in the reviews CSV agrees with
the figures shown beside it and with the legend's words (docs/scoring.md):

- green is 4.0 or more, amber 3.0 to 3.9, red below 3.0, read off the figure shown;
- the gap shown is the shown NHS side minus the shown VCSE side; 0.5 or more either way is
  "watch", 1.0 or more "significant";
- a file gives two decimal places, and its bands and flags are those of its figures rounded
  half up to one, as the page shows them: the page and the file never disagree.
"""

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from organisations.models import Organisation
from partnerships.models import Assessment, Participant, Rating, Review
from partnerships.results import review_result_store
from principles.models import Statement

ANSWER = st.sampled_from([None, 1, 2, 3, 4, 5])
STATEMENTS = 28  # the 2014 framework's
RATINGS = st.lists(ANSWER, min_size=STATEMENTS, max_size=STATEMENTS)
BANDS = {"green": "Green", "amber": "Amber", "red": "Red"}


def band_of(figure: Decimal) -> str:
    """The legend's words, applied to a figure as shown."""
    if figure >= Decimal("4.0"):
        return "green"
    return "amber" if figure >= Decimal("3.0") else "red"


def flag_of(gap: Decimal) -> str:
    if abs(gap) >= Decimal("1.0"):
        return "significant"
    return "watch" if abs(gap) >= Decimal("0.5") else ""


def one_place(figure: Decimal) -> Decimal:
    return figure.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _figure(text: str) -> Decimal | None:
    found = re.search(r"([+−-]?)(\d+\.\d)", text)
    if not found:
        return None
    sign = -1 if found[1] in ("−", "-") else 1
    return sign * Decimal(found[2])


def page_rows(html: str) -> dict[int, dict]:
    """The scores table: per principle, its figures, band and gap flag as shown."""
    table = html[
        html.index('data-testid="scores"') : html.index(
            "</table>", html.index('data-testid="scores"')
        )
    ]
    rows = {}
    for number, cells in re.findall(
        r'<th scope="row"[^>]*>(\d)\. [^<]*</th>(.*?)</tr>', table, re.S
    ):
        tds = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        score, nhs, _local_government, vcse, gap = tds[:5]
        tag = re.search(r'govuk-tag[^"]*">(\w+)</strong>', score)
        flag = re.search(r'govuk-tag[^"]*">(Significant|Watch)</strong>', gap)
        rows[int(number)] = {
            "score": _figure(score),
            "band": tag[1] if tag else "",
            "nhs": _figure(nhs),
            "vcse": _figure(vcse),
            "gap": _figure(gap) if "partner has a score" not in gap else None,
            "flag": flag[1].lower() if flag else "",
        }
    return rows


def _decimal(value: str) -> Decimal | None:
    return Decimal(value) if value else None


@pytest.fixture
def people(ada, carol, icb, charity, partnership):
    council = Organisation.objects.create(name="Valley Council", kind="local_authority")
    Participant.objects.create(
        partnership=partnership, organisation=council, role="local_authority"
    )
    statements = list(
        Statement.objects.filter(principle__framework=partnership.framework).order_by(
            "principle__number", "order"
        )
    )
    return {
        "ada": ada,
        "carol": carol,
        "organisations": [icb, charity, council],
        "statements": statements,
    }


def _closed_review(partnership, organisations, statements, answers) -> Review:
    review = Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_on="2026-01-05",
        due_on="2026-02-05",
    )
    for organisation, ratings in zip(organisations, answers, strict=False):
        assessment = Assessment.objects.create(review=review, organisation=organisation)
        Rating.objects.bulk_create(
            Rating(
                assessment=assessment,
                statement=statement,
                score=score,
                comment="Why" if score is not None and score <= 2 else "",
            )
            for statement, score in zip(statements, ratings, strict=True)
        )
        assessment.state, assessment.submitted_at = "submitted", "2026-01-20T10:00:00Z"
        assessment.save()
    review.state, review.closed_on, review.overall_rag = "closed", "2026-02-10", "amber"
    review.save()
    review_result_store(review)
    return review


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=st.lists(RATINGS, min_size=1, max_size=3))
def test_every_band_and_flag_agrees_with_its_figures(client, people, partnership, answers):
    with transaction.atomic():
        review = _closed_review(partnership, people["organisations"], people["statements"], answers)
        client.force_login(people["carol"])
        page = client.get(
            reverse(
                "partnerships:review_results",
                kwargs={"code": partnership.code, "review_code": review.code},
            )
        ).text
        client.force_login(people["ada"])
        response = client.get(reverse("partnerships:report_csv", kwargs={"kind": "reviews"}))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        transaction.set_rollback(True)

    rows = page_rows(page)
    assert sorted(rows) == list(range(1, 8))
    for row in rows.values():
        if row["score"] is None:
            assert row["band"] == ""
        else:
            assert row["band"] == BANDS[band_of(row["score"])], row
        if row["gap"] is not None:
            assert row["gap"] == row["nhs"] - row["vcse"], row
            assert row["flag"] == flag_of(row["gap"]), row
        else:
            assert row["flag"] == ""
    overall = re.search(r'data-testid="overall-rag">(?:<strong[^>]*>)?([^<]+)', page)[1]
    if any(row["band"] == "Red" for row in rows.values()):
        assert overall != "Green"  # the weakest link

    (line,) = [r for r in csv.DictReader(io.StringIO(text)) if r["review_id"] == str(review.code)]
    for number, row in rows.items():
        score = _decimal(line[f"principle_{number}_score"])
        nhs = _decimal(line[f"principle_{number}_nhs"])
        vcse = _decimal(line[f"principle_{number}_vcse"])
        gap = _decimal(line[f"principle_{number}_gap"])
        # The file's own figures and words agree, by the rule the legend states.
        assert (line[f"principle_{number}_rag"] or None) == (
            band_of(one_place(score)) if score is not None else None
        )
        if gap is not None:
            assert gap == nhs - vcse
            assert line[f"principle_{number}_gap_flag"] == flag_of(one_place(nhs) - one_place(vcse))
        # And the file and the page say the same.
        assert (one_place(score) if score is not None else None) == row["score"]
        assert line[f"principle_{number}_rag"] == (row["band"].lower())
        assert line[f"principle_{number}_gap_flag"] == row["flag"]
