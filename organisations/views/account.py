"""The profile page, two-factor authentication's pages (an authenticator app, with recovery
codes) and the sign-in lockout page.

After the password, a person with an authenticator app gives a code before any other page;
an admin without one is sent to set it up (organisations/middleware.py keeps them there).
Replacing the app, making new recovery codes and turning two-factor off ask again for the
password or a current code (the confirmation page), and are audited.
"""

import base64
import time
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from config.middleware import duration_in_words

from ..forms import (
    ConfirmItsYouForm,
    ReminderPreferencesForm,
    SignInForm,
    TwoFactorSetUpForm,
    TwoFactorVerifyForm,
)
from ..services import (
    STATE,
    State,
    app_device,
    is_verified,
    mark_verified,
    person_set_reminders,
    recovery_codes_replace,
    state_for,
    two_factor_required,
    two_factor_turn_off,
    two_factor_turn_on,
)

# Session keys, beside services.STATE.
CONFIRMED = "two_factor_confirmed"  # [when, how]: the password or a code given again
# How long a confirmation lets the person replace their app or make new recovery codes.
CONFIRMATION_SECONDS = 5 * 60
SETUP_KEY = "two_factor_setup_key"


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
