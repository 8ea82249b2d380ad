"""The PDFs: the text WeasyPrint prints holds the page's figures, for the same filters."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from partnerships.templatetags.scores import index
from tests.partnerships.report_seed import expected_latest, seed, tables


@pytest.fixture
def seeded(framework, icb, charity, partnership, carol):
    return seed(framework=framework, icb=icb, charity=charity, partnership=partnership, carol=carol)


def _pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    # One space between words whatever the layout, so a table row reads as a line of words.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _words(cells) -> str:
    return " ".join(" ".join(cells).split())


def test_the_summary_pack_holds_the_pages_figures(client, carol, seeded):
    client.force_login(carol)
    query = {"kind": "grant"}
    page = client.get(reverse("partnerships:reports"), query)
    report = page.context["report"]
    response = client.get(reverse("partnerships:report_pdf"), query)
    assert re.fullmatch(
        r'attachment; filename="partnership-health-summary-\d{4}-\d\d-\d\d\.pdf"',
        response["Content-Disposition"],
    )
    text = _pdf_text(response)

    assert "Type: Grant" in text
    assert f"Partnerships {report.partnerships} " in text
    assert f"Reviews closed on time {report.on_time} " in text
    assert f"Reviews closed late {report.late} " in text
    on_page = tables(page.text)
    for name in ("principle-averages", "distribution", "heatmap", "trend"):
        for row in on_page[name][1:]:
            assert _words(row) in text, (name, row)
    for row in on_page["gaps"][1:]:
        assert _words(row[2:]) in text


def test_the_summary_pack_holds_no_other_tenants_partnership(client, carol, seeded):
    client.force_login(carol)
    text = _pdf_text(client.get(reverse("partnerships:report_pdf")))
    assert "North partnership" in text
    assert "South partnership" not in text
    assert seeded.south.name not in text


def test_the_partnership_report_holds_its_results_and_averages(client, carol, seeded, partnership):
    client.force_login(carol)
    url = reverse("partnerships:partnership_report", kwargs={"code": partnership.code})
    page = tables(client.get(url).text)
    response = client.get(
        reverse("partnerships:partnership_pdf", kwargs={"code": partnership.code})
    )
    assert re.fullmatch(
        r'attachment; filename="partnership-health-riverside-partnership-\d{4}-\d\d-\d\d\.pdf"',
        response["Content-Disposition"],
    )
    text = _pdf_text(response)
    for name in ("scores", "comparison", "actions"):
        for row in page[name][1:]:
            assert _words(row) in text, (name, row)
    _, result = expected_latest([partnership])[partnership]
    assert f"Partnership health index {index(result.index)} out of 100" in text
    assert "Lead commissioner’s overall rating" in text
    assert "Comment on 1" in text  # the health check summary


def test_the_partnership_pdf_hides_from_outsiders(client, seeded, partnership):
    client.force_login(seeded.erin)
    url = reverse("partnerships:partnership_pdf", kwargs={"code": partnership.code})
    assert client.get(url).status_code == 404
