"""The PDFs' layout: printed, every word lies on its page, however many quarters there are.

Each PDF is read back word by word (pdfplumber's word boxes) and each page drawn as a PNG
(test-artifacts/pdf/, to look at); a word past a page's edge is text cut off.
"""

import datetime
import io
from pathlib import Path

import pdfplumber
import pytest
from django.urls import reverse

from partnerships import report_charts
from partnerships.models import Assessment, Review
from tests.conftest import store_result, submit

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdf"
QUARTERS = [(year, quarter) for year in range(2021, 2027) for quarter in range(1, 5)]


@pytest.fixture
def six_years(partnership, carol, icb, charity):
    """A review closed in each of 24 quarters, 2021 Q1 to 2026 Q4, each fully answered."""
    for n, (year, quarter) in enumerate(QUARTERS):
        closed = datetime.date(year, quarter * 3 - 1, 10)
        review = Review.objects.create(
            partnership=partnership,
            framework=partnership.framework,
            opened_by=carol,
            opened_on=closed - datetime.timedelta(days=30),
            due_on=closed - datetime.timedelta(days=2),
            state=Review.State.CLOSED,
            closed_by=carol,
            closed_on=closed,
            overall_rag="amber",
        )
        for organisation in (icb, charity):
            assessment = Assessment.objects.create(review=review, organisation=organisation)
            submit(assessment, default=2 + n % 4)
        store_result(review)
    return partnership


def _pages(response, name):
    assert response.status_code == 200, response.content[:300]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        pages = []
        for number, page in enumerate(pdf.pages, start=1):
            page.to_image(resolution=100).save(ARTIFACTS / f"{name}-{number}.png")
            pages.append((page.width, page.height, page.extract_words()))
        return pages


def _assert_every_word_on_its_page(pages):
    for number, (width, height, words) in enumerate(pages, start=1):
        outside = [
            word["text"]
            for word in words
            if word["x0"] < 0 or word["x1"] > width + 0.5 or word["bottom"] > height + 0.5
        ]
        assert not outside, f"page {number}: {outside[:10]} run past the edge"


def _text(pages):
    return " ".join(word["text"] for _, _, words in pages for word in words)


def test_the_summary_pack_fits_24_quarters_on_a4(client, carol, six_years):
    client.force_login(carol)
    pages = _pages(client.get(reverse("partnerships:report_pdf")), "summary")
    _assert_every_word_on_its_page(pages)
    text = _text(pages)
    for year, quarter in QUARTERS:
        # Every quarter's column is there, in the table's parts.
        assert f"{year} Q{quarter}" in text, f"{year} Q{quarter}"
    assert "Trend by quarter: 2021 Q1 to 2022 Q4" in text


def test_the_partnership_report_fits_a4(client, carol, six_years):
    client.force_login(carol)
    url = reverse("partnerships:partnership_pdf", kwargs={"code": six_years.code})
    _assert_every_word_on_its_page(_pages(client.get(url), "partnership"))


def test_the_trend_chart_labels_at_most_eight_quarters():
    labels = [f"{year} Q{quarter}" for year, quarter in QUARTERS]
    chart = report_charts.quarter_lines(labels, [(1, [3.0] * len(labels))])
    shown = [tick["label"] for tick in chart["ticks"] if tick["label"]]
    assert len(chart["ticks"]) == 24
    assert shown[0] == "2021 Q1" and len(shown) <= report_charts.MAX_QUARTER_LABELS


def test_the_averages_chart_puts_each_value_at_its_bar_end():
    chart = report_charts.principle_bars([("1. Sustainability", 3.2, 1.0, 5.0, "amber")])
    (row,) = chart["bars"]
    assert row["note_x"] == row["bar"]["end"] < row["spread"]["x2"]
