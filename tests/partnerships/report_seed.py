"""A seeded world for the report and export tests: two tenants, many partnerships.

North Valley ICB (the cast's, London; Carol commissions) has the cast's Riverside
Partnership and six more; South Hills ICB (South West; Erin commissions) has three of its
own. Riverside Mind is a partner on both sides, so a commissioner's files must pick its
rows by partnership, not by organisation. Each partnership has closed reviews in several
quarters with submitted assessments from NHS, local government, VCSE and "other"
organisations, random ratings with some "Don't know", some open reviews (one overdue) and
actions, among them text a spreadsheet would run as a formula.
"""

import datetime
import random
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils import timezone

from organisations.models import Membership, Organisation
from partnerships.models import (
    Action,
    Assessment,
    HealthCheck,
    HealthCheckEntry,
    Participant,
    Partnership,
    Rating,
    Review,
)
from partnerships.results import review_results_store
from principles.models import Statement
from tests.conftest import make_user, store_result, submit

INJECTION = '=HYPERLINK("http://example.com/steal","Click")'


@dataclass
class Seeded:
    north: Organisation
    south: Organisation
    erin: object
    north_partnerships: list = field(default_factory=list)
    south_partnerships: list = field(default_factory=list)
    reviews: list = field(default_factory=list)


def _organisation(name, kind, **extra):
    return Organisation.objects.create(name=name, kind=kind, **extra)


def seed(*, framework, icb, charity, partnership, carol, today=None, again=0) -> Seeded:
    """`again` seeds a further, separate world beside an earlier one."""
    today = today or timezone.localdate()
    rng = random.Random(2014 + again)
    tag = f" {again}" if again else ""
    south = _organisation(
        f"NHS South Hills ICB{tag}",
        Organisation.Kind.ICB,
        ods_code=f"QS{again or 'H'}",
        region="South West",
    )
    erin = make_user(f"erin{again or ''}@southhills.example", south, Membership.Role.EDITOR)
    trust = _organisation(
        f"Valley Care NHS Trust{tag}", Organisation.Kind.NHS_TRUST, ods_code=f"RV{again or 'C'}"
    )
    council = _organisation("Northdale Council", Organisation.Kind.LOCAL_AUTHORITY)
    other = _organisation("Consultancy Ltd", Organisation.Kind.OTHER)
    charities = [_organisation(f"Café Ünited {n}", Organisation.Kind.CHARITY) for n in range(1, 6)]
    statements = list(
        Statement.objects.filter(principle__framework=framework).select_related("principle")
    )
    seeded = Seeded(north=icb, south=south, erin=erin)

    specs = [(partnership, icb)] + [(None, icb)] * 6 + [(None, south)] * 3
    kinds = [Partnership.Kind.CONTRACT, Partnership.Kind.GRANT, Partnership.Kind.PLACE_BASED]
    areas = ["Mental health", "Carers", "Housing"]
    for i, (existing, lead) in enumerate(specs):
        if existing is None:
            existing = Partnership.objects.create(
                name=f"{'North' if lead == icb else 'South'} partnership {i:02d} – £ café",
                kind=kinds[i % 3],
                service_area=areas[i % 3],
                icb=lead,
                framework=framework,
                annual_value=1000 * i,
            )
            Participant.objects.create(
                partnership=existing, organisation=lead, role=Participant.Role.LEAD_COMMISSIONER
            )
            partners = [charity, charities[i % 5]]
            if i % 2:
                partners.append(trust)
            if i % 3 == 0:
                partners.append(council)
            if i % 4 == 1:
                partners.append(other)
            for organisation in partners:
                Participant.objects.get_or_create(
                    partnership=existing,
                    organisation=organisation,
                    defaults={"role": Participant.Role.VCSE_PARTNER},
                )
        (seeded.north_partnerships if lead == icb else seeded.south_partnerships).append(existing)
        participants = existing.participants.select_related("organisation")
        organisations = [p.organisation for p in participants]
        # Closed reviews a quarter or more apart; the last partnership has none.
        closed_count = 0 if i == len(specs) - 1 else 1 + i % 3
        for r in range(closed_count):
            opened = today - datetime.timedelta(days=400 - 100 * r - i)
            due = opened + datetime.timedelta(days=28)
            closed_on = due + datetime.timedelta(days=rng.choice([-5, 0, 9]))
            review = Review.objects.create(
                partnership=existing,
                framework=framework,
                opened_by=carol,
                opened_on=opened,
                due_on=due,
                state=Review.State.CLOSED,
                closed_on=closed_on,
                closed_by=carol,
                overall_rag=rng.choice(["red", "amber", "green"]),
                summary=f"Summary of review {r + 1} of partnership {i}.",
            )
            seeded.reviews.append(review)
            _assess(review, organisations, statements, rng, carol)
            health = HealthCheck.objects.create(review=review, recorded_by=carol)
            for principle in framework.principles.all():
                HealthCheckEntry.objects.create(
                    health_check=health,
                    principle=principle,
                    rag=rng.choice(["red", "amber", "green"]),
                    comment=f"Comment on {principle.number}",
                )
        if i % 3 == 1:
            # An open review: overdue for some, still running for others.
            opened = today - datetime.timedelta(days=40 if i % 2 else 5)
            Review.objects.create(
                partnership=existing,
                framework=framework,
                opened_by=carol,
                opened_on=opened,
                due_on=opened + datetime.timedelta(days=28),
            )
        Action.objects.create(
            partnership=existing,
            description=INJECTION if i == 1 else f"Action {i}: agree a £ budget with the café",
            owner_organisation=charity,
            due_on=today - datetime.timedelta(days=10 + i),
            created_by=carol,
        )
        Action.objects.create(
            partnership=existing,
            description=f"Done action {i}",
            owner_organisation=lead,
            due_on=today + datetime.timedelta(days=30),
            status=Action.Status.DONE if i % 2 else Action.Status.OPEN,
            created_by=carol,
        )
    # As closing them would have: each closed review's result worked out and stored.
    review_results_store(seeded.reviews, replace=True)
    return seeded


def _assess(review, organisations, statements, rng, by):
    ratings = []
    for organisation in organisations:
        assessment = Assessment.objects.create(review=review, organisation=organisation)
        submitted = rng.random() >= 0.15  # the others' ratings are drafts and must not count
        for statement in statements:
            score = rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5, None])
            if rng.random() < 0.05:
                continue  # left unanswered
            ratings.append(
                Rating(
                    assessment=assessment,
                    statement=statement,
                    score=score,
                    comment="Needs work" if score is not None and score <= 2 else "",
                )
            )
        if submitted:
            assessment.state = Assessment.State.SUBMITTED
            assessment.submitted_by, assessment.submitted_at = by, timezone.now()
        else:
            assessment.state = Assessment.State.IN_PROGRESS
        assessment.save(update_fields=["state", "submitted_by", "submitted_at"])
    Rating.objects.bulk_create(ratings)


def assessed(name, framework, icb, charity, scores):
    """A partnership of Carol's ICB whose closed review the ICB (the NHS side) and Riverside
    Mind (the VCSE side) assessed: `scores` maps a principle to (the ICB's ratings, the
    charity's), 4 throughout elsewhere. Its result is stored, as closing it would have."""
    today = timezone.localdate()
    partnership = Partnership.objects.create(
        name=name, kind="contract", framework=framework, icb=icb
    )
    review = Review.objects.create(
        partnership=partnership,
        framework=framework,
        opened_on=today - datetime.timedelta(days=60),
        due_on=today - datetime.timedelta(days=30),
        closed_on=today - datetime.timedelta(days=20),
        state=Review.State.CLOSED,
        overall_rag="amber",
    )
    for side, organisation in enumerate((icb, charity)):
        Participant.objects.create(
            partnership=partnership, organisation=organisation, role="provider"
        )
        submit(
            Assessment.objects.create(review=review, organisation=organisation),
            scores={number: ratings[side] for number, ratings in scores.items()},
        )
    return store_result(review)


# Ratings whose scores fall just under a boundary of the one-decimal figure.
EDGES = {
    1: ([2, 5, 5, 5], [1, 5, 5, None]),  # 4.25 and 3.67: 3.958…, shows 4.0, green
    2: ([4, 4, 4, 3], [3, 3, 4, None]),  # 3.75 and 3.33: the gap shows 3.8 − 3.3 = 0.5
    3: ([2, 5, 5, 5], [3, 3, 4, None]),  # 4.25 and 3.33: the gap shows 4.3 − 3.3 = 1.0
    4: ([3, 3, 3, 4], [3, 3, 2, None]),  # 3.25 and 2.67: 2.958…, shows 3.0, amber
}


def expected_latest(partnerships, *, closed_from=None, closed_to=None) -> dict:
    """{partnership: (latest closed review, its stored result)}: what each partnership's
    results page shows (partnerships.results.review_result)."""
    from partnerships import results

    found = {}
    for partnership in partnerships:
        reviews = partnership.reviews.filter(state=Review.State.CLOSED)
        if closed_from:
            reviews = reviews.filter(closed_on__gte=closed_from)
        if closed_to:
            reviews = reviews.filter(closed_on__lte=closed_to)
        review = reviews.order_by("-closed_on", "-id").first()
        if review is not None:
            found[partnership] = (review, results.stored_result(review))
    return found


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("data-testid", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif self._cell is not None:
            self._cell.append(" ")  # an element inside a cell starts a new word

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every table of a page by its data-testid: rows of cell texts, the header row first."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def candid_partnership(*, size, framework, icb, carol, reviews=1) -> Review:
    """A partnership that Carol's ICB leads with `size` NHS trusts and `size` charities (and
    the ICB), and `reviews` closed confidential reviews; in each every organisation submits
    and shares a comment, and every charity replies: for pages whose query count must not
    grow with any of them. The latest review is returned."""
    from partnerships.models import Reply

    partnership = Partnership.objects.create(
        name=f"Candid {size}", kind="alliance_contract", framework=framework, icb=icb
    )
    Participant.objects.create(partnership=partnership, organisation=icb, role="lead_commissioner")
    organisations = [icb]
    for n in range(size):
        for kind in (Organisation.Kind.NHS_TRUST, Organisation.Kind.CHARITY):
            organisation = Organisation.objects.create(name=f"{kind.label} {size}-{n}", kind=kind)
            Participant.objects.create(
                partnership=partnership, organisation=organisation, role="other"
            )
            organisations.append(organisation)
    for number in range(reviews):
        opened = datetime.date(2020 + number // 12, 1 + number % 12, 1)
        review = Review.objects.create(
            partnership=partnership,
            framework=framework,
            visibility=Review.Visibility.CONFIDENTIAL,
            opened_on=opened,
            due_on=opened + datetime.timedelta(days=20),
            state=Review.State.CLOSED,
            closed_on=opened + datetime.timedelta(days=25),
            overall_rag="amber",
            summary="Steady.",
        )
        for organisation in organisations:
            assessment = submit(
                Assessment.objects.create(review=review, organisation=organisation), by=carol
            )
            assessment.ratings.filter(statement__order=1).update(
                comment=f"Shared by {organisation.name}", comment_shared=True
            )
            if organisation.kind == Organisation.Kind.CHARITY:
                Reply.objects.create(
                    review=review,
                    organisation=organisation,
                    side=str(organisation.side),
                    text=f"Reply of {organisation.name}",
                    created_by=carol,
                )
        health = HealthCheck.objects.create(review=review, recorded_by=carol)
        for principle in framework.principles.all():
            HealthCheckEntry.objects.create(health_check=health, principle=principle, rag="amber")
        store_result(review)
    return review
