import math
import re
from urllib.parse import urlsplit

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Layout, Size
from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Q
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice

from config.forms import gds_helper
from config.middleware import duration_in_words

from .backends import password_confirmed
from .email_addresses import canonical_email
from .models import Invitation, Membership, User
from .services import app_device, recovery_code_hash


class SignInForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"required": "Enter your email address"},
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    error_messages = {
        # The same words for an unknown email and a wrong password: no account enumeration.
        "invalid_login": "Enter a correct email address and password.",
        "inactive": "Enter a correct email address and password.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self)

    def clean_username(self) -> str:
        # The canonical form goes on to authenticate, and so to the lockout's key: one key
        # for every way of writing the address, and a look-alike is refused here.
        return canonical_email(self.cleaned_data["username"])


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self)

    def clean_email(self) -> str:
        return canonical_email(self.cleaned_data["email"])

    def get_users(self, email):
        """The account of exactly this canonical address, if it can use a password: an active
        one, or a deactivated one invited back, whose invitation asks for its password."""
        invited = Invitation.objects.filter(
            email=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        users = User.objects.filter(Q(is_active=True) | Q(Exists(invited)), email=email)
        return (user for user in users if user.has_usable_password())

    def save(self, **kwargs):
        # The link is built from SITE_URL, as every emailed link is: never from the request's
        # Host header, which any allowed host name with any port passes.
        kwargs["domain_override"] = urlsplit(settings.SITE_URL).netloc
        kwargs["extra_email_context"] = {
            **(kwargs.get("extra_email_context") or {}),
            "site_url": settings.SITE_URL,
        }
        return super().save(**kwargs)


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"
        self.helper = gds_helper(self)


ROLE_CHOICES = [
    Choice(
        Membership.Role.ADMIN,
        "Admin",
        hint="Can do everything an editor can, and invite people, change roles and remove people.",
    ),
    Choice(
        Membership.Role.EDITOR,
        "Editor",
        hint="Can complete self-assessments and manage partnerships and actions.",
    ),
    Choice(
        Membership.Role.VIEWER,
        "Viewer",
        hint="Can see partnerships, reviews and results, but not change them.",
    ),
]


def _role_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select admin, editor or viewer",
            "invalid_choice": "Select admin, editor or viewer",
        },
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Use their work email address. The invitation link is sent to it.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the email address of the person to invite",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    role = _role_field("What can they do?")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)

    def clean_email(self) -> str:
        return canonical_email(self.cleaned_data["email"])


class MembershipRoleForm(forms.Form):
    role = _role_field("Role")
    vcse_partnership_lead = forms.BooleanField(
        label="They are the ICB’s VCSE partnership lead",
        required=False,
        help_text="Concerns about partnerships in the ICB’s area are escalated to them when "
        "the lead commissioner misses a deadline. An ICB has one: choosing them replaces "
        "anyone chosen before.",
    )

    def __init__(self, *args, person, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].label = f"What can {person} do?"
        if organisation.kind != organisation.Kind.ICB:
            del self.fields["vcse_partnership_lead"]
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)


def _validate_name(value: str) -> None:
    # A name is shown on many pages and in emails: plain text, on one line.
    if any(character in "<>" or not character.isprintable() for character in value):
        raise ValidationError("Enter your name without the characters < or >, on one line")


class InvitationAcceptForm(auth_forms.SetPasswordForm):
    """A new account's name and password, for an invited person who has none."""

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        validators=[_validate_name],
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your first name",
            "max_length": "First name must be 150 characters or fewer",
        },
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        validators=[_validate_name],
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your last name",
            "max_length": "Last name must be 150 characters or fewer",
        },
    )

    field_order = ["first_name", "last_name", "new_password1", "new_password2"]
    error_messages = {"password_mismatch": "Enter the same password in both fields"}

    def __init__(self, *args, user, **kwargs):
        # `user` is unsaved, the new account: the validators compare the password with it.
        super().__init__(user, *args, **kwargs)
        password, again = self.fields["new_password1"], self.fields["new_password2"]
        password.label = "Create a password"
        password.help_text = "Use at least 12 characters. A few unrelated words make it strong."
        password.error_messages["required"] = "Enter a password"
        again.label = "Confirm the password"
        again.help_text = "Type the same password again."
        again.error_messages["required"] = "Enter the password again"
        self.helper = gds_helper(self)

    def clean(self):
        # The password validators see the name typed here, not the blank one of a new account.
        for name in ("first_name", "last_name"):
            if name in self.cleaned_data:
                setattr(self.user, name, self.cleaned_data[name])
        return super().clean()


class AccountPasswordForm(forms.Form):
    """The password of an account that already exists: the proof that it is the person's."""

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter the password of your account"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self)


class SwitchOrganisationForm(forms.Form):
    organisation = forms.ChoiceField(
        label="Which organisation are you working for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the organisation you are working for"},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(str(o.code), o.name) for o in organisations]
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)


class MembershipRemoveForm(forms.Form):
    """The confirmation to remove someone: no fields, only the errors of refusing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(self)


class MembershipOffersForm(forms.Form):
    """Which of the predecessor's people to accept; "all" accepts every one listed."""

    offers = forms.MultipleChoiceField(
        label="Who joins?",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select people from the list"},
    )
    all = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = {str(offer.pk): offer for offer in offers}
        self.fields["offers"].choices = [
            (
                key,
                f"{offer.user.get_full_name() or offer.user.email} ({offer.user.email}), "
                f"{offer.get_role_display().lower()} at {offer.succession.predecessor.name}",
            )
            for key, offer in self.offers.items()
        ]
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)
        self.helper.layout = Layout("offers")  # "all" is the second button's name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("all"):
            cleaned["offers"] = list(self.offers.values())
        elif "offers" in cleaned:
            if not cleaned["offers"]:
                self.add_error("offers", "Select the people who join, or accept them all")
            else:
                cleaned["offers"] = [self.offers[key] for key in cleaned["offers"]]
        return cleaned


# Sent even to people who turned reminders off (partnerships/services/reminders.py decides):
# the one request to complete an assessment when a review opens, the lead commissioner's copy
# of a partner's overdue assessment, and each step of a concern (the other side waits on it).
ESSENTIAL_TEXT = (
    "We always send the request to complete your organisation’s self-assessment when a "
    "review opens; if you act for the lead commissioner, word that a partner’s "
    "self-assessment is more than a week overdue; and every email about a concern."
)

REMINDER_CHOICES = [
    ("all", "Send me every reminder"),
    ("essential", "Only send the essential emails"),
]


class ReminderPreferencesForm(forms.Form):
    """A person's notification choice on their profile page; `opt_out` is the domain value."""

    reminders = forms.ChoiceField(
        label="Email reminders",
        choices=REMINDER_CHOICES,
        widget=forms.RadioSelect,
        help_text=(
            "Reminders tell you when a review is coming due, when your organisation’s "
            "self-assessment is due or overdue, when an action you own is due or overdue, and "
            f"when results are published. {ESSENTIAL_TEXT}"
        ),
        error_messages={
            "required": "Select whether to get every reminder or only the essential emails",
            "invalid_choice": "Select whether to get every reminder or only the essential emails",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("reminders", "essential" if user.reminders_opt_out else "all")
        self.helper = gds_helper(self, legend_size=Size.MEDIUM)

    @property
    def opt_out(self) -> bool:
        return self.cleaned_data["reminders"] == "essential"


# Two-factor authentication ----------------------------------------------------------------


WRONG_CODE = (
    "The code is not right. Enter the code your authenticator app shows now, "
    "or one of your recovery codes"
)


def _without_spaces(value: str) -> str:
    return re.sub(r"[\s-]", "", value)


def _wait_message(locked_until) -> str:
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds >= 120:
        wait = duration_in_words(seconds)
    return f"You have entered too many wrong codes. Wait {wait}, then try again."


def _check(device, code: str) -> None:
    """Asks the device (with django-otp's throttle) whether the code is right.

    The row is locked, so two tabs cannot use one code twice; a wrong code's count toward the
    throttle is committed before the error is raised.
    """
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, details = device.verify_is_allowed()
        accepted = allowed and device.verify_token(code)
    if not allowed:
        raise ValidationError(_wait_message(details["locked_until"]), code="throttled")
    if not accepted:
        raise ValidationError(WRONG_CODE, code="wrong")


def _code_field(*, label: str, help_text: str, required: str, **attrs) -> forms.CharField:
    """A one-time code's box: offered the code the phone just received, never spell-checked."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                **attrs,
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        ),
        error_messages={"required": required},
    )


class TwoFactorSetUpForm(forms.Form):
    code = _code_field(
        label="Code from your authenticator app",
        help_text="The 6-digit code the app shows for Partnership Health.",
        required="Enter the 6-digit code from your authenticator app",
        inputmode="numeric",
    )

    def __init__(self, *args, key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key
        self.time_step = -1
        self.helper = gds_helper(self)

    def clean_code(self) -> str:
        code = _without_spaces(self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError("Enter the code as 6 digits, like 123456")
        # No throttle here: the person can already see the secret the code comes from.
        totp = TOTP(bytes.fromhex(self.key))
        if not totp.verify(int(code), tolerance=1):
            raise ValidationError(
                "The code is not right. Check that the app was set up with this QR code or "
                "key, then enter the code it shows now"
            )
        self.time_step = totp.t()
        return code


class TwoFactorVerifyForm(forms.Form):
    # Recovery codes have letters too: no numeric keypad, and no capital letter put first.
    code = _code_field(
        label="Code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        required="Enter the code from your authenticator app, or a recovery code",
        autocapitalize="none",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None
        self.helper = gds_helper(self)

    def clean_code(self) -> str:
        code = _without_spaces(self.cleaned_data["code"]).lower()
        # Six digits come from the app; anything else is tried as a recovery code.
        if re.fullmatch(r"\d{6}", code):
            device = app_device(self.user)
        else:
            device = StaticDevice.objects.filter(user=self.user, confirmed=True).first()
            code = recovery_code_hash(code)
        if device is None:
            raise ValidationError(WRONG_CODE, code="wrong")
        _check(device, code)
        self.device = device
        return code


NOT_CONFIRMED = (
    "The password or code is not right. Enter your password, or the code your app shows now"
)


class ConfirmItsYouForm(forms.Form):
    """The password, or a current code from the authenticator app (not a recovery code)."""

    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password, or the code from your app"},
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request, self.user = request, request.user
        self.device = app_device(self.user)
        self.method = None
        if self.device is not None:
            self.fields["password"].label = "Password, or the code from your authenticator app"
        self.helper = gds_helper(self)

    def clean_password(self) -> str:
        value = self.cleaned_data["password"]
        code = _without_spaces(value)
        if self.device is not None and re.fullmatch(r"\d{6}", code):
            try:
                _check(self.device, code)
            except ValidationError as error:
                if error.code == "throttled":
                    raise
                raise ValidationError(NOT_CONFIRMED, code="wrong") from None
            self.method = "code"
        elif password_confirmed(self.request, user=self.user, password=value):
            self.method = "password"
        else:
            raise ValidationError(NOT_CONFIRMED, code="wrong")
        return value
