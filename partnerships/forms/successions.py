import re

from crispy_forms_gds.layout import Size
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from config.forms import gds_helper
from organisations import identifiers
from organisations.models import Organisation, Succession
from partnerships.forms.common import DateField

SUCCESSORS_MAX_LENGTH = 500


class SuccessionForm(forms.Form):
    """A platform admin records what happens to an organisation, from its page."""

    kind = forms.ChoiceField(
        label="What happens to it?",
        choices=Succession.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what happens to the organisation",
            "invalid_choice": "Select merger, acquisition, split, rename or dissolution",
        },
    )
    takes_effect_on = DateField(
        label="Date it takes effect",
        required=True,
        help_text="The first day of the successors, for example 1 4 2026. The organisation's "
        "last day is the day before.",
    )
    successors = forms.CharField(
        label="Successors",
        required=False,
        max_length=SUCCESSORS_MAX_LENGTH,
        help_text="The ODS codes, charity numbers or Companies House numbers of the "
        "organisations that carry on its work, separated by commas. Leave blank for a "
        "dissolution.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={"max_length": "Successors must be 500 characters or fewer"},
    )

    def __init__(self, *args, predecessor: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.predecessor = predecessor
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)

    def clean_successors(self) -> list[Organisation]:
        found = []
        for typed in filter(None, re.split(r"[,;\n]+", self.cleaned_data["successors"])):
            key = identifiers.normalise(typed)
            if not key:
                continue
            match = Organisation.objects.filter(
                Q(ods_code=key) | Q(charity_number=key) | Q(company_number=key)
            ).first()
            if match is None:
                raise ValidationError(
                    f"No organisation has the identifier {key[:20]}. Add the successor in the "
                    "admin first, then record the succession."
                )
            if match not in found:
                found.append(match)
        return found
