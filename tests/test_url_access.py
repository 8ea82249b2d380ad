"""Every URL pattern has an access case: a new URL without one fails here.

Each case names who gets which status. Anonymous people are sent to sign in; outsiders
(Dan) get 404; partners without the role (Bob, a viewer; Alice, a charity editor) get 403.
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partnerships.models import Participant
from tests.conftest import database_snapshot

ANON = "anonymous"


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin has its own staff-only gate.
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


SUCCESSION_URLS = {
    "organisations:membership_offers",
    "partnerships:successions",
    "partnerships:succession_record",
    "partnerships:offers_accept_all",
    "partnerships:transfer_assign",
    "partnerships:handover",
    "partnerships:handover_pdf",
    "partnerships:handover_csv",
}


def _succession_kwargs(world) -> dict:
    """Riverside Day Services, a partner, split on 1 April 2026 between Riverside Mind and
    Hillside Trust: the partnership waits to be assigned, its people to be accepted."""
    from organisations.models import Organisation, Succession
    from organisations.services import succession_record
    from partnerships.models import PartnershipTransfer
    from partnerships.services.successions import succession_carry_out
    from tests.conftest import make_user

    old = Organisation.objects.filter(name="Riverside Day Services").first()
    if old is None:
        old = Organisation.objects.create(name="Riverside Day Services", kind="charity")
        Participant.objects.create(partnership=world["partnership"], organisation=old, role="other")
        make_user("olga@riverside-day.example", old)
        succession, _ = succession_record(
            predecessor=old,
            kind=Succession.Kind.SPLIT,
            takes_effect_on=datetime.date(2026, 4, 1),
            successors=[world["charity"], world["dan"].memberships.get().organisation],
            by=None,
        )
        succession_carry_out(succession=succession)
    succession = Succession.objects.get(predecessor=old)
    charity = world["charity"].code
    return {
        "organisations:membership_offers": {"code": charity},
        "partnerships:succession_record": {"code": old.code},
        "partnerships:offers_accept_all": {"code": succession.code},
        "partnerships:transfer_assign": {
            "transfer_code": PartnershipTransfer.objects.get(succession=succession).code
        },
        "partnerships:handover": {"code": charity},
        "partnerships:handover_pdf": {"code": charity},
        "partnerships:handover_csv": {"code": charity},
    }


def _url(name, world):
    if name == "api:token_revoke":
        from api.services import token_create

        token = world.setdefault("bob_token", token_create(user=world["bob"], name="BI", days=30))
        return reverse(name, kwargs={"code": token[0].code})
    if name in SUCCESSION_URLS:
        return reverse(name, kwargs=_succession_kwargs(world).get(name, {}))
    partnership, charity = world["partnership"], world["charity"]
    review = {"code": partnership.code, "review_code": world["open_review"].code}
    closed = {"code": partnership.code, "review_code": world["closed_review"].code}
    assessment = {**review, "assessment_code": world["charity_assessment"].code}
    action = {"code": partnership.code, "action_code": world["action"].code}
    concern = {"code": partnership.code, "concern_code": world["concern"].code}
    member = {"code": charity.code, "membership_id": world["bob"].memberships.get().pk}
    kwargs = {
        "partnerships:detail": {"code": partnership.code},
        "partnerships:edit": {"code": partnership.code},
        "partnerships:participants": {"code": partnership.code},
        "partnerships:organisation_search": {"code": partnership.code},
        "partnerships:partner_organisation_add": {"code": partnership.code},
        "partnerships:participant_invite": {
            "code": partnership.code,
            "participant_code": Participant.objects.get(
                partnership=partnership, organisation=charity
            ).code,
        },
        "partnerships:participant_remove": {
            "code": partnership.code,
            "participant_code": Participant.objects.get(
                partnership=partnership, organisation=charity
            ).code,
        },
        "partnerships:review_open": {"code": partnership.code},
        "partnerships:review_detail": review,
        "partnerships:health_check": review,
        "partnerships:review_close": review,
        "partnerships:review_results": closed,
        "partnerships:review_reply": {**closed, "organisation_code": charity.code},
        "partnerships:assessment": assessment,
        "partnerships:assessment_principle": {**assessment, "number": 1},
        "partnerships:assessment_check": assessment,
        "partnerships:assessment_submit": assessment,
        "partnerships:action_list": {"code": partnership.code},
        "partnerships:action_create": {"code": partnership.code},
        "partnerships:action_edit": action,
        "partnerships:action_done": action,
        "partnerships:concern_list": {"code": partnership.code},
        "partnerships:concern_create": {"code": partnership.code},
        "partnerships:concern_detail": concern,
        "partnerships:concern_acknowledge": concern,
        "partnerships:concern_respond": concern,
        "partnerships:concern_close": concern,
        "partnerships:concern_withdraw": concern,
        "partnerships:report_csv": {"kind": "ratings"},
        "partnerships:report_export": {"export_id": "0b6f2b8e-5a3e-4b56-9a59-0cc1f2d1f6a1"},
        "partnerships:partnership_report": {"code": partnership.code},
        "partnerships:partnership_pdf": {"code": partnership.code},
        "organisations:detail": {"code": charity.code},
        "organisations:people": {"code": charity.code},
        "organisations:invite": {"code": charity.code},
        "organisations:invitation_revoke": {
            "code": charity.code,
            "invitation_id": world["invitation"].pk,
        },
        "organisations:member_role": member,
        "organisations:member_deactivate": member,
        "organisations:accept_invitation": {"token": world["invitation"].token},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "api:organisation_detail": {"code": charity.code},
        "api:partnership_detail": {"code": partnership.code},
        "api:review_detail": {"code": world["closed_review"].code},
        "api:action_detail": {"code": world["action"].code},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


# name: (method, {person: expected status}); 302 from anonymous means "sent to sign in".
CASES = {
    "dashboard": ("get", {ANON: 302, "dan": 200, "bob": 200, "carol": 200}),
    "healthz": ("get", {ANON: 200}),
    "accessibility": ("get", {ANON: 200, "bob": 200}),
    "login": ("get", {ANON: 200}),
    "logout": ("post", {ANON: 302, "bob": 302}),
    "password_reset": ("get", {ANON: 200}),
    "password_reset_done": ("get", {ANON: 200}),
    "password_reset_confirm": ("get", {ANON: 200}),
    "password_reset_complete": ("get", {ANON: 200}),
    # Two-factor pages: Bob has no authenticator app, so the pages about one send him on.
    "profile": ("get", {ANON: 302, "bob": 200}),
    "two_factor_setup": ("get", {ANON: 302, "bob": 200}),
    "two_factor_verify": ("get", {ANON: 302, "bob": 302}),
    "two_factor_recovery_codes": ("get", {ANON: 302, "bob": 302}),
    "two_factor_confirm": ("get", {ANON: 302, "bob": 200}),
    "two_factor_turn_off": ("get", {ANON: 302, "bob": 302}),
    "organisations:detail": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    # People: only the organisation's admins (Amy) and platform admins manage them; its
    # other members and its partners (Carol) are refused, outsiders see nothing.
    "organisations:people": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 403, "amy": 200},
    ),
    "organisations:invite": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "amy": 200},
    ),
    "organisations:invitation_revoke": (
        "post",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "amy": 302},
    ),
    "organisations:member_role": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "amy": 200},
    ),
    "organisations:member_deactivate": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "amy": 200},
    ),
    # The link in the email works without signing in; signed in as someone else, it explains.
    "organisations:accept_invitation": ("get", {ANON: 200, "dan": 403, "bob": 403}),
    "organisations:switch": ("get", {ANON: 302, "dan": 200, "bob": 200}),
    "partnerships:create": ("get", {ANON: 302, "alice": 403, "bob": 403, "carol": 200}),
    "partnerships:detail": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    "partnerships:edit": ("get", {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200}),
    # The add-partner page's search, as JSON for its autocomplete: as the page itself.
    "partnerships:organisation_search": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:participants": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    # A partner that is not on the service yet, and a partner's first admin: as the partners.
    "partnerships:partner_organisation_add": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:participant_invite": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:participant_remove": (
        "post",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403},
    ),
    # Reviews: the lead commissioner runs them; partners follow progress and read results.
    "partnerships:review_open": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:review_detail": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    "partnerships:health_check": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:review_close": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:review_results": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    # A partner's one reply to the results: its own editors write it (Alice); its viewers
    # (Bob) and other partners (Carol, for the lead commissioner) are refused.
    "partnerships:review_reply": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "carol": 403, "alice": 200},
    ),
    # An assessment is its organisation's own: other partners (Carol) get 404 too.
    "partnerships:assessment": (
        "get",
        {ANON: 302, "dan": 404, "carol": 404, "bob": 200, "alice": 200},
    ),
    "partnerships:assessment_principle": (
        "get",
        {ANON: 302, "dan": 404, "carol": 404, "bob": 200, "alice": 200},
    ),
    "partnerships:assessment_check": (
        "get",
        {ANON: 302, "dan": 404, "carol": 404, "bob": 200, "alice": 200},
    ),
    "partnerships:assessment_submit": ("post", {ANON: 302, "dan": 404, "carol": 404, "bob": 403}),
    # Actions: any partner's editors add them; the owner's editors or commissioners change them.
    "partnerships:action_list": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    "partnerships:action_create": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 200, "carol": 200},
    ),
    "partnerships:action_edit": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 200, "carol": 200},
    ),
    "partnerships:action_done": ("post", {ANON: 302, "dan": 404, "bob": 403}),
    # Concerns: a partner's editors raise them; the raising organisation and the lead
    # commissioner see one raised for the lead only (so does Bob, of the raising charity);
    # the lead acknowledges and answers; the raiser's editors close or withdraw. Closing
    # waits for an answer, so Alice is sent back to the concern (302).
    "partnerships:concern_list": ("get", {ANON: 302, "dan": 404, "bob": 200, "carol": 200}),
    "partnerships:concern_create": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 200, "carol": 200},
    ),
    "partnerships:concern_detail": (
        "get",
        {ANON: 302, "dan": 404, "bob": 200, "alice": 200, "carol": 200},
    ),
    "partnerships:concern_acknowledge": (
        "post",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 302},
    ),
    "partnerships:concern_respond": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:concern_close": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "carol": 403, "alice": 302},
    ),
    "partnerships:concern_withdraw": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "carol": 403, "alice": 200},
    ),
    # Reports: platform admins and commissioners (editors and admins of an NHS organisation).
    "partnerships:reports": (
        "get",
        {ANON: 302, "dan": 403, "bob": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:report_downloads": (
        "get",
        {ANON: 302, "dan": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:report_csv": ("get", {ANON: 302, "dan": 403, "alice": 403, "carol": 200}),
    "partnerships:report_xlsx": ("get", {ANON: 302, "dan": 403, "alice": 403, "carol": 200}),
    "partnerships:report_pdf": ("get", {ANON: 302, "alice": 403, "carol": 200}),
    # A workbook built in the background is its requester's alone: anyone else's is not there.
    "partnerships:report_export": ("get", {ANON: 302, "alice": 403, "carol": 404}),
    "partnerships:partnership_report": (
        "get",
        {ANON: 302, "dan": 403, "alice": 403, "carol": 200},
    ),
    "partnerships:partnership_pdf": ("get", {ANON: 302, "alice": 403, "carol": 200}),
    # Successions: platform admins record them, assign a split's partnerships and accept
    # people all at once; the successor's admins (Amy) accept its people; its members see
    # the handover pack, its partners (Carol) are refused it.
    "partnerships:successions": ("get", {ANON: 302, "dan": 403, "carol": 403, "ada": 200}),
    "partnerships:succession_record": (
        "get",
        {ANON: 302, "dan": 403, "carol": 403, "amy": 403, "ada": 200},
    ),
    "partnerships:offers_accept_all": ("post", {ANON: 302, "amy": 403, "carol": 403}),
    "partnerships:transfer_assign": ("get", {ANON: 302, "dan": 403, "amy": 403, "ada": 200}),
    "partnerships:handover": (
        "get",
        {ANON: 302, "dan": 404, "carol": 403, "bob": 200, "amy": 200, "ada": 200},
    ),
    "partnerships:handover_pdf": ("get", {ANON: 302, "dan": 404, "carol": 403, "bob": 200}),
    "partnerships:handover_csv": ("get", {ANON: 302, "dan": 404, "carol": 403, "bob": 200}),
    "organisations:membership_offers": (
        "get",
        {ANON: 302, "dan": 404, "bob": 403, "alice": 403, "carol": 403, "amy": 200},
    ),
    # The read API: each person's own token (API_URLS); no token is a 401. Another
    # organisation's object is a 404 as on its page; the report is for commissioners.
    "api:organisation_list": ("get", {ANON: 401, "dan": 200, "bob": 200}),
    "api:organisation_detail": ("get", {ANON: 401, "dan": 404, "bob": 200, "carol": 200}),
    "api:partnership_list": ("get", {ANON: 401, "dan": 200, "bob": 200}),
    "api:partnership_detail": ("get", {ANON: 401, "dan": 404, "bob": 200, "carol": 200}),
    "api:review_list": ("get", {ANON: 401, "dan": 200, "bob": 200}),
    "api:review_detail": ("get", {ANON: 401, "dan": 404, "bob": 200, "carol": 200}),
    "api:action_list": ("get", {ANON: 401, "dan": 200, "bob": 200}),
    "api:action_detail": ("get", {ANON: 401, "dan": 404, "bob": 200, "carol": 200}),
    "api:report_summary": ("get", {ANON: 401, "dan": 403, "alice": 403, "carol": 200, "ada": 200}),
    # Its description is public, for people and programs.
    "api:schema": ("get", {ANON: 200}),
    "api:docs": ("get", {ANON: 200, "bob": 200}),
    # Tokens are made and revoked from the profile page: each person only their own.
    "api:token_create": ("get", {ANON: 302, "bob": 200}),
    "api:token_revoke": ("post", {ANON: 302, "dan": 404, "bob": 302}),
}

# Reached with the person's API token rather than a signed-in session.
API_URLS = {
    name
    for name in CASES
    if name.startswith("api:") and name.split(":")[1].endswith(("_list", "_detail", "_summary"))
}


def test_every_url_has_an_access_case():
    missing = sorted(set(_named_patterns()) - set(CASES))
    assert not missing, f"URLs without an access case in CASES: {missing}"


@pytest.mark.parametrize(
    ("name", "person", "method", "expected"),
    [
        (name, person, method, expected)
        for name, (method, statuses) in CASES.items()
        for person, expected in statuses.items()
    ],
)
def test_access(client, world, name, person, method, expected):
    url = _url(name, world)
    headers = {}
    if name in API_URLS and person != ANON:
        from api.services import token_create

        headers["HTTP_AUTHORIZATION"] = (
            "Bearer " + token_create(user=world[person], name="Access", days=30)[1]
        )
    elif person != ANON:
        client.force_login(world[person])
    before = database_snapshot()
    response = getattr(client, method)(url, **headers)
    assert response.status_code == expected, f"{person} {method.upper()} {url}"
    if expected in (403, 404, 405):
        assert database_snapshot() == before, f"a refused {method.upper()} {url} changed data"
    if person == ANON and expected == 302 and name != "logout":
        assert response.url.startswith(reverse("login"))
    if response.get("Content-Type", "").startswith("text/html"):
        _assert_no_template_syntax(response.content.decode(), f"{person} {url}")


# Template syntax that reaches a page is a tag or comment the template language did not read
# (a `{# #}` comment over several lines is shown as text, for one).
TEMPLATE_SYNTAX = ("{#", "{%", "{{", "#}", "%}", "}}")


def _assert_no_template_syntax(html, where):
    for syntax in TEMPLATE_SYNTAX:
        at = html.find(syntax)
        assert at == -1, f"{where} shows template syntax: …{html[max(0, at - 80) : at + 80]}…"
