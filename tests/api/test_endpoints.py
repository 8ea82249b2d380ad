"""The read API's endpoints: what they return, to whom, a page at a time."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations.models import AuditEvent, Membership, Organisation
from partnerships import results
from partnerships.models import Assessment, Participant, Partnership, Review
from partnerships.services.actions import action_update
from tests.conftest import make_user, store_result, submit


@pytest.fixture(autouse=True)
def _fresh_counts():
    caches["api"].clear()


@pytest.fixture
def confidential(closed_review, partnership, icb, charity):
    """The closed review made confidential by side, both partners having answered: each side
    has one organisation, too few to be shown, so partners see no figures."""
    for organisation, score in ((icb, 4), (charity, 2)):
        assessment = Assessment.objects.create(review=closed_review, organisation=organisation)
        submit(assessment, default=score)
    closed_review.visibility = Review.Visibility.CONFIDENTIAL
    closed_review.save(update_fields=["visibility"])
    return store_result(closed_review)


def _review(api, user, review):
    response = api(user).get(f"/api/v1/reviews/{review.code}")
    assert response.status_code == 200
    return response.json()


def test_a_confidential_review_withholds_what_the_results_page_withholds(
    api, confidential, bob, ada, charity
):
    shown = _review(api, bob, confidential)["result"]
    page = results.review_result(confidential, user=bob)
    assert shown["hidden"] is True
    assert shown["score"] is None and shown["index"] is None and shown["rag"] is None
    assert "score" in shown["withheld"]
    for row, principle in zip(shown["principles"], page.principles, strict=True):
        assert row["score"] is None and principle.score is None
        assert row["sides"] == {"nhs": None, "local_government": None, "vcse": None}
        assert row["gap"] is None and row["gap_flag"] == "withheld"
        # Only Bob's own organisation's scores, as on the results page.
        assert [o["organisation"] for o in row["organisations"]] == [str(charity.code)]
        assert row["organisations"][0]["score"] == 2.0
    # A platform admin sees every figure.
    everything = _review(api, ada, confidential)["result"]
    assert everything["hidden"] is False
    assert everything["score"] == 3.0 and everything["index"] == 50.0
    assert len(everything["principles"][0]["organisations"]) == 2
    assert everything["principles"][0]["sides"]["nhs"] == 4.0


def test_a_list_of_reviews_withholds_the_same_figures(api, confidential, bob):
    listed = api(bob).get("/api/v1/reviews", {"state": "closed"}).json()["results"]
    assert [r["code"] for r in listed] == [str(confidential.code)]
    result = listed[0]["result"]
    assert result["score"] is None and result["hidden"] is True
    assert all("organisations" not in p for p in result["principles"])
    assert all(p["sides"]["vcse"] is None for p in result["principles"])


@pytest.mark.parametrize("visibility", [Review.Visibility.CONFIDENTIAL, Review.Visibility.OPEN])
def test_a_listed_review_is_the_review_less_each_organisations_scores(
    api, confidential, bob, carol, ada, visibility
):
    """A list passes on the result stored with the review; one review is worked out from
    its figures for the reader: the two agree but for the organisations' own scores."""
    Review.objects.filter(pk=confidential.pk).update(visibility=visibility)
    store_result(confidential)
    for reader in (bob, carol, ada):
        listed = api(reader).get("/api/v1/reviews", {"state": "closed"}).json()["results"]
        one = _review(api, reader, confidential)
        for principle in one["result"]["principles"]:
            del principle["organisations"]
        assert listed == [one]


def test_an_open_reviews_results_are_not_given(api, open_review, bob):
    shown = _review(api, bob, open_review)
    assert shown["result"] is None and shown["summary"] is None
    assert shown["timeliness"] in ("overdue", "not_due")


def test_an_open_review_shows_every_partners_scores(api, closed_review, icb, charity, bob):
    for organisation, score in ((icb, 4), (charity, 2)):
        submit(
            Assessment.objects.create(review=closed_review, organisation=organisation),
            default=score,
        )
    store_result(closed_review)
    shown = _review(api, bob, closed_review)["result"]
    assert shown["score"] == 3.0 and shown["hidden"] is False
    assert {o["score"] for o in shown["principles"][0]["organisations"]} == {2.0, 4.0}
    assert (
        shown["principles"][0]["gap"] == 2.0 and shown["principles"][0]["gap_flag"] == "significant"
    )


def test_it_hides_other_organisations_objects(api, world):
    dan = world["dan"]
    for path in ("partnerships", "reviews", "actions"):
        assert api(dan).get(f"/api/v1/{path}").json()["results"] == []
    codes = [o["code"] for o in api(dan).get("/api/v1/organisations").json()["results"]]
    assert codes == [str(dan.memberships.get().organisation.code)]


def test_partnerships_come_with_partners_area_dates_and_value(api, partnership, bob, icb, charity):
    Partnership.objects.filter(pk=partnership.pk).update(
        annual_value="125000.50", starts_on=datetime.date(2025, 4, 1)
    )
    shown = api(bob).get(f"/api/v1/partnerships/{partnership.code}").json()
    assert shown["icb"] == {"code": str(icb.code), "name": icb.name}
    assert shown["annual_value"] == 125000.5 and shown["starts_on"] == "2025-04-01"
    assert {(p["organisation"]["code"], p["side"], p["role"]) for p in shown["partners"]} == {
        (str(icb.code), "nhs", "lead_commissioner"),
        (str(charity.code), "vcse", "vcse_partner"),
    }


def test_organisations_come_with_their_org_ids_and_side(api, charity, bob):
    shown = api(bob).get(f"/api/v1/organisations/{charity.code}").json()
    assert shown["org_ids"] == ["GB-CHC-1123456"] and shown["side"] == "vcse"
    charity.other_identifiers.create(scheme="OSCR", value="SC045458")  # in Scotland too
    listed = api(bob).get("/api/v1/organisations").json()
    mine = next(o for o in listed["results"] if o["code"] == str(charity.code))
    assert mine["org_ids"] == ["GB-CHC-1123456", "GB-SC-SC045458"]


def test_updated_since_lists_only_what_changed(api, world, carol):
    client = api(carol)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    since = {"updated_since": later.isoformat()}
    assert client.get("/api/v1/actions", since).json()["results"] == []
    import time_machine

    with time_machine.travel(later + datetime.timedelta(minutes=1)):
        action_update(action=world["action"], by=carol, status="done")
    changed = client.get("/api/v1/actions", since).json()["results"]
    assert [a["code"] for a in changed] == [str(world["action"].code)]
    assert client.get("/api/v1/partnerships", since).json()["results"] == []


def test_an_unchanged_answer_is_a_304(api, world):
    client = api(world["bob"])
    first = client.get("/api/v1/reviews")
    assert first.status_code == 200 and first["ETag"]
    again = client.get("/api/v1/reviews", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    Review.objects.filter(pk=world["open_review"].pk).update(due_on=datetime.date(2026, 12, 31))
    assert client.get("/api/v1/reviews", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def _many_partnerships(framework, icb, charity, carol, count):
    for i in range(count):
        partnership = Partnership.objects.create(
            name=f"Partnership {i}", kind="grant", icb=icb, framework=framework
        )
        Participant.objects.create(
            partnership=partnership, organisation=icb, role="lead_commissioner"
        )
        Participant.objects.create(
            partnership=partnership, organisation=charity, role="vcse_partner"
        )
        review = Review.objects.create(
            partnership=partnership,
            framework=framework,
            opened_on=datetime.date(2025, 1, 6),
            due_on=datetime.date(2025, 2, 3),
            state="closed",
            closed_on=datetime.date(2025, 2, 3),
            overall_rag="green",
            visibility="confidential" if i % 2 else "open",
        )
        submit(Assessment.objects.create(review=review, organisation=charity), default=3)
        store_result(review)


def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path", ["/api/v1/reviews", "/api/v1/partnerships", "/api/v1/actions", "/api/v1/organisations"]
)
def test_a_page_costs_the_same_queries_however_many_rows(
    api, framework, icb, charity, carol, bob, path
):
    client = api(bob)
    _many_partnerships(framework, icb, charity, carol, 2)
    few = _queries(client, path)
    _many_partnerships(framework, icb, charity, carol, 8)
    assert _queries(client, path) == few


def test_a_page_of_reviews_takes_a_fixed_number_of_queries(
    api, framework, icb, charity, carol, bob
):
    """The token, its last use, the membership check, the page (with its partnerships,
    their ICBs and the framework) and the page's stored results: pinned, so a new query is
    seen."""
    _many_partnerships(framework, icb, charity, carol, 5)
    assert _queries(api(bob), "/api/v1/reviews") == 5


def test_pages_follow_each_other_in_a_stable_order(api, framework, icb, charity, carol, bob):
    _many_partnerships(framework, icb, charity, carol, 5)
    client = api(bob)
    seen, url = [], "/api/v1/reviews?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [r["code"] for r in page["results"]]
        url = page["next"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 5


def test_a_bad_cursor_is_a_404_and_a_bad_filter_a_400_that_say_why(api, bob):
    client = api(bob)
    response = client.get("/api/v1/reviews", {"cursor": "not-a-cursor"})
    assert response.status_code == 404 and "cursor" in response.json()["detail"]
    response = client.get("/api/v1/reviews", {"updated_since": "yesterday", "state": "ajar"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"updated_since", "state"}


def test_an_export_sized_request_is_in_the_audit_trail(
    settings, api, framework, icb, charity, carol, bob
):
    settings.API_EXPORT_ROWS = 3
    _many_partnerships(framework, icb, charity, carol, 4)
    client = api(bob)
    client.get("/api/v1/reviews?page_size=3")
    assert not AuditEvent.objects.filter(action="export.api").exists()
    client.get("/api/v1/reviews?page_size=4")
    event = AuditEvent.objects.get(action="export.api")
    assert event.actor == bob and event.changes["rows"] == 4
    assert event.changes["path"] == "/api/v1/reviews"


def test_the_report_takes_the_report_pages_filters(api, world, icb):
    client = api(world["carol"])
    everything = client.get("/api/v1/reports/summary").json()
    assert everything["partnerships"] == 1 and everything["late"] == 1
    other = Organisation.objects.create(name="NHS South ICB", kind="icb", ods_code="QSS")
    assert client.get("/api/v1/reports/summary", {"icb": str(icb.code)}).json()["partnerships"] == 1
    # An ICB outside the person's partnerships is left out and the answer says so, as the page.
    ignored = client.get("/api/v1/reports/summary", {"icb": str(other.code)}).json()
    assert "Select an ICB from the list" in ignored["ignored"]["icb"][0]
    assert ignored["partnerships"] == 1 and ignored["filters"] == everything["filters"]
    refused = client.get("/api/v1/reports/summary", {"closed_from": "2026-02-30"})
    assert refused.status_code == 400 and "closed_from" in refused.json()["errors"]


def test_the_report_is_for_commissioners(api, world):
    refused = api(world["alice"]).get("/api/v1/reports/summary")
    assert refused.status_code == 403 and "commissioners" in refused.json()["detail"]


def test_a_partner_that_joined_another_partnership_sees_it(api, world, framework, outside_charity):
    """Dan's charity joins the partnership: his token finds it on the next request."""
    dan = world["dan"]
    code = world["partnership"].code
    assert api(dan).get(f"/api/v1/partnerships/{code}").status_code == 404
    Participant.objects.create(
        partnership=world["partnership"], organisation=outside_charity, role="vcse_partner"
    )
    assert api(dan).get(f"/api/v1/partnerships/{code}").status_code == 200


def test_a_person_without_an_organisation_is_refused(api, db):
    loner = make_user("lone@nowhere.example")
    assert not Membership.objects.filter(user=loner).exists()
    assert api(loner).get("/api/v1/reviews").status_code == 403
