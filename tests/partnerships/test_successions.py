"""Carrying successions out: a merger, a split with its assignment, a rename and a dissolution,
through partnerships, open reviews, actions, people and reminders."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from organisations.models import AuditEvent, Membership, MembershipOffer, Organisation, Succession
from organisations.services import membership_offers_accept, succession_record
from partnerships.models import Action, Assessment, Participant, PartnershipTransfer, Reminder
from partnerships.services import successions
from partnerships.tasks import sweep_reminders
from tests.conftest import make_user, submit
from tests.partnerships.test_reminders_sweep import on

APRIL = datetime.date(2026, 4, 1)
LAST_DAY = datetime.date(2026, 3, 31)
pytestmark = pytest.mark.django_db


def new_icb(name, ods_code, **extra):
    return Organisation.objects.create(
        name=name, kind=Organisation.Kind.ICB, ods_code=ods_code, region="London", **extra
    )


def record(predecessor, kind, successors, on=APRIL):
    succession, _ = succession_record(
        predecessor=predecessor, kind=kind, takes_effect_on=on, successors=successors, by=None
    )
    return succession


def carry_out(succession, today=datetime.date(2026, 11, 29)):
    return successions.succession_carry_out(succession=succession, today=today)


@pytest.fixture
def central(db):
    return new_icb("NHS Central ICB", "S1Y5D", active_from=APRIL)


def test_a_merger_moves_the_area_and_the_lead_and_keeps_the_history(
    partnership, icb, charity, carol, central
):
    succession = record(icb, Succession.Kind.MERGER, [central])

    assert carry_out(succession) is True

    partnership.refresh_from_db()
    icb.refresh_from_db()
    assert partnership.icb == central
    assert icb.active_to == LAST_DAY and icb.successor == central
    old = Participant.objects.get(partnership=partnership, organisation=icb)
    new = Participant.objects.get(partnership=partnership, organisation=central)
    assert (old.role, old.left_on) == (Participant.Role.LEAD_COMMISSIONER, LAST_DAY)
    assert (new.role, new.joined_on, new.left_on) == (
        Participant.Role.LEAD_COMMISSIONER,
        APRIL,
        None,
    )
    transfer = PartnershipTransfer.objects.get()
    assert (transfer.successor, transfer.area, transfer.partner_role) == (
        central,
        True,
        Participant.Role.LEAD_COMMISSIONER,
    )
    assert str(icb) == "NHS North Valley ICB (until 31 March 2026)"
    assert AuditEvent.objects.filter(action="succession.carried_out").count() == 1
    assert AuditEvent.objects.filter(action="partnership.transferred").count() == 1


def test_carrying_out_twice_changes_nothing_the_second_time(partnership, icb, central):
    succession = record(icb, Succession.Kind.MERGER, [central])
    carry_out(succession)
    events = AuditEvent.objects.count()

    assert carry_out(succession) is False
    assert successions.carry_out_due(today=datetime.date(2026, 11, 29)) == 0

    assert AuditEvent.objects.count() == events
    assert PartnershipTransfer.objects.count() == 1
    assert Participant.objects.filter(partnership=partnership).count() == 3


def test_it_is_not_carried_out_before_its_date(partnership, icb, central):
    succession = record(icb, Succession.Kind.MERGER, [central], on=datetime.date(2027, 4, 1))

    with pytest.raises(ValidationError):
        carry_out(succession)
    assert successions.carry_out_due(today=datetime.date(2027, 3, 31)) == 0
    partnership.refresh_from_db()
    assert partnership.icb == icb

    assert successions.carry_out_due(today=datetime.date(2027, 4, 1)) == 1
    partnership.refresh_from_db()
    assert partnership.icb == central


def test_an_unsubmitted_assessment_passes_with_its_answers_and_a_submitted_one_stays(
    open_review, partnership, icb, charity, central, carol
):
    ours = Assessment.objects.get(review=open_review, organisation=icb)
    submit(ours)
    ours.state, ours.submitted_at = Assessment.State.IN_PROGRESS, None
    ours.save(update_fields=["state", "submitted_at"])
    answers = ours.ratings.count()
    theirs = submit(Assessment.objects.get(review=open_review, organisation=charity))

    carry_out(record(icb, Succession.Kind.MERGER, [central]))

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.organisation == central and ours.ratings.count() == answers > 0
    assert theirs.organisation == charity


def test_a_submitted_assessment_stays_with_the_predecessor(open_review, icb, central):
    ours = submit(Assessment.objects.get(review=open_review, organisation=icb))

    carry_out(record(icb, Succession.Kind.MERGER, [central]))

    ours.refresh_from_db()
    assert ours.organisation == icb
    assert not Assessment.objects.filter(review=open_review, organisation=central).exists()


def test_open_actions_of_the_predecessor_pass_to_the_successor(partnership, icb, carol, central):
    open_action = Action.objects.create(
        partnership=partnership, description="Agree targets", owner_organisation=icb, owner=carol
    )
    done = Action.objects.create(
        partnership=partnership,
        description="Done already",
        owner_organisation=icb,
        status=Action.Status.DONE,
    )

    carry_out(record(icb, Succession.Kind.MERGER, [central]))

    open_action.refresh_from_db()
    done.refresh_from_db()
    assert (open_action.owner_organisation, open_action.owner) == (central, None)
    assert done.owner_organisation == icb


def test_members_are_offered_the_successor_and_become_members_when_accepted(
    partnership, icb, carol, central, ada
):
    viewer = make_user("vic@northvalley.example", icb, role=Membership.Role.VIEWER)
    already = make_user("amir@central.example", central, role=Membership.Role.ADMIN)
    Membership.objects.create(user=already, organisation=icb, role=Membership.Role.VIEWER)

    carry_out(record(icb, Succession.Kind.MERGER, [central]))

    offers = MembershipOffer.objects.filter(organisation=central)
    assert {(o.user, o.role) for o in offers} == {
        (carol, Membership.Role.EDITOR),
        (viewer, Membership.Role.VIEWER),
    }
    assert not Membership.objects.filter(user=carol, organisation=central).exists()

    # Already a member of the successor: no offer, and no longer a member of the ended ICB.
    assert not Membership.objects.filter(user=already, organisation=icb).exists()
    assert Membership.objects.filter(user=carol, organisation=icb).exists()  # until accepted

    assert membership_offers_accept(offers=list(offers), by=already) == 2
    assert Membership.objects.get(user=carol, organisation=central).role == "editor"
    assert Membership.objects.get(user=viewer, organisation=central).role == "viewer"
    # The ended ICB gives them no access any more; the offers and the trail keep the history.
    assert not Membership.objects.filter(organisation=icb).exists()
    assert {(o.user, o.role, o.succession.predecessor) for o in offers} == {
        (carol, "editor", icb),
        (viewer, "viewer", icb),
    }
    ended = AuditEvent.objects.filter(action="membership.ended_by_succession", organisation=icb)
    assert {(e.object_repr, e.changes["role"][0]) for e in ended} == {
        (str(already), "viewer"),
        (str(carol), "editor"),
        (str(viewer), "viewer"),
    }
    assert membership_offers_accept(offers=list(offers), by=already) == 0


def test_a_split_waits_for_an_assignment_and_then_hands_over(
    partnership, icb, charity, open_review, central, ada
):
    essex = new_icb("NHS Essex ICB", "D7T5G", active_from=APRIL)
    carry_out(record(icb, Succession.Kind.SPLIT, [central, essex]))

    partnership.refresh_from_db()
    transfer = PartnershipTransfer.objects.get()
    assert partnership.icb == icb and transfer.successor is None  # still to assign
    assert Participant.objects.get(organisation=icb).left_on == LAST_DAY  # but it has left
    assert not Participant.objects.filter(organisation__in=[central, essex]).exists()

    with pytest.raises(ValidationError):
        successions.transfer_assign(transfer=transfer, successor=charity, by=ada)

    successions.transfer_assign(transfer=transfer, successor=essex, by=ada)

    partnership.refresh_from_db()
    transfer.refresh_from_db()
    assert partnership.icb == essex
    assert (transfer.successor, transfer.decided_by) == (essex, ada)
    assert Participant.objects.get(organisation=essex).role == Participant.Role.LEAD_COMMISSIONER
    assert Assessment.objects.filter(review=open_review, organisation=essex).exists()
    with pytest.raises(ValidationError):
        successions.transfer_assign(transfer=transfer, successor=central, by=ada)


def test_a_rename_is_carried_out_like_a_merger_of_one(partnership, icb):
    renamed = new_icb("NHS North Valley and Dales ICB", "QNW", active_from=APRIL)

    carry_out(record(icb, Succession.Kind.RENAME, [renamed]))

    partnership.refresh_from_db()
    assert partnership.icb == renamed
    assert Participant.objects.get(organisation=renamed).role == "lead_commissioner"


def test_a_dissolved_partner_leaves_and_no_one_takes_over(partnership, charity, alice, icb):
    carry_out(record(charity, Succession.Kind.DISSOLUTION, []))

    left = Participant.objects.get(organisation=charity)
    assert left.left_on == LAST_DAY
    assert not PartnershipTransfer.objects.exists()
    assert not MembershipOffer.objects.exists()
    partnership.refresh_from_db()
    assert partnership.icb == icb


def test_after_the_date_reminders_go_to_the_successor_never_to_the_ended_body(
    open_review, icb, carol, central
):
    amir = make_user("amir@central.example", central, role=Membership.Role.EDITOR)
    # Recorded ahead; the sweep on the date carries it out before it looks for reminders.
    record(icb, Succession.Kind.MERGER, [central], on=datetime.date(2026, 11, 25))

    with on(2026, 11, 25):
        sweep_reminders()

    recipients = set(Reminder.objects.values_list("recipient__email", flat=True))
    assert amir.email in recipients
    assert carol.email not in recipients


def test_record_refuses_the_wrong_number_of_successors(icb, central):
    essex = new_icb("NHS Essex ICB", "D7T5G")
    cases = [
        (Succession.Kind.MERGER, [central, essex]),
        (Succession.Kind.SPLIT, [central]),
        (Succession.Kind.DISSOLUTION, [central]),
        (Succession.Kind.RENAME, []),
        (Succession.Kind.MERGER, [icb]),
    ]
    for kind, successors in cases:
        with pytest.raises(ValidationError) as error:
            record(icb, kind, successors)
        assert "successors" in error.value.message_dict
    assert not Succession.objects.exists()
    icb.refresh_from_db()
    assert icb.active_to is None


def test_a_carried_out_succession_cannot_be_changed(partnership, icb, central):
    carry_out(record(icb, Succession.Kind.MERGER, [central]))
    essex = new_icb("NHS Essex ICB", "D7T5G")

    with pytest.raises(ValidationError):
        record(icb, Succession.Kind.MERGER, [essex])
    assert Succession.objects.get().successors.get() == central
