import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from config.limits import length_limit
from organisations.models import Membership, Organisation
from partnerships import scoring
from principles.models import COMMENT_REQUIRED_AT_OR_BELOW, Framework, Principle, Statement

# Free-text limits (docs/limits.md): the forms and the database's check constraints use these.
SUMMARY_MAX_LENGTH = 5_000  # a review's summary
COMMENT_MAX_LENGTH = 2_000  # a rating's or a health check entry's comment
DESCRIPTION_MAX_LENGTH = 2_000  # an action's description
CONCERN_TEXT_MAX_LENGTH = 2_000  # what happened, what the raiser would like, the response
CONCERN_NOTE_MAX_LENGTH = 500  # the sentence closing or withdrawing a concern
REPLY_MAX_LENGTH = 2_000  # a partner's reply to published results


class RAG(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


# Where a commissioner's red/amber/green would sit on the 1–5 scale, to draw it beside the
# scores in a trend. Nothing reads it yet.
RAG_SCORE = {RAG.RED: 1.5, RAG.AMBER: 3.0, RAG.GREEN: 4.5}


class PartnershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one gate: admins see all; others see partnerships their organisations are in.

        A partner that has left no longer sees the partnership.
        """
        if user.is_staff:
            return self
        return self.filter(
            pk__in=Participant.objects.filter(
                organisation__memberships__user=user, left_on__isnull=True
            ).values("partnership")
        )

    def coming_due(self, *, within_days=60):
        """Due for review soon (or overdue) with no review open yet: the lead should open one."""
        horizon = timezone.localdate() + datetime.timedelta(days=within_days)
        return self.filter(next_review_due__lte=horizon).exclude(reviews__state=Review.State.OPEN)

    def with_summary(self):
        """What a list of partnerships shows, in a fixed number of queries."""
        return self.select_related("icb").prefetch_related(
            models.Prefetch(
                "participants",
                queryset=Participant.objects.select_related("organisation").order_by(
                    "organisation__name"
                ),
            ),
            models.Prefetch(
                "reviews",
                queryset=Review.objects.select_related("result").order_by("-opened_on", "-id"),
                to_attr="by_date",
            ),
        )


class Partnership(models.Model):
    class Kind(models.TextChoices):
        CONTRACT = "contract", "Contract"
        GRANT = "grant", "Grant"
        ALLIANCE_CONTRACT = "alliance_contract", "Alliance contract"
        PLACE_BASED = "place_based", "Place-based partnership"
        VCSE_ALLIANCE = "vcse_alliance", "VCSE alliance or memorandum"
        SECTION_75 = "section_75", "Section 75 pooled budget"
        OTHER = "other", "Other"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField("type", max_length=30, choices=Kind.choices)
    service_area = models.CharField(max_length=200, blank=True)
    icb = models.ForeignKey(
        Organisation,
        verbose_name="ICB",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partnerships_in_area",
        limit_choices_to={"kind": Organisation.Kind.ICB},
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    annual_value = models.DecimalField(
        "annual value (£)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    contract_reference = models.CharField(max_length=100, blank=True)
    review_frequency_months = models.PositiveSmallIntegerField(default=12)
    next_review_due = models.DateField(null=True, blank=True)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="partnerships")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Brought up to now by every change (services name it in update_fields): the read API's
    # updated_since, for incremental refreshes, filters on it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            # The review-coming-due sweep and the dashboard's "reviews coming due".
            models.Index(fields=["next_review_due"], name="partnership_next_review_idx"),
            # A platform admin's dashboard: a page of every partnership, by name (the
            # report's heatmap sorts by name too, but only its own few hundred).
            models.Index(fields=["name", "id"], name="partnership_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_frequency_months__gte=1, review_frequency_months__lte=60),
                name="partnership_review_frequency_1_to_60_months",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="partnership_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(annual_value__isnull=True) | Q(annual_value__gte=0),
                name="partnership_annual_value_not_negative",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_review_overdue(self) -> bool:
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()

    def current_participants(self):
        return [p for p in self.participants.all() if p.left_on is None]

    def latest_review(self):
        """Uses the prefetch of with_summary() when present."""
        if hasattr(self, "by_date"):
            return self.by_date[0] if self.by_date else None
        return self.reviews.order_by("-opened_on", "-id").first()

    def latest_result(self):
        """The stored result of the latest closed review; uses with_summary()'s prefetch."""
        reviews = self.by_date if hasattr(self, "by_date") else self.reviews.order_by("-opened_on")
        for review in reviews:
            if not review.is_open:
                return getattr(review, "result", None)
        return None


class Participant(models.Model):
    class Role(models.TextChoices):
        LEAD_COMMISSIONER = "lead_commissioner", "Lead commissioner"
        COMMISSIONER = "commissioner", "Commissioner"
        PROVIDER = "provider", "Provider"
        VCSE_PARTNER = "vcse_partner", "VCSE partner"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        OTHER = "other", "Other"

    COMMISSIONING_ROLES = (Role.LEAD_COMMISSIONER, Role.COMMISSIONER)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The foreign keys' own indexes serve the pages: by partnership, the partnership page and
    # the dashboard's partners; by organisation, every `visible_to` gate.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="participants"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    lead_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["partnership", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="participant_unique_per_partnership"
            ),
            models.UniqueConstraint(
                fields=["partnership"],
                # One current lead: a successor takes the lead over from a body that left.
                condition=Q(role="lead_commissioner", left_on__isnull=True),
                name="participant_one_lead_commissioner",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=F("joined_on")),
                name="participant_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.get_role_display()} in {self.partnership}"

    @property
    def is_commissioner(self) -> bool:
        return self.role in self.COMMISSIONING_ROLES

    @property
    def role_in_text(self) -> str:
        """The role as a sentence shows it: "lead commissioner", but "VCSE partner"."""
        label = self.get_role_display()
        first = label.split()[0]
        return label if first.isupper() else label[0].lower() + label[1:]


class PartnershipTransfer(models.Model):
    """What one succession did to one partnership: from its predecessor to a successor.

    Made when the succession is carried out, for each partnership in the predecessor's ICB
    area or with the predecessor as a partner. A split leaves the successor empty until a
    platform admin assigns one; the rest of the carrying out waits for that. The handover
    pack lists these rows; the report uses them to say what a successor inherited.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed (a foreign key): the partnership's history of transfers.
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="transfers")
    succession = models.ForeignKey(
        "organisations.Succession", on_delete=models.PROTECT, related_name="transfers"
    )
    # Indexed (a foreign key): a successor's handover pack.
    successor = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="inherited"
    )
    area = models.BooleanField("ICB area moved", default=False)
    # The predecessor's role when it left the partnership; blank when it was not a partner.
    partner_role = models.CharField(max_length=30, choices=Participant.Role.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partnership__name", "id"]
        indexes = [
            # The page of partnerships still to assign after a split.
            models.Index(
                fields=["created_at"],
                condition=Q(successor__isnull=True),
                name="transfer_to_assign_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "succession"], name="transfer_once_per_succession"
            ),
        ]

    def __str__(self):
        return f"{self.partnership} from {self.succession.predecessor.name}"


class Review(models.Model):
    """One health-check round of a partnership."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Visibility(models.TextChoices):
        """Who sees whose figures (docs/permissions.md, "Who sees whose answers")."""

        OPEN = "open", "Open"
        CONFIDENTIAL = "confidential", "Confidential by side"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Chosen by the lead when opening; fixed once any answer is saved (services.reviews).
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.OPEN
    )
    # Indexed (a foreign key): the partnership page's history, the dashboard's latest review,
    # the trend and the report's closed reviews per partnership.
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="reviews")
    # The partnership's framework when the review opened: results and trends stay on it.
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="reviews")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_on = models.DateField()
    due_on = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    summary = models.TextField("commissioner's summary", blank=True, max_length=SUMMARY_MAX_LENGTH)
    overall_rag = models.CharField("overall rating", max_length=5, choices=RAG.choices, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_on = models.DateField(null=True, blank=True)
    # Brought up to now by every change (services name it in update_fields): the read API's
    # updated_since, for incremental refreshes, filters on it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["partnership", "-opened_on"]
        indexes = [
            # The assessment reminder sweep looks for open reviews by due date.
            models.Index(fields=["state", "due_on"], name="review_state_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"],
                condition=Q(state="open"),
                name="review_one_open_per_partnership",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opened_on")), name="review_due_after_opened"
            ),
            models.CheckConstraint(
                condition=Q(state="open", closed_on__isnull=True)
                | Q(state="closed", closed_on__gte=F("opened_on")),
                name="review_closed_on_matches_state",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | ~Q(overall_rag=""),
                name="review_closed_has_overall_rating",
            ),
            length_limit(
                "summary", SUMMARY_MAX_LENGTH, name="review_summary_length", label="Summary"
            ),
        ]

    def __str__(self):
        return f"{self.partnership} review opened {self.opened_on:%-d %B %Y}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def is_confidential(self) -> bool:
        return self.visibility == self.Visibility.CONFIDENTIAL


class AssessmentQuerySet(models.QuerySet):
    def waiting_for(self, user):
        """Unsubmitted assessments of the user's own organisations in open reviews."""
        return (
            self.filter(organisation__memberships__user=user, review__state=Review.State.OPEN)
            .exclude(state=Assessment.State.SUBMITTED)
            .select_related("organisation", "review__partnership")
            .order_by("review__due_on", "id")
        )


class Assessment(models.Model):
    """One organisation's self-assessment within a review."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed (foreign keys): by review, review progress, results and the report's scores;
    # by organisation, the dashboard's assessments waiting.
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assessments")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="assessments"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.NOT_STARTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: a save names the version it started from (docs/design.md, "Input
    # rules").
    version = models.PositiveIntegerField(default=1)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["review", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "organisation"], name="assessment_unique_per_review_organisation"
            ),
            models.CheckConstraint(
                condition=Q(state="submitted", submitted_at__isnull=False)
                | (~Q(state="submitted") & Q(submitted_at__isnull=True)),
                name="assessment_submitted_at_matches_state",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} self-assessment for {self.review}"


class Rating(models.Model):
    # Indexed (a foreign key): results and the report read a review's ratings by assessment.
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="ratings")
    # None is "Don't know": answered, but not scored.
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    # The writer's choice: shared with the partners (attributed as the review's visibility
    # says) or kept within their organisation, the default and that of earlier comments.
    comment_shared = models.BooleanField("share the comment with the partners", default=False)

    class Meta:
        ordering = ["assessment", "statement"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "statement"], name="rating_unique_per_assessment_statement"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="rating_score_1_to_5",
            ),
            # The scale's rule: a low rating says why.
            models.CheckConstraint(
                condition=Q(score__isnull=True)
                | Q(score__gt=COMMENT_REQUIRED_AT_OR_BELOW)
                | ~Q(comment=""),
                name="rating_low_score_has_comment",
            ),
            length_limit(
                "comment", COMMENT_MAX_LENGTH, name="rating_comment_length", label="Comment"
            ),
        ]

    def __str__(self):
        return f"{self.assessment.organisation}: {self.score or 'Don’t know'} – {self.statement}"


def figure(verbose_name: str) -> models.DecimalField:
    """A stored figure of a result: partnerships.scoring.STORED_PLACES places, up to 100."""
    return models.DecimalField(verbose_name, max_digits=15, decimal_places=12, null=True)


class ReviewResult(models.Model):
    """A closed review's result, worked out by partnerships.scoring when the review closes.

    A closed review never changes, so every page, file and report reads these rows rather
    than the ratings. Bands and gap flags are not stored: their thresholds are settings, so
    partnerships.scoring derives them from these figures when they are read.
    """

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, primary_key=True, related_name="result"
    )
    score = figure("partners' score")  # the mean of the principle scores present
    index = figure("index")  # 0–100, over the principles scored
    principles_scored = models.PositiveSmallIntegerField()
    # Whether any principle is red, kept as the lowest principle score so that it follows
    # the thresholds (settings) when read: the weakest link of the overall band.
    lowest = figure("lowest principle score")
    # Organisations that submitted a self-assessment, per side.
    nhs_submitted = models.PositiveSmallIntegerField(default=0)
    local_government_submitted = models.PositiveSmallIntegerField(default=0)
    vcse_submitted = models.PositiveSmallIntegerField(default=0)
    other_submitted = models.PositiveSmallIntegerField(default=0)
    # Confidential reviews: what the partners may not see, decided at close by
    # scoring.withheld_figures and applied to each reader by partnerships.withholding.
    # The score, index and overall band go together; min_per_side is the threshold used.
    score_withheld = models.BooleanField(default=False)
    min_per_side = models.PositiveSmallIntegerField(null=True, blank=True)
    # The result as the read API lists it (partnerships.results.result_data), written with
    # the rows above from the same figures: as readers who see everything see it, and, for
    # a confidential review, as its partners do. A page of 100 results is read as stored,
    # a fraction of the work of shaping its 700 rows (bench/README.md): JSON text, never
    # queried inside, written into the answer as it is (jsonb would be converted back to
    # text on every read). Its bands are those of the thresholds in `banded_with`
    # (scoring.bands_key): a reader re-bands it when the thresholds have changed since, and
    # `manage.py rescore` writes it again from the stored figures. Empty only for a result
    # stored before these were, which `manage.py rescore` fills (and `data_for_partners` for
    # an open review).
    data = models.TextField(blank=True, editable=False)
    data_for_partners = models.TextField(blank=True, editable=False)
    banded_with = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(index__isnull=True) | Q(index__gte=0, index__lte=100),
                name="review_result_index_0_to_100",
            ),
        ]

    def __str__(self):
        return f"Result of {self.review}"

    @property
    def rag(self) -> str | None:
        """The partners' overall band, by the thresholds of now."""
        return scoring.overall_rag(self.score, self.lowest)


class PrincipleResult(models.Model):
    """One principle's figures in a closed review's result."""

    # Indexed by the unique constraint (review first): a review's rows, and the report's
    # rows of the latest reviews.
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="principle_results")
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="+")
    score = figure("partnership score")  # the mean of the side means present
    nhs = figure("NHS side")
    local_government = figure("local government side")
    vcse = figure("VCSE side")
    # Organisations with a score for this principle, per side.
    nhs_organisations = models.PositiveSmallIntegerField(default=0)
    local_government_organisations = models.PositiveSmallIntegerField(default=0)
    vcse_organisations = models.PositiveSmallIntegerField(default=0)
    gap = figure("gap")  # NHS side − VCSE side, unrounded: the report orders by it
    spread = figure("spread")  # highest − lowest organisation score
    # Confidential reviews: the figures the partners may not see (scoring.withheld_figures).
    score_withheld = models.BooleanField(default=False)
    nhs_withheld = models.BooleanField(default=False)
    local_government_withheld = models.BooleanField(default=False)
    vcse_withheld = models.BooleanField(default=False)
    gap_withheld = models.BooleanField(default=False)
    spread_withheld = models.BooleanField(default=False)

    class Meta:
        ordering = ["review", "principle__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "principle"], name="principle_result_unique_per_review"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="principle_result_score_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.principle} in {self.review}"


class OrganisationResult(models.Model):
    """One submitting organisation's score for one principle in a closed review's result."""

    # Indexed by the unique constraint (review first): the results page reads a review's.
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="organisation_results"
    )
    # Indexed (a foreign key): an organisation's own results.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="+")
    # The organisation's side when the review closed: a later change of kind rewrites nothing.
    side = models.CharField(max_length=20)
    score = figure("score")  # None: fewer than half of the statements scored
    scored = models.PositiveSmallIntegerField()  # statements with a score 1–5
    dont_know = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["review", "principle__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "organisation", "principle"],
                name="organisation_result_unique_per_review",
            ),
        ]

    def __str__(self):
        return f"{self.organisation}, {self.principle}, in {self.review}"


class Reply(models.Model):
    """A partner organisation's response to a closed review's published results: one each,
    changeable for REPLY_WINDOW_DAYS after it is added, then fixed."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed by the unique constraint (review first): the results page reads a review's.
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="replies")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # The organisation's side when it replied: a confidential review attributes it so.
    side = models.CharField(max_length=20)
    text = models.TextField("response", max_length=REPLY_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review", "created_at", "id"]
        verbose_name_plural = "replies"
        constraints = [
            models.UniqueConstraint(
                fields=["review", "organisation"], name="reply_one_per_organisation"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="reply_not_empty"),
            length_limit("text", REPLY_MAX_LENGTH, name="reply_text_length", label="Response"),
        ]

    def __str__(self):
        return f"Reply of {self.organisation} to {self.review}"

    def changeable_until(self) -> datetime.datetime:
        return self.created_at + datetime.timedelta(days=settings.REPLY_WINDOW_DAYS)

    @property
    def is_changeable(self) -> bool:
        return timezone.now() < self.changeable_until()


class HealthCheck(models.Model):
    """The lead commissioner's pulse on a review, one per review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="health_check")
    serious_concern = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Health check of {self.review}"


class HealthCheckEntry(models.Model):
    """Red, amber or green with a comment, for one principle."""

    health_check = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="entries")
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="+")
    rag = models.CharField("rating", max_length=5, choices=RAG.choices)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)

    class Meta:
        ordering = ["health_check", "principle__number"]
        verbose_name_plural = "health check entries"
        constraints = [
            models.UniqueConstraint(
                fields=["health_check", "principle"], name="health_check_entry_unique_principle"
            ),
            models.CheckConstraint(
                condition=Q(rag__in=RAG.values), name="health_check_entry_rag_valid"
            ),
            length_limit(
                "comment",
                COMMENT_MAX_LENGTH,
                name="health_check_entry_comment_length",
                label="Comment",
            ),
        ]

    def __str__(self):
        return f"{self.principle}: {self.get_rag_display()}"


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Actions of the partnerships the user can see: the same gate as the partnership."""
        return self.filter(partnership__in=Partnership.objects.visible_to(user).values("pk"))

    def for_dashboard(self, user):
        """The user's open actions: theirs, or their organisation's when no one owns it.

        Ascending due date puts the overdue ones first; actions with no date come last.
        """
        organisations = Organisation.objects.filter(memberships__user=user).values("pk")
        mine = Q(owner=user) | Q(owner__isnull=True, owner_organisation__in=organisations)
        return (
            self.visible_to(user)
            .filter(mine, status=Action.Status.OPEN)
            .select_related("partnership")
            .order_by(F("due_on").asc(nulls_last=True), "id")
        )


class Action(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed (a foreign key): the action list, the partnership page and the report's counts.
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="actions")
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    principle = models.ForeignKey(
        Principle, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH)
    owner_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="actions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Brought up to now by every change (services name it in update_fields): the read API's
    # updated_since, for incremental refreshes, filters on it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # "Your actions" on the dashboard and the action reminder sweep.
            models.Index(fields=["status", "due_on"], name="action_status_due_idx"),
        ]
        constraints = [
            length_limit(
                "description",
                DESCRIPTION_MAX_LENGTH,
                name="action_description_length",
                label="What needs to happen",
            ),
        ]

    def __str__(self):
        return self.description[:80]

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )


class ConcernQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The gate of concerns: who may see each one (docs/permissions.md, "Concerns").

        Platform admins see all. Within a partnership the person can see, a concern shared
        with every partner is seen by every partner; one for the lead only by the raising
        organisation and the lead commissioner. The VCSE partnership lead of a
        partnership's ICB sees its concerns once escalated to them.
        """
        if user.is_staff:
            return self
        memberships = Membership.objects.filter(user=user)
        partnerships = Partnership.objects.visible_to(user).values("pk")
        lead = Participant.objects.filter(
            role=Participant.Role.LEAD_COMMISSIONER,
            left_on__isnull=True,
            organisation__in=memberships.values("organisation"),
        ).values("partnership")
        shared = Q(visibility=Concern.Visibility.PARTNERS) | Q(
            organisation__in=memberships.values("organisation")
        )
        inside = Q(partnership__in=partnerships) & (shared | Q(partnership__in=lead))
        escalated = Q(
            escalated_at__isnull=False,
            partnership__icb__in=memberships.filter(vcse_partnership_lead=True).values(
                "organisation"
            ),
        )
        return self.filter(inside | escalated)

    def awaiting(self, user):
        """Concerns the user answers for the lead commissioner: the next deadline first."""
        lead = Participant.objects.filter(
            role=Participant.Role.LEAD_COMMISSIONER,
            left_on__isnull=True,
            organisation__memberships__user=user,
            organisation__memberships__role__in=[Membership.Role.ADMIN, Membership.Role.EDITOR],
        ).values("partnership")
        return (
            self.filter(partnership__in=lead, state__in=Concern.WAITING_FOR_LEAD)
            .select_related("partnership", "organisation", "principle")
            .order_by(
                models.Case(
                    models.When(state=Concern.State.RAISED, then=F("acknowledge_by")),
                    default=F("respond_by"),
                ),
                "id",
            )
        )


class Concern(models.Model):
    """A concern about a partnership between reviews, raised by a partner organisation."""

    class State(models.TextChoices):
        RAISED = "raised", "Raised"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESPONDED = "responded", "Responded"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Visibility(models.TextChoices):
        LEAD = "lead", "The lead commissioner and platform admins only"
        PARTNERS = "partners", "Every partner organisation"

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", "Satisfied"
        NOT_SATISFIED = "not_satisfied", "Not satisfied"

    OPEN_STATES = (State.RAISED, State.ACKNOWLEDGED, State.RESPONDED)
    WAITING_FOR_LEAD = (State.RAISED, State.ACKNOWLEDGED)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed (a foreign key): the partnership's concerns on its page and list.
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="concerns")
    principle = models.ForeignKey(
        Principle, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The raising organisation: a concern is always on record as an organisation's.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="concerns_raised"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    what_happened = models.TextField(max_length=CONCERN_TEXT_MAX_LENGTH)
    would_like = models.TextField(
        "what they would like to happen", max_length=CONCERN_TEXT_MAX_LENGTH
    )
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    state = models.CharField(max_length=15, choices=State.choices, default=State.RAISED)
    # Worked out once, when raised, in working days (partnerships/working_days.py).
    acknowledge_by = models.DateField()
    respond_by = models.DateField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, max_length=CONCERN_TEXT_MAX_LENGTH)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    # Worked out once, when answered: the reports count and average these.
    responded_in_time = models.BooleanField(null=True, blank=True)
    days_to_respond = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome.choices, blank=True)
    # The raiser's sentence on closing or withdrawing.
    closing_note = models.CharField(max_length=CONCERN_NOTE_MAX_LENGTH, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    # When it was first escalated to the ICB's VCSE partnership lead and platform admins: by
    # the sweep, a deadline missed, or by a raiser not satisfied with the answer.
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The review the lead commissioner opened from this concern.
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="concerns"
    )

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            # The concern sweep's overdue ones, and the lead commissioner's dashboard.
            models.Index(fields=["state", "acknowledge_by"], name="concern_state_ack_idx"),
            models.Index(fields=["state", "respond_by"], name="concern_state_respond_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    state__in=["raised", "acknowledged", "responded", "closed", "withdrawn"]
                ),
                name="concern_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["lead", "partners"]), name="concern_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(respond_by__gte=F("acknowledge_by")),
                name="concern_deadlines_in_order",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["raised", "withdrawn"]) | Q(acknowledged_at__isnull=False),
                name="concern_acknowledged_when_answered",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["responded", "closed"])
                | (Q(responded_at__isnull=False) & ~Q(response="")),
                name="concern_responded_has_response",
            ),
            models.CheckConstraint(
                condition=(Q(state="closed") & Q(outcome__in=["satisfied", "not_satisfied"]))
                | (~Q(state="closed") & Q(outcome="")),
                name="concern_outcome_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["closed", "withdrawn"]) | Q(ended_at__isnull=False),
                name="concern_ended_at_when_ended",
            ),
            length_limit(
                "what_happened",
                CONCERN_TEXT_MAX_LENGTH,
                name="concern_what_happened_length",
                label="What happened",
            ),
            length_limit(
                "would_like",
                CONCERN_TEXT_MAX_LENGTH,
                name="concern_would_like_length",
                label="What you would like to happen",
            ),
            length_limit(
                "response",
                CONCERN_TEXT_MAX_LENGTH,
                name="concern_response_length",
                label="Response",
            ),
        ]

    def __str__(self):
        about = self.principle.name if self.principle_id else "the partnership"
        return f"{self.organisation}’s concern about {about} ({self.raised_at:%-d %B %Y})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def next_deadline(self) -> datetime.date | None:
        if self.state == self.State.RAISED:
            return self.acknowledge_by
        if self.state == self.State.ACKNOWLEDGED:
            return self.respond_by
        return None

    @property
    def is_overdue(self) -> bool:
        deadline = self.next_deadline
        return deadline is not None and deadline < timezone.localdate()


class Reminder(models.Model):
    """One email that must arrive once: the log that makes reminders exactly-once.

    The sweep inserts a row per (kind, target, recipient, period) and skips rows that exist;
    each row is then sent by its own task, which claims it, sends it and marks it sent.

    The target is an explicit foreign key rather than a generic relation: the database keeps
    it honest (a deleted review takes its reminders with it), the admin and the email join it
    in one query, and each target has a partial unique constraint of its own, so the
    once-only key never depends on NULLs (distinct in a unique index) and holds on SQLite too.
    The kind says which target is set; the review-due reminder's target is the partnership.
    """

    class Kind(models.TextChoices):
        REVIEW_DUE = "review_due", "Review coming due"
        ASSESSMENT_DUE = "assessment_due", "Assessment due soon"
        ASSESSMENT_OVERDUE = "assessment_overdue", "Assessment overdue"
        ACTION_DUE = "action_due", "Action due soon"
        ACTION_OVERDUE = "action_overdue", "Action overdue"
        REVIEW_OPENED = "review_opened", "Review opened"
        RESULTS_PUBLISHED = "results_published", "Results published"
        CONCERN_RAISED = "concern_raised", "Concern raised"
        CONCERN_ACKNOWLEDGED = "concern_acknowledged", "Concern acknowledged"
        CONCERN_RESPONDED = "concern_responded", "Concern answered"
        CONCERN_CLOSED = "concern_closed", "Concern closed"
        CONCERN_WITHDRAWN = "concern_withdrawn", "Concern withdrawn"
        CONCERN_ESCALATED = "concern_escalated", "Concern escalated"
        REPLY_ADDED = "reply_added", "Partner replied to results"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # No answer came after the SMTP server had the whole email: it may have arrived, so
        # it is never sent again by itself; a person marks it sent or sends it again.
        UNCERTAIN = "uncertain", "Uncertain: may have been sent"
        # Its reason had gone when its turn came (the assessment submitted, the action done…).
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="reminders")
    # No separate indexes: each target leads its partial unique constraint, which serves
    # the lookups by target (the cascades).
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    assessment = models.ForeignKey(
        Assessment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    concern = models.ForeignKey(
        Concern, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    # Which occurrence: "2027-03-31:30d", "2026-11-30:overdue-2", "opened".
    period_key = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The latest error while the reminder is pending, failed or uncertain; cleared once sent.
    last_error = models.TextField(blank=True)
    cancelled_because = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep's look for stale pending and sending rows, and the admin's state filter.
            models.Index(fields=["state", "created_at"], name="reminder_state_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "kind", "recipient", "period_key"],
                condition=Q(
                    review__isnull=True,
                    assessment__isnull=True,
                    action__isnull=True,
                    concern__isnull=True,
                ),
                name="reminder_once_per_partnership",
            ),
            models.UniqueConstraint(
                fields=["review", "kind", "recipient", "period_key"],
                condition=Q(review__isnull=False),
                name="reminder_once_per_review",
            ),
            models.UniqueConstraint(
                fields=["assessment", "kind", "recipient", "period_key"],
                condition=Q(assessment__isnull=False),
                name="reminder_once_per_assessment",
            ),
            models.UniqueConstraint(
                fields=["action", "kind", "recipient", "period_key"],
                condition=Q(action__isnull=False),
                name="reminder_once_per_action",
            ),
            models.UniqueConstraint(
                fields=["concern", "kind", "recipient", "period_key"],
                condition=Q(concern__isnull=False),
                name="reminder_once_per_concern",
            ),
            # Exactly the target the kind names, so one of the constraints above applies.
            models.CheckConstraint(
                condition=Q(
                    kind="review_due",
                    review__isnull=True,
                    assessment__isnull=True,
                    action__isnull=True,
                    concern__isnull=True,
                )
                | Q(
                    kind__in=["assessment_due", "assessment_overdue", "review_opened"],
                    review__isnull=True,
                    assessment__isnull=False,
                    action__isnull=True,
                    concern__isnull=True,
                )
                | Q(
                    kind__in=["action_due", "action_overdue"],
                    review__isnull=True,
                    assessment__isnull=True,
                    action__isnull=False,
                    concern__isnull=True,
                )
                | Q(
                    kind__in=["results_published", "reply_added"],
                    review__isnull=False,
                    assessment__isnull=True,
                    action__isnull=True,
                    concern__isnull=True,
                )
                | Q(
                    kind__in=[
                        "concern_raised",
                        "concern_acknowledged",
                        "concern_responded",
                        "concern_closed",
                        "concern_withdrawn",
                        "concern_escalated",
                    ],
                    review__isnull=True,
                    assessment__isnull=True,
                    action__isnull=True,
                    concern__isnull=False,
                ),
                name="reminder_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=["pending", "sending", "sent", "failed", "uncertain", "cancelled"]
                ),
                name="reminder_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient} ({self.period_key})"
