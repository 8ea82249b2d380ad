"""The generator behind `manage.py seed_scale`: national scale, for the benchmarks beside it.

Fills an empty PostgreSQL database with synthetic but realistic volume, for benchmarks and
for looking at query plans: ICBs (a seventh of them merged into a neighbour, as 42 became
36 in April 2026), NHS trusts, primary care, commissioning support units, councils and
thousands of charities, social enterprises and community groups of every income band, each
with its people; partnerships of 2 to 12 partners, some of whom joined late or left; and
their history up to today: reviews every 6, 12 or 24 months, closed ones with every
partner's ratings, the lead commissioner's health check and agreed actions, an open review
for some, and reviews overdue for others.

Scores follow a hidden health per partnership that drifts from review to review, with the
NHS side rating it higher than the voluntary sector more often than not, so results, gaps,
trends and reports have something to show.

Every row is generated in Python from one random generator and written with PostgreSQL's
COPY; the same seed and day give the same data. Ten thousand partnerships take about a
minute (bench/README.md).
"""

import csv
import datetime
import itertools
import math
import random
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils.text import slugify

from organisations.models import Membership, Organisation, User
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
    Review,
)
from partnerships.results import closed_reviews_store
from partnerships.services.reviews import add_months
from partnerships.working_days import add_working_days
from principles.models import COMMENT_REQUIRED_AT_OR_BELOW, Framework, Statement

Kind = Organisation.Kind
Band = Organisation.IncomeBand
Role = Participant.Role

PLACE_STARTS = (  # noqa: SIM905 - a list of words reads better as one string
    "Ash Bar Beck Black Bram Brock Burn Cal Carr Clay Cold Crag Dun Elm Fair Fern Glen "
    "Gold Green Hart Hazel Holm Kings Lang Lark Lea Marsh Mill Moss New Oak Pen Red Rook "
    "Rose Sand Shaw Stan Stone Thorn West Whit Wick Wil Wood Wyn"
).split()
PLACE_ENDS = (  # noqa: SIM905 - a list of words reads better as one string
    "bridge brook bury by cliffe combe dale den field ford gate ham hill holme hurst ley "
    "mere minster mouth stead stow thorpe ton well wick worth"
).split()

NAME_PATTERNS = {
    Kind.ICB: ("NHS {} Integrated Care Board",),
    Kind.NHS_TRUST: (
        "{} Community Health NHS Trust",
        "{} Mental Health NHS Foundation Trust",
        "{} Hospitals NHS Foundation Trust",
        "{} Teaching Hospitals NHS Trust",
        "{} Community and Mental Health NHS Foundation Trust",
    ),
    Kind.PRIMARY_CARE: ("{} Primary Care Network", "{} Medical Practice", "{} Health Centre"),
    Kind.CSU: ("{} Commissioning Support Unit",),
    Kind.LOCAL_AUTHORITY: (
        "{} City Council",
        "{} County Council",
        "{} Metropolitan Borough Council",
        "{} District Council",
    ),
    Kind.CHARITY: (
        "{} Mind",
        "{} Carers Centre",
        "Age Concern {}",
        "Citizens Advice {}",
        "{} Foodbank",
        "{} Women's Aid",
        "{} Youth Trust",
        "{} Refugee Network",
        "{} Hospice",
        "{} Recovery Community",
        "{} Autism Support",
        "{} Dementia Support",
        "{} Sight and Hearing",
        "{} Community Transport",
        "{} Homeless Project",
        "{} Parent Carers Forum",
        "{} Bereavement Service",
        "{} Advocacy",
    ),
    Kind.SOCIAL_ENTERPRISE: (
        "{} Community Enterprises",
        "{} Health CIC",
        "{} Wellbeing CIC",
        "{} Social Prescribing CIC",
        "{} Co-operative",
    ),
    Kind.COMMUNITY_GROUP: (
        "{} Peer Support Group",
        "{} Men's Shed",
        "{} Walking Group",
        "{} Friendship Club",
        "{} Tenants Association",
        "{} Lunch Club",
    ),
    Kind.OTHER: ("University of {}", "{} Housing Association", "{} Fire and Rescue Service"),
}

# How many of each kind per partnership (with a floor, so a small run has every kind).
ORGANISATIONS_PER_PARTNERSHIP = {
    Kind.ICB: (1 / 50, 2),
    Kind.NHS_TRUST: (1 / 48, 2),
    Kind.PRIMARY_CARE: (1 / 20, 1),
    Kind.CSU: (1 / 2500, 1),
    Kind.LOCAL_AUTHORITY: (1 / 32, 2),
    Kind.CHARITY: (0.45, 6),
    Kind.SOCIAL_ENTERPRISE: (1 / 8, 2),
    Kind.COMMUNITY_GROUP: (1 / 6, 2),
    Kind.OTHER: (1 / 100, 1),
}
MAX_ICBS = 42
ROLE_OF_KIND = {
    Kind.LOCAL_AUTHORITY: Role.LOCAL_AUTHORITY,
    Kind.NHS_TRUST: Role.PROVIDER,
    Kind.PRIMARY_CARE: Role.PROVIDER,
    Kind.ICB: Role.COMMISSIONER,
    Kind.CSU: Role.COMMISSIONER,
    Kind.OTHER: Role.OTHER,
}
MERGED_ON = datetime.date(2026, 4, 1)  # 42 ICBs became 36
VCSE = (Kind.CHARITY, Kind.SOCIAL_ENTERPRISE, Kind.COMMUNITY_GROUP)
# NCVO's bands, weighted towards the larger charities that tend to hold NHS contracts.
VCSE_BANDS = ((Band.MICRO, 22), (Band.SMALL, 30), (Band.MEDIUM, 27), (Band.LARGE, 14))
VCSE_BANDS += ((Band.MAJOR, 5), (Band.SUPER_MAJOR, 2))
BAND_OF_KIND = {
    Kind.ICB: Band.SUPER_MAJOR,
    Kind.NHS_TRUST: Band.SUPER_MAJOR,
    Kind.PRIMARY_CARE: Band.LARGE,
    Kind.CSU: Band.MAJOR,
    Kind.LOCAL_AUTHORITY: Band.SUPER_MAJOR,
    Kind.OTHER: Band.MAJOR,
}
PEOPLE_PER_ORGANISATION = {
    Kind.ICB: (4, 8),
    Kind.NHS_TRUST: (2, 4),
    Kind.PRIMARY_CARE: (1, 2),
    Kind.CSU: (2, 3),
    Kind.LOCAL_AUTHORITY: (2, 4),
    Kind.OTHER: (1, 1),
}
ROLES_IN_ORDER = (Membership.Role.ADMIN, Membership.Role.EDITOR, Membership.Role.VIEWER)
ROLES_IN_ORDER += (Membership.Role.EDITOR, Membership.Role.VIEWER) * 4

FIRST_NAMES = (  # noqa: SIM905 - a list of words reads better as one string
    "Aisha Alex Amir Ana Ben Carys Chloe Dev Ella Femi Grace Hannah Imran Isla Jack Jade "
    "Kai Kwame Leah Liam Maya Mo Niamh Noah Olu Priya Rhys Rosa Sam Sara Tom Yusuf Zara "
    "Zofia"
).split()
LAST_NAMES = (  # noqa: SIM905 - a list of words reads better as one string
    "Adeyemi Ahmed Begum Brown Campbell Chen Davies Evans Green Hughes Jones Khan "
    "Kowalski Lewis Mensah Morgan Murphy Nowak Okafor Patel Reid Roberts Shah Singh Smith "
    "Taylor Thomas Walker Williams Wilson Wright Young"
).split()

PARTNERSHIP_KINDS = (
    (Partnership.Kind.CONTRACT, 35),
    (Partnership.Kind.GRANT, 25),
    (Partnership.Kind.ALLIANCE_CONTRACT, 8),
    (Partnership.Kind.PLACE_BASED, 10),
    (Partnership.Kind.VCSE_ALLIANCE, 8),
    (Partnership.Kind.SECTION_75, 6),
    (Partnership.Kind.OTHER, 8),
)
SERVICE_AREAS = (
    "Adult mental health",
    "Children and young people's mental health",
    "Social prescribing",
    "Support for unpaid carers",
    "Dementia care",
    "End of life care",
    "Hospital discharge",
    "Homelessness and health",
    "Drug and alcohol recovery",
    "Learning disability and autism",
    "Healthy ageing",
    "Maternity support",
    "Refugee and asylum seeker health",
    "Long COVID",
    "Stroke recovery",
    "Community transport",
    "Domestic abuse",
    "Weight management",
)
# Annual value in pounds, drawn log-uniformly between the two.
VALUE_RANGE = {
    Partnership.Kind.CONTRACT: (50_000, 5_000_000),
    Partnership.Kind.GRANT: (5_000, 250_000),
    Partnership.Kind.ALLIANCE_CONTRACT: (1_000_000, 40_000_000),
    Partnership.Kind.PLACE_BASED: (200_000, 10_000_000),
    Partnership.Kind.VCSE_ALLIANCE: (20_000, 500_000),
    Partnership.Kind.SECTION_75: (1_000_000, 80_000_000),
    Partnership.Kind.OTHER: (10_000, 1_000_000),
}
# Who fills a partnership's places after its lead commissioner, by kind of partnership.
PARTNER_MIX = {
    Partnership.Kind.CONTRACT: ((VCSE, 80), ((Kind.NHS_TRUST,), 10), ((Kind.PRIMARY_CARE,), 10)),
    Partnership.Kind.GRANT: ((VCSE, 95), ((Kind.LOCAL_AUTHORITY,), 5)),
    Partnership.Kind.ALLIANCE_CONTRACT: (
        (VCSE, 60),
        ((Kind.NHS_TRUST,), 25),
        ((Kind.LOCAL_AUTHORITY,), 15),
    ),
    Partnership.Kind.PLACE_BASED: (
        (VCSE, 45),
        ((Kind.NHS_TRUST,), 15),
        ((Kind.PRIMARY_CARE,), 20),
        ((Kind.LOCAL_AUTHORITY,), 15),
        ((Kind.OTHER,), 5),
    ),
    Partnership.Kind.VCSE_ALLIANCE: ((VCSE, 100),),
    Partnership.Kind.SECTION_75: ((VCSE, 40), ((Kind.LOCAL_AUTHORITY,), 45), ((Kind.CSU,), 15)),
    Partnership.Kind.OTHER: ((VCSE, 60), ((Kind.OTHER,), 20), ((Kind.NHS_TRUST,), 20)),
}
# Partners per partnership, 2 to 12: mostly small.
SIZES = ((2, 25), (3, 22), (4, 15), (5, 10), (6, 8), (7, 6), (8, 4), (9, 3), (10, 3))
SIZES += ((11, 2), (12, 2))
FREQUENCIES = ((6, 20), (12, 70), (24, 10))
MAX_REVIEWS = 8  # the most recent ones, for a partnership reviewed often for years
HISTORY_YEARS = 7

SIDE_BIAS = {"nhs": 0.25, "local_government": 0.05, "vcse": -0.15, "other": 0.0}
# Partnerships find some principles harder than others (the 2014 framework's seven).
PRINCIPLE_BIAS = (0.25, 0.1, -0.2, 0.0, -0.35, 0.15, -0.1)
DONT_KNOW = 0.04

LOW_COMMENTS = (
    "We were not consulted before the change was made.",
    "Reporting asks take more time than the grant pays for.",
    "Decisions reach us late, after they have been made.",
    "Our role in the partnership is not clear to the other partners.",
    "Payments have been late twice this year.",
    "Our knowledge of the community is not used in planning.",
)
OTHER_COMMENTS = (
    "Better than last year.",
    "Good relationships with the commissioning team.",
    "Monitoring has become lighter and more useful.",
    "Joint planning days have helped.",
)
HEALTH_COMMENTS = {
    RAG.RED: "Partners report problems here; agree actions at the review meeting.",
    RAG.AMBER: "Some concerns; keep an eye on this before the next review.",
    RAG.GREEN: "",
}
SUMMARIES = {
    RAG.RED: "Serious concerns raised by partners; actions agreed with a date to review them.",
    RAG.AMBER: "Working, with clear areas to improve before the next review.",
    RAG.GREEN: "A healthy partnership; partners agree it works well.",
}
# Concerns between reviews: about one a partnership every three years, mostly raised by the
# voluntary sector side, answered in a week to two months.
CONCERNS_A_YEAR = 0.3
CONCERNS = (
    ("A payment was three months late.", "Payment on the agreed date, every time."),
    ("A service change was decided without us.", "A say before decisions that affect us."),
    ("The monitoring return doubled without notice.", "A return in proportion to the grant."),
    ("We heard of the re-procurement from the press.", "Early notice of commissioning plans."),
    ("The board met without the VCSE partners.", "A seat at the board, as agreed."),
)
CONCERN_ENDINGS = (("satisfied", 65), ("not_satisfied", 15), ("withdrawn", 10), ("open", 10))

ACTIONS = (
    "Agree a lighter quarterly monitoring report",
    "Hold a joint planning day before the budget is set",
    "Share the contract variation with every partner before it is signed",
    "Pay invoices within 30 days of receipt",
    "Invite the VCSE partners to the programme board",
    "Publish the outcomes framework in plain English",
    "Co-design the next service specification with people who use it",
    "Agree how the partnership will share data safely",
)


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def _rag(score: float) -> str:
    if score >= settings.RAG_GREEN_FROM:
        return RAG.GREEN
    return RAG.AMBER if score >= settings.RAG_AMBER_FROM else RAG.RED


@dataclass
class Org:
    id: int
    kind: str
    side: str
    icb_id: int | None
    people: list = field(default_factory=list)  # (user id, role)
    bias: float = 0.0  # how much more kindly it rates than others
    domain: str = ""

    def person(self, rng, *, editors=False):
        """One of its people; with `editors`, one who may edit, if it has any."""
        choices = (
            [p for p, role in self.people if role != Membership.Role.VIEWER] if editors else []
        )
        return rng.choice(choices or [p for p, _ in self.people]) if self.people else None


@dataclass
class Member:
    org: Org
    role: str
    joined_on: datetime.date
    left_on: datetime.date | None

    def in_review(self, opened_on: datetime.date) -> bool:
        return self.joined_on <= opened_on and (self.left_on is None or self.left_on > opened_on)


class Table:
    """The rows of one table, each a tuple in the order of its model's fields, for COPY."""

    def __init__(self, model):
        self.model, self.rows = model, []
        self.columns = [f.column for f in model._meta.concrete_fields]

    def add(self, **values) -> None:
        # A column missing here is a KeyError at once, rather than a NULL in the table.
        self.rows.append(tuple(values[column] for column in self.columns))
        assert len(values) == len(self.columns), set(values) - set(self.columns)


def _unique_numbers(rng: random.Random, low: int, high: int):
    """Distinct whole numbers from [low, high) in a scrambled order, without listing them."""
    size = high - low
    stride = rng.randrange(size // 3, size // 2)
    while math.gcd(stride, size) != 1:
        stride += 1
    offset = rng.randrange(size)
    for step in range(size):
        yield low + (offset + step * stride) % size


@dataclass
class _Area:
    """An ICB area: the ICB, its region, and the place names its partnerships take."""

    id: int
    region: str
    ods: str
    places: list
    successor: "_Area | None" = None

    @property
    def members_of(self) -> int:
        """The ICB its organisations are in now: a merged ICB's successor."""
        return self.successor.id if self.successor else self.id


class Generator:
    def __init__(
        self, *, partnerships: int, seed: int, today: datetime.date, icbs: list | None = None
    ):
        self.n, self.today = partnerships, today
        self.real_icbs = icbs
        self.rng = random.Random(seed)
        self.framework = Framework.objects.get(name="ACEVO Working in Partnership", version="2014")
        self.principles = list(
            self.framework.principles.order_by("number").values_list("id", flat=True)
        )
        statements = defaultdict(list)
        for principle_id, statement_id in Statement.objects.filter(
            principle__framework=self.framework
        ).values_list("principle_id", "id"):
            statements[principle_id].append(statement_id)
        self.statements = [sorted(statements[pid]) for pid in self.principles]
        self.tables = {}
        self.reserved = {}
        # Submitted and in-progress assessments, whose ratings are made while they are copied.
        self.rated = []  # (assessment id, principle means, how many principles answered)
        self.counts = defaultdict(int)

    def table(self, model) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(model)
        return self.tables[model]

    def ids(self, model, count: int) -> list[int]:
        """Ids from the table's own sequence, reserved a thousand at a time."""
        block = self.reserved.setdefault(model, [])
        if len(block) < count:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, max(count - len(block), 1000)],
                )
                block.extend(row[0] for row in cursor.fetchall())
        taken, self.reserved[model] = block[:count], block[count:]
        return taken

    def run(self) -> dict:
        self.organisations()
        self.people()
        self.partnerships()
        self.write()
        return self.counts

    # Organisations and their people

    def _place_names(self):
        places = [start + end for start in PLACE_STARTS for end in PLACE_ENDS]
        self.rng.shuffle(places)
        for prefix in ("", "North ", "South ", "East ", "West ", "Mid ", "Greater ", "Upper "):
            for place in places:
                yield prefix + place
        for number in itertools.count(2):
            for place in places:
                yield f"{place} {number}"

    def organisations(self) -> None:
        rng = self.rng
        counts = {
            kind: max(floor, round(self.n * per))
            for kind, (per, floor) in ORGANISATIONS_PER_PARTNERSHIP.items()
        }
        counts[Kind.ICB] = min(MAX_ICBS, counts[Kind.ICB])
        merged = counts[Kind.ICB] // 7
        if self.real_icbs:
            # Every real ICB as it was before April 2026: import_successions merges them.
            counts[Kind.ICB], merged = len(self.real_icbs), 0
        table = self.table(Organisation)
        names = self._place_names()
        regions = list(Organisation.Region.values)
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        alphanumeric = letters + "0123456789"
        codes = {
            Kind.ICB: iter(rng.sample([f"Q{a}{b}" for a in letters for b in letters], 676)),
            Kind.NHS_TRUST: itertools.chain(
                rng.sample([f"R{a}{b}" for a in alphanumeric for b in alphanumeric], 1296),
                (f"RT{n:04d}" for n in itertools.count()),
            ),
            Kind.PRIMARY_CARE: (
                f"{letters[n // 100_000]}{n % 100_000:05d}"
                for n in _unique_numbers(rng, 0, 25 * 100_000)
            ),
            Kind.CSU: iter(rng.sample([f"0{a}{b}" for a in letters for b in letters], 676)),
        }
        charity_numbers = {
            "CCEW": (str(n) for n in _unique_numbers(rng, 1_100_000, 1_400_000)),
            "OSCR": (f"SC{n:06d}" for n in _unique_numbers(rng, 0, 1_000_000)),
            "CCNI": (f"NIC{n:06d}" for n in _unique_numbers(rng, 100_000, 200_000)),
        }
        company_numbers = (f"{n:08d}" for n in _unique_numbers(rng, 10_000_000, 16_000_000))
        created = _at(self.today - datetime.timedelta(days=365 * HISTORY_YEARS + 30), 9)

        self.icbs, self.orgs = [], {}
        self.by_kind = defaultdict(list)
        self.by_area = defaultdict(lambda: defaultdict(list))
        for kind, count in counts.items():
            org_ids = self.ids(Organisation, count)
            for number, org_id in enumerate(org_ids):
                row = {
                    "id": org_id,
                    "code": _uuid(rng),
                    "name": rng.choice(NAME_PATTERNS[kind]).format(next(names)),
                    "kind": kind,
                    "ods_code": next(codes[kind]) if kind in codes else "",
                    "charity_number": "",
                    "charity_regulator": "",
                    "company_number": "",
                    "income_band": BAND_OF_KIND.get(kind, ""),
                    "active_from": None,
                    "active_to": None,
                    "successor_id": None,
                    "nation": "",  # England's bank holidays, as for a blank nation
                    "created_at": created,
                    "updated_at": created,
                }
                if kind == Kind.ICB and self.real_icbs:
                    real = self.real_icbs[number]
                    row |= {"name": real["name"], "ods_code": real["ods_code"]}
                if kind == Kind.ICB:
                    region = real["region"] if self.real_icbs else regions[number % len(regions)]
                    area = _Area(org_id, region, row["ods_code"], [next(names) for _ in range(20)])
                    row |= {"region": region, "icb_id": None}
                    row["active_from"] = datetime.date(2022, 7, 1)  # when ICBs began
                    if number >= count - merged:
                        # Merged into an ICB of the same region.
                        target = number % len(regions)
                        area.successor = self.icbs[target if target < count - merged else 0]
                        row["active_to"] = MERGED_ON - datetime.timedelta(days=1)
                        row["successor_id"] = area.successor.id
                    self.icbs.append(area)
                else:
                    area = rng.choice(self.icbs)
                    row |= {"region": area.region, "icb_id": area.members_of}
                if kind in VCSE:
                    # Every band in even the smallest run, then NCVO's spread.
                    band = VCSE_BANDS[number][0] if number < len(VCSE_BANDS) else None
                    row["income_band"] = band or _weighted(rng, VCSE_BANDS)
                    registered = {Kind.CHARITY: 1.0, Kind.SOCIAL_ENTERPRISE: 0.3}.get(kind, 0.4)
                    if rng.random() < registered:
                        regulator = _weighted(rng, (("CCEW", 90), ("OSCR", 6), ("CCNI", 4)))
                        row["charity_regulator"] = regulator
                        row["charity_number"] = next(charity_numbers[regulator])
                    if kind == Kind.SOCIAL_ENTERPRISE or rng.random() < 0.3:
                        row["company_number"] = next(company_numbers)
                table.add(**row)
                org = Org(org_id, kind, str(Organisation.SIDE_OF_KIND[kind]), row["icb_id"])
                org.domain = f"{slugify(row['name'])}.example"  # names are unique
                org.bias = rng.gauss(0, 0.3)
                self.orgs[org_id] = org
                self.by_kind[kind].append(org)
                if kind != Kind.ICB:
                    self.by_area[org.icb_id][kind].append(org)
        self.counts["organisations"] = len(self.orgs)

    def people(self) -> None:
        rng = self.rng
        users, memberships = self.table(User), self.table(Membership)
        joined = _at(self.today - datetime.timedelta(days=365 * HISTORY_YEARS), 9)
        person = {
            "password": "!",  # unusable: these people sign in only in benchmarks, by session
            "last_login": None,
            "is_superuser": False,
            "is_staff": False,
            "is_active": True,
            "date_joined": joined,
            "reminders_opt_out": False,
            "roles_version": 0,
        }
        for number, user_id in enumerate(self.ids(User, 2), start=1):
            users.add(
                **(person | {"is_superuser": True, "is_staff": True}),
                id=user_id,
                first_name="Platform",
                last_name=f"Admin {number}",
                email=f"admin{number}@scale.partnershiphealth.example",
            )
        for org in self.orgs.values():
            low, high = PEOPLE_PER_ORGANISATION.get(org.kind, (1, 3))
            count = rng.randint(low, high)
            for position, user_id in enumerate(self.ids(User, count)):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                users.add(
                    **(person | {"reminders_opt_out": rng.random() < 0.1}),
                    id=user_id,
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}.{position}@{org.domain}".lower(),
                )
                role = ROLES_IN_ORDER[position]
                (membership_id,) = self.ids(Membership, 1)
                memberships.add(
                    id=membership_id,
                    user_id=user_id,
                    organisation_id=org.id,
                    role=role,
                    vcse_partnership_lead=False,
                    created_at=joined,
                )
                org.people.append((user_id, role))
        self.counts["people"] = len(users.rows)

    # Partnerships and their history

    def partnerships(self) -> None:
        rng, today = self.rng, self.today
        table = self.table(Partnership)
        earliest = add_months(today.replace(day=1), -12 * HISTORY_YEARS)
        months = (today.year - earliest.year) * 12 + today.month - earliest.month
        for number, partnership_id in enumerate(self.ids(Partnership, self.n)):
            kind = _weighted(rng, PARTNERSHIP_KINDS)
            # Somewhat more partnerships started recently than long ago.
            starts_on = add_months(earliest, int(rng.triangular(0, months, 0.6 * months)))
            if rng.random() < 0.4:
                starts_on = starts_on.replace(month=4)  # the NHS financial year
                if starts_on > today:
                    starts_on = starts_on.replace(year=starts_on.year - 1)
            # After the merger, new partnerships are in the areas of the ICBs that remain.
            area = rng.choice([a for a in self.icbs if not a.successor or starts_on < MERGED_ON])
            ends_on = None
            if kind in (Partnership.Kind.CONTRACT, Partnership.Kind.GRANT) or rng.random() < 0.4:
                ends_on = add_months(starts_on, 12 * rng.randint(2, 5)) - datetime.timedelta(days=1)
            low, high = VALUE_RANGE[kind]
            value = None
            if kind != Partnership.Kind.OTHER or rng.random() < 0.5:
                value = Decimal(round(math.exp(rng.uniform(math.log(low), math.log(high))), -2))
            frequency = _weighted(rng, FREQUENCIES)
            service = rng.choice(SERVICE_AREAS)
            members = self._members(area, kind, starts_on)
            lead = members[0].org
            reference = ""
            if kind in (Partnership.Kind.CONTRACT, Partnership.Kind.ALLIANCE_CONTRACT):
                reference = f"{area.ods}-{starts_on.year}-{number:05d}"
            name = f"{rng.choice(area.places)} {service[0].lower()}{service[1:]}"
            next_due = self._reviews(partnership_id, members, starts_on, ends_on, frequency)
            table.add(
                id=partnership_id,
                code=_uuid(rng),
                name=f"{name} {Partnership.Kind(kind).label.lower()}",
                kind=kind,
                service_area=service,
                icb_id=area.id,
                starts_on=starts_on,
                ends_on=ends_on,
                annual_value=value,
                contract_reference=reference,
                review_frequency_months=frequency,
                next_review_due=next_due,
                framework_id=self.framework.id,
                created_by_id=lead.person(rng, editors=True),
                created_at=_at(starts_on - datetime.timedelta(days=30)),
                updated_at=_at(starts_on - datetime.timedelta(days=30)),
            )
            self._participants(partnership_id, members)
            self._concerns(partnership_id, members, starts_on, ends_on)
        self.counts["partnerships"] = self.n

    def _members(self, area, kind, starts_on) -> list[Member]:
        """Who is in the partnership: the lead commissioner first, then 1 to 11 more."""
        rng = self.rng
        size = _weighted(rng, SIZES)
        pools = self.by_area[area.members_of]
        if rng.random() < 0.8 or not pools[Kind.NHS_TRUST]:
            lead = self.orgs[area.id]
        else:
            lead = rng.choice(pools[Kind.NHS_TRUST])
        chosen = {lead.id}
        members = [Member(lead, Role.LEAD_COMMISSIONER, starts_on, None)]
        vcse_seen = False
        for _ in range(size - 1):
            kinds = _weighted(rng, PARTNER_MIX[kind])
            candidates = [o for k in kinds for o in pools[k] if o.id not in chosen]
            if not candidates:  # a small area: look further afield
                candidates = [o for k in kinds for o in self.by_kind[k] if o.id not in chosen]
            if not candidates:
                continue
            org = rng.choice(candidates)
            chosen.add(org.id)
            if org.kind in VCSE:
                role = Role.VCSE_PARTNER if vcse_seen else Role.PROVIDER
                vcse_seen = True
            else:
                role = ROLE_OF_KIND[org.kind]
            joined = starts_on
            if rng.random() < 0.15:
                joined += datetime.timedelta(days=rng.randint(0, (self.today - starts_on).days))
            members.append(Member(org, role, joined, None))
        if len(members) >= 3 and rng.random() < 0.15:
            leaver = rng.choice(members[1:])
            span = (self.today - leaver.joined_on).days
            if span > 60:
                leaver.left_on = leaver.joined_on + datetime.timedelta(days=rng.randint(30, span))
        return members

    def _participants(self, partnership_id, members) -> None:
        rng, table = self.rng, self.table(Participant)
        for participant_id, member in zip(
            self.ids(Participant, len(members)), members, strict=True
        ):
            contact = member.org.person(rng, editors=True) if rng.random() < 0.7 else None
            table.add(
                id=participant_id,
                code=_uuid(rng),
                partnership_id=partnership_id,
                organisation_id=member.org.id,
                role=member.role,
                lead_contact_id=contact,
                joined_on=member.joined_on,
                left_on=member.left_on,
            )
        self.counts["participants"] += len(members)

    def _reviews(self, partnership_id, members, starts_on, ends_on, frequency):
        """The partnership's reviews up to today; returns when the next one is due."""
        rng, today = self.rng, self.today
        dates = []
        opened_on = add_months(starts_on, frequency)
        last = min(today, ends_on) if ends_on else today
        while opened_on <= last:
            dates.append(opened_on)
            opened_on = add_months(opened_on, frequency)
        if dates and rng.random() < 0.1:
            dates.pop()  # due, and nobody has opened it: overdue
        dates = dates[-MAX_REVIEWS:]
        next_due = None
        if ends_on is None or ends_on > today:
            next_due = add_months(dates[-1] if dates else starts_on, frequency)
        mood = {
            "health": min(4.8, max(1.8, rng.gauss(3.6, 0.5))),
            # How much higher the NHS side rates the partnership than the VCSE side.
            "gap": rng.gauss(0.3, 0.35),
            "principle_bias": [b + rng.gauss(0, 0.3) for b in PRINCIPLE_BIAS],
        }
        drift = rng.gauss(0.05, 0.12)
        for position, scheduled in enumerate(dates):
            opened_on = scheduled + datetime.timedelta(days=rng.randint(-10, 10))
            opened_on = min(max(opened_on, starts_on), today)
            due_on = opened_on + datetime.timedelta(days=rng.randint(21, 42))
            is_last = position == len(dates) - 1
            still_open = is_last and (today - opened_on).days < 60 and rng.random() < 0.8
            if not still_open and due_on > today:
                due_on = max(opened_on, today - datetime.timedelta(days=1))
            mood["health"] = min(4.9, max(1.3, mood["health"] + drift + rng.gauss(0, 0.15)))
            self._review(
                partnership_id=partnership_id,
                members=[m for m in members if m.in_review(opened_on)],
                opened_on=opened_on,
                due_on=due_on,
                still_open=still_open,
                mood=mood,
            )
        return next_due

    def _review(self, *, partnership_id, members, opened_on, due_on, still_open, mood):
        rng, today = self.rng, self.today
        lead = members[0].org
        (review_id,) = self.ids(Review, 1)
        opener = lead.person(rng, editors=True)
        closed_on = None
        if not still_open:
            late = rng.random() < 0.3
            closed_on = due_on + datetime.timedelta(
                days=rng.randint(1, 40) if late else -rng.randint(0, 7)
            )
            closed_on = min(max(closed_on, opened_on), today)
        # The lead commissioner's view: the NHS side's, give or take.
        view = mood["health"] + SIDE_BIAS["nhs"] + mood["gap"] / 2
        commissioner = [view + b + rng.gauss(0, 0.4) for b in mood["principle_bias"]]
        rags = [_rag(score) for score in commissioner]
        overall = _rag(sum(commissioner) / len(commissioner))
        if overall == RAG.GREEN and RAG.RED in rags:
            overall = RAG.AMBER  # the weakest link
        self.table(Review).add(
            id=review_id,
            code=_uuid(rng),
            partnership_id=partnership_id,
            framework_id=self.framework.id,
            opened_by_id=opener,
            opened_on=opened_on,
            due_on=due_on,
            state=Review.State.OPEN if still_open else Review.State.CLOSED,
            summary="" if still_open else SUMMARIES[overall],
            overall_rag="" if still_open else overall,
            closed_by_id=None if still_open else opener,
            closed_on=closed_on,
            visibility=Review.Visibility.OPEN,  # every partner sees each one's scores
            updated_at=_at(closed_on or opened_on),
        )
        self.counts["reviews"] += 1
        self.counts["open reviews"] += still_open
        self._assessments(review_id, members, opened_on, due_on, closed_on, mood)
        if not still_open or rng.random() < 0.4:
            self._health_check(review_id, lead, rags, closed_on or today, mood["health"])
        if not still_open:
            self._actions(partnership_id, review_id, members, rags, closed_on)

    def _assessments(self, review_id, members, opened_on, due_on, closed_on, mood) -> None:
        rng, today, table = self.rng, self.today, self.table(Assessment)
        window = max(1, (due_on - opened_on).days)
        progress = 1.0 if closed_on else min(1.0, (today - opened_on).days / window)
        submitted_share = 0.92 if closed_on else 0.1 + 0.7 * progress
        for assessment_id, member in zip(self.ids(Assessment, len(members)), members, strict=True):
            org, draw = member.org, rng.random()
            if draw < submitted_share:
                state = Assessment.State.SUBMITTED
            elif draw < submitted_share + (0.03 if closed_on else 0.3):
                state = Assessment.State.IN_PROGRESS
            else:
                state = Assessment.State.NOT_STARTED
            submitted_by = submitted_at = None
            answered = 0
            if state == Assessment.State.SUBMITTED:
                last = min(closed_on or today, due_on + datetime.timedelta(days=7), today)
                day = opened_on + datetime.timedelta(days=rng.randint(0, (last - opened_on).days))
                submitted_at = _at(day, rng.randint(8, 18))
                submitted_by = org.person(rng, editors=True)
                answered = len(self.principles)
                self.counts["submitted assessments"] += 1
            elif state == Assessment.State.IN_PROGRESS:
                answered = rng.randint(1, len(self.principles) - 1)
            if answered:
                side_gap = {"nhs": 0.5, "vcse": -0.5}.get(org.side, 0) * mood["gap"]
                base = mood["health"] + SIDE_BIAS[org.side] + side_gap + org.bias
                means = [base + b for b in mood["principle_bias"]]
                self.rated.append((assessment_id, means, answered))
            table.add(
                id=assessment_id,
                code=_uuid(rng),
                review_id=review_id,
                organisation_id=org.id,
                state=state,
                submitted_by_id=submitted_by,
                submitted_at=submitted_at,
                version=1 + answered,  # one save per principle page
            )
        self.counts["assessments"] += len(members)

    def _health_check(self, review_id, lead, rags, on, health) -> None:
        rng = self.rng
        (check_id,) = self.ids(HealthCheck, 1)
        self.table(HealthCheck).add(
            id=check_id,
            review_id=review_id,
            serious_concern=health < 2.6 and rng.random() < 0.7,
            recorded_by_id=lead.person(rng, editors=True),
            updated_at=_at(on),
        )
        entries = self.table(HealthCheckEntry)
        for entry_id, principle_id, rag in zip(
            self.ids(HealthCheckEntry, len(self.principles)), self.principles, rags, strict=True
        ):
            entries.add(
                id=entry_id,
                health_check_id=check_id,
                principle_id=principle_id,
                rag=rag,
                comment=HEALTH_COMMENTS[rag],
            )
        self.counts["health checks"] += 1

    def _concerns(self, partnership_id, members, starts_on, ends_on) -> None:
        """Concerns raised between reviews by a partner other than the lead, at a steady rate;
        deadlines in working days (England's bank holidays), answered or not by today."""
        rng, today, table = self.rng, self.today, self.table(Concern)
        last = min(today, ends_on) if ends_on else today
        days = (last - starts_on).days
        if days <= 0:
            return
        count = sum(rng.random() < CONCERNS_A_YEAR * days / 365 / 3 for _ in range(3))
        lead = members[0].org
        for concern_id in self.ids(Concern, count):
            raised_on = starts_on + datetime.timedelta(days=rng.randint(0, days))
            raisers = [m for m in members[1:] if m.in_review(raised_on)] or members[:1]
            org = rng.choice(raisers).org
            acknowledge_by = add_working_days(raised_on, 5, {"england"})
            respond_by = add_working_days(raised_on, 20, {"england"})
            what, wish = rng.choice(CONCERNS)
            row = dict.fromkeys(table.columns)
            row.update(
                id=concern_id,
                code=_uuid(rng),
                partnership_id=partnership_id,
                principle_id=rng.choice(self.principles) if rng.random() < 0.85 else None,
                organisation_id=org.id,
                raised_by_id=org.person(rng, editors=True),
                raised_at=_at(raised_on, 11),
                what_happened=what,
                would_like=wish,
                visibility="lead" if rng.random() < 0.6 else "partners",
                state=Concern.State.RAISED,
                acknowledge_by=acknowledge_by,
                respond_by=respond_by,
                response="",
                outcome="",
                closing_note="",
            )
            answered_on = raised_on + datetime.timedelta(days=int(rng.triangular(3, 60, 14)))
            acknowledged_on = raised_on + datetime.timedelta(days=rng.randint(1, 10))
            acknowledged_on = min(acknowledged_on, answered_on)
            if acknowledged_on <= today:
                row.update(
                    state=Concern.State.ACKNOWLEDGED,
                    acknowledged_by_id=lead.person(rng, editors=True),
                    acknowledged_at=_at(acknowledged_on, 14),
                )
            if answered_on <= today:
                row.update(
                    state=Concern.State.RESPONDED,
                    response="Thank you: we have looked into it and agreed the next steps.",
                    responded_by_id=row["acknowledged_by_id"],
                    responded_at=_at(answered_on, 16),
                    responded_in_time=answered_on <= respond_by,
                    days_to_respond=(answered_on - raised_on).days,
                )
                if answered_on > respond_by:
                    row["escalated_at"] = _at(respond_by + datetime.timedelta(days=1), 9)
                ended_on = answered_on + datetime.timedelta(days=rng.randint(1, 20))
                ending = _weighted(rng, CONCERN_ENDINGS)
                if ended_on <= today and ending in ("satisfied", "not_satisfied"):
                    row.update(
                        state=Concern.State.CLOSED,
                        outcome=ending,
                        closing_note="Agreed." if ending == "satisfied" else "Not resolved.",
                        ended_by_id=row["raised_by_id"],
                        ended_at=_at(ended_on, 12),
                    )
            if row["acknowledged_at"] is None and rng.random() < 0.1:
                row.update(
                    state=Concern.State.WITHDRAWN,
                    ended_by_id=row["raised_by_id"],
                    ended_at=_at(raised_on + datetime.timedelta(days=1), 12),
                )
            if row["state"] in Concern.WAITING_FOR_LEAD:
                late = respond_by < today or (
                    row["acknowledged_at"] is None and acknowledge_by < today
                )
                if late:
                    row["escalated_at"] = _at(today, 9)
            assert set(row) == set(table.columns), set(row) ^ set(table.columns)
            table.add(**row)
            self.counts["concerns"] += 1

    def _actions(self, partnership_id, review_id, members, rags, closed_on) -> None:
        rng, today, table = self.rng, self.today, self.table(Action)
        lead = members[0].org
        weak = [p for p, rag in zip(self.principles, rags, strict=True) if rag != RAG.GREEN]
        count = _weighted(rng, ((0, 30), (1, 30), (2, 25), (3, 15)))
        for action_id in self.ids(Action, count):
            owner_org = rng.choice(members).org if rng.random() < 0.6 else lead
            due_on = None
            if rng.random() < 0.9:
                due_on = closed_on + datetime.timedelta(days=rng.randint(30, 120))
            if due_on and due_on < today - datetime.timedelta(days=60):
                status = _weighted(rng, (("done", 80), ("dropped", 10), ("open", 10)))
            else:
                status = _weighted(rng, (("open", 70), ("done", 30)))
            table.add(
                id=action_id,
                code=_uuid(rng),
                partnership_id=partnership_id,
                review_id=review_id,
                principle_id=rng.choice(weak) if weak and rng.random() < 0.8 else None,
                description=rng.choice(ACTIONS),
                owner_organisation_id=owner_org.id,
                owner_id=owner_org.person(rng) if rng.random() < 0.6 else None,
                due_on=due_on,
                status=status,
                created_by_id=lead.person(rng, editors=True),
                created_at=_at(closed_on, 15),
                updated_at=_at(closed_on, 15),
            )
            self.counts["actions"] += 1

    # Writing

    def write(self) -> None:
        tables = [model._meta.db_table for model in self.tables] + [Rating._meta.db_table]
        with connection.cursor() as cursor, _foreign_keys_checked_once(cursor, tables):
            raw = cursor.cursor
            for table in self.tables.values():
                _copy(raw, table.model._meta.db_table, table.columns, table.rows)
                table.rows = []
            self.counts["ratings"] = _copy(
                raw,
                Rating._meta.db_table,
                ["assessment_id", "statement_id", "score", "comment", "comment_shared"],
                self._ratings(),
            )

    def _ratings(self):
        """Every rating of the submitted and in-progress assessments, made as they are copied."""
        gauss, random_ = self.rng.gauss, self.rng.random
        for assessment_id, means, answered in self.rated:
            for mean, statements in zip(means[:answered], self.statements, strict=False):
                for statement_id in statements:
                    if random_() < DONT_KNOW:
                        yield (assessment_id, statement_id, None, "", False)
                        continue
                    score = min(5, max(1, round(mean + gauss(0, 0.7))))
                    comment = ""
                    if score <= COMMENT_REQUIRED_AT_OR_BELOW:  # the scale's rule: say why
                        comment = LOW_COMMENTS[int(random_() * len(LOW_COMMENTS))]
                    elif random_() < 0.05:
                        comment = OTHER_COMMENTS[int(random_() * len(OTHER_COMMENTS))]
                    # Comments stay with the organisation unless it shares them.
                    yield (assessment_id, statement_id, score, comment, False)


@contextmanager
def _foreign_keys_checked_once(cursor, tables):
    """PostgreSQL's advice for bulk loads: rather than check each row's foreign keys (a
    lookup per row and key, at commit), drop them and add them back, which checks every row
    in one join per key. Inside the transaction, so nobody sees the tables without them."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
        [tables],
    )
    keys = cursor.fetchall()
    for table, name, _ in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    for table, name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _copy(raw_cursor, table: str, columns, rows) -> int:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    count = 0
    with raw_cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def real_icbs(path: str) -> list[dict]:
    """The ICBs of an ODS list (ods_code, name, region); ValueError says what is wrong."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as csv_file:
            rows = [
                {key.strip().lower(): (value or "").strip() for key, value in row.items() if key}
                for row in csv.DictReader(csv_file)
            ]
    except OSError as error:
        raise ValueError(f"Cannot read {path}: {error.strerror}.") from None
    regions = {value.lower(): value for value in Organisation.Region.values}
    icbs = [
        {"ods_code": row["ods_code"], "name": row["name"], "region": regions[row["region"].lower()]}
        for row in rows
        if row.get("ods_code") and row.get("region", "").lower() in regions
    ]
    if not icbs:
        raise ValueError(f"{path} has no ICB with an ods_code, a name and an NHS region.")
    return icbs


def seed(*, partnerships: int, seed: int, today: datetime.date, icbs=None) -> dict:
    """Generates and copies the world in one transaction, stores each closed review's result
    and, outside a transaction, refreshes the planner's statistics; returns what it counted,
    with the seconds each step took."""
    started = time.monotonic()
    with transaction.atomic():
        counts = Generator(partnerships=partnerships, seed=seed, today=today, icbs=icbs).run()
        generated = time.monotonic()
    counts["seconds to generate and copy"] = round(generated - started, 1)
    counts["seconds to commit"] = round(time.monotonic() - generated, 1)
    # Each closed review's result, stored as closing it would have.
    scored = time.monotonic()
    counts["results stored"] = closed_reviews_store()
    counts["seconds to store results"] = round(time.monotonic() - scored, 1)
    if not connection.in_atomic_block:
        analysed = time.monotonic()
        with connection.cursor() as cursor:
            # As autovacuum leaves a database in use: fresh statistics, so the planner knows
            # the volume, and the visibility map set, so an index-only scan reads no rows.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        counts["seconds to vacuum and analyse"] = round(time.monotonic() - analysed, 1)
    return counts
