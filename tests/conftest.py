"""The cast of characters every test shares.

Riverside Partnership is a contract between North Valley ICB (lead commissioner) and
Riverside Mind (a charity). Alice edits for Riverside Mind, Bob only views it, Carol edits for
the ICB, Dan edits for Hillside Trust, a charity outside the partnership, and Ada is a
platform admin.

`open_review` is a review in progress with an assessment for each partner; `closed_review`
an earlier one whose results are published; `action` is owned by Riverside Mind; `concern`
is Riverside Mind's concern, raised by Alice for the lead commissioner's eyes only.
"""

import datetime
import hashlib
import importlib

import pytest
from django.apps import apps
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.middleware import record_sign_in
from organisations import services
from organisations.models import Membership, Organisation, User
from partnerships.models import (
    Action,
    Assessment,
    Concern,
    Participant,
    Partnership,
    Review,
)
from principles.models import Framework

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _empty_frame_cache():
    """Each test starts with no signed-in frames kept (organisations/frame.py): a database
    rolled back between tests can give a new person an id an earlier test's person had."""
    caches["frames"].clear()


def make_user(email, organisation=None, role=Membership.Role.EDITOR, **extra):
    first_name = email.split("@")[0].title()
    user = User.objects.create_user(email=email, password=PASSWORD, first_name=first_name, **extra)
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def framework(db):
    """The 2014 framework as its data migration loads it. A transactional test (a live
    server, a second connection) empties every table when it ends, migrations' data too,
    so a later one loads it again."""
    found = Framework.objects.filter(name="ACEVO Working in Partnership", version="2014").first()
    if found is None:
        importlib.import_module("principles.migrations.0002_framework_2014").load(apps, None)
        found = Framework.objects.get(name="ACEVO Working in Partnership", version="2014")
    return found


@pytest.fixture
def icb(db):
    return Organisation.objects.create(
        name="NHS North Valley ICB", kind=Organisation.Kind.ICB, ods_code="QNV", region="London"
    )


@pytest.fixture
def charity(db, icb):
    return Organisation.objects.create(
        name="Riverside Mind",
        kind=Organisation.Kind.CHARITY,
        charity_number="1123456",
        charity_regulator=Organisation.Regulator.CCEW,
        income_band=Organisation.IncomeBand.MEDIUM,
        icb=icb,
    )


@pytest.fixture
def outside_charity(db):
    return Organisation.objects.create(name="Hillside Trust", kind=Organisation.Kind.CHARITY)


@pytest.fixture
def partnership(db, framework, icb, charity):
    partnership = Partnership.objects.create(
        name="Riverside Partnership",
        kind=Partnership.Kind.CONTRACT,
        service_area="Mental health",
        icb=icb,
        framework=framework,
        review_frequency_months=12,
        next_review_due=datetime.date(2027, 3, 31),
    )
    Participant.objects.create(
        partnership=partnership, organisation=icb, role=Participant.Role.LEAD_COMMISSIONER
    )
    Participant.objects.create(
        partnership=partnership, organisation=charity, role=Participant.Role.VCSE_PARTNER
    )
    return partnership


@pytest.fixture
def alice(charity):
    return make_user("alice@riverside.example", charity, Membership.Role.EDITOR)


@pytest.fixture
def bob(charity):
    return make_user("bob@riverside.example", charity, Membership.Role.VIEWER)


@pytest.fixture
def carol(icb):
    return make_user("carol@northvalley.example", icb, Membership.Role.EDITOR)


@pytest.fixture
def dan(outside_charity):
    return make_user("dan@hillside.example", outside_charity, Membership.Role.EDITOR)


@pytest.fixture
def ada(db):
    return make_user("ada@platform.example", is_staff=True, is_superuser=True)


@pytest.fixture
def open_review(partnership, carol):
    review = Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_by=carol,
        opened_on=datetime.date(2026, 11, 2),
        due_on=datetime.date(2026, 11, 30),
    )
    for participant in partnership.participants.all():
        Assessment.objects.create(review=review, organisation=participant.organisation)
    return review


def store_result(review):
    """Works out and stores a closed review's result again, as closing it does: for tests
    that write a closed review's assessments straight into the database."""
    from partnerships.results import review_results_store

    review_results_store([review], replace=True)
    return review


@pytest.fixture
def closed_review(partnership, carol):
    """Closed with no self-assessment submitted; a test that submits some calls
    store_result(closed_review) afterwards, as closing the review would have."""
    review = Review.objects.create(
        partnership=partnership,
        framework=partnership.framework,
        opened_by=carol,
        opened_on=datetime.date(2025, 11, 3),
        due_on=datetime.date(2025, 12, 1),
        state=Review.State.CLOSED,
        closed_by=carol,
        closed_on=datetime.date(2025, 12, 8),
        overall_rag="amber",
        summary="Steady, with work to do on reporting.",
    )
    return store_result(review)


@pytest.fixture
def charity_assessment(open_review, charity):
    return Assessment.objects.get(review=open_review, organisation=charity)


@pytest.fixture
def action(partnership, charity, alice, carol):
    return Action.objects.create(
        partnership=partnership,
        description="Agree a lighter quarterly report",
        owner_organisation=charity,
        owner=alice,
        due_on=datetime.date(2027, 1, 31),
        created_by=carol,
    )


@pytest.fixture
def concern(partnership, charity, alice):
    """Raised on Monday 2 November 2026: acknowledge by 9 November, answer by 30 November."""
    return Concern.objects.create(
        partnership=partnership,
        organisation=charity,
        raised_by=alice,
        raised_at=datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC),
        principle=partnership.framework.principles.get(number=5),  # Proportionality
        what_happened="The monitoring asked of us doubled without notice.",
        would_like="Agree a monitoring return in proportion to the grant.",
        visibility=Concern.Visibility.LEAD,
        acknowledge_by=datetime.date(2026, 11, 9),
        respond_by=datetime.date(2026, 11, 30),
    )


def submit(assessment, by=None, scores=None, default=4):
    """Rates every statement of an assessment and submits it, straight into the database.

    `scores` maps a principle number to a list of scores (None for "Don't know"), one per
    statement; principles not named get `default` for every statement.
    """
    from django.utils import timezone

    from partnerships.models import Rating
    from principles.models import Statement

    scores = scores or {}
    statements = Statement.objects.filter(
        principle__framework=assessment.review.framework
    ).select_related("principle")
    by_principle = {}
    for statement in statements:
        by_principle.setdefault(statement.principle.number, []).append(statement)
    for number, principle_statements in by_principle.items():
        values = scores.get(number, [default] * len(principle_statements))
        for statement, score in zip(principle_statements, values, strict=True):
            comment = "Needs work" if score is not None and score <= 2 else ""
            Rating.objects.create(
                assessment=assessment, statement=statement, score=score, comment=comment
            )
    assessment.state = Assessment.State.SUBMITTED
    assessment.submitted_by, assessment.submitted_at = by, timezone.now()
    assessment.save(update_fields=["state", "submitted_by", "submitted_at"])
    return assessment


@pytest.fixture
def world(request, db):
    """The whole cast with a partnership in every state, for tests that walk every URL."""
    names = [
        "partnership",
        "charity",
        "alice",
        "bob",
        "carol",
        "dan",
        "open_review",
        "closed_review",
        "charity_assessment",
        "action",
        "concern",
        "amy",
        "invitation",
        "ada",
    ]
    return {name: request.getfixturevalue(name) for name in names}


class SignedInClient(Client):
    """`force_login` signs a person in as the sign-in pages would end: password and, for
    people who have or need it, the second factor too, with the session clocks started.

    Pages other than the two-factor ones then see an ordinary signed-in session. Tests of the
    second step itself sign in through the sign-in page (`sign_in` below).
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        session = self.session
        record_sign_in(session)
        session[services.STATE] = services.state_for(user)
        if session[services.STATE] != services.State.NOT_NEEDED:
            device = services.app_device(user) or TOTPDevice.objects.create(
                user=user, name="Test authenticator", confirmed=True
            )
            services.mark_verified(session, device)
        session.save()


@pytest.fixture
def client():
    return SignedInClient()


def sign_in(client, user, password=PASSWORD):
    """Signs in through the sign-in page: the password step only."""
    return client.post(reverse("login"), {"username": user.email, "password": password})


@pytest.fixture
def amy(charity):
    """Amy is an admin of Riverside Mind: she manages its people."""
    return make_user("amy@riverside.example", charity, Membership.Role.ADMIN)


INVITATION_TOKEN = "a-test-invitation-token-sent-only-by-email"


@pytest.fixture
def invitation(charity, amy):
    """Amy's pending invitation for Nia to view Riverside Mind. Only the token's hash is
    stored, as the service does; `invitation.token` is what the link in the email carries."""
    from django.utils import timezone

    from organisations.models import Invitation
    from organisations.services import invitation_token_hash

    invitation = Invitation.objects.create(
        organisation=charity,
        email="nia@newcomer.example",
        role=Membership.Role.VIEWER,
        token_hash=invitation_token_hash(INVITATION_TOKEN),
        invited_by=amy,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    invitation.token = INVITATION_TOKEN
    return invitation


# Logs, not data: sessions, sign-in throttling and the audit trail may grow on any request.
LOGS = {"sessions.session", "organisations.auditevent"}
# Columns that log a use rather than hold data: an API token's "last used".
USE_LOGS = {"api.apitoken": {"last_used_at"}}


def database_snapshot() -> dict[str, str]:
    """A fingerprint of every table that holds data, to prove a request changed nothing."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in LOGS or label.startswith(("axes.", "otp_")):
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in USE_LOGS.get(label, ())
        ]
        rows = model.objects.order_by("pk").values_list(*fields)
        state[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return state
