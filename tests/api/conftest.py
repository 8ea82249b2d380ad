import pytest
from django.test import Client

from api.services import token_create


class TokenClient(Client):
    """Requests with one person's API token, as a program would send them."""

    def __init__(self, secret, **kwargs):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs)


@pytest.fixture
def token_of():
    """token_of(person) → a new token (its secret) of that person."""

    def make(user, name="Board pack", days=90):
        return token_create(user=user, name=name, days=days)[1]

    return make


@pytest.fixture
def api(token_of):
    """api(person) → a client that sends that person's token."""
    return lambda user: TokenClient(token_of(user))
