import datetime

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.forms import gds_helper
from partnerships.forms.common import DateField, TextAreaField
from partnerships.models import (
    COMMENT_MAX_LENGTH,
    RAG,
    REPLY_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    Review,
)
from partnerships.withholding import VISIBILITY_HINTS

# How long partners get to complete their self-assessments unless the commissioner says otherwise.
DEFAULT_ASSESSMENT_WEEKS = 4


class ReviewOpenForm(forms.Form):
    due_on = DateField(
        label="Assessments due",
        required=True,
        help_text="Partners usually need four weeks. For example, 31 3 2027",
    )
    visibility = forms.ChoiceField(
        label="Who sees each organisation’s answers",
        choices=[
            Choice(value, label, hint=VISIBILITY_HINTS[value])
            for value, label in Review.Visibility.choices
        ],
        widget=forms.RadioSelect,
        initial=Review.Visibility.OPEN,
        help_text="Partners are told this before they answer. It cannot change once any "
        "answer is saved.",
        error_messages={
            "required": "Select who sees each organisation’s answers",
            "invalid_choice": "Select who sees each organisation’s answers",
        },
    )

    def __init__(self, *args, confidential_refused: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            due = timezone.localdate() + datetime.timedelta(weeks=DEFAULT_ASSESSMENT_WEEKS)
            self.initial["due_on"] = due
        self.confidential_refused = confidential_refused
        if confidential_refused:
            # Offered only when every side is large enough: the page says why it is not.
            del self.fields["visibility"]
        self.helper = gds_helper(self, label_size=Size.MEDIUM, legend_size=Size.MEDIUM)

    def chosen_visibility(self) -> str:
        return self.cleaned_data.get("visibility") or Review.Visibility.OPEN

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise ValidationError("Assessments due must be today or in the future")
        return due_on


RAG_CHOICES = [(RAG.GREEN, "Green"), (RAG.AMBER, "Amber"), (RAG.RED, "Red")]


class HealthCheckForm(forms.Form):
    """Red, amber or green and a comment per principle, built from the review's framework."""

    serious_concern = forms.BooleanField(
        label="There is a serious concern about this partnership",
        required=False,
        help_text="Tick this if the partnership is at risk and needs attention now.",
    )
    summary = TextAreaField(
        label="Summary",
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What is going well, what is not, and what happens next. Every partner "
        f"sees this with the results. Up to {SUMMARY_MAX_LENGTH:,} characters.",
        error_messages={
            "max_length": f"Summary must be {SUMMARY_MAX_LENGTH:,} characters or fewer",
        },
    )

    def __init__(self, *args, principles, **kwargs):
        super().__init__(*args, **kwargs)
        self.principles = list(principles)
        fields = {}
        for principle in self.principles:
            fields[f"rag_{principle.number}"] = forms.ChoiceField(
                label=f"{principle.number}. {principle.name}",
                choices=RAG_CHOICES,
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": "Select red, amber or green"},
            )
            fields[f"comment_{principle.number}"] = TextAreaField(
                label=f"Comment on {principle.name} (optional)",
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={
                    "max_length": f"Comment on {principle.name} must be "
                    f"{COMMENT_MAX_LENGTH:,} characters or fewer",
                },
            )
        # The principles come first, then the overall judgement.
        self.fields = {**fields, **self.fields}
        self.helper = gds_helper(self)

    def principle_fields(self):
        for principle in self.principles:
            yield principle, self[f"rag_{principle.number}"], self[f"comment_{principle.number}"]

    def clean(self):
        cleaned = super().clean()
        for principle in self.principles:
            if not cleaned.get(f"rag_{principle.number}"):
                self.add_error(
                    f"rag_{principle.number}", f"Select red, amber or green for {principle.name}"
                )
        return cleaned

    def entries(self) -> dict[int, tuple[str, str]]:
        return {
            p.number: (
                self.cleaned_data[f"rag_{p.number}"],
                self.cleaned_data[f"comment_{p.number}"],
            )
            for p in self.principles
        }


class ReviewCloseForm(forms.Form):
    overall_rag = forms.ChoiceField(
        label="Overall rating of the partnership",
        choices=RAG_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the overall rating: red, amber or green"},
    )
    confirm_missing = forms.BooleanField(
        label="Close the review without the missing assessments",
        required=False,
    )

    def __init__(self, *args, missing, red_principles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = list(missing)
        self.red_principles = list(red_principles)
        if not self.missing:
            del self.fields["confirm_missing"]
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)

    def clean_overall_rag(self):
        rag = self.cleaned_data["overall_rag"]
        if rag == RAG.GREEN and self.red_principles:
            names = ", ".join(self.red_principles)
            raise ValidationError(
                f"The overall rating cannot be green while a principle is red ({names}). "
                "Choose amber or red, or change the health check"
            )
        return rag

    def clean_confirm_missing(self):
        confirmed = self.cleaned_data["confirm_missing"]
        if not confirmed:
            names = ", ".join(str(a.organisation) for a in self.missing)
            raise ValidationError(
                f"Confirm that you want to close the review without assessments from {names}"
            )
        return confirmed


class ReplyForm(forms.Form):
    text = TextAreaField(
        label="Your organisation’s response to the results",
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Enter your organisation’s response",
            "max_length": f"Response must be {REPLY_MAX_LENGTH:,} characters or fewer",
        },
    )

    def __init__(self, *args, help_text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = help_text
        self.helper = gds_helper(self, label_size=Size.MEDIUM)
