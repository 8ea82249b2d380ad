"""Two-factor authentication's gate on every page (config/settings.py, MIDDLEWARE)."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .services import ROLES_VERSION, STATE, State, is_verified, state_for


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
