"""Who may sign in and how a signed-in request finds its person (config/settings.py,
AUTHENTICATION_BACKENDS), with the sign-in lockout's counting (django-axes)."""

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError

from . import frame
from .email_addresses import canonical_email


class FrameBackend(ModelBackend):
    """Django's own sign-in by email and password, and the person of each signed-in request
    read through their frame (organisations/frame.py), which brings their memberships along
    for the header, so a page that needs nothing else costs no query for either.

    Django still checks the session against the person's password hash, and a deactivated
    person is refused, exactly as ModelBackend does: the frame holds the same row.
    """

    def get_user(self, user_id):
        found = frame.load(user_id)
        if found is None or not self.user_can_authenticate(found.user):
            return None
        user = found.user
        user.frame_memberships = found.memberships
        return user


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
