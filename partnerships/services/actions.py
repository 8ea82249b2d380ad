"""Actions the partners agree: added, changed and closed."""

from django.core.exceptions import ValidationError
from django.db import transaction

from organisations.audit import audit, change_and_audit, changes_between
from organisations.models import Membership, Organisation, User
from partnerships.models import Action, Partnership

FIELDS = {"description", "principle", "review", "owner_organisation", "owner", "due_on", "status"}


def owner_error(*, owner: User, organisation: Organisation) -> str | None:
    """Why this person cannot own an action of this organisation, or None if they can."""
    if Membership.objects.filter(user=owner, organisation=organisation).exists():
        return None
    return (
        f"{owner} does not work for {organisation}. Choose someone from {organisation}, "
        "or leave the person blank"
    )


def _reject_unknown(fields: dict) -> None:
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"Unknown action fields: {', '.join(sorted(unknown))}")


def _check(partnership: Partnership, fields: dict, changed: set[str]) -> None:
    """The rules the form's scoped pickers follow, enforced for every caller.

    Only what changes is checked, so an action owned by a partner that has since left can
    still be closed or reworded.
    """
    errors = {}
    if "description" in changed and not fields.get("description", "").strip():
        errors["description"] = "Enter what needs to happen"
    organisation, owner = fields.get("owner_organisation"), fields.get("owner")
    if organisation is None:
        errors["owner_organisation"] = "Select the organisation that owns the action"
    elif (
        "owner_organisation" in changed
        and not partnership.participants.filter(
            organisation=organisation, left_on__isnull=True
        ).exists()
    ):
        errors["owner_organisation"] = f"{organisation} is not a current partner"
    elif owner is not None and {"owner", "owner_organisation"} & changed:
        error = owner_error(owner=owner, organisation=organisation)
        if error:
            errors["owner"] = error
    review = fields.get("review")
    if "review" in changed and review is not None and review.partnership_id != partnership.pk:
        errors["review"] = "Select one of this partnership’s reviews"
    principle = fields.get("principle")
    if (
        "principle" in changed
        and principle is not None
        and principle.framework_id != partnership.framework_id
    ):
        errors["principle"] = "Select one of the principles of this partnership’s framework"
    if fields.get("status", Action.Status.OPEN) not in Action.Status.values:
        errors["status"] = "Select whether the action is open, done or dropped"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_create(*, partnership: Partnership, by: User, **fields) -> Action:
    _reject_unknown(fields)
    _check(partnership, fields, changed=set(FIELDS))
    action = Action.objects.create(partnership=partnership, created_by=by, **fields)
    audit(
        by,
        "action.created",
        action,
        organisation=action.owner_organisation,
        changes=changes_between({}, fields),
    )
    return action


@transaction.atomic
def action_update(*, action: Action, by: User, **fields) -> Action:
    _reject_unknown(fields)
    current = {name: getattr(action, name) for name in FIELDS}
    changed = [name for name, value in fields.items() if current[name] != value]
    _check(action.partnership, {**current, **fields}, changed=set(changed))
    change_and_audit(
        action,
        fields,
        by=by,
        action="action.changed",
        organisation=action.owner_organisation,
    )
    return action


@transaction.atomic
def action_mark_done(*, action: Action, by: User) -> Action:
    change_and_audit(
        action,
        {"status": Action.Status.DONE},
        by=by,
        action="action.done",
        organisation=action.owner_organisation,
    )
    return action
