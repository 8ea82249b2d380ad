from crispy_forms_gds.layout import Size
from django import forms

from config.forms import gds_helper
from partnerships.forms.common import TextAreaField
from partnerships.models import CONCERN_NOTE_MAX_LENGTH, CONCERN_TEXT_MAX_LENGTH, Concern
from principles.models import Principle


def _text(label, name, *, help_text="", required=True, rows=5, limit=CONCERN_TEXT_MAX_LENGTH):
    """`name` is how the messages call the field: "what happened"."""
    return TextAreaField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=f"{help_text} Up to {limit:,} characters.".strip(),
        error_messages={
            "required": f"Enter {name}",
            "max_length": f"{name[0].upper()}{name[1:]} must be {limit:,} characters or fewer",
        },
    )


class ConcernForm(forms.Form):
    """A concern about one partnership, raised for one of the person's partner organisations."""

    organisation = forms.ModelChoiceField(
        label="Which organisation is raising it?",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="The concern carries your organisation’s name: everyone who can see it "
        "knows who raised it.",
        error_messages={
            "required": "Select the organisation raising the concern",
            "invalid_choice": "Select one of the organisations you edit for",
        },
    )
    principle = forms.ModelChoiceField(
        label="Which principle does it touch? (optional)",
        queryset=Principle.objects.none(),
        required=False,
        empty_label="None of the principles in particular",
        error_messages={"invalid_choice": "Select one of the principles in the list"},
    )
    what_happened = _text(
        "What happened?",
        "what happened",
        help_text="Say what happened and when, for example a payment months late or a "
        "service change decided without you.",
    )
    would_like = _text("What would you like to happen?", "what you would like to happen")
    visibility = forms.ChoiceField(
        label="Who may see it?",
        choices=Concern.Visibility.choices,
        widget=forms.RadioSelect,
        help_text="Your own organisation’s people always see it. Platform admins and the "
        "ICB’s VCSE partnership lead see it too if it is escalated.",
        error_messages={
            "required": "Select who may see the concern",
            "invalid_choice": "Select who may see the concern",
        },
    )

    def __init__(self, *args, partnership, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1 and not self.is_bound:
            self.initial.setdefault("organisation", organisations[0].pk)
        self.fields["principle"].queryset = Principle.objects.filter(
            framework=partnership.framework_id
        ).order_by("number")
        self.helper = gds_helper(self, legend_size=Size.SMALL)


class ConcernResponseForm(forms.Form):
    response = _text(
        "Your response",
        "your response",
        help_text="Say what you have done or will do, and by when. The raising organisation "
        "reads this and decides whether it is satisfied.",
        rows=8,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self, label_size=Size.MEDIUM)


class ConcernCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Are you satisfied with the response?",
        choices=[
            (Concern.Outcome.SATISFIED, "Yes, satisfied"),
            (Concern.Outcome.NOT_SATISFIED, "No, not satisfied"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether you are satisfied with the response",
            "invalid_choice": "Select whether you are satisfied with the response",
        },
    )
    note = _text(
        "In a sentence, why?", "a sentence saying why", rows=3, limit=CONCERN_NOTE_MAX_LENGTH
    )
    escalate = forms.BooleanField(
        label="Escalate it to the ICB’s VCSE partnership lead and the platform admins",
        required=False,
        help_text="Only if you are not satisfied.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("escalate") and cleaned.get("outcome") == Concern.Outcome.SATISFIED:
            self.add_error("escalate", "Only a concern you are not satisfied with can be escalated")
        return cleaned


class ConcernWithdrawForm(forms.Form):
    note = _text(
        "Why are you withdrawing it? (optional)",
        "why you are withdrawing it",
        required=False,
        rows=3,
        limit=CONCERN_NOTE_MAX_LENGTH,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self)
