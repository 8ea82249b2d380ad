"""The demo agrees with itself: the reports page shows what the results pages show.

`make run` serves the demo on SQLite and production runs on PostgreSQL, so `make test` runs
this module on both. It reads the pages as the demo's platform admin would: each demo
partnership's results page (its latest closed review) and the reports page, with its
default filters (the current framework, every partnership).
"""

import re
import statistics
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from organisations.models import User
from partnerships import results
from partnerships.management.commands.seed_demo import USERS
from partnerships.models import Review
from partnerships.templatetags.scores import band, index, score
from principles.models import Framework
from tests.partnerships.report_seed import tables

pytestmark = pytest.mark.django_db

BANDS = ("red", "amber", "green")


@pytest.fixture
def admin(client):
    call_command("seed_demo", stdout=StringIO())
    (email,) = [person.email for person in USERS if person.organisation is None]
    client.force_login(User.objects.get(email=email))
    return client


def latest_reviews() -> list[Review]:
    """Each demo partnership's latest closed review on the current framework, as the report
    picks them."""
    latest = {}
    reviews = Review.objects.filter(
        state=Review.State.CLOSED, framework=Framework.objects.current()
    ).order_by("closed_on", "id")
    for review in reviews.select_related("partnership", "framework"):
        latest[review.partnership_id] = review
    assert latest, "The demo has no closed review to report on."
    return list(latest.values())


def shown_figure(html: str, testid: str) -> str:
    """The first word of an element found by its data-testid: "63" of "63 out of 100"."""
    match = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    assert match, f"No {testid} on the page."
    return match.group(1).split()[0]


def band_of(cell: str) -> str | None:
    """The band a cell reads, from its label: "3.6 Amber" is amber, "–" none."""
    words = [word.lower() for word in cell.split()]
    found = [band for band in BANDS if band in words]
    assert len(found) <= 1, cell
    return found[0] if found else None


def by_header(table: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def results_page(client, review: Review) -> tuple[str, dict[str, str]]:
    """A results page's index, and its partnership cell ("3.6 Amber") by principle, in order."""
    url = reverse(
        "partnerships:review_results",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )
    response = client.get(url)
    assert response.status_code == 200
    rows = by_header(tables(response.text)["scores"])
    cells = {row["Principle"]: row["Partnership"] for row in rows}
    return shown_figure(response.text, "index"), cells


def reports_page(client) -> str:
    response = client.get(reverse("partnerships:reports"))
    assert response.status_code == 200
    return response.text


def test_the_report_counts_each_principles_bands_as_the_results_pages_show_them(admin):
    pages = {review.partnership.name: results_page(admin, review) for review in latest_reviews()}
    expected = {}
    for _, cells in pages.values():
        for principle, cell in cells.items():
            counts = expected.setdefault(principle, dict.fromkeys(BANDS, 0))
            if band_of(cell):
                counts[band_of(cell)] += 1

    rows = by_header(tables(reports_page(admin))["principle-averages"])

    shown = {
        row["Principle"]: {band: int(row[band.capitalize()]) for band in BANDS} for row in rows
    }
    assert shown == expected


def test_the_report_shows_each_partnerships_index_and_scores_as_its_results_page(admin):
    pages = {review.partnership.name: results_page(admin, review) for review in latest_reviews()}

    heatmap = tables(reports_page(admin))["heatmap"][1:]

    # A row: the partnership's name and closing date, its index, then a cell per principle.
    shown = {row[0].split(" Closed ")[0]: (row[1], row[2:]) for row in heatmap}
    assert shown == {
        name: (figure, list(cells.values())) for name, (figure, cells) in pages.items()
    }


def test_the_reports_principle_averages_are_the_means_of_the_results_scores(admin):
    found = [results.stored_result(review) for review in latest_reviews()]
    expected = {}
    for principle in found[0].principles:
        scores = [r.principle(principle.number).score for r in found]
        scores = [value for value in scores if value is not None]
        mean = statistics.mean(scores) if scores else None
        label = f"{principle.number}. {principle.name}"
        expected[label] = " ".join(filter(None, [score(mean), (band(mean) or "").capitalize()]))

    rows = by_header(tables(reports_page(admin))["principle-averages"])

    assert {row["Principle"]: row["Average"] for row in rows} == expected


def test_the_reports_average_index_is_the_mean_of_the_results_indexes(admin):
    reviews = latest_reviews()
    indexes = [results.stored_result(review).index for review in reviews]
    pages = [results_page(admin, review)[0] for review in reviews]
    scored = [value for value in indexes if value is not None]

    average = shown_figure(reports_page(admin), "average-index")

    assert [index(value) for value in indexes] == pages
    assert average == index(statistics.mean(scored) if scored else None)
