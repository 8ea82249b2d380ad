from io import StringIO
from statistics import mean

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from organisations.models import Organisation, Side, User
from partnerships.management.commands.seed_demo import DEMO_PASSWORD, USERS
from partnerships.models import Assessment, HealthCheckEntry, Partnership, Rating, Review
from principles.models import COMMENT_REQUIRED_AT_OR_BELOW, Statement

pytestmark = pytest.mark.django_db

APP_MODELS = [
    model
    for label in ("organisations", "principles", "partnerships")
    for model in apps.get_app_config(label).get_models()
]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in APP_MODELS}


@pytest.fixture
def seeded():
    return seed()


def closed_review() -> Review:
    """The alliance's review: open, so every partner sees each organisation's scores."""
    return Review.objects.get(
        state=Review.State.CLOSED, partnership__kind=Partnership.Kind.ALLIANCE_CONTRACT
    )


def test_it_adds_and_changes_nothing_the_second_time(seeded):
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "nothing added" in output


def test_it_counts_every_model_the_same_after_a_second_run(seeded):
    counts = {model: model.objects.count() for model in APP_MODELS}

    seed()

    assert {model: model.objects.count() for model in APP_MODELS} == counts
    assert counts[User] == len(USERS)


def test_every_demo_login_works_with_the_demo_password(seeded):
    for person in USERS:
        user = authenticate(username=person.email, password=DEMO_PASSWORD)
        assert user is not None, person.email
        assert user.first_name and user.last_name


def test_it_has_a_platform_admin_and_each_role_at_the_icb(seeded):
    admin = User.objects.get(is_superuser=True)
    assert admin.is_staff
    icb = Organisation.objects.get(kind=Organisation.Kind.ICB)
    assert set(icb.memberships.values_list("role", flat=True)) == {"admin", "editor", "viewer"}


def test_it_prints_every_demo_login_and_the_password(seeded):
    for person in USERS:
        assert person.email in seeded
    assert DEMO_PASSWORD in seeded
    assert "http://127.0.0.1:8000" in seeded


def test_the_second_run_still_prints_the_logins(seeded):
    output = seed()

    for person in USERS:
        assert person.email in output


def test_the_organisations_are_valid(seeded):
    for organisation in Organisation.objects.all():
        organisation.full_clean()
    vcse = Organisation.objects.of_side(Side.VCSE)
    assert vcse.count() == 4
    assert {o.income_band for o in vcse} >= {"micro", "major"}
    assert all(o.charity_number and o.charity_regulator for o in vcse)


def test_the_partnerships_have_two_five_six_and_at_least_three_partners(seeded):
    sizes = {p.kind: p.participants.count() for p in Partnership.objects.all()}

    assert sizes[Partnership.Kind.CONTRACT] == 2
    assert sizes[Partnership.Kind.ALLIANCE_CONTRACT] == 5
    assert sizes[Partnership.Kind.GRANT] == 6
    assert sizes[Partnership.Kind.PLACE_BASED] >= 3
    for partnership in Partnership.objects.all():
        partnership.full_clean()
        assert partnership.participants.filter(role="lead_commissioner").count() == 1


def test_there_are_two_closed_reviews_one_of_each_visibility_and_one_open(seeded):
    closed = Review.objects.filter(state=Review.State.CLOSED)
    assert sorted(closed.values_list("visibility", flat=True)) == ["confidential", "open"]
    assert Review.objects.filter(state=Review.State.OPEN).count() == 1
    assert closed_review().visibility == Review.Visibility.OPEN
    for review in closed:
        assert review.overall_rag
        assert review.summary
        # Each shows shared comments: with names in the open one, from a side in the other.
        assert Rating.objects.filter(assessment__review=review, comment_shared=True).exists()


def test_the_confidential_review_has_shared_comments_and_a_reply(seeded, settings):
    """Partners of the confidential review see side figures, comments from a side and a
    reply: every side taking part is large enough, every partner submitted, nothing is
    withheld, some comments are shared and some kept."""
    from partnerships.withholding import confidential_refused

    review = Review.objects.get(visibility=Review.Visibility.CONFIDENTIAL)
    assert review.state == Review.State.CLOSED
    assert confidential_refused(review.partnership) is None
    assert review.assessments.exclude(state=Assessment.State.SUBMITTED).count() == 0
    assert review.assessments.count() == 2 * settings.MIN_ORGANISATIONS_PER_SHOWN_SIDE
    result = review.result
    assert result.score is not None and not result.score_withheld
    commented = Rating.objects.filter(assessment__review=review).exclude(comment="")
    assert commented.filter(comment_shared=True).exists()
    assert commented.filter(comment_shared=False).exists()
    (reply,) = review.replies.all()
    assert reply.organisation.name == "Northdale Carers Centre"
    assert reply.side == "vcse"


def test_every_statement_of_the_closed_review_is_rated(seeded):
    review = closed_review()
    statements = set(
        Statement.objects.filter(principle__framework=review.partnership.framework).values_list(
            "pk", flat=True
        )
    )

    assessments = review.assessments.all()

    assert assessments.count() == 5
    for assessment in assessments:
        assert assessment.state == Assessment.State.SUBMITTED
        assert set(assessment.ratings.values_list("statement", flat=True)) == statements


def test_the_closed_review_has_a_mix_of_scores_and_comments_where_needed(seeded):
    ratings = Rating.objects.filter(assessment__review=closed_review())

    assert set(ratings.values_list("score", flat=True)) == {None, 1, 2, 3, 4, 5}
    assert not ratings.filter(score__lte=COMMENT_REQUIRED_AT_OR_BELOW, comment="").exists()


def test_the_nhs_side_rates_some_principles_well_above_the_vcse_side(seeded):
    ratings = Rating.objects.filter(assessment__review=closed_review(), score__isnull=False)
    gaps = {}
    for number in range(1, 8):
        by_side = {
            side: mean(
                ratings.filter(
                    statement__principle__number=number,
                    assessment__organisation__in=Organisation.objects.of_side(side),
                ).values_list("score", flat=True)
            )
            for side in (Side.NHS, Side.VCSE)
        }
        gaps[number] = by_side[Side.NHS] - by_side[Side.VCSE]

    assert len([gap for gap in gaps.values() if gap >= 1.0]) >= 2


def test_the_closed_review_has_a_health_check_per_principle_and_actions(seeded):
    review = closed_review()

    entries = HealthCheckEntry.objects.filter(health_check__review=review)

    assert entries.count() == review.partnership.framework.principles.count()
    assert all(entry.comment for entry in entries)
    assert review.actions.count() >= 1


def test_the_open_review_has_one_assessment_in_progress_and_one_not_started(seeded):
    review = Review.objects.get(state=Review.State.OPEN)

    states = {a.organisation.kind: a for a in review.assessments.select_related("organisation")}

    assert review.partnership.kind == Partnership.Kind.CONTRACT
    assert states[Organisation.Kind.CHARITY].state == Assessment.State.IN_PROGRESS
    assert states[Organisation.Kind.CHARITY].ratings.exists()
    assert states[Organisation.Kind.ICB].state == Assessment.State.NOT_STARTED
    assert not states[Organisation.Kind.ICB].ratings.exists()
    assert review.due_on > review.opened_on


def test_it_seeds_one_open_and_one_closed_concern(seeded):
    from organisations.models import Membership
    from partnerships.models import Concern

    concerns = Concern.objects.order_by("raised_at")
    assert [c.state for c in concerns] == [Concern.State.CLOSED, Concern.State.RAISED]
    closed, waiting = concerns
    assert closed.responded_in_time and closed.outcome == Concern.Outcome.SATISFIED
    assert waiting.acknowledge_by > waiting.raised_at.date()
    assert Membership.objects.get(vcse_partnership_lead=True).user.email == (
        "olu.adeyemi@northvalley-icb.example"
    )
