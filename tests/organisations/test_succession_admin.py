"""Recording a succession in the admin goes through the service, as the import does."""

import datetime

import pytest
from django.urls import reverse

from organisations.models import AuditEvent, Organisation, Succession

pytestmark = pytest.mark.django_db


def _add(client, ada, icb, successors, kind="merger"):
    client.force_login(ada)
    return client.post(
        reverse("admin:organisations_succession_add"),
        {
            "predecessor": icb.pk,
            "kind": kind,
            "takes_effect_on": "2027-04-01",
            "successors": [s.pk for s in successors],
        },
    )


def test_it_works(client, ada, icb):
    central = Organisation.objects.create(name="NHS Central ICB", kind="icb", ods_code="S1Y5D")

    response = _add(client, ada, icb, [central])

    assert response.status_code == 302
    succession = Succession.objects.get()
    assert list(succession.successors.all()) == [central]
    icb.refresh_from_db()
    assert icb.active_to == datetime.date(2027, 3, 31)
    assert AuditEvent.objects.filter(action="succession.created", actor=ada).exists()


def test_it_explains_the_wrong_number_of_successors(client, ada, icb):
    response = _add(client, ada, icb, [], kind="merger")

    assert response.status_code == 200
    assert "A merger names the one organisation the predecessor joins." in response.text
    assert not Succession.objects.exists()


def test_the_succession_pages_of_the_admin_load(client, ada, icb):
    client.force_login(ada)
    for name in ("admin:organisations_succession_changelist", "admin:organisations_succession_add"):
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("admin:organisations_membershipoffer_changelist")).status_code == 200
