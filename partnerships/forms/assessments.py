"""The principle page of a self-assessment: a rating and a comment per statement."""

from dataclasses import dataclass

from django import forms
from django.forms import BoundField

from partnerships.forms.common import TextAreaField
from partnerships.models import COMMENT_MAX_LENGTH
from partnerships.services.assessments import Answer, AssessmentConflict, Row, Section
from principles.models import COMMENT_REQUIRED_AT_OR_BELOW, Score

DONT_KNOW = "dont_know"
SCORE_CHOICES = [(str(value), label) for value, label in Score.choices] + [
    (DONT_KNOW, "Don’t know")
]
# The scale's radios show their numbers; the words show on its two ends (and are read out
# for every number).
SCALE_ENDS = (str(min(Score.values)), str(max(Score.values)))

# The two buttons: both save, then go on or go back to the task list.
CONTINUE = "continue"
LATER = "later"


@dataclass
class StatementFields:
    """What the template needs to render one statement's question."""

    row: Row
    score: BoundField
    comment: BoundField
    shared: BoundField
    latest: Row | None  # after a conflict: what the other person saved

    @property
    def comment_open(self) -> bool:
        """The comment starts open when it has text, an error, or a rating that needs one."""
        score = self.score.value()
        needs = score not in (None, "", DONT_KNOW) and str(score).isdigit()
        needs = needs and int(score) <= COMMENT_REQUIRED_AT_OR_BELOW
        return bool(self.comment.value() or self.comment.errors or needs)


class PrincipleForm(forms.Form):
    scale_ends = SCALE_ENDS
    comment_needed_at_or_below = COMMENT_REQUIRED_AT_OR_BELOW
    # The version the page was rendered from; the save is refused if it has moved on.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages=dict.fromkeys(
            ["required", "invalid", "min_value"],
            "This page is out of date. Copy any comments you need, reload the page and save again",
        ),
    )
    intent = forms.ChoiceField(
        choices=[(CONTINUE, "Save and continue"), (LATER, "Save and come back later")],
        required=False,
    )

    def __init__(self, *args, section: Section, version: int, **kwargs):
        initial = {"version": version}
        for row in section.rows:
            if row.rating is not None:
                score = row.rating.score
                initial[f"score_{row.statement.id}"] = DONT_KNOW if score is None else str(score)
                initial[f"comment_{row.statement.id}"] = row.rating.comment
                initial[f"shared_{row.statement.id}"] = row.rating.comment_shared
        super().__init__(*args, initial=initial, **kwargs)
        self.rows = section.rows
        self.latest: dict[int, Row] = {}
        for row in self.rows:
            statement, ref = row.statement, row.ref
            self.fields[f"score_{statement.id}"] = forms.ChoiceField(
                label=statement.text,
                choices=SCORE_CHOICES,
                widget=forms.RadioSelect,
                required=False,
                error_messages={
                    # Bandit reads "Select ... from" as SQL; it is a sentence for the person.
                    "invalid_choice": f"Select a rating for statement {ref} from the list"  # nosec B608
                },
            )
            self.fields[f"comment_{statement.id}"] = TextAreaField(
                label=f"Comment on statement {ref}",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                error_messages={
                    "max_length": f"Comment on statement {ref} must be "
                    f"{COMMENT_MAX_LENGTH:,} characters or fewer"
                },
            )
            self.fields[f"shared_{statement.id}"] = forms.BooleanField(
                label=f"Share this comment with the partners (statement {ref})",
                required=False,
            )

    @property
    def continues(self) -> bool:
        """Save and continue asks for every statement; come back later saves what is there."""
        return self.cleaned_data.get("intent") != LATER

    def statement_fields(self) -> list[StatementFields]:
        return [
            StatementFields(
                row=row,
                score=self[f"score_{row.statement.id}"],
                comment=self[f"comment_{row.statement.id}"],
                shared=self[f"shared_{row.statement.id}"],
                latest=self.latest.get(row.statement.id),
            )
            for row in self.rows
        ]

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            statement, ref = row.statement, row.ref
            score_name, comment_name = f"score_{statement.id}", f"comment_{statement.id}"
            if score_name in self.errors or comment_name in self.errors:
                continue
            score, comment = cleaned.get(score_name), cleaned.get(comment_name, "").strip()
            if not score:
                if self.continues:
                    self.add_error(
                        score_name,
                        f"Select how far you agree with statement {ref}, or select “Don’t know”",
                    )
                elif comment:
                    # A comment alone has nowhere to be saved; say so rather than drop it.
                    self.add_error(
                        score_name,
                        f"Select a rating for statement {ref} to save its comment, "
                        "or select “Don’t know”",
                    )
            elif score != DONT_KNOW and int(score) <= COMMENT_REQUIRED_AT_OR_BELOW and not comment:
                self.add_error(
                    comment_name,
                    f"Enter a comment for statement {ref}: a comment is needed when you "
                    "strongly disagree or disagree",
                )
        return cleaned

    def answers(self) -> dict[int, Answer]:
        """The answered statements, by statement id."""
        answers = {}
        for row in self.rows:
            statement = row.statement
            score = self.cleaned_data[f"score_{statement.id}"]
            if score:
                answers[statement.id] = Answer(
                    score=None if score == DONT_KNOW else int(score),
                    comment=self.cleaned_data[f"comment_{statement.id}"].strip(),
                    comment_shared=self.cleaned_data[f"shared_{statement.id}"],
                )
        return answers

    def refuse(self, conflict: AssessmentConflict, latest: Section) -> None:
        """Shows the conflict beside the latest answers, and carries the current version so
        that a deliberate second save succeeds."""
        self.add_error(None, str(conflict))
        self.latest = {row.statement.id: row for row in latest.rows}
        self.data = self.data.copy()
        self.data["version"] = conflict.current.version
