"""The report's ICB and organisation pickers write their options in Python (at 8,000
organisations Django's template for each option cost a platform admin over a second): the
HTML is Django's own, option for option, and a picker costs one query."""

import re

import pytest
from django import forms
from django.db import connection
from django.forms.models import ModelChoiceIterator
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation
from partnerships.forms.reports import ReportFilterForm
from partnerships.models import Participant, Partnership

PICKERS = ("icb", "organisation")
ATTRS = {"class": "govuk-select", "aria-describedby": "hint", "data-empty": ""}


def _with_djangos_widget(form, name, attrs):
    field = form.fields[name]
    field.iterator = ModelChoiceIterator
    field.widget = forms.Select()
    field.widget.choices = field.choices
    return form[name].as_widget(attrs=attrs)


@pytest.fixture
def awkward(partnership):
    """A partner whose name needs escaping."""
    organisation = Organisation.objects.create(
        name='<b>Tom & Jerry\'s "Care"</b>', kind=Organisation.Kind.CHARITY
    )
    Participant.objects.create(
        partnership=partnership, organisation=organisation, role=Participant.Role.VCSE_PARTNER
    )
    return organisation


@pytest.mark.parametrize("chosen", [False, True])
@pytest.mark.parametrize("person", ["ada", "carol"])
def test_the_pickers_are_djangos_html(request, person, chosen, partnership, icb, awkward):
    user = request.getfixturevalue(person)
    data = {"icb": str(icb.code), "organisation": str(awkward.code)} if chosen else {}
    for name in PICKERS:
        form = ReportFilterForm(data, user=user)
        form.is_valid()
        ours = form[name].as_widget(attrs=ATTRS)
        assert ours == _with_djangos_widget(ReportFilterForm(data, user=user), name, ATTRS)
        assert "<b>" not in ours
    if chosen:
        assert f'<option value="{awkward.code}" selected>' in ours


def test_a_picker_costs_one_query(ada, partnership, icb, awkward, framework):
    Partnership.objects.create(name="Another", kind="grant", icb=icb, framework=framework)
    form = ReportFilterForm({}, user=ada)
    form.is_valid()
    for name in PICKERS:
        with CaptureQueriesContext(connection) as queries:
            form[name].as_widget(attrs=ATTRS)
        assert len(queries) == 1, [query["sql"] for query in queries]


def test_the_report_page_gives_the_pickers_their_govuk_classes(client, ada, partnership, awkward):
    """crispy-forms-gds gives a select its GOV.UK classes, and its error class, by its
    widget's class name."""
    client.force_login(ada)
    page = client.get(reverse("partnerships:reports")).text
    for name in PICKERS:
        assert re.search(f'<select name="{name}"[^>]* class="govuk-select"[ >]', page), name
    errors = client.get(reverse("partnerships:reports"), {"organisation": "nobody"}).text
    assert re.search(
        '<select name="organisation"[^>]* class="govuk-select govuk-input--error"', errors
    )
