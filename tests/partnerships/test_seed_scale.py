"""`manage.py seed_scale`: the same seed gives the same world, and the world holds together."""

import datetime
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F

from organisations.models import Membership, Organisation, Side, User
from partnerships import results
from partnerships.models import (
    Action,
    Assessment,
    HealthCheckEntry,
    Participant,
    Partnership,
    Rating,
    Review,
)
from principles.models import Statement

TODAY = datetime.date(2026, 11, 23)


def _seed(partnerships, seed):
    out = StringIO()
    call_command("seed_scale", partnerships=partnerships, seed=seed, today=TODAY, stdout=out)
    return out.getvalue()


def _snapshot() -> dict:
    """Everything seeded, by public codes and emails rather than ids, which differ per run."""
    return {
        "organisations": Organisation.objects.values_list(
            "code",
            "name",
            "kind",
            "ods_code",
            "charity_number",
            "charity_regulator",
            "company_number",
            "region",
            "icb__code",
            "income_band",
            "active_to",
            "successor__code",
        ),
        "people": User.objects.values_list("email", "first_name", "last_name", "is_staff"),
        "memberships": Membership.objects.values_list("user__email", "organisation__code", "role"),
        "partnerships": Partnership.objects.values_list(
            "code",
            "name",
            "kind",
            "service_area",
            "icb__code",
            "starts_on",
            "ends_on",
            "annual_value",
            "contract_reference",
            "review_frequency_months",
            "next_review_due",
        ),
        "participants": Participant.objects.values_list(
            "code",
            "partnership__code",
            "organisation__code",
            "role",
            "lead_contact__email",
            "joined_on",
            "left_on",
        ),
        "reviews": Review.objects.values_list(
            "code", "partnership__code", "opened_on", "due_on", "state", "overall_rag", "closed_on"
        ),
        "assessments": Assessment.objects.values_list(
            "code", "review__code", "organisation__code", "state", "submitted_by__email"
        ),
        "ratings": Rating.objects.values_list("assessment__code", "statement", "score", "comment"),
        "health checks": HealthCheckEntry.objects.values_list(
            "health_check__review__code", "health_check__serious_concern", "principle", "rag"
        ),
        "actions": Action.objects.values_list(
            "code",
            "partnership__code",
            "review__code",
            "principle",
            "owner_organisation__code",
            "owner__email",
            "due_on",
            "status",
        ),
    }


def _frozen(snapshot) -> dict:
    return {name: sorted(map(str, rows)) for name, rows in snapshot.items()}


def _empty_the_database():
    Partnership.objects.all().delete()
    Organisation.objects.all().delete()
    User.objects.all().delete()
    # The deletes leave foreign-key checks pending until commit, and the command alters the
    # tables' keys, which PostgreSQL refuses while checks are pending: run them now.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_the_same_seed_gives_the_same_data(db):
    _seed(12, seed=7)
    first = _frozen(_snapshot())
    assert all(first.values()), {name: len(rows) for name, rows in first.items()}
    _empty_the_database()
    _seed(12, seed=7)
    assert _frozen(_snapshot()) == first
    _empty_the_database()
    _seed(12, seed=8)
    assert _frozen(_snapshot())["ratings"] != first["ratings"]


def test_it_refuses_a_database_that_has_data(db, partnership):
    with pytest.raises(CommandError, match="fills an empty database"):
        _seed(5, seed=1)


@pytest.fixture
def world(db, framework):
    output = _seed(60, seed=1)
    assert "partnerships: 60" in output
    return framework


def test_it_has_organisations_of_every_kind_and_size(world):
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(Organisation.Kind)
    vcse = Organisation.objects.of_side(Side.VCSE)
    assert set(vcse.values_list("income_band", flat=True)) == set(Organisation.IncomeBand)
    assert not Organisation.objects.filter(memberships__isnull=True).exists()  # all have people
    for organisation in Organisation.objects.exclude(charity_number=""):
        organisation.full_clean()  # identifiers valid for their regulator


def test_every_partnership_has_2_to_12_partners_and_one_nhs_lead(world):
    partners = Counter(Participant.objects.values_list("partnership", flat=True))
    assert len(partners) == 60
    assert min(partners.values()) >= 2 and max(partners.values()) <= 12
    leads = Participant.objects.filter(role=Participant.Role.LEAD_COMMISSIONER)
    assert leads.count() == 60
    assert {lead.organisation.side for lead in leads.select_related("organisation")} == {Side.NHS}


def test_every_submitted_assessment_has_every_rating(world):
    statements = set(Statement.objects.filter(principle__framework=world).values_list("pk"))
    rated = defaultdict(set)
    for assessment, statement in Rating.objects.values_list("assessment", "statement"):
        rated[assessment].add((statement,))
    assessments = Assessment.objects.values_list("pk", "state")
    by_state = Counter(state for _, state in assessments)
    assert by_state[Assessment.State.SUBMITTED] > by_state[Assessment.State.IN_PROGRESS] > 0
    assert by_state[Assessment.State.NOT_STARTED] > 0
    for pk, state in assessments:
        if state == Assessment.State.SUBMITTED:
            assert rated[pk] == statements
        elif state == Assessment.State.IN_PROGRESS:
            assert rated[pk] < statements  # a draft: some principles answered
        else:
            assert not rated[pk]
    # The scale's rule holds (the database checks it too): a low score says why.
    assert not Rating.objects.filter(score__lte=2, comment="").exists()
    assert Rating.objects.filter(score__isnull=True).exists()  # some "Don't know"


def test_assessments_are_by_partners_who_were_there(world):
    membership = {(p.partnership_id, p.organisation_id): p for p in Participant.objects.all()}
    editors = set(
        Membership.objects.exclude(role=Membership.Role.VIEWER).values_list("user", "organisation")
    )
    for assessment in Assessment.objects.select_related("review"):
        review = assessment.review
        participant = membership[review.partnership_id, assessment.organisation_id]
        assert participant.joined_on <= review.opened_on
        assert participant.left_on is None or participant.left_on > review.opened_on
        if assessment.state == Assessment.State.SUBMITTED:
            assert (assessment.submitted_by_id, assessment.organisation_id) in editors
            assert assessment.submitted_at.date() >= review.opened_on


def test_reviews_have_history_health_checks_and_actions(world):
    closed = Review.objects.filter(state=Review.State.CLOSED)
    assert closed.count() > 60  # several years of them
    assert Review.objects.filter(state=Review.State.OPEN).exists()
    for review in closed.prefetch_related("health_check__entries"):
        assert review.closed_on <= TODAY
        assert review.health_check.entries.count() == 7
    # Late closes and overdue reviews both happen.
    assert closed.filter(closed_on__gt=F("due_on")).exists()
    assert Partnership.objects.filter(next_review_due__lt=TODAY).exists()
    for partnership in Partnership.objects.prefetch_related("reviews"):
        reviews = list(partnership.reviews.all())
        if reviews and partnership.next_review_due:
            assert partnership.next_review_due > max(r.opened_on for r in reviews)
    partners = set(Participant.objects.values_list("partnership", "organisation"))
    members = set(Membership.objects.values_list("user", "organisation"))
    actions = Action.objects.select_related("review")
    assert set(actions.values_list("status", flat=True)) == set(Action.Status)
    for action in actions:
        assert (action.partnership_id, action.owner_organisation_id) in partners
        assert action.review.partnership_id == action.partnership_id
        assert action.owner_id is None or (action.owner_id, action.owner_organisation_id) in members


def test_merged_icbs_name_their_successor(world):
    icbs = Organisation.objects.filter(kind=Organisation.Kind.ICB)
    merged = icbs.filter(successor__isnull=False)
    assert merged.count() == icbs.count() // 7
    assert all(icb.active_to == datetime.date(2026, 3, 31) for icb in merged)
    assert not Organisation.objects.filter(icb__in=merged).exists()  # members moved on


def test_closed_reviews_score(world):
    review = (
        Review.objects.filter(state=Review.State.CLOSED, partnership__participants__isnull=False)
        .order_by("-closed_on")
        .first()
    )
    result = results.stored_result(review)
    assert result.index is not None
    assert len(result.principles) == 7


def test_concerns_come_at_a_realistic_rate(world):
    """About one a partnership every three years, nearly all answered; late answers escalated."""
    from partnerships.models import Concern

    concerns = Concern.objects.all()
    assert 0.5 < concerns.count() / Partnership.objects.count() < 4
    answered = concerns.exclude(responded_at=None)
    assert answered.count() > concerns.count() / 2
    assert answered.filter(responded_in_time=False).exists()
    assert not answered.filter(responded_in_time=False, escalated_at=None).exists()
    # Raised by a partner other than the lead commissioner, while it was a partner.
    for concern in concerns.select_related("partnership"):
        participant = concern.partnership.participants.get(organisation=concern.organisation_id)
        assert participant.joined_on <= concern.raised_at.date()


def test_health_check_bands_follow_the_settings(db, framework, settings):
    """The lead commissioner's red, amber and green come from RAG_GREEN_FROM and
    RAG_AMBER_FROM: with the bar above every score, each principle is red."""
    _seed(12, seed=1)
    bands = set(HealthCheckEntry.objects.values_list("rag", flat=True))
    assert {"red", "amber", "green"} <= bands
    _empty_the_database()
    settings.RAG_GREEN_FROM, settings.RAG_AMBER_FROM = 9.0, 8.0
    _seed(12, seed=1)
    assert set(HealthCheckEntry.objects.values_list("rag", flat=True)) == {"red"}
