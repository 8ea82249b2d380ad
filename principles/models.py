from django.db import models
from django.db.models import Q

from config.limits import length_limit

# Free-text limits (docs/limits.md), for the admin's forms and the database's constraints.
SOURCE_MAX_LENGTH = 1_000
DEFINITION_MAX_LENGTH = 2_000
GUIDANCE_MAX_LENGTH = 5_000
STATEMENT_MAX_LENGTH = 1_000


class FrameworkQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def current(self):
        """The framework new partnerships use: the latest published version."""
        return self.published().order_by("-version").first()


class Framework(models.Model):
    """A versioned set of principles. Once an assessment uses it, a change is a new version."""

    name = models.CharField(max_length=200)
    version = models.CharField(max_length=20)
    source = models.TextField(
        help_text="The citation of the publication the principles come from.",
        max_length=SOURCE_MAX_LENGTH,
    )
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="framework_version_unique"),
            length_limit(
                "source", SOURCE_MAX_LENGTH, name="framework_source_length", label="Source"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.version})"

    def is_in_use(self) -> bool:
        """Whether any statement of it has been rated (asked through the ratings' reverse
        relation: principles sits below partnerships and does not import it)."""
        return Statement.objects.filter(principle__framework=self, ratings__isnull=False).exists()


class Principle(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="principles")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    definition = models.TextField(
        help_text="The published definition, word for word.", max_length=DEFINITION_MAX_LENGTH
    )
    guidance = models.TextField(blank=True, max_length=GUIDANCE_MAX_LENGTH)

    class Meta:
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "number"], name="principle_number_unique_in_framework"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="principle_number_positive"),
            length_limit(
                "definition",
                DEFINITION_MAX_LENGTH,
                name="principle_definition_length",
                label="Definition",
            ),
            length_limit(
                "guidance", GUIDANCE_MAX_LENGTH, name="principle_guidance_length", label="Guidance"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"


class Statement(models.Model):
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="statements")
    order = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=STATEMENT_MAX_LENGTH)

    class Meta:
        ordering = ["principle__number", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["principle", "order"], name="statement_order_unique_in_principle"
            ),
            length_limit("text", STATEMENT_MAX_LENGTH, name="statement_text_length", label="Text"),
        ]

    def __str__(self):
        return self.text


class Score(models.IntegerChoices):
    """The rating scale. "Don't know" is stored as no score and is not counted."""

    STRONGLY_DISAGREE = 1, "Strongly disagree"
    DISAGREE = 2, "Disagree"
    NEITHER = 3, "Neither agree nor disagree"
    AGREE = 4, "Agree"
    STRONGLY_AGREE = 5, "Strongly agree"


# A rating at or below this needs a comment saying why.
COMMENT_REQUIRED_AT_OR_BELOW = Score.DISAGREE
