"""Hostile input to every form: never a 500, and whatever comes back is escaped.

For each page with a form, the test reads the field names off the page as the person allowed
to use it, then posts generated values: very long strings, control characters, HTML and
script tags, wrong types (text where numbers go, several values for one field), and fields
left out.
"""

import inspect
import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck as HypothesisHealthCheck
from hypothesis import given, settings
from hypothesis import strategies as st

from organisations.models import Invitation, Membership, User
from partnerships import exports
from partnerships.models import Action, Concern, HealthCheck, Review
from tests.conftest import sign_in
from tests.test_url_access import _url

# A payload whose unescaped echo would run script in the browser.
SCRIPT = "<script>alert(1)</script>"

hostile_text = st.one_of(
    st.just(SCRIPT),
    st.just('"><img src=x onerror=alert(1)>'),
    st.just('=HYPERLINK("http://example.com")'),
    st.integers(min_value=300, max_value=20000).map(lambda n: ("a<&\"'" * n)[:n]),
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["Cc", "Cs", "Zs", "Lo"]), max_size=50
    ),
    st.just("\x00"),
    st.sampled_from(["-1", "0", "99999999999999999999", "1e309", "NaN", "31", "2.5", "∞"]),
    st.text(max_size=30),
)

# Pages whose form the right person may submit: (URL name, who).
FORMS = [
    ("login", None),
    ("password_reset", None),
    ("partnerships:create", "carol"),
    ("partnerships:edit", "carol"),
    ("partnerships:participants", "carol"),
    ("partnerships:partner_organisation_add", "carol"),
    ("partnerships:participant_invite", "carol"),
    ("partnerships:review_open", "carol"),
    ("partnerships:health_check", "carol"),
    ("partnerships:review_close", "carol"),
    ("partnerships:review_reply", "alice"),
    ("partnerships:assessment_principle", "alice"),
    ("partnerships:action_create", "alice"),
    ("partnerships:action_edit", "carol"),
    ("partnerships:action_done", "carol"),
    ("partnerships:concern_create", "alice"),
    ("partnerships:concern_respond", "carol"),
    ("partnerships:concern_close", "alice"),
    ("partnerships:concern_withdraw", "alice"),
    ("organisations:invite", "amy"),
    ("organisations:member_role", "amy"),
    ("organisations:switch", "bob"),
    ("organisations:accept_invitation", None),
    ("password_reset_confirm", None),
    ("two_factor_setup", "bob"),
    ("two_factor_verify", None),
    ("two_factor_confirm", "bob"),
    ("profile", "bob"),
    ("partnerships:succession_record", "ada"),
    ("partnerships:transfer_assign", "ada"),
    ("organisations:membership_offers", "amy"),
    ("api:token_create", "bob"),
]

# Views that take a POST with nothing typed into it: a button, and only the CSRF token sent.
NOTHING_TO_FUZZ = {
    "logout": "the header's sign-out button",
    "two_factor_recovery_codes": "the button that makes new recovery codes",
    "two_factor_turn_off": "the button that confirms turning two-factor off",
    "organisations:invitation_revoke": "the cancel button on the people page",
    "organisations:member_deactivate": "the button that confirms removing someone",
    "partnerships:participant_remove": "the remove button on the partners page",
    "partnerships:assessment_submit": "the submit button on the check-answers page",
    "partnerships:concern_acknowledge": "the button that acknowledges a concern",
    "partnerships:offers_accept_all": "the accept-all button on the successions page",
    "api:token_revoke": "the revoke button beside a token on the profile page",
    "partnerships:report_xlsx": "the button that asks for a large workbook; its filters are "
    "in the query string, as on the reports page",
}

# Forms that live on another page than the one they post to.
FORM_PAGE = {"partnerships:action_done": "partnerships:action_list", "api:token_create": "profile"}


def _no_open_review(client, world):
    Review.objects.filter(state=Review.State.OPEN).delete()


def _health_check_recorded(client, world):
    HealthCheck.objects.get_or_create(review=world["open_review"])


def _action_open(client, world):
    Action.objects.filter(pk=world["action"].pk).update(status=Action.Status.OPEN)


def _concern_waiting(client, world):
    """The concern is back where the lead commissioner answers it."""
    Concern.objects.filter(pk=world["concern"].pk).update(
        state=Concern.State.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
        response="",
        responded_at=None,
        outcome="",
        ended_at=None,
    )


def _concern_answered(client, world):
    """The lead commissioner has answered: the raiser may close or withdraw it."""
    Concern.objects.filter(pk=world["concern"].pk).update(
        state=Concern.State.RESPONDED,
        acknowledged_at=timezone.now(),
        response="We will agree a lighter return.",
        responded_at=timezone.now(),
        outcome="",
        ended_at=None,
    )


def _invitation_pending(client, world):
    """Nia has not accepted yet. An account an earlier example made for her is deactivated
    again, so the page then asks for a returning account's password."""
    client.logout()
    invitation = world["invitation"]
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=None, accepted_by=None)
    Membership.objects.filter(user__email__iexact=invitation.email).delete()
    User.objects.filter(email__iexact=invitation.email).update(is_active=False)


def _reset_link_followed(client, world):
    """Alice follows a fresh link from a reset email: the page that asks for a new password."""
    alice = User.objects.get(pk=world["alice"].pk)
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    link = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    response = client.get(link)
    assert response.status_code == 302, "the reset link did not work"
    return response.url


def _second_factor_owed(client, world):
    """Bob, who has an authenticator app, has given his password and owes the code."""
    bob = world["bob"]
    TOTPDevice.objects.get_or_create(user=bob, defaults={"name": "Phone", "confirmed": True})
    client.logout()
    assert sign_in(client, bob).status_code == 302


def _split_unassigned(client, world):
    """The split's partnership waits to be assigned again, as an earlier example may have
    assigned it."""
    from partnerships.models import PartnershipTransfer

    url = _url("partnerships:transfer_assign", world)
    PartnershipTransfer.objects.update(successor=None, decided_by=None, decided_at=None)
    return url


def _offers_waiting(client, world):
    """Olga waits to join Riverside Mind again, as an earlier example may have accepted her."""
    from organisations.models import MembershipOffer

    url = _url("organisations:membership_offers", world)
    MembershipOffer.objects.update(accepted_at=None, accepted_by=None)
    Membership.objects.filter(user__email="olga@riverside-day.example").exclude(
        organisation__name="Riverside Day Services"
    ).delete()
    return url


# Some forms show only in a given state; a setup may also return the URL to post to.
SETUP = {
    "partnerships:review_open": _no_open_review,
    "partnerships:review_close": _health_check_recorded,
    "partnerships:action_done": _action_open,
    "partnerships:concern_respond": _concern_waiting,
    "partnerships:concern_close": _concern_answered,
    "partnerships:concern_withdraw": _concern_answered,
    "organisations:accept_invitation": _invitation_pending,
    "password_reset_confirm": _reset_link_followed,
    "two_factor_verify": _second_factor_owed,
    "partnerships:transfer_assign": _split_unassigned,
    "organisations:membership_offers": _offers_waiting,
}


def _views(resolver=None, namespace=""):
    """(URL name, view) for every named URL, as tests/test_url_access.py walks them."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _views(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.callback


def _takes_post(view) -> bool:
    """A class-based view with a post method, or a view function whose code (decorators
    included) handles a POST: `request.POST`, `request.method == "POST"`, `require_POST`."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return "post" in view_class.http_method_names and hasattr(view_class, "post")
    return "POST" in inspect.getsource(inspect.unwrap(view))


def test_every_form_page_is_fuzzed():
    """A view that takes a POST must be fuzzed below, or be said here to have nothing to
    fuzz; and nothing is listed that takes no POST."""
    takes_post = {name for name, view in _views() if _takes_post(view)}
    fuzzed = {name for name, _ in FORMS}
    assert not fuzzed & set(NOTHING_TO_FUZZ)
    missing = sorted(takes_post - fuzzed - set(NOTHING_TO_FUZZ))
    assert not missing, f"Views that take a POST, missing from FORMS: {missing}"
    stale = sorted((fuzzed | set(NOTHING_TO_FUZZ)) - takes_post)
    assert not stale, f"Listed, but no view of that name takes a POST: {stale}"


def _field_names(html: str, action: str | None = None) -> list[str]:
    """The fields of the page's forms; with `action`, of the forms that post there only."""
    if action is not None:
        forms = re.findall(r'<form[^>]*\saction="([^"]*)"[^>]*>(.*?)</form>', html, re.DOTALL)
        html = "".join(body for target, body in forms if target == action)
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html))
    return sorted(names - {"csrfmiddlewaretoken"})


@pytest.mark.parametrize(("name", "person"), FORMS)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HypothesisHealthCheck.function_scoped_fixture,
        HypothesisHealthCheck.too_slow,
    ],
)
@given(data=st.data())
def test_hostile_input_never_breaks_a_form(client, world, name, person, data):
    if person:
        client.force_login(world[person])
    url = (SETUP[name](client, world) if name in SETUP else None) or _url(name, world)
    if name in FORM_PAGE:
        fields = _field_names(client.get(_url(FORM_PAGE[name], world)).text, action=url)
    else:
        fields = _field_names(client.get(url).text)
    assert fields, f"no form fields found on {name}"
    payload = {}
    for field in fields:
        choice = data.draw(st.sampled_from(["text", "list", "missing"]), label=field)
        if choice == "text":
            payload[field] = data.draw(hostile_text, label=field)
        elif choice == "list":
            payload[field] = data.draw(st.lists(hostile_text, min_size=2, max_size=3))
    response = client.post(url, payload)
    assert response.status_code < 500, f"{name}: {response.status_code}"
    if response.status_code == 200:
        assert SCRIPT not in response.text, f"{name} echoed a script tag unescaped"


# Years no calendar holds. Python's date refuses most with ValueError, but one too large for a
# C integer with OverflowError, which a form must catch too.
hostile_year = st.one_of(
    st.just("99999999999999999999"),
    st.integers(min_value=10_000, max_value=10**40).map(str),
    st.integers(min_value=-(10**40), max_value=0).map(str),
)
# A date input's three parts, as Django's widgets name them and as the report's filters do.
DATE_PARTS = [("_0", "_1", "_2"), ("_day", "_month", "_year")]
IMPOSSIBLE_DATE = re.compile(r"must be a real date|must be in a year between|Enter a valid year")


def _date_fields(fields: list[str]) -> list[tuple[str, str, str]]:
    """(day, month, year) field names of each date input among the fields."""
    found = []
    for day, month, year in DATE_PARTS:
        for name in fields:
            if name.endswith(year):
                stem = name.removesuffix(year)
                if stem + day in fields and stem + month in fields:
                    found.append((stem + day, stem + month, stem + year))
    return found


# Pages that take a date in their query string: the report's filters and every download.
DATE_QUERY_PAGES = [
    ("partnerships:reports", {}),
    *[("partnerships:report_csv", {"kind": kind}) for kind in exports.KINDS],
    ("partnerships:report_xlsx", {}),
    ("partnerships:report_pdf", {}),
]


@pytest.mark.parametrize(("name", "person"), FORMS)
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[
        HypothesisHealthCheck.function_scoped_fixture,
        HypothesisHealthCheck.too_slow,
    ],
)
@given(year=hostile_year)
def test_an_impossible_year_in_any_date_field_is_explained(client, world, name, person, year):
    if person:
        client.force_login(world[person])
    url = (SETUP[name](client, world) if name in SETUP else None) or _url(name, world)
    if name in FORM_PAGE:
        fields = _field_names(client.get(_url(FORM_PAGE[name], world)).text, action=url)
    else:
        fields = _field_names(client.get(url).text)
    for day, month, year_field in _date_fields(fields):
        response = client.post(url, {day: "1", month: "4", year_field: year})
        assert response.status_code < 500, f"{name}, {year_field}={year}"
        assert IMPOSSIBLE_DATE.search(response.text), f"{name}: no message for {year_field}"


@pytest.mark.parametrize(("name", "kwargs"), DATE_QUERY_PAGES)
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[
        HypothesisHealthCheck.function_scoped_fixture,
        HypothesisHealthCheck.too_slow,
    ],
)
@given(year=hostile_year, which=st.sampled_from(["closed_from", "closed_to"]))
def test_an_impossible_year_in_a_report_filter_is_never_a_500(
    client, world, ada, name, kwargs, year, which
):
    """The page explains the filter and ignores it; a download ignores it, as the page's own
    links never carry a filter that is not right."""
    client.force_login(ada)
    query = {f"{which}_day": "1", f"{which}_month": "4", f"{which}_year": year}
    response = client.get(reverse(name, kwargs=kwargs), query)
    assert response.status_code < 400, f"{name}: {response.status_code}"
    if name == "partnerships:reports":
        assert IMPOSSIBLE_DATE.search(response.text)


UTF16_MESSAGE = "Send the form as UTF-8"


@pytest.mark.parametrize(("name", "person"), FORMS)
@pytest.mark.parametrize("charset", ["utf-16", "utf-16-le", "latin-1"])
def test_a_form_sent_in_another_charset_is_refused_with_a_400(client, world, name, person, charset):
    """Form posts are UTF-8 (Django refuses any other charset it knows, and reads an unknown
    one as UTF-8): a 400 that says so, not an error raised again inside the error pages, with
    or without the CSRF check."""
    if person:
        client.force_login(world[person])
    url = (SETUP[name](client, world) if name in SETUP else None) or _url(name, world)
    body = urlencode({"field": "value", "email": "alice@riverside.example"})
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    for sender in (client, Client(enforce_csrf_checks=True)):
        response = sender.generic("POST", url, body.encode(), content_type=content_type)
        assert response.status_code == 400, f"{name}: {response.status_code}"
        assert UTF16_MESSAGE in response.text
