"""What each object looks like in the API. Figures are shown as the files show them: scores
to two places, the index to one, each with the band the pages give it."""

from rest_framework import serializers

from organisations.models import Organisation, Side
from partnerships.models import RAG, Action, Participant, Partnership, Review

SIDE_CHOICES = Side.choices
RAG_CHOICES = RAG.choices


def _figure(**kwargs):
    return serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, **kwargs)


class OrganisationRefSerializer(serializers.Serializer):
    code = serializers.UUIDField()
    name = serializers.CharField(source="dated_name")


class OrganisationSerializer(serializers.Serializer):
    code = serializers.UUIDField()
    name = serializers.CharField(source="dated_name")
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    side = serializers.ChoiceField(choices=SIDE_CHOICES)
    org_ids = serializers.ListField(
        child=serializers.CharField(),
        help_text="org-id.guide identifiers: GB-NHS-<ODS code>, GB-CHC/GB-SC/GB-NIC-<charity "
        "number>, GB-COH-<company number>, GB-MPR-<society number>; every one the "
        "organisation holds (a charity registered in two nations has both).",
    )
    ods_code = serializers.CharField(allow_blank=True)
    charity_number = serializers.CharField(allow_blank=True)
    company_number = serializers.CharField(allow_blank=True)
    region = serializers.CharField(allow_blank=True, help_text="NHS region (ICBs).")
    icb = OrganisationRefSerializer(allow_null=True, help_text="The ICB the organisation is in.")
    active_from = serializers.DateField(allow_null=True)
    active_to = serializers.DateField(
        allow_null=True, help_text="The last day, for a body that has ended."
    )
    updated_at = serializers.DateTimeField()


class PartnerSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    side = serializers.ChoiceField(choices=SIDE_CHOICES, source="organisation.side")
    role = serializers.ChoiceField(choices=Participant.Role.choices)
    joined_on = serializers.DateField(allow_null=True)
    left_on = serializers.DateField(allow_null=True, help_text="Set for a former partner.")


class PartnershipSerializer(serializers.Serializer):
    code = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Partnership.Kind.choices)
    service_area = serializers.CharField(allow_blank=True)
    icb = OrganisationRefSerializer(allow_null=True, help_text="The ICB area.")
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    annual_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Pounds a year."
    )
    contract_reference = serializers.CharField(allow_blank=True)
    review_frequency_months = serializers.IntegerField()
    next_review_due = serializers.DateField(allow_null=True)
    framework = serializers.CharField(help_text="The framework version its reviews use.")
    partners = PartnerSerializer(many=True, source="participants.all")
    updated_at = serializers.DateTimeField()


class SidesSerializer(serializers.Serializer):
    nhs = _figure()
    local_government = _figure()
    vcse = _figure()


class SideCountsSerializer(serializers.Serializer):
    nhs = serializers.IntegerField()
    local_government = serializers.IntegerField()
    vcse = serializers.IntegerField()


class SubmittedSerializer(serializers.Serializer):
    nhs = serializers.IntegerField()
    local_government = serializers.IntegerField()
    vcse = serializers.IntegerField()
    other = serializers.IntegerField()


class OrganisationScoreSerializer(serializers.Serializer):
    organisation = serializers.UUIDField()
    name = serializers.CharField()
    side = serializers.ChoiceField(choices=SIDE_CHOICES)
    score = _figure()
    scored = serializers.IntegerField(help_text="Statements scored 1 to 5.")
    dont_know = serializers.IntegerField()


class PrincipleResultSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    score = _figure(help_text="The partnership's score, 1 to 5; null when withheld or unscored.")
    rag = serializers.ChoiceField(choices=RAG_CHOICES, allow_null=True)
    sides = SidesSerializer(help_text="Each side's mean score; null where withheld or absent.")
    side_counts = SideCountsSerializer(help_text="Organisations with a score, per side.")
    gap = _figure(help_text="The NHS side's mean minus the VCSE side's, as shown.")
    gap_flag = serializers.ChoiceField(
        choices=["significant", "watch", "withheld"], allow_null=True
    )
    spread = _figure()
    withheld = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["score", "nhs", "local_government", "vcse", "gap", "spread"]
        ),
        help_text="The figures this confidential review withholds from you.",
    )
    organisations = OrganisationScoreSerializer(
        many=True,
        required=False,
        help_text="Each organisation's score, as the results page lists them (a single "
        "review only): every partner's in an open review, your own organisations' in a "
        "confidential one.",
    )


class ResultSerializer(serializers.Serializer):
    score = _figure()
    index = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    rag = serializers.ChoiceField(
        choices=RAG_CHOICES, allow_null=True, help_text="The overall band."
    )
    hidden = serializers.BooleanField(
        help_text="True when this confidential review withholds figures or other "
        "organisations' scores from you."
    )
    withheld = serializers.ListField(child=serializers.CharField())
    submitted = SubmittedSerializer(help_text="Organisations that submitted, per side.")
    principles = PrincipleResultSerializer(many=True)


# Describes, for the document, what api.presenters writes of a review (tests/api check
# every answer against the document).
class ReviewSerializer(serializers.Serializer):
    """A partnership's review; once closed, with its result as its results page shows it to
    you."""

    code = serializers.UUIDField()
    partnership = serializers.UUIDField(help_text="The partnership's code.")
    partnership_name = serializers.CharField()
    icb = OrganisationRefSerializer(allow_null=True, help_text="The partnership's ICB area.")
    framework = serializers.CharField(help_text="The framework version the review uses.")
    visibility = serializers.ChoiceField(choices=Review.Visibility.choices)
    state = serializers.ChoiceField(choices=Review.State.choices)
    opened_on = serializers.DateField()
    due_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    timeliness = serializers.ChoiceField(
        choices=["on_time", "late", "overdue", "not_due"],
        help_text="A closed review: on_time or late against its due date; an open one: "
        "overdue or not_due today.",
    )
    overall_rag = serializers.ChoiceField(
        choices=RAG_CHOICES,
        allow_null=True,
        help_text="The lead commissioner's overall rating.",
    )
    summary = serializers.CharField(
        allow_null=True, help_text="The commissioner's summary, once the review has closed."
    )
    result = ResultSerializer(allow_null=True, help_text="Null until the review closes.")
    updated_at = serializers.DateTimeField()


class ActionSerializer(serializers.Serializer):
    code = serializers.UUIDField()
    partnership = serializers.UUIDField(source="partnership.code")
    review = serializers.UUIDField(source="review.code", allow_null=True)
    principle = serializers.IntegerField(source="principle.number", allow_null=True)
    description = serializers.CharField()
    owner_organisation = OrganisationRefSerializer()
    owner = serializers.CharField(
        source="owner.get_full_name", allow_null=True, help_text="The person who owns it, by name."
    )
    due_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Action.Status.choices)
    is_overdue = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
