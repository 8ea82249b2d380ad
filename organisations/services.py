import base64
import datetime
import hashlib
import re
import secrets
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.email import email_message

from . import frame, identifiers
from .audit import audit, change_and_audit, changes_between
from .email_addresses import canonical_email
from .models import (
    AuditEvent,
    Invitation,
    Membership,
    MembershipOffer,
    Organisation,
    OrganisationIdentifier,
    Succession,
    User,
)

IMPORTED_FIELDS = ["name", "kind", "region", "active_from", "active_to", "icb"]
KINDS = {
    **{label.lower(): value for value, label in Organisation.Kind.choices},
    **{value: value for value in Organisation.Kind.values},
}
REGIONS = {value.lower(): value for value in Organisation.Region.values}
# NHS England's region codes, as ODS extracts give them (docs/registers.md).
REGIONS |= {
    "y56": "London",
    "y58": "South West",
    "y59": "South East",
    "y60": "Midlands",
    "y61": "East of England",
    "y62": "North West",
    "y63": "North East and Yorkshire",
}
Scheme = OrganisationIdentifier.Scheme
# Columns that hold one identifier of a known scheme, as registers name them.
SCHEME_OF_COLUMN = {
    "ods_code": Scheme.ODS,
    "company_number": Scheme.COH,
    "ccew_number": Scheme.CCEW,
    "oscr_number": Scheme.OSCR,
    "ccni_number": Scheme.CCNI,
    "new_number": Scheme.CCEW,  # the Charity Commission's re-registrations
    "old_number": Scheme.CCEW,
}
# Columns that hold org-ids (GB-CHC-1159029, GB-MPR-30621R).
ORG_ID_COLUMNS = ["org_id", "charity_org_id", "company_org_id", "mutual_id"]
# The one identifier of each kind an organisation's own row holds; the others it has are
# OrganisationIdentifier rows.
FIELD_OF_SCHEME = {
    Scheme.ODS: "ods_code",
    Scheme.CCEW: "charity_number",
    Scheme.OSCR: "charity_number",
    Scheme.CCNI: "charity_number",
    Scheme.COH: "company_number",
}


def _imported_values(row: dict) -> dict:
    """The row's values, other than identifiers, for the columns it has, as stored."""
    values = {field: (row[field] or "").strip() for field in IMPORTED_FIELDS if field in row}
    for field in ("active_from", "active_to"):
        if field in values:
            values[field] = _date(values[field], field)
    if "icb" in values:
        values["icb"] = _icb(values["icb"])
    # A blank kind keeps the organisation's kind (ICB for a new one). An unknown kind or
    # region is left as given, for full_clean to reject on its field.
    kind = values.pop("kind", "")
    if kind:
        values["kind"] = KINDS.get(kind.lower(), kind)
    if values.get("region"):
        values["region"] = REGIONS.get(values["region"].lower(), values["region"])
    return values


def row_identifiers(row: dict) -> list[tuple[str, str, str]]:
    """(column, scheme, value) of each identifier the row gives, normalised and checked by
    its register's rules; raises ValidationError by column for a bad one.

    A charity number's regulator is the row's charity_regulator, else its form's
    (identifiers.regulator_of). CCNI's company number 0 is no company. An org-id of a scheme
    not read here is left out.
    """
    found, errors = [], {}

    def add(column, scheme, value):
        value = identifiers.normalise_identifier(scheme, value)
        try:
            identifiers.validate_identifier(scheme, value)
        except ValidationError as error:
            errors[column] = error.messages
        else:
            found.append((column, scheme, value))

    for column, scheme in SCHEME_OF_COLUMN.items():
        value = identifiers.normalise(row.get(column) or "")
        if column == "company_number" and value.strip("0") == "":
            continue  # CCNI writes 0 for no company
        if value:
            add(column, scheme, value)
    number = identifiers.normalise(row.get("charity_number") or "")
    regulator = identifiers.normalise(row.get("charity_regulator") or "")
    if number:
        regulator = regulator or identifiers.regulator_of(number)
        if regulator not in identifiers.CHARITY_SCHEMES:
            errors["charity_regulator"] = [
                "Enter the charity's regulator: CCEW, OSCR or CCNI."
                if regulator
                else "Select the regulator the charity is registered with."
            ]
        else:
            add("charity_number", regulator, number)
    elif regulator and regulator not in identifiers.CHARITY_SCHEMES:
        errors["charity_regulator"] = ["Enter the charity's regulator: CCEW, OSCR or CCNI."]
    for column in ORG_ID_COLUMNS:
        parsed = identifiers.parse_org_id(row.get(column) or "")
        if parsed:
            add(column, *parsed)
    if errors:
        raise ValidationError(errors)
    return found


def organisations_holding(scheme: str, value: str):
    """The organisations that hold an identifier, on their row or among their others."""
    field = FIELD_OF_SCHEME.get(scheme)
    held = Q(other_identifiers__scheme=scheme, other_identifiers__value=value)
    if field == "charity_number":
        held |= Q(charity_regulator=scheme, charity_number=value)
    elif field:
        held |= Q(**{field: value})
    return Organisation.objects.filter(held).distinct()


def _date(value: str, field: str) -> datetime.date | None:
    """YYYY-MM-DD, YYYYMMDD as ODS extracts write dates, or DD/MM/YYYY as Companies House
    and OSCR do; a time after the date (the Charity Commission's) is left out; blank is none."""
    value = value.strip()
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{8}", value, re.ASCII):
            return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if re.fullmatch(r"\d{2}/\d{2}/\d{4}", value, re.ASCII):
            day, month, year = value.split("/")
            return datetime.date(int(year), int(month), int(day))
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise ValidationError(
            {field: "Enter the date as YYYY-MM-DD or YYYYMMDD, like 2026-04-01."}
        ) from None


def _icb(code: str) -> Organisation | None:
    """The ICB of an ODS code (ODS extracts link each body to its ICB); unknown: none. An
    ICB that has ended is followed to the one that succeeded it, as the area now is."""
    code = identifiers.normalise(code)
    if not code:
        return None
    icb = Organisation.objects.filter(ods_code=code, kind=Organisation.Kind.ICB).first()
    seen = set()
    while icb is not None and icb.successor_id and icb.pk not in seen:
        if icb.active_to is None or icb.active_to >= timezone.localdate():
            break
        seen.add(icb.pk)
        icb = icb.successor
    return icb


@transaction.atomic
def organisation_import_row(*, row: dict, create: bool = True) -> str:
    """Create or update one organisation from a CSV row keyed by column name.

    Only the columns the row has are written. The organisation is the one holding any of
    the row's identifiers; each identifier it does not hold yet is added (on its row when
    that kind is empty there, else among its others), so a charity registered in England and
    Wales and in Scotland is one organisation with both numbers. A re-registration
    (old_number, new_number) makes the new number the charity's and keeps the old one.
    Returns "created", "updated", "unchanged", or "not here" when no organisation holds them
    and `create` is false (a file with no names); raises ValidationError naming the column
    when the row is bad.
    """
    held = row_identifiers(row)
    values = _imported_values(row)
    if not held:
        raise ValidationError(
            {
                "ods_code": "Enter an ODS code, a charity number or a company number to "
                "identify the organisation."
            }
        )
    found = {}
    for _, scheme, value in held:
        for organisation in organisations_holding(scheme, value):
            found.setdefault(organisation.pk, organisation)
    if len(found) > 1:
        first, second = list(found.values())[:2]
        raise ValidationError(
            f"The identifiers on this line belong to two organisations here, {first.name} and "
            f"{second.name}: record the one's succession by the other from its page, then "
            "import the line again."
        )
    organisation = next(iter(found.values()), None)
    if organisation is None and not create:
        return "not here"
    if organisation is None:
        # Without a kind: an ODS code is an ICB's (as the import began with), a charity
        # number a charity's, a company number alone some other body's.
        schemes = {scheme for _, scheme, _ in held}
        kind = Organisation.Kind.ICB
        if Scheme.ODS not in schemes:
            charity = schemes & set(identifiers.CHARITY_SCHEMES)
            kind = Organisation.Kind.CHARITY if charity else Organisation.Kind.OTHER
        organisation = Organisation(kind=kind)

    others = _place_identifiers(organisation, held, values)
    changed = [field for field, value in values.items() if getattr(organisation, field) != value]
    before = {} if organisation.pk is None else {f: getattr(organisation, f) for f in changed}
    for field in changed:
        setattr(organisation, field, values[field])
    organisation.full_clean()

    if organisation.pk is None:
        organisation.save()
        result = "created"
    elif not changed and not others:
        return "unchanged"
    else:
        # An identifier added is a change too, for those who read what changed since.
        organisation.save(update_fields=[*changed, "updated_at"])
        result = "updated"
    for scheme, value, former in others:
        OrganisationIdentifier.objects.update_or_create(
            scheme=scheme,
            value=value,
            defaults={"organisation": organisation, "former": former},
        )
    changes = changes_between(before, {field: getattr(organisation, field) for field in changed})
    if others:
        changes["other_identifiers"] = [None, [f"{s} {v}" for s, v, _ in others]]
    audit(
        None,
        "organisation.imported",
        organisation,
        organisation=organisation,
        changes={"result": result, **changes},
    )
    return result


def _place_identifiers(organisation: Organisation, held: list, values: dict) -> list:
    """Puts each identifier of the row where it belongs, setting the organisation's own
    fields in `values`; returns (scheme, value, former) of those to keep among its others
    that it does not hold there yet, or holds with another `former`."""
    theirs = {}
    if organisation.pk is not None:
        theirs = {(o.scheme, o.value): o.former for o in organisation.other_identifiers.all()}
    others = []

    def keep_other(scheme, value, former):
        if theirs.get((scheme, value)) != former and (scheme, value, former) not in others:
            others.append((scheme, value, former))

    def own(scheme):
        field = FIELD_OF_SCHEME.get(scheme)
        if field is None:
            return None, ""
        current = values.get(field, getattr(organisation, field))
        if field == "charity_number":
            regulator = values.get("charity_regulator", organisation.charity_regulator)
            return field, (regulator, current) if current else ""
        return field, current

    def take(field, scheme, value):
        values[field] = value
        if field == "charity_number":
            values["charity_regulator"] = scheme

    # A re-registration's new number is the charity's from now on; the old one is kept.
    new = [(s, v) for column, s, v in held if column == "new_number"]
    for column, scheme, value in held:
        if column == "old_number":
            keep_other(scheme, value, True)
            continue
        field, current = own(scheme)
        mine = (scheme, value) if field == "charity_number" else value
        if field is None:
            keep_other(scheme, value, False)
        elif current == mine:
            continue
        elif (scheme, value) in new and current:
            old_scheme, old_value = current if field == "charity_number" else (scheme, current)
            keep_other(old_scheme, old_value, True)
            take(field, scheme, value)
            others[:] = [o for o in others if (o[0], o[1]) != (scheme, value)]
            if (scheme, value) in theirs:
                OrganisationIdentifier.objects.filter(scheme=scheme, value=value).delete()
        elif not current and (scheme, value) not in theirs:
            take(field, scheme, value)
        else:
            keep_other(scheme, value, theirs.get((scheme, value), False))
    return others


# Successions: recorded here; partnerships.services.successions carries them out.

SUCCESSORS_OF_KIND = {
    # kind: (fewest, most) successors
    Succession.Kind.MERGER: (1, 1),
    Succession.Kind.ACQUISITION: (1, 1),
    Succession.Kind.RENAME: (1, 1),
    Succession.Kind.SPLIT: (2, None),
    Succession.Kind.DISSOLUTION: (0, 0),
}
SUCCESSOR_COUNT_RULE = {
    Succession.Kind.MERGER: "A merger names the one organisation the predecessor joins.",
    Succession.Kind.ACQUISITION: "An acquisition names the one organisation that takes it over.",
    Succession.Kind.RENAME: "A rename names the one organisation under its new name.",
    Succession.Kind.SPLIT: "A split names at least two successors.",
    Succession.Kind.DISSOLUTION: "A dissolution has no successor.",
}


def succession_check(
    *, predecessor: Organisation, kind: str, takes_effect_on, successors: list
) -> None:
    """Raises ValidationError, by field, when the succession cannot be recorded as given."""
    errors = {}
    if kind not in Succession.Kind.values:
        errors["kind"] = "Select merger, acquisition, split, rename or dissolution."
    else:
        fewest, most = SUCCESSORS_OF_KIND[kind]
        if len(successors) < fewest or (most is not None and len(successors) > most):
            errors["successors"] = SUCCESSOR_COUNT_RULE[kind]
    if any(successor.pk == predecessor.pk for successor in successors):
        errors["successors"] = f"{predecessor.name} cannot succeed itself."
    ended = [s.name for s in successors if s.active_to and s.active_to < takes_effect_on]
    if ended and "successors" not in errors:
        errors["successors"] = f"{ended[0]} has ended by then: choose a body that carries on."
    if predecessor.active_from and takes_effect_on <= predecessor.active_from:
        errors["takes_effect_on"] = (
            f"{predecessor.name} began on {predecessor.active_from:%-d %B %Y}: "
            "the date must be after that."
        )
    done = Succession.objects.filter(predecessor=predecessor, carried_out_at__isnull=False)
    if done.exists():
        errors[NON_FIELD_ERRORS] = (
            f"The succession of {predecessor.name} has already been carried out and cannot change."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def succession_record(
    *,
    predecessor: Organisation,
    kind: str,
    takes_effect_on: datetime.date,
    successors: list[Organisation],
    by: User | None,
) -> tuple[Succession, str]:
    """Records (or corrects, until it is carried out) the succession of `predecessor`.

    The predecessor's last day becomes the day before; its single successor is kept on the
    organisation too. Returns the succession and "created", "updated" or "unchanged", so an
    import run twice changes nothing the second time.
    """
    succession = Succession.objects.filter(predecessor=predecessor).first()
    wanted = sorted(s.pk for s in successors)
    if succession is not None and (
        (succession.kind, succession.takes_effect_on) == (kind, takes_effect_on)
        and sorted(succession.successors.values_list("pk", flat=True)) == wanted
    ):
        return succession, "unchanged"
    succession_check(
        predecessor=predecessor, kind=kind, takes_effect_on=takes_effect_on, successors=successors
    )
    if succession is None:
        succession = Succession.objects.create(
            predecessor=predecessor, kind=kind, takes_effect_on=takes_effect_on, recorded_by=by
        )
        result, before = "created", {}
    else:
        before = {
            "kind": succession.kind,
            "takes_effect_on": succession.takes_effect_on,
            "successors": sorted(succession.successors.values_list("pk", flat=True)),
        }
        succession.kind, succession.takes_effect_on = kind, takes_effect_on
        succession.save(update_fields=["kind", "takes_effect_on"])
        result = "updated"
    succession.successors.set(successors)

    last_day = takes_effect_on - datetime.timedelta(days=1)
    predecessor.active_to = last_day
    predecessor.successor = successors[0] if len(successors) == 1 else None
    predecessor.save(update_fields=["active_to", "successor", "updated_at"])
    audit(
        by,
        f"succession.{result}",
        succession,
        organisation=predecessor,
        changes=changes_between(
            before,
            {"kind": kind, "takes_effect_on": takes_effect_on, "successors": wanted},
        ),
    )
    return succession, result


def membership_offers_make(*, succession: Succession) -> int:
    """Offers each of the predecessor's members the same role at each successor.

    Called by the carrying out, inside its transaction; someone already a member of a
    successor is not offered it. Returns how many offers were made.
    """
    successors = list(succession.successors.all())
    members = Membership.objects.filter(organisation=succession.predecessor).select_related(
        "user", "organisation"
    )
    already = set(
        Membership.objects.filter(organisation__in=successors).values_list(
            "user_id", "organisation_id"
        )
    )
    offers = [
        MembershipOffer(succession=succession, user=m.user, organisation=successor, role=m.role)
        for m in members
        if m.user.is_active
        for successor in successors
        if (m.user_id, successor.pk) not in already
    ]
    made = len(MembershipOffer.objects.bulk_create(offers, ignore_conflicts=True))
    for membership in members:
        if any((membership.user_id, successor.pk) in already for successor in successors):
            _end_predecessor_membership(membership, by=None)
    return made


def _end_predecessor_membership(membership: Membership, *, by: User | None) -> None:
    """A member of a body that has ended, who is now a member of a body that succeeded it,
    stops being a member of the ended one: it gives no access after its last day. Its
    history stays: the offer (who was offered what role where, and when it was accepted) and
    the audit trail, which records the role they had."""
    audit(
        by,
        "membership.ended_by_succession",
        membership.user,
        organisation=membership.organisation,
        changes={"role": [membership.role, None]},
    )
    membership.delete()
    user_roles_changed(user=membership.user)


@transaction.atomic
def membership_offers_accept(*, offers, by: User) -> int:
    """Makes each offered person a member of the successor with the role they had, and no
    longer a member of the predecessor once it has ended (_end_predecessor_membership).

    An offer already accepted, or for someone who has since become a member, changes no
    membership. Returns how many people became members.
    """
    made = 0
    now = timezone.now()
    for offer in (
        MembershipOffer.objects.select_for_update()
        .filter(pk__in=[o.pk for o in offers], accepted_at__isnull=True)
        .select_related("user", "organisation", "succession__predecessor")
    ):
        _, created = Membership.objects.get_or_create(
            user=offer.user, organisation=offer.organisation, defaults={"role": offer.role}
        )
        offer.accepted_at, offer.accepted_by = now, by
        offer.save(update_fields=["accepted_at", "accepted_by"])
        predecessor = offer.succession.predecessor
        if predecessor.active_to is not None and predecessor.active_to < timezone.localdate():
            for membership in Membership.objects.filter(
                user=offer.user, organisation=predecessor
            ).select_related("user", "organisation"):
                _end_predecessor_membership(membership, by=by)
        if created:
            made += 1
            user_roles_changed(user=offer.user)
            audit(
                by,
                "membership.offer_accepted",
                offer.user,
                organisation=offer.organisation,
                changes={"role": [None, offer.role]},
            )
    return made


# People: invitations, roles and removal.

INVITATION_LIFETIME = datetime.timedelta(days=7)
# For sentences: "join Riverside Mind as a viewer".
ROLE_WITH_ARTICLE = {
    Membership.Role.ADMIN: "an admin",
    Membership.Role.EDITOR: "an editor",
    Membership.Role.VIEWER: "a viewer",
}


def invitation_token_hash(token: str) -> str:
    """What is stored for a token: the link's token is only ever in the email."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invitation_status(invitation: Invitation) -> str:
    """One of "pending", "accepted", "revoked" and "expired"."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "pending"


def _pending_invitations(organisation: Organisation, email: str):
    return organisation.invitations.filter(
        email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )


@transaction.atomic
def invitation_send(*, organisation: Organisation, email: str, role: str, by: User) -> Invitation:
    """Invites a person by email; a pending invitation to the same address is revoked.

    The email goes out once the invitation is committed. It raises SMTPException or OSError
    if the mail server refuses it; the invitation stays, and inviting again sends a new link.
    """
    # Serialises invitations to one organisation, so two at once cannot both be pending.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    try:
        email = canonical_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error}) from None
    if organisation.memberships.filter(user__email=email).exists():
        raise ValidationError(
            {"email": f"{email} is already a member of {organisation}. Change their role instead."}
        )
    now = timezone.now()
    for earlier in _pending_invitations(organisation, email):
        earlier.revoked_at = now
        earlier.save(update_fields=["revoked_at"])
        audit(by, "invitation.revoked", earlier, organisation=organisation)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=by,
        expires_at=now + INVITATION_LIFETIME,
    )
    audit(
        by,
        "membership.invited",
        invitation,
        organisation=organisation,
        changes={"email": [None, email], "role": [None, role]},
    )
    transaction.on_commit(lambda: _invitation_email(invitation, token).send())
    return invitation


def _invitation_email(invitation: Invitation, token: str) -> EmailMultiAlternatives:
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "role": ROLE_WITH_ARTICLE[invitation.role],
        "inviter": (inviter.get_full_name() or inviter.email) if inviter else "An administrator",
        "link": settings.SITE_URL
        + reverse("organisations:accept_invitation", kwargs={"token": token}),
    }
    return email_message("invitation", context, to=[invitation.email])


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit(by, "invitation.revoked", invitation, organisation=invitation.organisation)
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    current_password: str | None = None,
) -> Membership:
    """Joins the invited person to the organisation; the invitation then never works again.

    Accounts are matched to the invitation by the canonical address alone. `user` is the
    signed-in account of that address. Without one, a new account is made with the name and
    `password` given. A deactivated account of the address comes back only with its own
    `current_password` (a password reset gives a forgotten one): the link proves that someone
    reads the address's email, not that the account is theirs, so it never reactivates or
    re-passwords an account by itself.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=invitation.pk)
    )
    status = invitation_status(invitation)
    if status != "pending":
        raise ValidationError(INVITATION_PROBLEMS[status].format(invitation=invitation))
    # Stored addresses are canonical (email_addresses.py): a look-alike matches no account.
    existing = User.objects.filter(email=invitation.email).first()
    if user is not None:
        if user.email != invitation.email:
            raise ValidationError(f"This invitation is for {invitation.email}.")
    elif existing is not None and existing.is_active:
        raise ValidationError(
            f"There is already an account for {invitation.email}. Sign in to accept."
        )
    elif existing is not None:
        if not current_password or not existing.check_password(current_password):
            raise ValidationError(WRONG_ACCOUNT_PASSWORD, code="wrong_password")
        user = existing
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit(
            user,
            "user.reactivated",
            user,
            organisation=invitation.organisation,
            changes={"is_active": [False, True], "invitation": [None, invitation.pk]},
        )
    else:
        user = User.objects.create_user(
            email=invitation.email, password=password, first_name=first_name, last_name=last_name
        )
    organisation = invitation.organisation
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        user_roles_changed(user=user)
        audit(
            user,
            "membership.joined",
            user,
            organisation=organisation,
            changes={"role": [None, membership.role], "invitation": [None, invitation.pk]},
        )
    return membership


WRONG_ACCOUNT_PASSWORD = (
    "The password is not right. Enter the password you used with this account, "
    "or reset it if you have forgotten it"
)
INVITATION_PROBLEMS = {
    "accepted": "This invitation has already been used.",
    "revoked": "This invitation was cancelled. Ask {invitation.organisation} for a new one.",
    "expired": "This invitation has expired. Ask {invitation.organisation} for a new one.",
}


def user_roles_changed(*, user: User) -> None:
    """Says that the person's roles changed: each of their signed-in sessions works out again,
    on its next request, whether two-factor authentication is needed."""
    User.objects.filter(pk=user.pk).update(roles_version=F("roles_version") + 1)
    frame.invalidate(user.pk)  # update() sends no signal for the frame's own handlers


def _refuse_to_leave_without_admin(membership: Membership) -> None:
    """An organisation keeps at least one admin, so someone can always manage its people."""
    if membership.role != Membership.Role.ADMIN:
        return
    # Locking the admins makes two admins demoting each other at once take turns.
    admins = list(
        Membership.objects.select_for_update()
        .filter(organisation_id=membership.organisation_id, role=Membership.Role.ADMIN)
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        raise ValidationError(
            f"{membership.user} is the only admin of {membership.organisation}. "
            "Make someone else an admin first."
        )


@transaction.atomic
def person_set_reminders(*, user: User, opt_out: bool) -> User:
    """Turns a person's non-essential reminders off (opt_out=True) or back on; which are
    essential is partnerships/services/reminders.py's to say."""
    change_and_audit(
        user, {"reminders_opt_out": opt_out}, by=user, action="person.reminders_changed"
    )
    return user


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError("Select admin, editor or viewer.")
    if membership.role == role:
        return membership
    if role != Membership.Role.ADMIN:
        _refuse_to_leave_without_admin(membership)
    _membership_change(membership, {"role": role}, by=by, action="membership.role_changed")
    user_roles_changed(user=membership.user)
    return membership


@transaction.atomic
def membership_set_vcse_lead(*, membership: Membership, lead: bool, by: User) -> Membership:
    """Names (or stops naming) the person an ICB's concerns are escalated to; one per ICB,
    so naming someone replaces whoever was named before."""
    if lead and membership.organisation.kind != Organisation.Kind.ICB:
        raise ValidationError("Only an ICB has a VCSE partnership lead.")
    if membership.vcse_partnership_lead == lead:
        return membership
    if lead:
        for previous in Membership.objects.select_for_update().filter(
            organisation=membership.organisation, vcse_partnership_lead=True
        ):
            _membership_change(
                previous, {"vcse_partnership_lead": False}, by=by, action=VCSE_LEAD_CHANGED
            )
    _membership_change(membership, {"vcse_partnership_lead": lead}, by=by, action=VCSE_LEAD_CHANGED)
    return membership


VCSE_LEAD_CHANGED = "membership.vcse_lead_changed"


def _membership_change(membership: Membership, values: dict, *, by: User, action: str) -> None:
    """A change to a membership, recorded as one about its person, in its organisation."""
    change_and_audit(
        membership,
        values,
        by=by,
        action=action,
        target=membership.user,
        organisation=membership.organisation,
    )


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> User:
    """Takes a person out of an organisation and signs them out everywhere.

    With no organisation left the account is deactivated, so they cannot sign in again;
    a platform admin's account does not depend on memberships and stays.
    """
    _refuse_to_leave_without_admin(membership)
    user, organisation, role = membership.user, membership.organisation, membership.role
    membership.delete()
    user_roles_changed(user=user)
    changes = {"role": [role, None]}
    alone = not Membership.objects.filter(user=user).exists()
    if alone and user.is_active and not user.is_staff:
        user.is_active = False
        user.save(update_fields=["is_active"])
        changes["is_active"] = [True, False]
    changes["sessions_ended"] = [None, sessions_end_for(user=user)]
    audit(by, "membership.removed", user, organisation=organisation, changes=changes)
    return user


CACHED_DB_SESSIONS = "django.contrib.sessions.backends.cached_db"


@transaction.atomic
def sessions_end_for(*, user: User) -> int:
    """Deletes every session of the user from the database session store; returns how many.

    The store keeps the user id inside each session's encoded data, so each live session is
    decoded in Python: a scan of the table. Sessions expire within 12 hours, so the table holds
    only the last half day's sign-ins and the scan stays small; a removal is rare.
    """
    user_id = str(user.pk)
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        .only("session_key", "session_data")
        .iterator(chunk_size=500)
        if session.get_decoded().get(SESSION_KEY) == user_id
    ]
    if ended:
        Session.objects.filter(session_key__in=ended).delete()
        # Where sessions are also kept in the shared cache (config/settings.py), they leave
        # it too, or a process reading the cache would still find them: now, and again once
        # the deletion commits, in case a request read the row back in between.
        if settings.SESSION_ENGINE == CACHED_DB_SESSIONS:
            prefix = import_module(CACHED_DB_SESSIONS).KEY_PREFIX
            cache = caches[settings.SESSION_CACHE_ALIAS]
            keys = [prefix + key for key in ended]
            cache.delete_many(keys)
            transaction.on_commit(lambda: cache.delete_many(keys))
    return len(ended)


# Personal data: what is held about a person, and erasing them.


def _when(value):
    return value.isoformat() if value is not None else None


# What other apps hold about a person, for person_export: functions of the person giving
# JSON-ready sections by name. The apps add theirs as they load (partnerships/apps.py), so
# organisations never needs to know of them.
PERSONAL_DATA: list[Callable[[User], dict]] = []


@transaction.atomic
def person_export(*, person: User, by: User) -> dict:
    """Everything held about a person, as JSON-ready data, for a subject access request."""
    invitations = Invitation.objects.select_related("organisation")
    events = AuditEvent.objects.filter(
        Q(actor=person) | Q(object_type=User._meta.label_lower, object_id=str(person.pk))
    ).select_related("organisation")
    data = {
        "exported_at": _when(timezone.now()),
        "exported_by": by.email,
        "person": {
            "id": person.pk,
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "is_active": person.is_active,
            "is_staff": person.is_staff,
            "is_superuser": person.is_superuser,
            "has_password": person.has_usable_password(),
            "date_joined": _when(person.date_joined),
            "last_login": _when(person.last_login),
        },
        "memberships": [
            {
                "organisation": str(m.organisation),
                "organisation_code": str(m.organisation.code),
                "role": m.role,
                "since": _when(m.created_at),
            }
            for m in person.memberships.select_related("organisation")
        ],
        "invitations_sent": [_invitation_data(i) for i in invitations.filter(invited_by=person)],
        "invitations_received": [
            _invitation_data(i)
            for i in invitations.filter(Q(email=person.email) | Q(accepted_by=person))
        ],
        # What the apps above this one hold about the person, each under its own names.
        **{name: data for held in PERSONAL_DATA for name, data in held(person).items()},
        "audit_events": [
            {
                "at": _when(e.at),
                "action": e.action,
                "actor_email": e.actor_email,
                "organisation": str(e.organisation) if e.organisation else None,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "object_repr": e.object_repr,
                "changes": e.changes,
                "ip_address": e.ip_address,
            }
            for e in events.order_by("at", "id")
        ],
    }
    audit(by, "person.exported", person)
    return data


def _invitation_data(invitation: Invitation) -> dict:
    return {
        "organisation": str(invitation.organisation),
        "email": invitation.email,
        "role": invitation.role,
        "created_at": _when(invitation.created_at),
        "expires_at": _when(invitation.expires_at),
        "accepted_at": _when(invitation.accepted_at),
        "revoked_at": _when(invitation.revoked_at),
    }


ERASED_NAME = "Erased"


@transaction.atomic
def person_erase(*, person: User, by: User) -> User:
    """Erases a person: their name and email are replaced and they can no longer sign in.

    Their memberships go, their sessions end, and invitations to their address are revoked
    and readdressed. What their organisations hold stays (assessments they submitted,
    actions they own or created), now showing the erased name.

    The audit trail is the one record not rewritten: its events keep `actor_email` as it
    was written. A trail that could be edited afterwards would prove nothing, and it is
    append-only in the database for the same reason.
    """
    if person.pk == by.pk:
        raise ValidationError("You cannot erase your own account. Ask another admin.")
    person = User.objects.select_for_update().get(pk=person.pk)
    old_email = person.email
    person.first_name = person.last_name = ERASED_NAME
    person.email = f"erased-{person.pk}@erased.invalid"
    person.set_unusable_password()
    person.is_active = False
    person.save(update_fields=["first_name", "last_name", "email", "password", "is_active"])
    memberships, _ = Membership.objects.filter(user=person).delete()
    addressed = Invitation.objects.filter(email=old_email)
    # Revoked first: the one-pending-invitation constraint is per address.
    addressed.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    invitations = addressed.update(email=person.email)
    audit(
        by,
        "person.erased",
        person,
        changes={
            "memberships_removed": memberships,
            "invitations_readdressed": invitations,
            "sessions_ended": sessions_end_for(user=person),
        },
    )
    return person


# Two-factor authentication ----------------------------------------------------------------
#
# Required for platform admins and organisation admins and open to everyone. The session
# remembers the outcome of sign-in (STATE), so ordinary pages cost no extra query, and works
# it out again on the first request after the person's roles change (User.roles_version).
# Recovery codes are stored only as hashes and shown once, when they are made.

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

# Session keys. Verification is stored under django-otp's own key.
STATE = "two_factor"
ROLES_VERSION = "two_factor_roles_version"  # the User.roles_version STATE was worked out for


class State:
    NOT_NEEDED = "not_needed"  # no authenticator app, and not required
    VERIFY = "verify"  # has an app: must give a code
    SET_UP = "set_up"  # required, and has no app yet


def two_factor_required(user) -> bool:
    return (
        user.is_staff
        or user.is_superuser
        or user.memberships.filter(role=Membership.Role.ADMIN).exists()
    )


def app_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def state_for(user) -> str:
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return State.VERIFY
    return State.SET_UP if two_factor_required(user) else State.NOT_NEEDED


def is_verified(session) -> bool:
    return bool(session.get(DEVICE_ID_SESSION_KEY))


def mark_verified(session, device) -> None:
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[STATE] = State.VERIFY


def recovery_code_hash(code: str) -> str:
    """What is stored for a recovery code: the code itself is only ever on the page that
    showed it once.

    A code is 80 random bits, so a fast hash is enough, as for invitation tokens: 80 bits of
    SHA-256 fit django-otp's 16-character token column, and finding a code with the same hash
    is as hard as guessing one. (Codes made before hashing were django-otp's 40 bits: the
    README asks people to make new ones.)
    """
    digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def _replace_recovery_codes(user) -> list[str]:
    device = StaticDevice.objects.filter(user=user).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    # 80 bits each, twice django-otp's own, so that a copy of the table cannot be searched
    # for the codes behind the hashes.
    codes = [
        base64.b32encode(secrets.token_bytes(10)).decode().lower()
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_hash(code)) for code in codes
    )
    return codes


@transaction.atomic
def two_factor_turn_on(
    *, user, key: str, last_t: int = -1, confirmed_with: str | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Makes the app with this key the person's only one, with a fresh set of recovery codes;
    returns the device and the codes, to be shown once.

    `last_t` is the time step of the code that proved the app, so that code cannot be used
    again to sign in. `confirmed_with` says how the person confirmed it was them before
    replacing an app they had ("password" or "code").
    """
    replacing = TOTPDevice.objects.filter(user=user).exists()
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, key=key, name=APP_DEVICE_NAME, confirmed=True, last_t=last_t
    )
    codes = _replace_recovery_codes(user)
    if replacing:
        audit(user, "user.two_factor_replaced", user, changes={"confirmed_with": confirmed_with})
    else:
        audit(user, "user.two_factor_turned_on", user)
    return device, codes


@transaction.atomic
def recovery_codes_replace(*, user, confirmed_with: str) -> list[str]:
    codes = _replace_recovery_codes(user)
    audit(user, "user.recovery_codes_replaced", user, changes={"confirmed_with": confirmed_with})
    return codes


@transaction.atomic
def two_factor_turn_off(*, user, confirmed_with: str) -> None:
    if two_factor_required(user):
        raise PermissionDenied(
            "Platform admins and organisation admins must keep two-factor authentication on."
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit(user, "user.two_factor_turned_off", user, changes={"confirmed_with": confirmed_with})
