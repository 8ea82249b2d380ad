"""Hostile input to every form: never a 500, and whatever comes back is escaped.

For each page with a form, the test reads the field names off the page as the person allowed
to use it, then posts generated values: very long strings, control characters, HTML and
script tags, wrong types (text where numbers go, several values for one field), and fields
left out.
"""

import re

import pytest
from hypothesis import HealthCheck as HypothesisHealthCheck
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerships.models import HealthCheck, Review
from tests.test_url_access import CASES, _url

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
    ("partnerships:review_open", "carol"),
    ("partnerships:health_check", "carol"),
    ("partnerships:review_close", "carol"),
    ("partnerships:assessment_principle", "alice"),
    ("partnerships:action_create", "alice"),
    ("partnerships:action_edit", "carol"),
    ("organisations:invite", "amy"),
    ("two_factor_setup", "bob"),
    ("profile", "bob"),
]


def _no_open_review(world):
    Review.objects.filter(state=Review.State.OPEN).delete()


def _health_check_recorded(world):
    HealthCheck.objects.get_or_create(review=world["open_review"])


# Some forms show only in a given state of the partnership.
SETUP = {
    "partnerships:review_open": _no_open_review,
    "partnerships:review_close": _health_check_recorded,
}


def test_every_form_page_is_fuzzed():
    """A form page added to the access table must be added here too (or said to be safe)."""
    covered = {name for name, _ in FORMS}
    assert covered <= set(CASES)


def _field_names(html: str) -> list[str]:
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
    if name in SETUP:
        SETUP[name](world)
    url = _url(name, world)
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
