"""`manage.py seed_demo`: the demo data that `make run` signs you into.

Every row is looked up by a natural key before it is created, and a row that already exists
is left as it is, so a second run (or a run after playing with the demo) adds and changes
nothing. The people, organisations and partnerships are fictional.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal
from typing import NamedTuple

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from organisations.models import Membership, Organisation, Side, User
from partnerships.models import (
    RAG,
    Action,
    Assessment,
    Concern,
    HealthCheck,
    HealthCheckEntry,
    Participant,
    Partnership,
    Rating,
    Reply,
    Review,
)
from partnerships.results import review_result_store
from partnerships.services.concerns import deadlines
from principles.models import COMMENT_REQUIRED_AT_OR_BELOW, Framework, Statement

DEMO_PASSWORD = "partnership-demo-2014"
DEMO_URL = "http://127.0.0.1:8000"

Kind = Organisation.Kind
Role = Participant.Role

# Keyed by a short handle the rest of this module uses; the name is the natural key.
# Charity numbers sit above the range the Charity Commission has issued so far, so they are
# valid in form without belonging to a real charity.
ORGANISATIONS = {
    "icb": {
        "name": "NHS North Valley Integrated Care Board",
        "kind": Kind.ICB,
        "ods_code": "QVN",
        "region": Organisation.Region.NORTH_WEST,
    },
    "trust": {
        "name": "North Valley Community and Mental Health NHS Foundation Trust",
        "kind": Kind.NHS_TRUST,
        "ods_code": "R0V",
        "region": Organisation.Region.NORTH_WEST,
    },
    "council": {
        "name": "North Valley Metropolitan Borough Council",
        "kind": Kind.LOCAL_AUTHORITY,
        "region": Organisation.Region.NORTH_WEST,
    },
    "gp_federation": {
        "name": "North Valley GP Federation",
        "kind": Kind.PRIMARY_CARE,
        "company_number": "13620954",
        "region": Organisation.Region.NORTH_WEST,
    },
    "peer_group": {
        "name": "Eastbrook Voices Peer Support Group",
        "kind": Kind.COMMUNITY_GROUP,
        "charity_number": "1290417",
        "charity_regulator": Organisation.Regulator.CCEW,
        "income_band": Organisation.IncomeBand.MICRO,
        "region": Organisation.Region.NORTH_WEST,
    },
    "carers": {
        "name": "Northdale Carers Centre",
        "kind": Kind.CHARITY,
        "charity_number": "1290523",
        "charity_regulator": Organisation.Regulator.CCEW,
        "company_number": "12904311",
        "income_band": Organisation.IncomeBand.MEDIUM,
        "region": Organisation.Region.NORTH_WEST,
    },
    "enterprise": {
        "name": "Brightwater Community Enterprises",
        "kind": Kind.SOCIAL_ENTERPRISE,
        "charity_number": "1290688",
        "charity_regulator": Organisation.Regulator.CCEW,
        "company_number": "13557201",
        "income_band": Organisation.IncomeBand.LARGE,
        "region": Organisation.Region.NORTH_WEST,
    },
    "national": {
        "name": "Harbourlight Mental Health",
        "kind": Kind.CHARITY,
        "charity_number": "1290801",
        "charity_regulator": Organisation.Regulator.CCEW,
        "company_number": "12915570",
        "income_band": Organisation.IncomeBand.MAJOR,
        "region": Organisation.Region.NORTH_WEST,
    },
}


class DemoUser(NamedTuple):
    email: str
    first_name: str
    last_name: str
    organisation: str | None  # a key of ORGANISATIONS; None for platform staff
    role: str | None
    description: str


USERS = [
    DemoUser(
        "admin@partnershiphealth.example",
        "Morgan",
        "Reid",
        None,
        None,
        "Platform admin: every partnership, the admin site",
    ),
    DemoUser(
        "olu.adeyemi@northvalley-icb.example",
        "Olu",
        "Adeyemi",
        "icb",
        Membership.Role.ADMIN,
        "Organisation admin at the ICB: manages its people; its VCSE partnership lead",
    ),
    DemoUser(
        "priya.shah@northvalley-icb.example",
        "Priya",
        "Shah",
        "icb",
        Membership.Role.EDITOR,
        "Commissioner (editor) at the ICB: lead commissioner of all four partnerships",
    ),
    DemoUser(
        "tom.hughes@northvalley-icb.example",
        "Tom",
        "Hughes",
        "icb",
        Membership.Role.VIEWER,
        "Commissioner (viewer) at the ICB: reads, cannot change",
    ),
    DemoUser(
        "grace.mensah@northdalecarers.example",
        "Grace",
        "Mensah",
        "carers",
        Membership.Role.EDITOR,
        "Charity lead (editor) at Northdale Carers Centre: a self-assessment in progress, "
        "and a reply to a confidential review's results",
    ),
    DemoUser(
        "alex.kowalski@northdalecarers.example",
        "Alex",
        "Kowalski",
        "carers",
        Membership.Role.VIEWER,
        "Viewer at Northdale Carers Centre",
    ),
    DemoUser(
        "rhys.morgan@northvalley-council.example",
        "Rhys",
        "Morgan",
        "council",
        Membership.Role.EDITOR,
        "Council officer (editor) at North Valley Metropolitan Borough Council",
    ),
]

LEAD_COMMISSIONER = "priya.shah@northvalley-icb.example"
# Concerns about the ICB's partnerships are escalated to them.
VCSE_PARTNERSHIP_LEAD = "olu.adeyemi@northvalley-icb.example"


class DemoConcern(NamedTuple):
    principle: int
    raised_days_ago: int
    what_happened: str
    would_like: str
    visibility: str
    # Answered and closed this many days after it was raised; None: still waiting.
    answered_after_days: int | None
    response: str = ""
    closing_note: str = ""


# Raised by Northdale Carers Centre about the mental health alliance: one answered and closed,
# one waiting for the lead commissioner.
CONCERNS = [
    DemoConcern(
        principle=5,
        raised_days_ago=75,
        what_happened="The quarterly monitoring return grew from 12 to 40 questions without "
        "notice, for a grant of £38,000 a year.",
        would_like="A return in proportion to the grant, agreed with us before it changes.",
        visibility=Concern.Visibility.LEAD,
        answered_after_days=9,
        response="We have cut the return back to 15 questions from next quarter and will agree "
        "any change with you at the quarterly meeting first.",
        closing_note="The shorter return is agreed and in use.",
    ),
    DemoConcern(
        principle=1,
        raised_days_ago=2,
        what_happened="The October payment has not arrived; it was due on 1 October.",
        would_like="Payment this month, and a date we can rely on for the next ones.",
        visibility=Concern.Visibility.PARTNERS,
        answered_after_days=None,
    ),
]

# Dates are relative to the day of the first run; start and end dates follow the NHS
# financial year (1 April to 31 March).
PARTNERSHIPS = {
    "contract": {
        "name": "North Valley Carers' Support Service",
        "kind": Partnership.Kind.CONTRACT,
        "service_area": "Support for unpaid carers",
        "contract_reference": "NVICB-2024-031",
        "annual_value": Decimal("240000.00"),
        "review_frequency_months": 12,
        "started_years_ago": 1,
        "term_years": 3,
        "participants": [
            ("icb", Role.LEAD_COMMISSIONER, LEAD_COMMISSIONER),
            ("carers", Role.PROVIDER, "grace.mensah@northdalecarers.example"),
        ],
    },
    "alliance": {
        "name": "North Valley Mental Health Alliance",
        "kind": Partnership.Kind.ALLIANCE_CONTRACT,
        "service_area": "Community mental health for adults",
        "contract_reference": "NVICB-2023-007",
        "annual_value": Decimal("4800000.00"),
        "review_frequency_months": 6,
        "started_years_ago": 2,
        "term_years": 5,
        "participants": [
            ("icb", Role.LEAD_COMMISSIONER, LEAD_COMMISSIONER),
            ("trust", Role.PROVIDER, None),
            ("council", Role.LOCAL_AUTHORITY, "rhys.morgan@northvalley-council.example"),
            ("carers", Role.VCSE_PARTNER, "grace.mensah@northdalecarers.example"),
            ("national", Role.VCSE_PARTNER, None),
        ],
    },
    "place": {
        "name": "Eastbrook Neighbourhood Health Partnership",
        "kind": Partnership.Kind.PLACE_BASED,
        "service_area": "Healthy ageing in Eastbrook",
        "contract_reference": "",
        "annual_value": Decimal("650000.00"),
        "review_frequency_months": 12,
        "started_years_ago": 0,
        "term_years": 3,
        "participants": [
            ("icb", Role.LEAD_COMMISSIONER, LEAD_COMMISSIONER),
            ("council", Role.LOCAL_AUTHORITY, "rhys.morgan@northvalley-council.example"),
            ("peer_group", Role.VCSE_PARTNER, None),
            ("enterprise", Role.VCSE_PARTNER, None),
        ],
    },
    # Three organisations on each side, so its review could be confidential by side.
    "discharge": {
        "name": "North Valley Home from Hospital Programme",
        "kind": Partnership.Kind.GRANT,
        "service_area": "Support for people leaving hospital",
        "contract_reference": "NVICB-2024-052",
        "annual_value": Decimal("310000.00"),
        "review_frequency_months": 12,
        "started_years_ago": 1,
        "term_years": 2,
        "participants": [
            ("icb", Role.LEAD_COMMISSIONER, LEAD_COMMISSIONER),
            ("trust", Role.PROVIDER, None),
            ("gp_federation", Role.PROVIDER, None),
            ("carers", Role.VCSE_PARTNER, "grace.mensah@northdalecarers.example"),
            ("national", Role.VCSE_PARTNER, None),
            ("enterprise", Role.VCSE_PARTNER, None),
        ],
    },
}

# How many days from today each partnership's next review falls due. The contract's is its
# open review's due date; the place-based partnership has not had a review yet.
NEXT_REVIEW_IN_DAYS = {"contract": 21, "alliance": 62, "place": 45, "discharge": 220}

# The alliance's closed review, opened about four months ago.
CLOSED_REVIEW_OPENED_DAYS_AGO = 120
CLOSED_REVIEW_DUE_AFTER_DAYS = 42
CLOSED_REVIEW_CLOSED_AFTER_DAYS = 56
CLOSED_REVIEW_SUMMARY = (
    "A partnership that works, with two warnings. The VCSE partners rate transparency and "
    "proportionality well below how the NHS partners see them: finance and performance "
    "reports reach them late, and the monitoring asked of them is out of scale with their "
    "contracts. The actions below answer both; we will check them at the next review."
)

# The home-from-hospital programme's review, confidential by side: partners see side
# figures and shared comments as from a side; Northdale Carers Centre replied to the results.
CONFIDENTIAL_REVIEW_OPENED_DAYS_AGO = 200
CONFIDENTIAL_REVIEW_SUMMARY = (
    "Discharges are faster than a year ago. The VCSE side finds the referral information "
    "thin and the funding too short to plan with; we will agree a fuller referral form and "
    "confirm next year's funding by January."
)
CONFIDENTIAL_HEALTH_CHECK = {
    1: (RAG.AMBER, "Funding is agreed a year at a time; the charities cannot plan beyond it."),
    2: (RAG.AMBER, "Discharge figures are shared monthly; referral details are often thin."),
    3: (RAG.GREEN, "Every partner signed up to the same aim: home within a day of being fit."),
    4: (RAG.GREEN, "Ward staff and the charities' coordinators now train together."),
    5: (RAG.GREEN, "One short monthly return for every partner."),
    6: (RAG.AMBER, "The weekend pilot worked; paying for it beyond March is not agreed."),
    7: (RAG.GREEN, "A monthly programme board with a VCSE co-chair."),
}
# The organisations whose people shared every comment they wrote in it; the others kept theirs.
CONFIDENTIAL_REVIEW_SHARED_BY = ("trust", "carers", "national")
CONFIDENTIAL_REVIEW_REPLY = (
    "We welcome the faster discharges. The referral form matters most to the people we "
    "support: we would like to design it with the trust rather than be consulted on a draft."
)

# Each side's typical agreement with the statements of each principle (by number). The
# NHS side sees Transparency (2) and Proportionality (5) far more kindly than the VCSE side
# does, so the results show a perception gap there.
SIDE_VIEWS = {
    Side.NHS: {1: 3.6, 2: 4.2, 3: 3.8, 4: 3.4, 5: 4.0, 6: 3.5, 7: 3.9},
    Side.LOCAL_GOVERNMENT: {1: 3.4, 2: 3.6, 3: 3.6, 4: 3.2, 5: 3.5, 6: 3.3, 7: 3.5},
    Side.VCSE: {1: 3.3, 2: 2.7, 3: 3.6, 4: 3.2, 5: 2.5, 6: 3.6, 7: 3.4},
}
# How far one statement strays from its side's view (a standard deviation on the 1–5 scale).
SCORE_SPREAD = 0.6
DONT_KNOW_RATE = 0.06

# Why a partner disagreed, used in turn wherever a generated score needs a comment.
LOW_SCORE_COMMENTS = {
    1: (
        "Our funding ends each March and we hear about renewal weeks before, so we cannot plan.",
        "Senior leaders attend the launch and then send deputies.",
    ),
    2: (
        "The quarterly finance report reached us a month after the board had discussed it.",
        "We learnt of the waiting-list risk from the local paper, not from the partnership.",
    ),
    3: (
        "The plan was largely drafted before the first workshop we were invited to.",
        "Each partner still describes the partnership differently to its own staff.",
    ),
    4: (
        "Training offered by the trust has not been opened to charity staff.",
        "We have no help with the data system, which takes our coordinator hours each week.",
    ),
    5: (
        "Our monthly return asks for as much detail as the trust's, for a contract a fiftieth "
        "the size.",
        "Invoices are paid at 30 days after a quarter ends; for us that is a cash-flow crisis.",
        "Board papers arrive two days before meetings, too late for a volunteer trustee to read.",
    ),
    6: (
        "Our peer-support pilot worked, but nobody has taken it further.",
        "Ideas from the smaller partners tend to stall at the programme board.",
    ),
    7: (
        "It is not clear who can agree a change to the service specification.",
        "A dispute over referral criteria has been open for six months.",
    ),
}

# The lead commissioner's red/amber/green for each principle of the closed review.
HEALTH_CHECK = {
    1: (RAG.AMBER, "Leaders meet quarterly; the VCSE partners' funding beyond March is unsure."),
    2: (RAG.GREEN, "Finance and performance reports go to the alliance board every quarter."),
    3: (RAG.GREEN, "The alliance plan was agreed by every partner at a joint workshop."),
    4: (RAG.AMBER, "Training is shared with the trust; charity staff are not yet included."),
    5: (RAG.GREEN, "Reporting was simplified in last year's contract variation."),
    6: (RAG.AMBER, "The peer-support pilot went well; spreading it has stalled."),
    7: (RAG.GREEN, "Terms of reference are agreed and the board meets monthly."),
}


class DemoAction(NamedTuple):
    principle: int
    owner_organisation: str
    owner: str
    due_in_days: int
    description: str


ACTIONS = [
    DemoAction(
        5,
        "icb",
        LEAD_COMMISSIONER,
        30,
        "Replace the VCSE partners' monthly monitoring return with a quarterly one-page "
        "return, designed with them.",
    ),
    DemoAction(
        2,
        "carers",
        "grace.mensah@northdalecarers.example",
        -7,
        "Propose, with Harbourlight, which finance and performance figures the VCSE partners "
        "need and by when, for the alliance board to agree.",
    ),
]

# The contract's open review: the charity has rated the first three principles so far.
OPEN_REVIEW_OPENED_DAYS_AGO = 14
OPEN_REVIEW_DUE_IN_DAYS = NEXT_REVIEW_IN_DAYS["contract"]
IN_PROGRESS_RATINGS = {
    1: [(4, ""), (3, ""), (2, "We fund the carers' forum from reserves."), (3, "")],
    2: [(4, ""), (4, ""), (None, ""), (3, "Quarterly figures arrive, but late.")],
    3: [(3, ""), (4, ""), (4, ""), (5, "")],
}


def financial_year_start(today: datetime.date, years_ago: int) -> datetime.date:
    year = today.year if today.month >= 4 else today.year - 1
    return datetime.date(year - years_ago, 4, 1)


def count_of(model, count: int) -> str:
    name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
    return f"{count} {name}"


def at_ten(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


class Seed:
    """Creates what is missing and counts it, so the command can say what it did."""

    def __init__(self, framework: Framework, today: datetime.date):
        self.framework = framework
        self.today = today
        self.created = Counter()
        self.organisations: dict[str, Organisation] = {}
        self.users: dict[str, User] = {}
        self.partnerships: dict[str, Partnership] = {}
        # (statement id, principle number) in the order a partner meets them.
        self.statements = list(
            Statement.objects.filter(principle__framework=framework)
            .order_by("principle__number", "order")
            .values_list("id", "principle__number")
        )

    def get_or_create(self, model, defaults=None, **keys):
        obj, created = model.objects.get_or_create(defaults=defaults or {}, **keys)
        if created:
            self.created[model] += 1
        return obj

    def run(self) -> None:
        self.seed_organisations()
        self.seed_users()
        self.seed_partnerships()
        self.seed_closed_review(self.partnerships["alliance"])
        self.seed_confidential_review(self.partnerships["discharge"])
        self.seed_open_review(self.partnerships["contract"])
        self.seed_concerns(self.partnerships["alliance"])

    def seed_organisations(self) -> None:
        icb_fields = ORGANISATIONS["icb"]
        icb = self.get_or_create(Organisation, name=icb_fields["name"], defaults=icb_fields)
        self.organisations["icb"] = icb
        for key, fields in ORGANISATIONS.items():
            if key != "icb":
                self.organisations[key] = self.get_or_create(
                    Organisation, name=fields["name"], defaults={**fields, "icb": icb}
                )

    def seed_users(self) -> None:
        for person in USERS:
            staff = person.organisation is None
            user = self.get_or_create(
                User,
                email=person.email,
                defaults={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "is_staff": staff,
                    "is_superuser": staff,
                },
            )
            # The printed logins must work, even if someone changed a password in the demo.
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if not staff:
                self.get_or_create(
                    Membership,
                    user=user,
                    organisation=self.organisations[person.organisation],
                    defaults={
                        "role": person.role,
                        "vcse_partnership_lead": person.email == VCSE_PARTNERSHIP_LEAD,
                    },
                )
            self.users[person.email] = user

    def seed_partnerships(self) -> None:
        for key, spec in PARTNERSHIPS.items():
            starts_on = financial_year_start(self.today, spec["started_years_ago"])
            partnership = self.get_or_create(
                Partnership,
                name=spec["name"],
                defaults={
                    "kind": spec["kind"],
                    "service_area": spec["service_area"],
                    "icb": self.organisations["icb"],
                    "starts_on": starts_on,
                    "ends_on": starts_on.replace(year=starts_on.year + spec["term_years"])
                    - datetime.timedelta(days=1),
                    "annual_value": spec["annual_value"],
                    "contract_reference": spec["contract_reference"],
                    "review_frequency_months": spec["review_frequency_months"],
                    "next_review_due": self.today
                    + datetime.timedelta(days=NEXT_REVIEW_IN_DAYS[key]),
                    "framework": self.framework,
                    "created_by": self.users[LEAD_COMMISSIONER],
                },
            )
            for organisation, role, lead_contact in spec["participants"]:
                self.get_or_create(
                    Participant,
                    partnership=partnership,
                    organisation=self.organisations[organisation],
                    defaults={
                        "role": role,
                        "lead_contact": self.users.get(lead_contact),
                        "joined_on": starts_on,
                    },
                )
            self.partnerships[key] = partnership

    def first_review(self, partnership: Partnership, **fields) -> Review:
        # The seeded review is the partnership's first; later ones are the demo user's own.
        review = partnership.reviews.order_by("opened_on", "id").first()
        if review is None:
            review = self.get_or_create(
                Review,
                partnership=partnership,
                defaults={"framework": partnership.framework, **fields},
            )
        return review

    def partner_organisations(self, key: str) -> list[tuple[str, Organisation]]:
        return [(org, self.organisations[org]) for org, _, _ in PARTNERSHIPS[key]["participants"]]

    def editor_of(self, organisation_key: str) -> User | None:
        for person in USERS:
            if person.organisation == organisation_key and person.role == Membership.Role.EDITOR:
                return self.users[person.email]
        return None

    def seed_closed_review(self, partnership: Partnership) -> None:
        opened_on = self.today - datetime.timedelta(days=CLOSED_REVIEW_OPENED_DAYS_AGO)
        commissioner = self.users[LEAD_COMMISSIONER]
        review = self.first_review(
            partnership,
            opened_by=commissioner,
            opened_on=opened_on,
            due_on=opened_on + datetime.timedelta(days=CLOSED_REVIEW_DUE_AFTER_DAYS),
            state=Review.State.CLOSED,
            summary=CLOSED_REVIEW_SUMMARY,
            overall_rag=RAG.AMBER,
            closed_by=commissioner,
            closed_on=opened_on + datetime.timedelta(days=CLOSED_REVIEW_CLOSED_AFTER_DAYS),
        )
        self.seed_ratings(review, "alliance", seed=2014, shared_by=("carers",))

        # As closing it would: its result stored, once (a second run finds it stored).
        review_result_store(review)

        health_check = self.get_or_create(
            HealthCheck, review=review, defaults={"recorded_by": commissioner}
        )
        for principle in self.framework.principles.all():
            rag, comment = HEALTH_CHECK[principle.number]
            self.get_or_create(
                HealthCheckEntry,
                health_check=health_check,
                principle=principle,
                defaults={"rag": rag, "comment": comment},
            )

        for action in ACTIONS:
            self.get_or_create(
                Action,
                partnership=partnership,
                review=review,
                description=action.description,
                defaults={
                    "principle": self.framework.principles.get(number=action.principle),
                    "owner_organisation": self.organisations[action.owner_organisation],
                    "owner": self.users[action.owner],
                    "due_on": self.today + datetime.timedelta(days=action.due_in_days),
                    "created_by": commissioner,
                },
            )

    def seed_ratings(self, review: Review, key: str, *, seed: int, shared_by=()) -> None:
        """Every partner of `key` submitted, each statement rated near its side's view; the
        comments of the organisations `shared_by` names are shared with the partners."""
        # Drawn in a fixed order whatever already exists, so every run plans the same scores.
        rng = random.Random(seed)
        comments_used = Counter()
        for index, (organisation_key, organisation) in enumerate(self.partner_organisations(key)):
            assessment = self.get_or_create(
                Assessment,
                review=review,
                organisation=organisation,
                defaults={
                    "state": Assessment.State.SUBMITTED,
                    "submitted_by": self.editor_of(organisation_key),
                    "submitted_at": at_ten(
                        review.opened_on + datetime.timedelta(days=10 + 4 * index)
                    ),
                },
            )
            views = SIDE_VIEWS[organisation.side]
            for statement, number in self.statements:
                dont_know, noise = rng.random() < DONT_KNOW_RATE, rng.gauss(0, SCORE_SPREAD)
                score = None if dont_know else min(5, max(1, round(views[number] + noise)))
                comment = ""
                if score is not None and score <= COMMENT_REQUIRED_AT_OR_BELOW:
                    choices = LOW_SCORE_COMMENTS[number]
                    comment = choices[comments_used[number] % len(choices)]
                    comments_used[number] += 1
                self.get_or_create(
                    Rating,
                    assessment=assessment,
                    statement_id=statement,
                    defaults={
                        "score": score,
                        "comment": comment,
                        "comment_shared": bool(comment) and organisation_key in shared_by,
                    },
                )

    def seed_confidential_review(self, partnership: Partnership) -> None:
        opened_on = self.today - datetime.timedelta(days=CONFIDENTIAL_REVIEW_OPENED_DAYS_AGO)
        closed_on = opened_on + datetime.timedelta(days=CLOSED_REVIEW_CLOSED_AFTER_DAYS)
        commissioner = self.users[LEAD_COMMISSIONER]
        review = self.first_review(
            partnership,
            visibility=Review.Visibility.CONFIDENTIAL,
            opened_by=commissioner,
            opened_on=opened_on,
            due_on=opened_on + datetime.timedelta(days=CLOSED_REVIEW_DUE_AFTER_DAYS),
            state=Review.State.CLOSED,
            summary=CONFIDENTIAL_REVIEW_SUMMARY,
            overall_rag=RAG.AMBER,
            closed_by=commissioner,
            closed_on=closed_on,
        )
        self.seed_ratings(review, "discharge", seed=2025, shared_by=CONFIDENTIAL_REVIEW_SHARED_BY)
        review_result_store(review)
        health_check = self.get_or_create(
            HealthCheck, review=review, defaults={"recorded_by": commissioner}
        )
        for principle in self.framework.principles.all():
            rag, comment = CONFIDENTIAL_HEALTH_CHECK[principle.number]
            self.get_or_create(
                HealthCheckEntry,
                health_check=health_check,
                principle=principle,
                defaults={"rag": rag, "comment": comment},
            )
        carers, replied_at = (
            self.organisations["carers"],
            at_ten(closed_on + datetime.timedelta(days=6)),
        )
        self.get_or_create(
            Reply,
            review=review,
            organisation=carers,
            defaults={
                "side": str(carers.side),
                "text": CONFIDENTIAL_REVIEW_REPLY,
                "created_by": self.editor_of("carers"),
                "created_at": replied_at,
                "updated_at": replied_at,
            },
        )

    def seed_open_review(self, partnership: Partnership) -> None:
        review = self.first_review(
            partnership,
            opened_by=self.users[LEAD_COMMISSIONER],
            opened_on=self.today - datetime.timedelta(days=OPEN_REVIEW_OPENED_DAYS_AGO),
            due_on=self.today + datetime.timedelta(days=OPEN_REVIEW_DUE_IN_DAYS),
            state=Review.State.OPEN,
        )
        self.get_or_create(Assessment, review=review, organisation=self.organisations["icb"])
        assessment = self.get_or_create(
            Assessment,
            review=review,
            organisation=self.organisations["carers"],
            defaults={"state": Assessment.State.IN_PROGRESS},
        )
        ratings = [
            (statement, rating)
            for number, principle_ratings in IN_PROGRESS_RATINGS.items()
            for statement, rating in zip(
                [s for s, p in self.statements if p == number], principle_ratings, strict=True
            )
        ]
        for statement, (score, comment) in ratings:
            self.get_or_create(
                Rating,
                assessment=assessment,
                statement_id=statement,
                defaults={"score": score, "comment": comment},
            )

    def seed_concerns(self, partnership: Partnership) -> None:
        organisation, raiser = self.organisations["carers"], self.editor_of("carers")
        lead = self.users[LEAD_COMMISSIONER]
        for concern in CONCERNS:
            raised_on = self.today - datetime.timedelta(days=concern.raised_days_ago)
            acknowledge_by, respond_by = deadlines(
                partnership=partnership, organisation=organisation, raised_on=raised_on
            )
            fields = {
                "principle": self.framework.principles.get(number=concern.principle),
                "raised_by": raiser,
                "raised_at": at_ten(raised_on),
                "would_like": concern.would_like,
                "visibility": concern.visibility,
                "acknowledge_by": acknowledge_by,
                "respond_by": respond_by,
            }
            if concern.answered_after_days is not None:
                answered_on = raised_on + datetime.timedelta(days=concern.answered_after_days)
                fields.update(
                    state=Concern.State.CLOSED,
                    acknowledged_by=lead,
                    acknowledged_at=at_ten(raised_on + datetime.timedelta(days=2)),
                    response=concern.response,
                    responded_by=lead,
                    responded_at=at_ten(answered_on),
                    responded_in_time=answered_on <= respond_by,
                    days_to_respond=concern.answered_after_days,
                    outcome=Concern.Outcome.SATISFIED,
                    closing_note=concern.closing_note,
                    ended_by=raiser,
                    ended_at=at_ten(answered_on + datetime.timedelta(days=3)),
                )
            self.get_or_create(
                Concern,
                partnership=partnership,
                organisation=organisation,
                what_happened=concern.what_happened,
                defaults=fields,
            )


class Command(BaseCommand):
    help = "Loads the demo organisations, people, partnerships and reviews. Safe to run again."

    def handle(self, *args, **options):
        framework = Framework.objects.current()
        if framework is None:
            raise CommandError("No published framework: run `manage.py migrate` first.")
        with transaction.atomic():
            seed = Seed(framework, timezone.localdate())
            seed.run()

        if seed.created:
            made = ", ".join(count_of(model, count) for model, count in seed.created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {made}."))
        else:
            self.stdout.write("Demo data already in place; nothing added.")
        self.write_logins()

    def write_logins(self) -> None:
        self.stdout.write(
            f"\nSign in at {DEMO_URL} with any of these (password: {DEMO_PASSWORD}):\n"
        )
        width = max(len(person.email) for person in USERS)
        for person in USERS:
            self.stdout.write(f"  {person.email:<{width}}  {person.description}")
        self.stdout.write(
            "\nAdmins must use two-factor sign-in: at their first sign-in they add the key shown "
            "(as a QR code and as text) to an authenticator app.\n"
        )
