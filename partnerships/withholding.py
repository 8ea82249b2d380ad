"""What a person may see of a closed review's result: the one withholding rule.

A review is *open* (every partner sees each organisation's scores by name) or *confidential
by side* (partners see side figures; an organisation its own scores; platform admins
everything). Which figures of a confidential review are too revealing is decided once, when
it closes (`scoring.withheld_figures`), and stored with the result. `withhold` applies that
decision to a reader: every page, file and report that shows a result reads it through here
(docs/permissions.md, "Who sees whose answers").

Readers that aggregate stored rows in the database (the report page, the summary PDF, the
files) cannot call a Python function per row, so `shown` gives them the same rule as SQL:
the stored figure, or NULL where `withhold` would blank it. Both read the same stored
decision, so the rule is not written twice.
"""

from dataclasses import replace

from django.conf import settings
from django.db.models import Case, F, Q, Value, When

from organisations.models import Membership
from partnerships import scoring
from partnerships.models import Review, ReviewResult


def sees_everything(user) -> bool:
    """Platform admins see every figure of every review (and respondents are told so)."""
    return user.is_staff


def own_organisations(user) -> frozenset[int]:
    """The organisations whose own scores `user` sees in a confidential review; one query
    for the first asker in a request, remembered on the user after that."""
    cached = getattr(user, "_own_organisations", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(user=user).values_list("organisation_id", flat=True)
        )
        user._own_organisations = cached
    return cached


def withhold(result: scoring.ReviewResult | None, *, user) -> scoring.ReviewResult | None:
    """The result of one closed review as `user` may see it.

    An open review's result, and any result for a platform admin, comes back whole. For a
    confidential review every figure the review withheld when it closed is None (each
    principle's `withheld` names them, the result's `withheld` holds "score" when its score,
    index and overall band are withheld), only the reader's own organisations' scores are
    listed, and `hidden` is True so that pages can say why. Counts of organisations stay:
    they are not scores.

    This is the one function that decides; the results page, trend, partnership page,
    dashboard, partnership report and its PDF call it, and the database readers use its twin
    `shown` (see the module's docstring).
    """
    if result is None or sees_whole(confidential=result.is_confidential, user=user):
        return result
    mine = own_organisations(user) if any(p.organisations for p in result.principles) else ()
    return for_partners(result, keep=mine)


def sees_whole(*, confidential: bool, user) -> bool:
    """Whether `user` sees every figure of a review's result: any result of an open review,
    and any result for a platform admin."""
    return not confidential or sees_everything(user)


def for_partners(
    result: scoring.ReviewResult, *, keep: frozenset[int] | tuple = ()
) -> scoring.ReviewResult:
    """A confidential review's result as its partners see it: every figure it withholds
    blanked, and only the scores of the organisations in `keep` (a reader's own) listed."""
    principles = tuple(
        replace(
            p,
            score=None if "score" in p.withheld else p.score,
            side_means={
                side: None if side in p.withheld else mean for side, mean in p.side_means.items()
            },
            gap=None if "gap" in p.withheld else p.gap,
            spread=None if "spread" in p.withheld else p.spread,
            organisations=tuple(o for o in p.organisations if o.organisation_id in keep),
        )
        for p in result.principles
    )
    blank = "score" in result.withheld
    return replace(
        result,
        principles=principles,
        score=None if blank else result.score,
        index=None if blank else result.index,
        lowest=None if blank else result.lowest,
        hidden=True,
    )


def headline(row: ReviewResult | None, *, user) -> scoring.ReviewResult | None:
    """A stored result row's own figures (score, index, overall band), as `user` may see
    them: for lists that show a review's headline without its principles."""
    if row is None:
        return None
    result = scoring.ReviewResult(
        principles=(),
        score=row.score,
        index=row.index,
        lowest=row.lowest,
        withheld=frozenset({"score"}) if row.score_withheld else frozenset(),
        min_per_side=row.min_per_side,
    )
    return withhold(result, user=user)


def shown(field: str, *, user):
    """`withhold` as a database expression, for readers that aggregate stored rows.

    `field` is the path to a stored figure, from the model the queryset reads: a
    PrincipleResult's "score", "nhs", "local_government", "vcse", "gap" or "spread", or a
    ReviewResult's "score", "index" or "lowest" (e.g. "result__index" from a Review). It
    comes back as stored, or NULL where the review withheld it from `user`.
    """
    if sees_everything(user):
        return F(field)
    prefix, _, name = field.rpartition("__")
    flag = "score_withheld" if name in ("index", "lowest") else f"{name}_withheld"
    flag = f"{prefix}__{flag}" if prefix else flag
    return Case(When(Q(**{flag: True}), then=Value(None)), default=F(field))


def organisation_rows(user, *, review: str = "review", organisation: str = "organisation") -> Q:
    """Which per-organisation rows (a rating, a score) `user` may receive: every one of an
    open review, only their own organisations' in a confidential one; all for an admin."""
    if sees_everything(user):
        return Q()
    return Q(**{f"{review}__visibility": Review.Visibility.OPEN}) | Q(
        **{f"{organisation}__in": own_organisations(user)}
    )


def withheld_from(user, figure: str = "score") -> Q:
    """The stored rows whose `figure` a confidential review withholds from `user` (nothing
    for an admin): for readers that leave such rows out rather than blank them."""
    if sees_everything(user):
        return Q(pk__in=[])
    return Q(**{f"{figure}_withheld": True})


# What people are told before they answer (the task list, each principle page) and what the
# lead is told before choosing (the open review page): one sentence per visibility.
VISIBILITY_HINTS = {
    Review.Visibility.OPEN: (
        "Every partner sees each organisation’s scores with its name, and the comments its "
        "people choose to share, with its name."
    ),
    Review.Visibility.CONFIDENTIAL: (
        "Partners see each side’s figures (NHS, local government, VCSE), never another "
        "organisation’s own scores, and shared comments as from a side, without a name; a "
        "side with too few organisations is withheld. Platform admins see everything."
    ),
}


def audience(review: Review, organisation) -> str:
    """Who will see `organisation`'s answers and comments in `review`, in one sentence."""
    name = organisation.name
    if review.is_confidential:
        return (
            f"When this review closes, the other partners will see each side’s figures but "
            f"never {name}’s own scores, comments you choose to share will show as from "
            f"“{attribution(str(organisation.side))}” without {name}’s name, and platform "
            "admins can see everything."
        )
    return (
        f"When this review closes, every partner will see {name}’s scores with its name, "
        f"and the comments you choose to share with {name}’s name; comments you keep within "
        f"{name} are seen only by its people (and platform admins)."
    )


def attribution(side: str) -> str:
    """How a confidential review names the writer of a shared comment or a reply."""
    if side == scoring.OTHER:
        return "a partner"
    return f"a{'n' if side == scoring.NHS else ''} {scoring.side_name(side)} partner"


def sides_taking_part(partnership) -> dict[str, int]:
    """Current partner organisations per side (NHS, local government, VCSE) that has any."""
    counts = dict.fromkeys(scoring.SIDES, 0)
    for participant in partnership.participants.filter(left_on__isnull=True).select_related(
        "organisation"
    ):
        side = str(participant.organisation.side)
        if side in counts:
            counts[side] += 1
    return {side: count for side, count in counts.items() if count}


def confidential_refused(partnership) -> str | None:
    """Why `partnership` cannot have a confidential review, or None when it can: every side
    taking part needs MIN_ORGANISATIONS_PER_SHOWN_SIDE organisations."""
    least = settings.MIN_ORGANISATIONS_PER_SHOWN_SIDE
    sides = sides_taking_part(partnership)
    short = [f"{count} {scoring.side_name(side)}" for side, count in sides.items() if count < least]
    if not sides:
        return "Confidential by side needs partners on a side; this partnership has none yet."
    if short:
        return (
            f"Confidential by side needs at least {least} organisations on each side taking "
            f"part; this partnership has {_listed(short)}, so its figures would show "
            "single organisations’ scores."
        )
    return None


def comment_author(
    *, user, visibility: str, name: str, side: str, submitted: dict, min_per_side: int | None
) -> str:
    """Who a shared comment or a reply is shown as coming from: the organisation's name in
    an open review (and to platform admins), its side in a confidential one; "A partner"
    when any side is too small to be shown, since naming the others' sides would name it."""
    if visibility != Review.Visibility.CONFIDENTIAL or sees_everything(user):
        return name
    least = min_per_side or settings.MIN_ORGANISATIONS_PER_SHOWN_SIDE
    if side == scoring.OTHER or any(0 < submitted.get(s, 0) < least for s in scoring.SIDES):
        return "A partner"
    said = attribution(side)
    return said[0].upper() + said[1:]


def shared_comments(review: Review, result: scoring.ReviewResult, *, user) -> dict[int, list]:
    """The comments their writers shared, of the review's submitted self-assessments, by
    principle number: (statement ref, statement, comment, shown as from). A confidential
    review lists them by statement and text, so their order says nothing of who wrote them."""
    from partnerships.models import Assessment, Rating

    ratings = (
        Rating.objects.filter(
            assessment__review=review,
            assessment__state=Assessment.State.SUBMITTED,
            comment_shared=True,
        )
        .exclude(comment="")
        .select_related("statement__principle", "assessment__organisation")
    )
    found = {}
    for rating in ratings:
        statement, organisation = rating.statement, rating.assessment.organisation
        author = comment_author(
            user=user,
            visibility=review.visibility,
            name=organisation.name,
            side=str(organisation.side),
            submitted=result.submitted,
            min_per_side=result.min_per_side,
        )
        found.setdefault(statement.principle.number, []).append(
            (
                f"{statement.principle.number}.{statement.order}",
                statement.text,
                rating.comment,
                author,
            )
        )
    for comments in found.values():
        comments.sort(key=lambda c: (tuple(int(n) for n in c[0].split(".")), c[2], c[3]))
    return dict(sorted(found.items()))


def replies(review: Review, result: scoring.ReviewResult, *, user) -> list[dict]:
    """The partners' replies to the review's published results, oldest first, each shown as
    from whom the review's visibility says (as a shared comment is)."""
    from partnerships.models import Reply

    return [
        {
            "author": comment_author(
                user=user,
                visibility=review.visibility,
                name=reply.organisation.name,
                side=reply.side,
                submitted=result.submitted,
                min_per_side=result.min_per_side,
            ),
            "text": reply.text,
            "created_at": reply.created_at,
            "updated_at": reply.updated_at,
            "organisation_id": reply.organisation_id,
        }
        for reply in Reply.objects.filter(review=review).select_related("organisation")
    ]


def gap_flag(principle: scoring.PrincipleResult) -> str | None:
    """A principle's gap flag for a chart, or "withheld" where its gap is withheld."""
    if principle.gap is None and "gap" in principle.withheld:
        return "withheld"
    return principle.gap_flag


def _listed(words: list[str]) -> str:
    """["1 NHS", "2 VCSE", "1 local government"] → "1 NHS, 2 VCSE and 1 local government"."""
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1]]))
