"""A successor's handover pack: what it inherited through successions, and what waits.

Read by the page, the PDF and the CSV alike (partnerships/views/successions.py), so the three
agree. Everything goes through the partnership gate: the pack lists only the inherited
partnerships the reader can see, and their results only once published (a closed review's
stored result, read as every other page reads it, through partnerships.scoring, with what a
confidential review withholds from the reader left out by partnerships.withholding).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from organisations.models import MembershipOffer, Organisation, Succession
from partnerships import scoring, withholding
from partnerships.models import (
    Action,
    Participant,
    Partnership,
    PartnershipTransfer,
    PrincipleResult,
    Review,
)


@dataclass
class Gap:
    principle: str
    nhs: object
    vcse: object
    gap: object


@dataclass
class Inherited:
    partnership: Partnership
    predecessors: list[str]
    how: list[str]  # "ICB area", "Lead commissioner", …
    partners: list[Participant]
    review: Review | None  # the latest closed review
    result: scoring.ReviewResult | None  # its headline, as the reader may see it
    gaps: list[Gap] = field(default_factory=list)
    open_actions: list[Action] = field(default_factory=list)
    overdue: str = ""

    @property
    def index(self):
        if self.result is None or self.result.index is None:
            return None
        return scoring.shown_index(self.result.index)

    @property
    def rag(self):
        if self.result is None or self.result.score is None:
            return None
        return scoring.overall_rag(self.result.score, self.result.lowest)


@dataclass
class Pack:
    successor: Organisation
    successions: list[Succession]
    inherited: list[Inherited]
    to_assign: list[PartnershipTransfer]
    to_assign_hidden: int  # waiting, but in partnerships the reader cannot see
    offers_waiting: int


def handover_pack(*, successor: Organisation, user, today: datetime.date | None = None) -> Pack:
    today = today or timezone.localdate()
    visible = Partnership.objects.visible_to(user).values("pk")
    transfers = list(
        PartnershipTransfer.objects.filter(successor=successor, partnership__in=visible)
        .select_related("succession__predecessor")
        .order_by("partnership__name", "id")
    )
    by_partnership = {}
    for transfer in transfers:
        by_partnership.setdefault(transfer.partnership_id, []).append(transfer)
    partnerships = (
        Partnership.objects.filter(pk__in=by_partnership)
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.filter(left_on__isnull=True)
                .select_related("organisation")
                .order_by("organisation__name"),
                to_attr="current",
            ),
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("result").order_by("-opened_on", "-id"),
                to_attr="by_date",
            ),
            Prefetch(
                "actions",
                queryset=Action.objects.filter(status=Action.Status.OPEN)
                .select_related("owner_organisation")
                .order_by("due_on", "id"),
                to_attr="open_actions",
            ),
        )
        .order_by("name", "id")
    )
    inherited = []
    for partnership in partnerships:
        closed = [r for r in partnership.by_date if not r.is_open]
        latest = max(closed, key=lambda r: (r.closed_on, r.pk)) if closed else None
        own = by_partnership[partnership.pk]
        inherited.append(
            Inherited(
                partnership=partnership,
                predecessors=[t.succession.predecessor.dated_name for t in own],
                how=_how(own),
                partners=partnership.current,
                review=latest,
                result=withholding.headline(
                    getattr(latest, "result", None) if latest else None, user=user
                ),
                open_actions=partnership.open_actions,
                overdue=_overdue(partnership, today),
            )
        )
    _significant_gaps(inherited, user)

    successions = list(
        Succession.objects.filter(successors=successor)
        .select_related("predecessor")
        .order_by("takes_effect_on", "predecessor__name")
    )
    waiting = PartnershipTransfer.objects.filter(
        successor__isnull=True, succession__in=[s.pk for s in successions]
    )
    to_assign = list(
        waiting.filter(partnership__in=visible)
        .select_related("partnership", "succession__predecessor")
        .order_by("partnership__name", "id")
    )
    return Pack(
        successor=successor,
        successions=successions,
        inherited=inherited,
        to_assign=to_assign,
        to_assign_hidden=waiting.count() - len(to_assign),
        offers_waiting=MembershipOffer.objects.filter(
            organisation=successor, accepted_at__isnull=True
        ).count(),
    )


def _how(transfers) -> list[str]:
    how = []
    for transfer in transfers:
        if transfer.area:
            how.append("ICB area")
        if transfer.partner_role:
            how.append(Participant.Role(transfer.partner_role).label)
    return list(dict.fromkeys(how))


def _overdue(partnership: Partnership, today: datetime.date) -> str:
    open_review = next((r for r in partnership.by_date if r.is_open), None)
    if open_review is not None:
        if open_review.due_on < today:
            return f"Open review overdue since {open_review.due_on:%-d %B %Y}"
        return ""
    if partnership.next_review_due and partnership.next_review_due < today:
        return f"Review overdue since {partnership.next_review_due:%-d %B %Y}"
    return ""


def _significant_gaps(inherited: list[Inherited], user) -> None:
    """The latest result's significant gaps between the NHS and VCSE sides, in one query; a
    gap or side figure a confidential review withholds from the reader is not among them."""
    reviews = {item.review.pk: item for item in inherited if item.result is not None}
    rows = (
        PrincipleResult.objects.filter(review__in=list(reviews))
        .exclude(withholding.withheld_from(user, "gap"))
        .annotate(
            nhs_shown=withholding.shown("nhs", user=user),
            vcse_shown=withholding.shown("vcse", user=user),
        )
        .select_related("principle")
    )
    for row in rows.order_by("review", "principle__number"):
        gap = scoring.shown_gap(row.nhs_shown, row.vcse_shown)
        if scoring.gap_flag_for(gap) == scoring.SIGNIFICANT:
            reviews[row.review_id].gaps.append(
                Gap(
                    principle=f"{row.principle.number}. {row.principle.name}",
                    nhs=scoring.shown(row.nhs_shown),
                    vcse=scoring.shown(row.vcse_shown),
                    gap=gap,
                )
            )


CSV_COLUMNS = (
    "Partnership",
    "Inherited from",
    "Through",
    "Partners now",
    "Latest review closed",
    "Index",
    "Overall band",
    "Significant gaps",
    "Open actions",
    "Overdue",
)


def csv_rows(pack: Pack):
    """One row per inherited partnership, then one per partnership still to assign."""
    for item in pack.inherited:
        yield (
            item.partnership.name,
            "; ".join(item.predecessors),
            "; ".join(item.how),
            "; ".join(f"{p.organisation.name} ({p.get_role_display()})" for p in item.partners),
            item.review.closed_on.isoformat() if item.review else "",
            str(item.index) if item.index is not None else "",
            item.rag.title() if item.rag else "",
            "; ".join(f"{g.principle}: {g.gap:+}" for g in item.gaps),
            len(item.open_actions),
            item.overdue,
        )
    for transfer in pack.to_assign:
        yield (
            transfer.partnership.name,
            transfer.succession.predecessor.dated_name,
            "Still to assign to one successor",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        )
