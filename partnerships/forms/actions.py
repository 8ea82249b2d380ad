import uuid

from django import forms
from django.db.models import Q
from django.utils import timezone

from config.forms import gds_helper
from organisations.models import Membership, Organisation, User
from partnerships.forms.common import DateField, TextAreaField
from partnerships.models import DESCRIPTION_MAX_LENGTH, Action, Partnership, Review
from partnerships.services import actions as services
from principles.models import Principle


class _ReviewChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, review):
        state = "open" if review.is_open else "closed"
        return f"Review opened {review.opened_on:%-d %B %Y} ({state})"


class ActionForm(forms.Form):
    """An action of one partnership: every picker offers only that partnership's things."""

    description = TextAreaField(
        label="What needs to happen?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text="Say what will be done, so that everyone can tell when it is finished.",
        error_messages={
            "required": "Enter what needs to happen",
            "max_length": f"What needs to happen must be {DESCRIPTION_MAX_LENGTH:,} "
            "characters or fewer",
        },
    )
    principle = forms.ModelChoiceField(
        label="Which principle does it help with? (optional)",
        queryset=Principle.objects.none(),
        required=False,
        empty_label="Not linked to a principle",
        error_messages={"invalid_choice": "Select one of the principles in the list"},
    )
    review = _ReviewChoiceField(
        label="Which review did it come from? (optional)",
        queryset=Review.objects.none(),
        required=False,
        empty_label="Not linked to a review",
        error_messages={"invalid_choice": "Select one of this partnership’s reviews"},
    )
    owner_organisation = forms.ModelChoiceField(
        label="Which organisation owns it?",
        queryset=Organisation.objects.none(),
        empty_label="Select an organisation",
        error_messages={
            "required": "Select the organisation that owns the action",
            "invalid_choice": "Select one of the partner organisations",
        },
    )
    owner = forms.ModelChoiceField(
        label="Who is responsible? (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="No one in particular",
        help_text="They must work for the organisation that owns the action.",
        error_messages={"invalid_choice": "Select someone who works for a partner organisation"},
    )
    due_on = DateField(label="Due date")
    # Shown only when a due date in the past is entered: a slip of the year, or on purpose.
    confirm_past_due = forms.BooleanField(
        label="Yes, the due date is in the past",
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, partnership: Partnership, action: Action | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this partnership's things, plus whatever a changed action already points at,
        # so an action of a partner that has since left keeps its owner when it is changed.
        principles = Q(framework=partnership.framework_id)
        organisations = Q(
            participations__partnership=partnership, participations__left_on__isnull=True
        )
        if action:
            principles |= Q(pk=action.principle_id)
            organisations |= Q(pk=action.owner_organisation_id)
        self.fields["principle"].queryset = Principle.objects.filter(principles).order_by(
            "framework", "number"
        )
        self.fields["review"].queryset = partnership.reviews.order_by("-opened_on", "-id")
        organisations = Organisation.objects.filter(organisations).distinct().order_by("name")
        self.fields["owner_organisation"].queryset = organisations

        people = User.objects.filter(memberships__organisation__in=organisations)
        if action and action.owner_id:
            people = User.objects.filter(Q(pk__in=people.values("pk")) | Q(pk=action.owner_id))
        self.fields["owner"].queryset = people.distinct()
        # Grouped by organisation, so the person and their organisation are chosen together.
        groups = {}
        memberships = (
            Membership.objects.filter(organisation__in=organisations)
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__first_name", "user__last_name", "user__email")
        )
        for membership in memberships:
            groups.setdefault(membership.organisation.name, []).append(
                (membership.user_id, _person(membership.user))
            )
        offered = {pk for group in groups.values() for pk, _ in group}
        if action and action.owner_id and action.owner_id not in offered:
            groups["No longer at a partner organisation"] = [
                (action.owner_id, _person(action.owner))
            ]
        self.fields["owner"].choices = [("", "No one in particular"), *groups.items()]

        self.helper = gds_helper(self)

    def clean(self):
        cleaned = super().clean()
        organisation, owner = cleaned.get("owner_organisation"), cleaned.get("owner")
        # As in the service: an owner kept from before is not checked again.
        if organisation and owner and {"owner", "owner_organisation"} & set(self.changed_data):
            error = services.owner_error(owner=owner, organisation=organisation)
            if error:
                self.add_error("owner", error)
        due_on = cleaned.get("due_on")
        past = due_on and due_on < timezone.localdate() and "due_on" in self.changed_data
        if past and not cleaned.pop("confirm_past_due", False):
            self.fields["confirm_past_due"].widget = forms.CheckboxInput()
            self.add_error(
                "due_on",
                f"The due date, {due_on:%-d %B %Y}, is in the past. Change it, or tick "
                "“Yes, the due date is in the past” to keep it",
            )
        cleaned.pop("confirm_past_due", None)  # the form's question, not the action's
        return cleaned


def initial_from_query(query, partnership: Partnership) -> dict:
    """Initial values from a link, such as a suggested action on the results page.

    A value that does not fit this partnership is left out rather than shown as an error:
    the person did not type it.
    """
    initial = {}
    try:
        review_code = uuid.UUID(query.get("review", ""))
    except ValueError:
        pass
    else:
        review = partnership.reviews.filter(code=review_code).first()
        if review:
            initial["review"] = review.pk
    number = query.get("principle", "")
    if number.isdigit() and len(number) < 4:
        principle = partnership.framework.principles.filter(number=int(number)).first()
        if principle:
            initial["principle"] = principle.pk
    description = query.get("description", "").strip()
    if description:
        initial["description"] = description[:DESCRIPTION_MAX_LENGTH]
    return initial


class ActionEditForm(ActionForm):
    status = forms.ChoiceField(
        label="Status",
        choices=Action.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the action is open, done or dropped",
            "invalid_choice": "Select whether the action is open, done or dropped",
        },
    )


class ActionFilterForm(forms.Form):
    """The filters of the action list, read from the URL; a value that does not fit is ignored."""

    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="All organisations",
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "All statuses"), *Action.Status.choices],
        required=False,
    )

    def __init__(self, *args, partnership: Partnership, **kwargs):
        super().__init__(*args, **kwargs)
        # Current partners and any former partner that still owns one of the actions.
        self.fields["owner"].queryset = (
            Organisation.objects.filter(
                Q(participations__partnership=partnership, participations__left_on__isnull=True)
                | Q(actions__partnership=partnership)
            )
            .distinct()
            .order_by("name")
        )

    def filters(self) -> dict:
        self.is_valid()
        cleaned = {name: self.cleaned_data.get(name) for name in self.fields}
        return {name: value for name, value in cleaned.items() if value}


def _person(user) -> str:
    name = str(user)
    return name if name == user.email else f"{name} ({user.email})"
