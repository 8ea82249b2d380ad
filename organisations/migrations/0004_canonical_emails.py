"""Stores every email address in its canonical form (organisations/email_addresses.py), as
sign-in, password reset and invitations now compare them exactly.

An account whose address cannot be kept (a look-alike, such as one with a long s) or whose
canonical form another account's shares stops the migration before anything is changed,
with a list: which account is the person's is for an admin to decide, not for a migration.
Change or erase one of each (the admin's Users, on the release still running), then migrate
again. A pending invitation to a look-alike address is revoked, as is the older of two pending
invitations that become one address; an admin can invite again.
"""

from django.core.exceptions import ValidationError
from django.db import migrations
from django.utils import timezone

from organisations.email_addresses import canonical_email


def _canonical_or_none(email):
    try:
        return canonical_email(email)
    except ValidationError:
        return None


def normalise_emails(apps, schema_editor):
    User = apps.get_model("organisations", "User")
    Invitation = apps.get_model("organisations", "Invitation")

    problems, changes, owners = [], {}, {}
    for pk, email in User.objects.order_by("pk").values_list("pk", "email"):
        canonical = _canonical_or_none(email)
        if canonical is None:
            problems.append(f"user {pk} <{email}>: has look-alike characters")
            continue
        if canonical in owners:
            other_pk, other_email = owners[canonical]
            problems.append(
                f"users {other_pk} <{other_email}> and {pk} <{email}>: "
                f"both are {canonical} once normalised"
            )
            continue
        owners[canonical] = (pk, email)
        if canonical != email:
            changes[pk] = canonical
    if problems:
        raise RuntimeError(
            "Some accounts' email addresses cannot be stored in their canonical form. "
            "Nothing was changed. Change or erase one of each of these, then migrate again:\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )
    for pk, canonical in changes.items():
        User.objects.filter(pk=pk).update(email=canonical)

    now = timezone.now()
    pending = list(
        Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        # Newest first, so the newest of two that become one address is the one kept.
        .order_by("-created_at", "-pk")
    )
    kept = set()
    for invitation in pending:
        canonical = _canonical_or_none(invitation.email)
        if canonical is None or (invitation.organisation_id, canonical) in kept:
            Invitation.objects.filter(pk=invitation.pk).update(revoked_at=now)
            continue
        kept.add((invitation.organisation_id, canonical))
        if canonical != invitation.email:
            Invitation.objects.filter(pk=invitation.pk).update(email=canonical)
    # Accepted and revoked invitations are a record: those that can be are normalised too, so
    # a person's data export finds them by their address.
    done = Invitation.objects.exclude(pk__in=[invitation.pk for invitation in pending])
    for pk, email in done.values_list("pk", "email"):
        canonical = _canonical_or_none(email)
        if canonical is not None and canonical != email:
            Invitation.objects.filter(pk=pk).update(email=canonical)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_user_reminders_opt_out"),
    ]

    operations = [
        migrations.RunPython(normalise_emails, migrations.RunPython.noop),
    ]
