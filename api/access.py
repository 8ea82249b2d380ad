"""Who may use the read API and how often: a personal token, its owner's current rights,
and a limit per token kept in the shared cache."""

from django.conf import settings
from django.core.cache import caches
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from organisations.models import Membership

from . import services


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`, the token made on the profile page."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”, with one space."
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That is not a token of this service.") from None
        token = services.token_use(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "This token is not valid: it may have expired or been revoked, or its owner’s "
                "account is closed. Make a new one on your profile page."
            )
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes the token: HTTP bearer."""

    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made on your profile page.",
        }


class BelongsToAnOrganisation(permissions.BasePermission):
    """A token works while its owner is a platform admin or a member of an organisation: a
    person removed from their last organisation is refused at once, not when it expires."""

    message = (
        "This token’s owner is no longer a member of any organisation, so it can read nothing."
    )

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.is_staff or Membership.objects.filter(user=user).exists())
        )


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """API_RATE requests per token, counted in the shared cache so every web process agrees."""

    scope = "token"

    def __init__(self):
        self.cache = caches[settings.API_THROTTLE_CACHE]
        super().__init__()

    def get_rate(self):
        return settings.API_RATE

    def get_cache_key(self, request, view):
        token = request.auth
        if token is None:
            return None  # refused before it is counted
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


def throttled_handler(exc, context):
    """DRF's handler, with a 429 that says what the limit is and when to try again."""
    from rest_framework.views import exception_handler

    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        exc.detail = (
            f"Too many requests with this token: the limit is {settings.API_RATE}. "
            f"Try again in {wait} second{'s' if wait != 1 else ''}."
        )
    return exception_handler(exc, context)
