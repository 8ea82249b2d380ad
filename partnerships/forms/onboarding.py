"""Adding a partner that is not on the service yet, and inviting a partner's first admin."""

from django import forms

from config.forms import gds_helper
from organisations.models import Organisation
from partnerships.models import Participant

REGULATORS = [("", "Not a registered charity"), *Organisation.Regulator.choices]


class PartnerOrganisationForm(forms.Form):
    name = forms.CharField(
        label="Name of the organisation",
        max_length=200,
        error_messages={"required": "Enter the organisation’s name"},
    )
    kind = forms.ChoiceField(
        label="What kind of organisation is it?",
        choices=[("", "Select a kind"), *Organisation.Kind.choices],
        error_messages={"required": "Select the kind of organisation"},
    )
    ods_code = forms.CharField(label="ODS code (optional)", max_length=10, required=False)
    charity_number = forms.CharField(
        label="Charity number (optional)", max_length=20, required=False
    )
    charity_regulator = forms.ChoiceField(
        label="Charity regulator (optional)", choices=REGULATORS, required=False
    )
    company_number = forms.CharField(
        label="Company number (optional)", max_length=10, required=False
    )
    role = forms.ChoiceField(
        label="Its role in the partnership",
        choices=[
            ("", "Select a role"),
            *(c for c in Participant.Role.choices if c[0] != Participant.Role.LEAD_COMMISSIONER),
        ],
        error_messages={"required": "Select the organisation’s role"},
    )
    email = forms.EmailField(
        label="Email address of its lead contact (optional)",
        help_text="They are invited to join as the organisation’s first admin.",
        max_length=254,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("ods_code", "charity_number", "company_number"):
            self.fields[name].widget.attrs["spellcheck"] = "false"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.helper = gds_helper(self)

    def row(self) -> dict:
        """The organisation as a line of the import reads it."""
        fields = ("name", "kind", "ods_code", "charity_number", "charity_regulator")
        return {
            **{name: self.cleaned_data[name] for name in fields},
            "company_number": self.cleaned_data["company_number"],
        }


class FirstAdminForm(forms.Form):
    email = forms.EmailField(
        label="Email address of its lead contact",
        help_text="They are invited to join as the organisation’s first admin.",
        max_length=254,
        error_messages={"required": "Enter the lead contact’s email address"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.helper = gds_helper(self)
