"""About these downloads: every column of every file, by its CSV name and workbook heading."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from partnerships import export_columns, exports
from partnerships.forms.reports import ReportFilterForm

URL = reverse("partnerships:report_downloads")


def test_it_works(client, carol, framework):
    client.force_login(carol)
    page = client.get(URL)
    assert page.status_code == 200
    assert '<h1 class="govuk-heading-l">About these downloads</h1>' in page.text
    for label in exports.LABELS.values():
        assert f">{label}</h2>" in page.text


def test_it_lists_every_column_of_every_file(client, carol, framework):
    client.force_login(carol)
    text = client.get(URL).text
    sheets = exports.sheets(carol, ReportFilterForm({}, user=carol).filters())
    for kind, sheet in sheets.items():
        for column in sheet.columns:
            numbered = re.fullmatch(r"principle_\d+_(\w+)", column.name)
            if numbered:  # described once, for principle n, rather than seven times over
                name = f"principle_n_{numbered[1]}"
                column = next(c for c in export_columns.principle_columns(["n"]) if c.name == name)
            assert f"<code>{column.name}</code>" in text, (kind, column.name)
            assert escape(column.heading) in text, (kind, column.heading)


def test_the_reports_page_links_to_it_rather_than_to_a_readme(client, carol, framework):
    client.force_login(carol)
    page = client.get(reverse("partnerships:reports")).text
    assert f'href="{URL}"' in page
    assert "README" not in page


@pytest.mark.parametrize("person", ["alice", "bob", "dan"])
def test_it_requires_role(client, request, person):
    client.force_login(request.getfixturevalue(person))
    response = client.get(URL)
    assert response.status_code == 403
    assert "commissioners" in response.text
