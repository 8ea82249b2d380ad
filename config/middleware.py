"""Response headers every page carries (docs/design.md, "Security"), and
the session time limits (issue: sign-in).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.shortcuts import render

# Scripts and styles come only from this site: no inline code, so no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    """Adds what Django's SecurityMiddleware does not: CSP, Permissions-Policy, no-store."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        # A signed-in page may hold personal or commercial detail: never keep it in a cache.
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response


# Session keys, in seconds since the epoch (JSON-serialisable and cheap to compare).
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# Last activity is written at most this often, so most pages cost no session write.
LAST_SEEN_GRANULARITY_SECONDS = 60


def duration_in_words(seconds: int) -> str:
    """'12 hours', '30 minutes', '1 minute': the limits as the messages say them."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, -(-seconds // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def record_sign_in(session, *, now: int | None = None) -> None:
    """Starts both clocks; the middleware calls it on a signed-in session's first request."""
    now = int(time.time()) if now is None else now
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now


class SessionPolicyMiddleware:
    """Signs a person out after SESSION_IDLE_SECONDS without a request, or SESSION_MAX_SECONDS
    after they signed in, and says why on the sign-in page.

    `logout` flushes the session, so the old session row is deleted on the server.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._check(request)
            if expired:
                return expired
        return self.get_response(request)

    def _check(self, request):
        session, now = request.session, int(time.time())
        signed_in_at, last_seen_at = session.get(SIGNED_IN_AT), session.get(LAST_SEEN_AT)
        if signed_in_at is None or last_seen_at is None:
            record_sign_in(session, now=now)
            return None
        if now - signed_in_at >= settings.SESSION_MAX_SECONDS:
            return self._sign_out(
                request, f"after {duration_in_words(settings.SESSION_MAX_SECONDS)}"
            )
        if now - last_seen_at >= settings.SESSION_IDLE_SECONDS:
            idle = duration_in_words(settings.SESSION_IDLE_SECONDS)
            return self._sign_out(request, f"after {idle} without activity")
        if now - last_seen_at >= LAST_SEEN_GRANULARITY_SECONDS:
            session[LAST_SEEN_AT] = now
        return None

    @staticmethod
    def _sign_out(request, why: str):
        logout(request)
        messages.info(request, f"You were signed out {why}. Sign in again to continue.")
        return redirect_to_login(request.get_full_path())


class FormBodyMiddleware:
    """Reads a posted form before anything else does, so a body Django refuses is a 400 that
    says why.

    Django raises again on every read of `request.POST` after it refused a form sent in a
    charset other than UTF-8 or with too many fields: the CSRF check of the 400 page itself
    read it, and the 400 became a 500. Its `__call__` runs before any view or CSRF check.
    """

    MESSAGES = [
        (TooManyFieldsSent, "The form sent had more fields than this service takes."),
        (TooManyFilesSent, "The form sent had more files than this service takes."),
        (RequestDataTooBig, "The form sent was larger than this service takes."),
        (BadRequest, "Send the form as UTF-8: this service reads forms in no other charset."),
    ]

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parsed here, once, for the check
            except (BadRequest, SuspiciousOperation) as error:
                # Later reads (the page's CSRF token) find an empty form, not the error again.
                request._mark_post_parse_error()
                message = next(
                    (text for kind, text in self.MESSAGES if isinstance(error, kind)),
                    "The form sent could not be read.",
                )
                return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)
