"""The read API fuzzed against its own OpenAPI document (schemathesis): every endpoint with
generated parameters and the tokens of different people. Never a 500, every response as the
document describes it, and nothing returned to a person that their pages would hide (404)."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, settings

from partnerships.models import Action, Review
from tests.api.conftest import TokenClient
from tests.conftest import SignedInClient

PEOPLE = ("alice", "bob", "carol", "dan", "ada")
# Not checked: that every request outside the document is refused. The API refuses unknown
# parameters and malformed values (tests/api/test_endpoints.py), but some of the generated
# mutations (a parameter without a name, a header the test sets itself) reach it as a valid
# request. Every other check runs: no 500, each status and body as documented, a valid
# request accepted.
LENIENT = [schemathesis.checks.negative_data_rejection]


def in_the_tests_transaction(app):
    """The app, its requests kept in the test's own transaction as Django's test client keeps
    them: a WSGI request otherwise closes the database connection when it begins and ends
    (and the test client connects that again after each of its own requests)."""

    def wsgi(environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        return app(environ, start_response)

    return wsgi


# Loaded from the app itself, as a client would read it.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema?format=json", in_the_tests_transaction(get_wsgi_application())
)


@pytest.fixture(autouse=True)
def _unlimited(settings):
    settings.API_RATE = "100000/min"  # the fuzzing is not what the limit is for
    caches["api"].clear()
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


class Pages:
    """What each person's pages say of an object: its page's status, asked once."""

    def __init__(self, world):
        self.world, self.clients, self.seen = world, {}, {}

    def status(self, person, url):
        if (person, url) not in self.seen:
            if person not in self.clients:
                self.clients[person] = SignedInClient()
                self.clients[person].force_login(self.world[person])
            self.seen[person, url] = self.clients[person].get(url).status_code
        return self.seen[person, url]

    def url(self, kind, code):
        if kind == "organisations":
            return reverse("organisations:detail", kwargs={"code": code})
        if kind == "partnerships":
            return reverse("partnerships:detail", kwargs={"code": code})
        if kind == "reviews":
            review = Review.objects.select_related("partnership").get(code=code)
            return reverse(
                "partnerships:review_detail",
                kwargs={"code": review.partnership.code, "review_code": review.code},
            )
        action = Action.objects.select_related("partnership").get(code=code)
        return reverse("partnerships:action_list", kwargs={"code": action.partnership.code})

    def check(self, person, path, body):
        """Every object in the answer is one the person's pages show (not a 404)."""
        kind = path.split("/")[3]
        if kind not in ("organisations", "partnerships", "reviews", "actions"):
            return
        objects = body.get("results", [body])
        for found in objects:
            status = self.status(person, self.url(kind, found["code"]))
            assert status != 404, f"{person}'s token returned {kind} {found['code']}, a 404 page"
            if kind in ("reviews", "actions"):
                partnership = reverse("partnerships:detail", kwargs={"code": found["partnership"]})
                assert self.status(person, partnership) != 404


@pytest.fixture
def pages(world):
    return Pages(world)


@pytest.fixture
def tokens(world, token_of):
    return {person: token_of(world[person]) for person in PEOPLE}


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_endpoint_answers_as_described_and_only_with_what_pages_show(case, tokens, pages):
    for person, secret in tokens.items():
        headers = {"Authorization": f"Bearer {secret}"}
        response = case.call(headers=headers)
        case.validate_response(response, headers=headers, excluded_checks=LENIENT)
        assert response.status_code < 500
        assert response.status_code != 200 or case.method == "GET"
        if response.status_code == 200 and case.path != "/api/v1/reports/summary":
            pages.check(person, case.formatted_path, response.json())
    # Without a token, nothing.
    anonymous = case.call()
    case.validate_response(anonymous, excluded_checks=LENIENT)
    assert anonymous.status_code == 401


def _detail_paths(world):
    return {
        "organisations": [world["charity"].code, world["dan"].memberships.get().organisation.code],
        "partnerships": [world["partnership"].code],
        "reviews": [world["open_review"].code, world["closed_review"].code],
        "actions": [world["action"].code],
    }


@pytest.mark.parametrize("person", PEOPLE)
def test_each_object_is_found_by_the_api_exactly_when_its_page_finds_it(
    world, tokens, pages, person
):
    """For every endpoint: a list holds just the objects whose pages the person may open,
    and a single object is a 404 exactly when its page is."""
    api = TokenClient(tokens[person])
    for kind, codes in _detail_paths(world).items():
        listed = set()
        url = f"/api/v1/{kind}"
        while url:
            page = api.get(url).json()
            listed |= {row["code"] for row in page["results"]}
            url = page["next"]
        for code in codes:
            page_status = pages.status(person, pages.url(kind, code))
            api_status = api.get(f"/api/v1/{kind}/{code}").status_code
            assert (api_status == 404) == (page_status == 404), (person, kind, code)
            assert (str(code) in listed) == (page_status != 404), (person, kind, code)
    report = api.get("/api/v1/reports/summary").status_code
    assert report == _page_status(world, person, reverse("partnerships:reports"))


def _page_status(world, person, url):
    client = SignedInClient()
    client.force_login(world[person])
    return client.get(url).status_code
