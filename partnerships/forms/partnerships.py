import contextlib
import re
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.forms import gds_helper
from organisations.models import Organisation
from partnerships.access import commissioning_organisations
from partnerships.forms.common import DateField, numeric_input
from partnerships.models import Participant, Partnership

# Whole pounds with or without commas between the thousands, and pence if any: no signs, no
# exponent ("1e3" is not £1,000 to anyone typing it), at most two decimal places.
AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?", re.ASCII)


class PartnershipForm(forms.ModelForm):
    starts_on = DateField(label="Start date")
    ends_on = DateField(label="End date")
    next_review_due = DateField(
        label="Next review due",
        help_text="When the partners should next review the partnership. For example, 31 3 2027",
    )
    annual_value = forms.CharField(
        label="Annual value in pounds (optional)",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        help_text="For example, 250000 or £1,250,000.50",
    )
    review_frequency_months = forms.CharField(
        label="How often should the partnership be reviewed, in months?",
        widget=numeric_input(),
        help_text="Most partnerships review every 6 or 12 months.",
        initial="12",
        error_messages={"required": "Enter how often the partnership is reviewed, in months"},
    )

    class Meta:
        model = Partnership
        fields = [
            "name",
            "kind",
            "service_area",
            "icb",
            "starts_on",
            "ends_on",
            "annual_value",
            "contract_reference",
            "review_frequency_months",
            "next_review_due",
        ]
        labels = {
            "name": "Name of the partnership",
            "kind": "Type of partnership",
            "service_area": "Service area (optional)",
            "icb": "Integrated Care Board area (optional)",
            "contract_reference": "Contract or grant reference (optional)",
        }
        help_texts = {"service_area": "For example, mental health or social prescribing"}
        error_messages = {
            "name": {"required": "Enter the name of the partnership"},
            "kind": {"required": "Select the type of partnership"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Select a type"), *Partnership.Kind.choices]
        self.fields["icb"].queryset = Organisation.objects.filter(kind=Organisation.Kind.ICB)
        self.fields["icb"].empty_label = "Not set"
        self.helper = gds_helper(self)

    def clean_annual_value(self):
        # Pounds and pence as people type them: "£1,250,000.50", "250000", "£ 1,000".
        typed = self.cleaned_data["annual_value"]
        raw = typed.replace("£", "").replace(" ", "").strip()
        if not raw:
            return None
        if not AMOUNT.fullmatch(raw):
            raise ValidationError(
                "Annual value must be an amount in pounds, like 250000 or £1,250,000.50"
            )
        value = Decimal(raw.replace(",", ""))
        if value >= Decimal("1e12"):
            raise ValidationError("Annual value must be between £0 and £999,999,999,999")
        return value

    def clean_next_review_due(self):
        value = self.cleaned_data["next_review_due"]
        # A date already stored stays, so other details can still be changed once it passes.
        if value and "next_review_due" in self.changed_data and value < timezone.localdate():
            raise ValidationError(
                "Next review due must be today or later. If a review is overdue, "
                "open one from the partnership page"
            )
        return value

    def clean_review_frequency_months(self):
        raw = self.cleaned_data["review_frequency_months"].strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 60:
            raise ValidationError("Enter a number of months between 1 and 60, like 12")
        return int(raw)

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "End date must be the same as or after the start date")
        return cleaned


class PartnershipCreateForm(PartnershipForm):
    lead_organisation = forms.ModelChoiceField(
        label="Which organisation is the lead commissioner?",
        queryset=Organisation.objects.none(),
        empty_label="Select an organisation",
        error_messages={"required": "Select the lead commissioner"},
    )

    class Meta(PartnershipForm.Meta):
        fields = ["lead_organisation", *PartnershipForm.Meta.fields]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = commissioning_organisations(user)
        self.fields["lead_organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["lead_organisation"].initial = organisations[0].pk


SEARCH_LIMIT = 20  # organisations offered at once: a longer list asks for more of the name


class OrganisationSearchForm(forms.Form):
    """The first step of adding a partner: find the organisation among thousands."""

    q = forms.CharField(
        label="Find the organisation",
        help_text="Part of its name, or its ODS code, charity number or company number",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self)

    def text(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class ParticipantAddForm(forms.Form):
    """The second step: choose one of the organisations found, and its role.

    Any organisation not yet a partner may be chosen (by its public code), though only the
    search's matches are offered: where script runs, the page's autocomplete chooses one."""

    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        to_field_name="code",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Find the organisation, then select it",
            "invalid_choice": "Select one of the organisations found",
        },
    )
    role = forms.ChoiceField(
        label="Its role in the partnership",
        error_messages={"required": "Select the organisation’s role"},
    )
    joined_on = DateField(label="Date it joined")

    def __init__(self, *args, partnership: Partnership, search: str = "", chosen="", **kwargs):
        super().__init__(*args, **kwargs)
        current = [p.organisation_id for p in partnership.current_participants()]
        eligible = Organisation.objects.exclude(pk__in=current)
        field = self.fields["organisation"]
        field.queryset = eligible
        found = list(eligible.search(search)[: SEARCH_LIMIT + 1])
        self.searched, self.more = bool(search), len(found) > SEARCH_LIMIT
        self.matches = offered = found[:SEARCH_LIMIT]
        posted = self.data.get("organisation") if self.is_bound else None
        if posted and all(str(o.code) != posted for o in offered):
            offered = offered + list(eligible.filter(code__in=_uuids([posted])))
        # Offered: the matches only; accepted: any organisation not yet a partner.
        field.choices = [(str(o.code), _described(o)) for o in offered]
        if not offered:
            field.help_text = "Search for the organisation above, then select it here."
        # Chosen in the autocomplete: found, and selected already.
        if any(str(o.code) == chosen for o in self.matches):
            self.initial["organisation"] = chosen
        # The lead commissioner is chosen when the partnership is registered.
        roles = [c for c in Participant.Role.choices if c[0] != Participant.Role.LEAD_COMMISSIONER]
        self.fields["role"].choices = [("", "Select a role"), *roles]
        self.helper = gds_helper(self)

    def labels(self) -> list[str]:
        return [_described(organisation) for organisation in self.matches]


def _uuids(values) -> list[uuid.UUID]:
    found = []
    for value in values:
        with contextlib.suppress(ValueError):  # not a code: nothing chosen, the field says so
            found.append(uuid.UUID(str(value)))
    return found


def _described(organisation: Organisation) -> str:
    """An organisation as a choice: its name and what tells it apart from a namesake."""
    marks = [organisation.get_kind_display()]
    marks += [f"ODS {organisation.ods_code}"] if organisation.ods_code else []
    marks += [f"charity {organisation.charity_number}"] if organisation.charity_number else []
    marks += [f"company {organisation.company_number}"] if organisation.company_number else []
    return f"{organisation.name} ({', '.join(marks)})"
