"""What each reminder says: what is due, for which partnership, by when, and where to do it."""

import pytest

from partnerships.models import Assessment, Reminder
from partnerships.services import reminders

Kind = Reminder.Kind
SITE = "http://127.0.0.1:8000"
OPT_OUT = "To stop reminders like this one"
ESSENTIAL = "We send this email whatever your notification choices"


def _email(**fields):
    reminder = Reminder.objects.create(period_key="key", **fields)
    return reminder, reminders.reminder_email(reminder)


def _html(message):
    (content, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return content


def _check(message, *, subject, link, essential=False):
    html = _html(message)
    assert message.subject == subject
    assert link in message.body
    assert f'href="{link}"' in html.replace("&amp;", "&")
    assert '<html lang="en-GB">' in html
    assert (ESSENTIAL if essential else OPT_OUT) in message.body
    assert (ESSENTIAL if essential else OPT_OUT) in html
    # The way to opt out, the profile page, only where there is something to opt out of.
    profile = f"{SITE}/accounts/profile/"
    if essential:
        assert profile not in message.body
        assert profile not in html
    else:
        assert profile in message.body
        assert f'href="{profile}"' in html


def test_review_due(partnership, carol):
    _, message = _email(kind=Kind.REVIEW_DUE, partnership=partnership, recipient=carol)
    _check(
        message,
        subject="The review of Riverside Partnership is due by 31 March 2027",
        link=f"{SITE}/partnerships/{partnership.code}/reviews/new/",
    )
    assert message.body.startswith("Hello Carol,")


def test_assessment_due(open_review, charity_assessment, alice):
    _, message = _email(
        kind=Kind.ASSESSMENT_DUE,
        partnership=open_review.partnership,
        assessment=charity_assessment,
        recipient=alice,
    )
    _check(
        message,
        subject="Riverside Mind’s self-assessment for Riverside Partnership is due by "
        "30 November 2026",
        link=f"{SITE}/partnerships/{open_review.partnership.code}/reviews/{open_review.code}"
        f"/assessments/{charity_assessment.code}/",
    )


def test_assessment_overdue_to_the_organisation(open_review, charity_assessment, alice):
    _, message = _email(
        kind=Kind.ASSESSMENT_OVERDUE,
        partnership=open_review.partnership,
        assessment=charity_assessment,
        recipient=alice,
    )
    assert message.subject == "Overdue: Riverside Mind’s self-assessment for Riverside Partnership"
    assert "was due by 30 November 2026 and has not been submitted" in message.body
    assert OPT_OUT in message.body


def test_assessment_overdue_copy_to_the_lead_commissioner(open_review, charity_assessment, carol):
    _, message = _email(
        kind=Kind.ASSESSMENT_OVERDUE,
        partnership=open_review.partnership,
        assessment=charity_assessment,
        recipient=carol,
    )
    _check(
        message,
        subject="Riverside Mind has not submitted its self-assessment for Riverside Partnership",
        link=f"{SITE}/partnerships/{open_review.partnership.code}/reviews/{open_review.code}/",
        essential=True,
    )
    assert "because you act for the lead commissioner" in message.body


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (Kind.ACTION_DUE, "An action for Riverside Partnership is due by 31 January 2027"),
        (
            Kind.ACTION_OVERDUE,
            "Overdue: an action for Riverside Partnership was due by 31 January 2027",
        ),
    ],
)
def test_action(action, alice, charity, kind, subject):
    _, message = _email(kind=kind, partnership=action.partnership, action=action, recipient=alice)
    _check(
        message,
        subject=subject,
        link=f"{SITE}/partnerships/{action.partnership.code}/actions/?owner={charity.code}&status=open",
    )
    assert "Agree a lighter quarterly report" in message.body
    assert "assigned to you" in message.body


def test_review_opened(open_review, charity_assessment, alice):
    _, message = _email(
        kind=Kind.REVIEW_OPENED,
        partnership=open_review.partnership,
        assessment=charity_assessment,
        recipient=alice,
    )
    _check(
        message,
        subject="Please complete Riverside Mind’s self-assessment for Riverside Partnership by "
        "30 November 2026",
        link=f"{SITE}/partnerships/{open_review.partnership.code}/reviews/{open_review.code}"
        f"/assessments/{charity_assessment.code}/",
        essential=True,
    )


def test_results_published(closed_review, bob):
    _, message = _email(
        kind=Kind.RESULTS_PUBLISHED,
        partnership=closed_review.partnership,
        review=closed_review,
        recipient=bob,
    )
    _check(
        message,
        subject="The results of the Riverside Partnership review are published",
        link=f"{SITE}/partnerships/{closed_review.partnership.code}/reviews/"
        f"{closed_review.code}/results/",
    )
    assert "opened on 3 November 2025" in message.body


def test_a_name_cannot_break_the_subject_or_the_html(partnership, carol):
    partnership.name = "Riverside\nBcc: x@evil.example <b>Partnership</b>"
    partnership.save(update_fields=["name"])
    _, message = _email(kind=Kind.REVIEW_DUE, partnership=partnership, recipient=carol)
    assert "\n" not in message.subject
    assert "<b>Partnership</b>" not in _html(message)
    assert "&lt;b&gt;Partnership&lt;/b&gt;" in _html(message)


def test_the_message_id_is_stable(partnership, carol):
    reminder, first = _email(kind=Kind.REVIEW_DUE, partnership=partnership, recipient=carol)
    again = reminders.reminder_email(reminder)
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"] == f"<reminder-{reminder.pk}@127.0.0.1>"


def test_every_kind_has_its_templates():
    from django.template.loader import get_template

    for kind in Kind.values:
        for name in ("subject.txt", "body.txt", "body.html"):
            get_template(f"emails/{kind}/{name}")


def test_an_in_progress_assessment_says_the_answers_are_kept(
    open_review, charity_assessment, alice
):
    Assessment.objects.filter(pk=charity_assessment.pk).update(state="in_progress")
    charity_assessment.refresh_from_db()
    _, message = _email(
        kind=Kind.ASSESSMENT_DUE,
        partnership=open_review.partnership,
        assessment=charity_assessment,
        recipient=alice,
    )
    assert "your answers so far are saved" in message.body
