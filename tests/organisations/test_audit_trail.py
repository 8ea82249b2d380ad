"""Every kind of event lands in the trail with who, which organisation, what changed and the
IP address, and never a password or token."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from organisations.models import AuditEvent, Membership, Organisation
from organisations.services import organisation_import_row
from organisations.views.organisations import permission_denied
from partnerships.models import Participant, Partnership
from partnerships.services.assessments import Answer, assessment_save_principle
from tests.conftest import PASSWORD, submit


def _event(action) -> AuditEvent:
    return AuditEvent.objects.select_related("actor", "organisation").get(action=action)


def _trail_text() -> str:
    return json.dumps([model_to_dict(e) for e in AuditEvent.objects.all()], default=str)


def _from_the_request(event):
    assert event.ip_address == "127.0.0.1"
    assert event.at.tzinfo is not None
    assert timezone.now() - event.at < datetime.timedelta(minutes=1)


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


# Partnerships and partners


def test_registering_a_partnership_is_recorded(client, carol, icb, framework):
    client.force_login(carol)
    response = client.post(
        reverse("partnerships:create"),
        {
            "lead_organisation": icb.pk,
            "name": "Healthy Homes Alliance",
            "kind": "alliance_contract",
            "review_frequency_months": "6",
        },
    )
    assert response.status_code == 302
    event = _event("partnership.created")
    partnership = Partnership.objects.get()
    assert (event.actor, event.actor_email, event.organisation) == (carol, carol.email, icb)
    assert (event.object_type, event.object_id) == (
        "partnerships.partnership",
        str(partnership.code),
    )
    assert event.changes["name"] == [None, "Healthy Homes Alliance"]
    assert event.changes["lead_organisation"] == [None, str(icb.pk)]
    _from_the_request(event)


def test_changing_a_partnership_records_only_the_changed_fields(client, carol, icb, partnership):
    client.force_login(carol)
    client.post(
        reverse("partnerships:edit", kwargs={"code": partnership.code}),
        {
            "name": "Riverside Mental Health Partnership",
            "kind": "contract",
            "service_area": "Mental health",
            "review_frequency_months": "12",
            **_date("next_review_due", datetime.date(2027, 3, 31)),
        },
    )
    event = _event("partnership.changed")
    assert (event.actor, event.organisation) == (carol, icb)
    assert event.changes == {
        "name": ["Riverside Partnership", "Riverside Mental Health Partnership"],
        "icb": [str(icb.pk), None],
    }


def test_adding_and_removing_a_partner_is_recorded(client, carol, icb, partnership):
    council = Organisation.objects.create(
        name="Riverside Council", kind=Organisation.Kind.LOCAL_AUTHORITY
    )
    client.force_login(carol)
    url = reverse("partnerships:participants", kwargs={"code": partnership.code})
    client.post(url, {"organisation": council.code, "role": "local_authority"})
    added = _event("participant.added")
    assert (added.actor, added.organisation) == (carol, icb)
    assert added.changes["organisation"] == [None, str(council.pk)]
    assert added.changes["role"] == [None, "local_authority"]

    participant = Participant.objects.get(partnership=partnership, organisation=council)
    client.post(
        reverse(
            "partnerships:participant_remove",
            kwargs={"code": partnership.code, "participant_code": participant.code},
        )
    )
    removed = _event("participant.removed")
    assert (removed.actor, removed.organisation, removed.object_id) == (
        carol,
        icb,
        str(participant.code),
    )
    assert removed.changes == {"left_on": [None, str(timezone.localdate())]}


# Reviews


def test_opening_a_review_is_recorded(client, carol, icb, partnership):
    due = timezone.localdate() + datetime.timedelta(days=28)
    client.force_login(carol)
    client.post(
        reverse("partnerships:review_open", kwargs={"code": partnership.code}),
        _date("due_on", due),
    )
    event = _event("review.opened")
    assert (event.actor, event.organisation) == (carol, icb)
    assert event.changes["due_on"] == [None, str(due)]
    assert event.changes["assessments"] == 2


def test_the_health_check_and_closing_the_review_are_recorded(
    client, carol, icb, open_review, alice, charity
):
    submit(open_review.assessments.get(organisation=charity), by=alice)
    review_kwargs = {"code": open_review.partnership.code, "review_code": open_review.code}
    client.force_login(carol)
    health_check = {f"rag_{n}": "green" for n in range(1, 8)}
    health_check.update({f"comment_{n}": "" for n in range(1, 8)})
    health_check.update({"rag_5": "red", "comment_5": "Reporting is too heavy", "summary": "Good"})
    client.post(reverse("partnerships:health_check", kwargs=review_kwargs), health_check)
    saved = _event("health_check.saved")
    assert (saved.actor, saved.organisation) == (carol, icb)
    assert saved.changes["rag_5"] == [None, "red"]
    assert saved.changes["comment_5"] == [None, "Reporting is too heavy"]
    assert saved.changes["summary"] == ["", "Good"]

    response = client.post(
        reverse("partnerships:review_close", kwargs=review_kwargs),
        {"overall_rag": "amber", "confirm_missing": "on"},
    )
    assert response.status_code == 302
    closed = _event("review.closed")
    assert (closed.actor, closed.organisation, closed.object_id) == (
        carol,
        icb,
        str(open_review.code),
    )
    assert closed.changes["state"] == ["open", "closed"]
    assert closed.changes["overall_rag"] == ["", "amber"]


# Self-assessments


def test_saving_and_submitting_an_assessment_is_recorded(
    client, alice, charity, charity_assessment
):
    kwargs = {
        "code": charity_assessment.review.partnership.code,
        "review_code": charity_assessment.review.code,
        "assessment_code": charity_assessment.code,
    }
    principle = charity_assessment.review.framework.principles.get(number=5)
    statements = list(principle.statements.all())
    data = {"version": "1", "intent": "continue"}
    data.update({f"score_{s.id}": "4" for s in statements})
    data.update({f"comment_{s.id}": "" for s in statements})
    data[f"score_{statements[0].id}"] = "2"
    data[f"comment_{statements[0].id}"] = "Monthly reports for £5k"
    client.force_login(alice)
    client.post(reverse("partnerships:assessment_principle", kwargs={**kwargs, "number": 5}), data)
    saved = _event("assessment.saved")
    assert (saved.actor, saved.organisation) == (alice, charity)
    assert saved.changes["principle"] == 5
    assert saved.changes["version"] == [1, 2]
    assert saved.changes["5.1"] == [None, 2]
    assert saved.changes["5.1 comment"] == [None, "Monthly reports for £5k"]
    assert saved.changes["5.2"] == [None, 4]

    for other in charity_assessment.review.framework.principles.exclude(number=5):
        charity_assessment.refresh_from_db()
        assessment_save_principle(
            assessment=charity_assessment,
            principle=other,
            answers={s.id: Answer(None) for s in other.statements.all()},
            expected_version=charity_assessment.version,
            by=alice,
        )
    client.post(reverse("partnerships:assessment_submit", kwargs=kwargs))
    submitted = _event("assessment.submitted")
    assert (submitted.actor, submitted.organisation) == (alice, charity)
    assert submitted.changes["state"] == ["in_progress", "submitted"]


# Actions


def test_adding_changing_and_finishing_an_action_is_recorded(client, alice, charity, partnership):
    client.force_login(alice)
    client.post(
        reverse("partnerships:action_create", kwargs={"code": partnership.code}),
        {
            "description": "Agree a shared outcomes framework",
            "owner_organisation": charity.pk,
            "owner": alice.pk,
            **_date("due_on", datetime.date(2027, 3, 31)),
        },
    )
    created = _event("action.created")
    action = partnership.actions.get()
    assert (created.actor, created.organisation, created.object_id) == (
        alice,
        charity,
        str(action.code),
    )
    assert created.changes["description"] == [None, "Agree a shared outcomes framework"]
    assert created.changes["due_on"] == [None, "2027-03-31"]

    action_kwargs = {"code": partnership.code, "action_code": action.code}
    client.post(
        reverse("partnerships:action_edit", kwargs=action_kwargs),
        {
            "description": "Agree a shared outcomes framework",
            "owner_organisation": charity.pk,
            "owner": alice.pk,
            **_date("due_on", datetime.date(2027, 6, 30)),
            "status": "open",
        },
    )
    changed = _event("action.changed")
    assert (changed.actor, changed.organisation) == (alice, charity)
    assert changed.changes == {"due_on": ["2027-03-31", "2027-06-30"]}

    client.post(reverse("partnerships:action_done", kwargs=action_kwargs))
    done = _event("action.done")
    assert (done.actor, done.organisation) == (alice, charity)
    assert done.changes == {"status": ["open", "done"]}


# Organisations and memberships


def test_the_csv_import_is_recorded_as_the_system(db):
    organisation_import_row(row={"ods_code": "QWE", "name": "NHS South Valley ICB"})
    organisation_import_row(row={"ods_code": "QWE", "name": "NHS South and East Valley ICB"})
    organisation_import_row(row={"ods_code": "QWE", "name": "NHS South and East Valley ICB"})
    created, updated = AuditEvent.objects.filter(action="organisation.imported").order_by("id")
    organisation = Organisation.objects.get(ods_code="QWE")
    assert (created.actor, created.actor_email, created.organisation) == (None, "", organisation)
    assert created.changes["result"] == "created"
    assert updated.changes == {
        "result": "updated",
        "name": ["NHS South Valley ICB", "NHS South and East Valley ICB"],
    }


def test_a_membership_added_in_the_admin_is_recorded(client, ada, dan, charity):
    client.force_login(ada)
    response = client.post(
        reverse("admin:organisations_membership_add"),
        {"user": dan.pk, "organisation": charity.pk, "role": "viewer"},
    )
    assert response.status_code == 302
    event = _event("membership.added")
    assert (event.actor, event.organisation, event.object_id) == (ada, charity, str(dan.pk))
    assert event.changes == {"role": [None, "viewer"]}

    membership = Membership.objects.get(user=dan, organisation=charity)
    client.post(
        reverse("admin:organisations_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert _event("membership.removed").changes == {"role": ["viewer", None]}


# Signing in and out


def test_signing_in_is_recorded(client, alice, charity):
    client.post(reverse("login"), {"username": alice.email, "password": PASSWORD})
    event = _event("user.signed_in")
    assert (event.actor, event.actor_email, event.organisation) == (alice, alice.email, charity)
    _from_the_request(event)
    assert PASSWORD not in _trail_text()


def test_a_failed_sign_in_records_the_email_and_never_the_password(client, alice):
    client.post(reverse("login"), {"username": alice.email, "password": "Tr0ub4dor&3 wrong"})
    client.post(reverse("login"), {"username": "nobody@example.org", "password": PASSWORD})
    wrong_password, unknown = AuditEvent.objects.filter(action="user.sign_in_failed").order_by("id")
    assert (wrong_password.actor, wrong_password.actor_email) == (None, "")
    assert wrong_password.changes == {"email": alice.email}
    assert wrong_password.object_id == str(alice.pk)  # which account someone tried
    assert unknown.changes == {"email": "nobody@example.org"}
    assert unknown.object_id == ""
    _from_the_request(unknown)
    trail = _trail_text()
    assert "Tr0ub4dor" not in trail and PASSWORD not in trail and "****" not in trail


def test_signing_out_is_recorded(client, alice, charity):
    client.force_login(alice)
    client.post(reverse("logout"))
    event = _event("user.signed_out")
    assert (event.actor, event.organisation) == (alice, charity)


# Access refused


def test_a_refusal_is_recorded_and_the_page_still_explains_it(client, bob, charity, partnership):
    client.force_login(bob)
    url = reverse("partnerships:edit", kwargs={"code": partnership.code})
    response = client.get(url)
    assert response.status_code == 403
    assert "Only editors and admins of this partnership’s commissioning" in response.text
    event = _event("access.refused")
    assert (event.actor, event.organisation) == (bob, charity)
    assert event.changes["path"] == url
    assert event.changes["method"] == "GET"
    assert event.changes["reason"].startswith("Only editors and admins")
    _from_the_request(event)


def test_an_outsiders_404_is_not_a_refusal(client, dan, partnership):
    client.force_login(dan)
    assert (
        client.get(reverse("partnerships:edit", kwargs={"code": partnership.code})).status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action="access.refused").exists()


def test_a_refusal_keeps_a_token_in_the_url_out_of_the_trail(client, alice):
    path = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "c4-s3cr3t"})
    request = RequestFactory().get(path)
    request.user, request.session, request.resolver_match = alice, client.session, resolve(path)
    response = permission_denied(request, PermissionDenied("No."))
    assert response.status_code == 403
    assert "s3cr3t" not in _event("access.refused").changes["path"]


# The admin's view of the trail


@pytest.fixture
def some_events(client, alice, bob, partnership):
    client.post(reverse("login"), {"username": alice.email, "password": PASSWORD})
    client.force_login(bob)
    client.get(reverse("partnerships:edit", kwargs={"code": partnership.code}))
    client.logout()
    return AuditEvent.objects.order_by("id")


def test_the_admin_lists_and_filters_the_trail(client, ada, some_events, charity):
    client.force_login(ada)
    url = reverse("admin:organisations_auditevent_changelist")
    response = client.get(url)
    assert response.status_code == 200
    assert "access.refused" in response.text and "bob@riverside.example" in response.text
    filtered = client.get(url, {"action": "access.refused", "organisation__id__exact": charity.pk})
    assert filtered.status_code == 200
    assert "bob@riverside.example" in filtered.text
    assert "alice@riverside.example" not in filtered.text
    assert client.get(url, {"q": "bob@riverside"}).status_code == 200


def test_the_admin_cannot_add_change_or_delete_events(client, ada, some_events):
    client.force_login(ada)
    event = some_events.first()
    change = reverse("admin:organisations_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # read-only
    assert client.post(change, {"action": "tampered"}).status_code == 403
    delete = reverse("admin:organisations_auditevent_delete", args=[event.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:organisations_auditevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.action != "tampered"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_people_without_staff_access_cannot_read_the_trail(client, carol):
    client.force_login(carol)
    response = client.get(reverse("admin:organisations_auditevent_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_changes_to_a_person_in_the_admin_are_recorded_without_the_password(
    client, ada, bob, charity
):
    membership = Membership.objects.get(user=bob)
    client.force_login(ada)
    response = client.post(
        reverse("admin:organisations_user_change", args=[bob.pk]),
        {
            "email": bob.email,
            "first_name": "Robert",
            "last_name": "",
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": bob.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": bob.date_joined.strftime("%H:%M:%S"),
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": membership.pk,
            "memberships-0-user": bob.pk,
            "memberships-0-organisation": charity.pk,
            "memberships-0-role": "editor",
        },
    )
    assert response.status_code == 302
    changed = _event("user.changed")
    assert (changed.actor, changed.object_id) == (ada, str(bob.pk))
    assert {"first_name", "is_staff"} <= set(changed.changes["fields"])
    role = _event("membership.changed")
    assert (role.organisation, role.object_id) == (charity, str(bob.pk))
    assert role.changes == {"role": ["viewer", "editor"]}
    assert "pbkdf2" not in _trail_text()
