import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from . import identifiers
from .email_addresses import canonical_email


class EmailUserManager(UserManager):
    """Users sign in with their email address; there is no username.

    Addresses are stored and compared in their canonical form (email_addresses.py).
    """

    @classmethod
    def normalize_email(cls, email):
        # Raises ValidationError for a look-alike address: no account is made for one.
        return canonical_email(email or "")

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        try:
            email = canonical_email(username)
        except ValidationError:
            raise self.model.DoesNotExist from None
        return self.get(email=email)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    # Turns off the reminders a person can do without; the essential ones still come
    # (partnerships/services/reminders.py; organisations/forms.py, ESSENTIAL_TEXT).
    reminders_opt_out = models.BooleanField("only essential reminders", default=False)
    # Moves on whenever the person's roles change (services.user_roles_changed), so each of
    # their signed-in sessions works out again, on its next request, whether two-factor is
    # needed (organisations/middleware.py): a viewer made an admin sets it up first.
    roles_version = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()

    class Meta:
        ordering = ["first_name", "last_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    @classmethod
    def normalize_username(cls, username):
        # Django's own is NFKC alone, which would quietly fold a look-alike (a long ſ to s)
        # where the canonical form refuses it: a model form (the admin's) calls this first.
        return canonical_email(username or "")


class Side(models.TextChoices):
    NHS = "nhs", "NHS"
    LOCAL_GOVERNMENT = "local_government", "Local government"
    VCSE = "vcse", "Voluntary, community and social enterprise"
    OTHER = "other", "Other"


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members see their own organisations; partners see each other's profile."""
        if user.is_staff:
            return self
        mine = Organisation.objects.filter(memberships__user=user).values("pk")
        partners = Organisation.objects.filter(
            participations__left_on__isnull=True,
            participations__partnership__participants__left_on__isnull=True,
            participations__partnership__participants__organisation__memberships__user=user,
        ).values("pk")
        # Two subqueries, not one with "or" between its two chains of joins: that made
        # PostgreSQL join every membership to every participation in the country (190 ms at
        # 10,000 partnerships, where each of these takes a few).
        return self.filter(Q(pk__in=mine) | Q(pk__in=partners))

    def of_side(self, side):
        return self.filter(kind__in=[k for k, s in Organisation.SIDE_OF_KIND.items() if s == side])

    def search(self, text: str):
        """Organisations by part of their name, or by an ODS code, charity number or company
        number typed in full (with spaces or in lower case, as people paste them)."""
        text = " ".join(text.split())
        if not text:
            return self.none()
        code = identifiers.normalise(text)
        return self.filter(
            Q(name__icontains=text)
            | Q(ods_code=code)
            | Q(charity_number=code)
            | Q(company_number=code)
            | Q(pk__in=OrganisationIdentifier.objects.filter(value=code).values("organisation"))
        ).order_by("name", "pk")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ICB = "icb", "Integrated Care Board"
        NHS_TRUST = "nhs_trust", "NHS trust"
        PRIMARY_CARE = "primary_care", "Primary care"
        CSU = "csu", "Commissioning support unit"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        CHARITY = "charity", "Charity"
        SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise"
        COMMUNITY_GROUP = "community_group", "Community group"
        OTHER = "other", "Other"

    SIDE_OF_KIND = {
        Kind.ICB: Side.NHS,
        Kind.NHS_TRUST: Side.NHS,
        Kind.PRIMARY_CARE: Side.NHS,
        Kind.CSU: Side.NHS,
        Kind.LOCAL_AUTHORITY: Side.LOCAL_GOVERNMENT,
        Kind.CHARITY: Side.VCSE,
        Kind.SOCIAL_ENTERPRISE: Side.VCSE,
        Kind.COMMUNITY_GROUP: Side.VCSE,
        Kind.OTHER: Side.OTHER,
    }

    class Regulator(models.TextChoices):
        CCEW = "CCEW", "Charity Commission for England and Wales"
        OSCR = "OSCR", "Scottish Charity Regulator (OSCR)"
        CCNI = "CCNI", "Charity Commission for Northern Ireland"

    class Region(models.TextChoices):
        EAST_OF_ENGLAND = "East of England"
        LONDON = "London"
        MIDLANDS = "Midlands"
        NORTH_EAST_AND_YORKSHIRE = "North East and Yorkshire"
        NORTH_WEST = "North West"
        SOUTH_EAST = "South East"
        SOUTH_WEST = "South West"

    class Nation(models.TextChoices):
        # Bank holidays differ by nation: a concern's working-day deadlines follow them.
        ENGLAND = "england", "England"
        SCOTLAND = "scotland", "Scotland"
        WALES = "wales", "Wales"
        NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"

    class IncomeBand(models.TextChoices):
        # NCVO's bands by annual income.
        MICRO = "micro", "Micro (under £10,000)"
        SMALL = "small", "Small (£10,000 to £100,000)"
        MEDIUM = "medium", "Medium (£100,000 to £1 million)"
        LARGE = "large", "Large (£1 million to £10 million)"
        MAJOR = "major", "Major (£10 million to £100 million)"
        SUPER_MAJOR = "super_major", "Super-major (over £100 million)"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    ods_code = models.CharField(
        "ODS code", max_length=6, blank=True, validators=[identifiers.validate_ods_code]
    )
    # 12: a linked charity's number, 1125485-20, and room for the longest link.
    charity_number = models.CharField(max_length=12, blank=True)
    charity_regulator = models.CharField(max_length=4, choices=Regulator.choices, blank=True)
    company_number = models.CharField(
        "Companies House number",
        max_length=8,
        blank=True,
        validators=[identifiers.validate_company_number],
    )
    region = models.CharField("NHS region", max_length=40, choices=Region.choices, blank=True)
    icb = models.ForeignKey(
        "self",
        verbose_name="ICB area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisations_in_area",
        limit_choices_to={"kind": Kind.ICB},
    )
    income_band = models.CharField(max_length=20, choices=IncomeBand.choices, blank=True)
    # Blank: worked out from the charity regulator (OSCR Scotland, CCNI Northern Ireland),
    # otherwise England (`nation_for_holidays`).
    nation = models.CharField(max_length=20, choices=Nation.choices, blank=True)
    # ICBs merge and split (42 became 36 on 1 April 2026), so organisations carry dates.
    active_from = models.DateField(null=True, blank=True)
    active_to = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Brought up to now by every change (services name it in update_fields): the read API's
    # updated_since, for incremental refreshes, filters on it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ods_code"],
                condition=~Q(ods_code=""),
                name="organisation_ods_code_unique",
                violation_error_code="duplicate_ods_code",
                violation_error_message="Another organisation already has this ODS code.",
            ),
            models.UniqueConstraint(
                fields=["charity_regulator", "charity_number"],
                condition=~Q(charity_number=""),
                name="organisation_charity_number_unique",
                violation_error_code="duplicate_charity_number",
                violation_error_message="Another organisation already has this charity number.",
            ),
            models.CheckConstraint(
                condition=Q(charity_number="") | ~Q(charity_regulator=""),
                name="organisation_charity_number_has_regulator",
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_to__gte=models.F("active_from")),
                name="organisation_active_dates_in_order",
            ),
        ]

    def __str__(self):
        return self.dated_name

    @property
    def dated_name(self) -> str:
        """The name with the day it ended, for a body that has: history keeps its names."""
        if self.active_to is None:
            return self.name
        return f"{self.name} (until {self.active_to:%-d %B %Y})"

    @property
    def side(self) -> str:
        return self.SIDE_OF_KIND[self.kind]

    @property
    def org_ids(self) -> list[str]:
        """Each identifier's org-id: those on the row, then the others it holds."""
        others = self.other_identifiers.all() if self.pk else []
        return identifiers.org_ids(self) + [other.org_id for other in others if other.org_id]

    def get_side_display(self) -> str:
        return Side(self.side).label

    @property
    def nation_for_holidays(self) -> str:
        """The nation whose bank holidays the organisation keeps."""
        if self.nation:
            return self.nation
        return {
            self.Regulator.OSCR: self.Nation.SCOTLAND,
            self.Regulator.CCNI: self.Nation.NORTHERN_IRELAND,
        }.get(self.charity_regulator, self.Nation.ENGLAND)

    def clean_fields(self, exclude=None):
        # Normalise before the field validators see the value, so "qwe 1" is read as "QWE1".
        self.ods_code = identifiers.normalise(self.ods_code)
        self.charity_number = identifiers.normalise_charity_number(
            self.charity_number, self.charity_regulator
        )
        self.company_number = identifiers.normalise_company_number(self.company_number)
        super().clean_fields(exclude=exclude)

    def clean(self):
        if self.charity_number:
            try:
                identifiers.validate_charity_number(self.charity_number, self.charity_regulator)
            except ValidationError as error:
                field = (
                    "charity_regulator" if error.code == "missing_regulator" else "charity_number"
                )
                raise ValidationError({field: error}) from None
        if self.active_from and self.active_to and self.active_to < self.active_from:
            raise ValidationError({"active_to": "The end date must be on or after the start date."})


class OrganisationIdentifier(models.Model):
    """An identifier an organisation holds beside the one of each kind on its own row: a
    charity registered in England and Wales and in Scotland holds both numbers, a charity
    re-registered as a CIO keeps its old number, a registered society its FCA number.

    An identifier belongs to one organisation, whether here or on the organisation's row
    (organisations.services keeps the two apart).
    """

    class Scheme(models.TextChoices):
        ODS = "ODS", "NHS ODS code"
        CCEW = "CCEW", "Charity Commission for England and Wales"
        OSCR = "OSCR", "Scottish Charity Regulator (OSCR)"
        CCNI = "CCNI", "Charity Commission for Northern Ireland"
        COH = "COH", "Companies House"
        MPR = "MPR", "FCA Mutuals Public Register"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="other_identifiers"
    )
    scheme = models.CharField(max_length=4, choices=Scheme.choices)
    value = models.CharField(max_length=12)
    # A number the organisation no longer uses (a charity's before it re-registered): still
    # matched on import, so an older file finds the same organisation.
    former = models.BooleanField(default=False)

    class Meta:
        ordering = ["scheme", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"], name="organisation_identifier_unique"
            ),
        ]

    def __str__(self):
        return f"{self.scheme} {self.value}"

    def clean(self):
        # By the same rules as the identifiers on an organisation's row.
        self.value = identifiers.normalise_identifier(self.scheme, self.value)
        try:
            identifiers.validate_identifier(self.scheme, self.value)
        except ValidationError as error:
            raise ValidationError({"value": error}) from None

    @property
    def org_id(self) -> str:
        return identifiers.org_id(self.scheme, self.value)


class Succession(models.Model):
    """An organisation that ends on a date, and the bodies that carry on its work.

    A merger or an acquisition names one successor (several predecessors each have a
    succession to the same one), a split several, a rename one, a dissolution none. It is
    recorded ahead or after the event; partnerships.services.successions carries it out,
    once, on its date.
    """

    class Kind(models.TextChoices):
        MERGER = "merger", "Merger"
        ACQUISITION = "acquisition", "Acquisition by an existing body"
        SPLIT = "split", "Split"
        RENAME = "rename", "Rename"
        DISSOLUTION = "dissolution", "Dissolution"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # An organisation ends once: one succession each.
    predecessor = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="succession"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    takes_effect_on = models.DateField("date", help_text="The first day of the successors.")
    successors = models.ManyToManyField(
        Organisation, blank=True, related_name="successions_inherited"
    )
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    carried_out_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-takes_effect_on", "predecessor__name"]
        indexes = [
            # The daily sweep looks for successions due and not yet carried out.
            models.Index(
                fields=["takes_effect_on"],
                condition=Q(carried_out_at__isnull=True),
                name="succession_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["merger", "acquisition", "split", "rename", "dissolution"]),
                name="succession_kind_valid",
            ),
        ]

    def __str__(self):
        on = f"{self.takes_effect_on:%-d %B %Y}"
        return f"{self.get_kind_display()} of {self.predecessor.name} on {on}"

    @property
    def is_due(self) -> bool:
        return self.takes_effect_on <= timezone.localdate()


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    # At an ICB: the person concerns about its area's partnerships are escalated to. Set by
    # the organisation's admin (organisations.services.member_set_vcse_lead); one per ICB.
    vcse_partnership_lead = models.BooleanField("VCSE partnership lead", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_unique_per_user_organisation"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(vcse_partnership_lead=True),
                name="membership_one_vcse_partnership_lead",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"

    @property
    def can_edit(self) -> bool:
        return self.role in {self.Role.ADMIN, self.Role.EDITOR}


class Invitation(models.Model):
    """A single-use link that lets a person join an organisation and set a password.

    Only a hash of the token is stored: the link itself is in the email and nowhere else.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One live invitation per person and organisation; a new one revokes the old.
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email_organisation",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email} to {self.organisation}"


class MembershipOffer(models.Model):
    """A predecessor's member offered membership of a successor, with the role they had.

    The successor's admin (or a platform admin) accepts it; until then the person is not a
    member of the successor.
    """

    succession = models.ForeignKey(
        Succession, on_delete=models.CASCADE, related_name="membership_offers"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="membership_offers")
    # Indexed (a foreign key): the successor's page of offers.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="membership_offers"
    )
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["succession", "user", "organisation"],
                name="membership_offer_once_per_succession",
            ),
        ]

    def __str__(self):
        return f"{self.user} offered {self.get_role_display().lower()} at {self.organisation.name}"


class AuditEvent(models.Model):
    """One thing that happened: append-only (on PostgreSQL a trigger refuses change)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as written at the time, so the trail still reads after a person is erased.
    actor_email = models.CharField(max_length=254, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The admin's filters: by object, and by person.
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action}"
