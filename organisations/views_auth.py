"""Signing in beyond Django's own views: the lockout page, two-factor authentication (an
authenticator app, with recovery codes) and the profile page.

Two-factor is required for platform admins and organisation admins and open to everyone.
After the password, a person with an authenticator app gives a code before any other page;
an admin without one is sent to set it up. The session remembers the outcome, so ordinary
pages cost no extra query, and works it out again on the first request after the person's
roles change (User.roles_version): a viewer made an admin mid-session sets it up next.

Replacing the app, making new recovery codes and turning two-factor off ask again for the
password or a current code (the confirmation page), and are audited. Recovery codes are
stored only as hashes and shown once, when they are made.
"""

import base64
import hashlib
import math
import re
import secrets
import time
from urllib.parse import urlencode

import segno
from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from config.forms import gds_helper
from config.middleware import duration_in_words
from partnerships.forms.reminders import ReminderPreferencesForm
from partnerships.services.reminders import person_set_reminders

from .audit import audit
from .email_addresses import canonical_email
from .forms import SignInForm
from .models import Membership

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

# Session keys. Verification is stored under django-otp's own key.
STATE = "two_factor"
ROLES_VERSION = "two_factor_roles_version"  # the User.roles_version STATE was worked out for
CONFIRMED = "two_factor_confirmed"  # [when, how]: the password or a code given again
# How long a confirmation lets the person replace their app or make new recovery codes.
CONFIRMATION_SECONDS = 5 * 60
SETUP_KEY = "two_factor_setup_key"


class State:
    NOT_NEEDED = "not_needed"  # no authenticator app, and not required
    VERIFY = "verify"  # has an app: must give a code
    SET_UP = "set_up"  # required, and has no app yet


# Sign-in lockout (django-axes) ----------------------------------------------------------


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, for sign-ins made through a web request.

    Code that calls `authenticate` without a request (the shell, management commands) is not
    a sign-in anyone can repeat from outside, so there is nothing to lock.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def axes_username(request, credentials=None) -> str:
    """The email address as axes counts it: its canonical form, the one sign-in looks up, so
    no other way of writing it gets fresh tries."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username", "")
    try:
        return canonical_email(username)
    except ValidationError:
        # A look-alike signs in to nothing (the form refuses it first); count it apart.
        return str(username).strip().lower()


def locked_out(request, original_response=None, credentials=None):
    """The sign-in page again, with the same message and a sentence about the lock.

    Shown for any email address that reached the limit, with or without an account. Another
    page that asks for a password (password_confirmed) shows the sentence on a page of its own.
    """
    message = (
        "Sign-in with this email address is locked for "
        f"{duration_in_words(int(settings.AXES_COOLOFF_TIME.total_seconds()))} "
        "after repeated failed attempts. Try again after that."
    )
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name != "login":
        return render(
            request, "organisations/locked_out.html", {"lockout_message": message}, status=429
        )
    context = dict(getattr(original_response, "context_data", None) or {})
    context.setdefault("form", SignInForm(request))
    context["lockout_message"] = message
    return render(request, "registration/login.html", context, status=429)


def password_confirmed(request, *, user, password: str) -> bool:
    """Whether `password` is the user's, under the sign-in lockout as a sign-in is.

    For the pages that ask for a password outside sign-in (an invitation to a deactivated
    account, confirming it is you): a locked address is refused without a look, and a wrong
    password counts toward the lock. Once locked, AxesMiddleware shows `locked_out`.
    """
    credentials = {"username": user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        request.axes_locked_out, request.axes_credentials = True, credentials
        return False
    if user.check_password(password):
        return True
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return False


# Who needs what -------------------------------------------------------------------------


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


class TwoFactorMiddleware:
    """Keeps a signed-in person who owes a second factor on the one page that takes it.

    Someone with an authenticator app may reach only the code page and sign-out; a person who
    must have one and does not may reach only the set-up page and sign-out. The set-up page
    is closed to the first group, or a stolen password could replace their app.
    """

    ALLOWED = {
        State.VERIFY: {"two_factor_verify", "logout"},
        State.SET_UP: {"two_factor_setup", "logout"},
    }
    TARGET = {State.VERIFY: "two_factor_verify", State.SET_UP: "two_factor_setup"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user, session = request.user, request.session
        if not user.is_authenticated or is_verified(session):
            return None
        state = session.get(STATE)
        # Worked out at sign-in, and again on the first request after the person's roles
        # change (a viewer made an admin, or a platform admin): the user row, read anyway,
        # says so at no cost.
        if (
            state is None
            or session.get(ROLES_VERSION, 0) != user.roles_version
            or (state == State.NOT_NEEDED and (user.is_staff or user.is_superuser))
        ):
            state = session[STATE] = state_for(user)
            session[ROLES_VERSION] = user.roles_version
        if state == State.NOT_NEEDED or request.resolver_match.view_name in self.ALLOWED[state]:
            return None
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(self.TARGET[state])}?{query}")


# Services -------------------------------------------------------------------------------


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


# Forms ----------------------------------------------------------------------------------


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


class TwoFactorSetUpForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code the app shows for Partnership Health.",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        ),
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
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
    code = forms.CharField(
        label="Code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": "govuk-input--width-10",
            }
        ),
        error_messages={
            "required": "Enter the code from your authenticator app, or a recovery code"
        },
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


# Views ----------------------------------------------------------------------------------


def _confirmation(session) -> str | None:
    """How the person confirmed it was them ("password" or "code") in the last
    CONFIRMATION_SECONDS, or None."""
    when, method = session.get(CONFIRMED) or (0, None)
    return method if time.time() - when < CONFIRMATION_SECONDS else None


def _confirm_first(request):
    return redirect(
        f"{reverse('two_factor_confirm')}?{urlencode({'next': request.get_full_path()})}"
    )


def _next_url(request, default="dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _grouped(key_hex: str) -> str:
    secret = base64.b32encode(bytes.fromhex(key_hex)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


QR_SCALE = 5  # pixels a module


def _qr_svg(key_hex: str, user) -> str:
    # The same otpauth:// address django-otp gives a saved device.
    url = TOTPDevice(user=user, key=key_hex).config_url
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(
        scale=QR_SCALE,
        dark="#0b0c0c",
        light="#ffffff",
        title="QR code to add Partnership Health to your authenticator app",
        svgclass=None,
        lineclass=None,
        omitsize=True,
    )
    # A viewBox and its natural size: the stylesheet lets it shrink to a narrow screen.
    width, height = qr.symbol_size(scale=QR_SCALE)
    attributes = f'role="img" focusable="false" class="app-qr" width="{width}" height="{height}"'
    return svg.replace("<svg ", f"<svg {attributes} ", 1)


@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    reminders_form = ReminderPreferencesForm(_posted(request), user=user)
    if request.method == "POST" and reminders_form.is_valid():
        person_set_reminders(user=user, opt_out=reminders_form.opt_out)
        messages.success(request, "Your notification choices are saved.")
        return redirect("profile")
    device = app_device(user)
    recovery = StaticDevice.objects.filter(user=user).first()
    return render(
        request,
        "organisations/profile.html",
        {
            "device": device,
            "recovery_codes_left": recovery.token_set.count() if recovery else 0,
            "required": two_factor_required(user),
            "reminders_form": reminders_form,
        },
    )


def _posted(request):
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "POST"])
def setup(request):
    if app_device(request.user) and not is_verified(request.session):
        # Set up elsewhere since this sign-in began: the code is owed first.
        request.session[STATE] = State.VERIFY
        return redirect("two_factor_verify")
    replacing = app_device(request.user) is not None
    confirmed_with = _confirmation(request.session)
    if replacing and confirmed_with is None:
        # A session alone, perhaps someone else's at an unlocked computer, cannot swap the app.
        return _confirm_first(request)
    key = request.session.get(SETUP_KEY)
    if key is None:
        # The secret lives in the session until a code proves the app has it.
        key = request.session[SETUP_KEY] = random_hex(20)
    form = TwoFactorSetUpForm(_posted(request), key=key)
    if form.is_valid():
        device, codes = two_factor_turn_on(
            user=request.user,
            key=key,
            last_t=form.time_step,
            confirmed_with=confirmed_with if replacing else None,
        )
        del request.session[SETUP_KEY]
        request.session.pop(CONFIRMED, None)  # one confirmation, one change
        request.session.cycle_key()
        mark_verified(request.session, device)
        messages.success(request, "Two-factor authentication is on.")
        return _show_codes(request, codes)
    return render(
        request,
        "organisations/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(key, request.user),
            "secret": _grouped(key),
            "replacing": replacing,
            "required": two_factor_required(request.user),
            "next": _next_url(request, default="profile"),
        },
    )


@require_http_methods(["GET", "POST"])
def verify(request):
    if is_verified(request.session):
        return redirect(_next_url(request))
    if app_device(request.user) is None:
        # Turned off elsewhere since this sign-in began: work out again what is owed.
        request.session[STATE] = state_for(request.user)
        return redirect(_next_url(request))
    form = TwoFactorVerifyForm(_posted(request), user=request.user)
    if form.is_valid():
        # A new session key for the signed-in-with-both-factors session.
        request.session.cycle_key()
        mark_verified(request.session, form.device)
        if isinstance(form.device, StaticDevice):
            left = form.device.token_set.count()
            messages.info(
                request,
                f"You used a recovery code. You have {left} left: "
                "replace them from your profile if that is running low.",
            )
        return redirect(_next_url(request))
    return render(
        request,
        "organisations/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )


def _show_codes(request, codes: list[str], *, replaced: bool = False):
    """The codes, once: only their hashes are kept, so no page can show them again."""
    return render(
        request,
        "organisations/two_factor_recovery_codes.html",
        {"codes": codes, "replaced": replaced, "next": _next_url(request, default="profile")},
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    if app_device(request.user) is None:
        return redirect("two_factor_setup")
    confirmed_with = _confirmation(request.session)
    if confirmed_with is None:
        return _confirm_first(request)
    if request.method == "POST":
        codes = recovery_codes_replace(user=request.user, confirmed_with=confirmed_with)
        request.session.pop(CONFIRMED, None)
        return _show_codes(request, codes, replaced=True)
    device = StaticDevice.objects.filter(user=request.user).first()
    return render(
        request,
        "organisations/two_factor_recovery_codes.html",
        {"left": device.token_set.count() if device else 0, "next": reverse("profile")},
    )


@require_http_methods(["GET", "POST"])
def confirm(request):
    """Asks for the password, or a current code, before the app or recovery codes change."""
    form = ConfirmItsYouForm(_posted(request), request=request)
    if form.is_valid():
        request.session[CONFIRMED] = [int(time.time()), form.method]
        return redirect(_next_url(request, default="profile"))
    return render(
        request,
        "organisations/two_factor_confirm.html",
        {"form": form, "next": _next_url(request, default="profile")},
    )


@require_http_methods(["GET", "POST"])
def turn_off(request):
    if two_factor_required(request.user):
        raise PermissionDenied(
            "Platform admins and organisation admins must keep two-factor authentication on."
        )
    if app_device(request.user) is None:
        return redirect("profile")
    confirmed_with = _confirmation(request.session)
    if confirmed_with is None:
        return _confirm_first(request)
    if request.method == "POST":
        two_factor_turn_off(user=request.user, confirmed_with=confirmed_with)
        request.session.pop(CONFIRMED, None)
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session[STATE] = State.NOT_NEEDED
        messages.success(request, "Two-factor authentication is off.")
        return redirect("profile")
    return render(request, "organisations/two_factor_turn_off.html")
