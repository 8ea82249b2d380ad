import re

import pytest
from django.urls import reverse

from organisations.models import Membership
from partnerships.models import Assessment, Rating
from partnerships.services.assessments import Answer, assessment_save_principle, assessment_submit
from tests.conftest import make_user


def _url(assessment, number=1):
    return reverse(
        "partnerships:assessment_principle",
        kwargs={
            "code": assessment.review.partnership.code,
            "review_code": assessment.review.code,
            "assessment_code": assessment.code,
            "number": number,
        },
    )


def _statements(assessment, number=1):
    return list(assessment.review.framework.principles.get(number=number).statements.all())


def _form(statements, scores, comments=(), intent="continue", version=1):
    """POST data: scores and comments in statement order; None leaves a statement unanswered."""
    data = {"version": str(version), "intent": intent}
    comments = list(comments) + [""] * (len(statements) - len(comments))
    for statement, score, comment in zip(statements, scores, comments, strict=True):
        if score is not None:
            data[f"score_{statement.id}"] = str(score)
        data[f"comment_{statement.id}"] = comment
    return data


def _checked(html, statement):
    return re.findall(rf'name="score_{statement.id}" type="radio" value="(\w+)" checked', html)


def _scores(assessment):
    return list(assessment.ratings.values_list("score", flat=True))


def test_it_works(client, alice, charity_assessment):
    client.force_login(alice)
    page = client.get(_url(charity_assessment))
    assert page.status_code == 200
    assert "1. Sustainability" in page.text
    assert "jointly committing leadership time and resource" in page.text
    assert "<cite>Working in Partnership</cite> (2014)" in page.text
    statements = _statements(charity_assessment)
    for statement in statements:
        assert statement.text.replace("'", "&#x27;") in page.text
    assert page.text.count('class="govuk-fieldset"') == 4
    assert page.text.count("<legend") == 4

    response = client.post(_url(charity_assessment), _form(statements, [4, 5, 3, 4]))
    assert response.status_code == 302
    assert response.url == _url(charity_assessment, number=2)
    assert _scores(charity_assessment) == [4, 5, 3, 4]
    charity_assessment.refresh_from_db()
    assert (charity_assessment.state, charity_assessment.version) == ("in_progress", 2)


def test_it_hides_from_outsiders(client, dan, charity_assessment):
    client.force_login(dan)
    statements = _statements(charity_assessment)
    assert client.get(_url(charity_assessment)).status_code == 404
    response = client.post(_url(charity_assessment), _form(statements, [4] * 4))
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_it_hides_another_partners_assessment(client, carol, charity_assessment, icb):
    client.force_login(carol)
    statements = _statements(charity_assessment)
    assert client.get(_url(charity_assessment)).status_code == 404
    response = client.post(_url(charity_assessment), _form(statements, [4] * 4))
    assert response.status_code == 404
    assert not Rating.objects.exists()
    # Her own organisation's assessment in the same review is hers to fill in.
    own = Assessment.objects.get(review=charity_assessment.review, organisation=icb)
    assert client.get(_url(own)).status_code == 200


def test_it_requires_role(client, bob, charity_assessment):
    client.force_login(bob)
    statements = _statements(charity_assessment)
    response = client.post(_url(charity_assessment), _form(statements, [4] * 4))
    assert response.status_code == 403
    assert "Only editors and admins of Riverside Mind" in response.text
    assert not Rating.objects.exists()
    # A viewer reads the page, without inputs, and is told why.
    page = client.get(_url(charity_assessment))
    assert page.status_code == 200
    assert "<input" not in page.text.split('id="main-content"')[1]
    assert "<textarea" not in page.text
    assert "You can read it." in page.text


@pytest.mark.parametrize("number", [0, 8, 99])
def test_a_principle_outside_the_framework_is_not_found(client, alice, charity_assessment, number):
    client.force_login(alice)
    assert client.get(_url(charity_assessment, number)).status_code == 404


def test_a_low_rating_asks_for_a_comment(client, alice, charity_assessment):
    client.force_login(alice)
    statements = _statements(charity_assessment)
    response = client.post(_url(charity_assessment), _form(statements, [4, 2, 4, 4]))
    assert response.status_code == 200
    message = (
        "Enter a comment for statement 1.2: a comment is needed when you strongly "
        "disagree or disagree"
    )
    comment_id = f"id_comment_{statements[1].id}"
    # In the error summary, linked to the field, and next to that statement's comment box.
    assert f'<a href="#{comment_id}">{message}</a>' in response.text
    assert re.search(
        rf'<p id="{comment_id}-error" class="govuk-error-message">'
        rf'<span class="govuk-visually-hidden">Error:</span> {message}</p>',
        response.text,
    )
    assert response.text.count(message) == 2
    assert "<title>Error: " in response.text
    assert not Rating.objects.exists()


def test_it_keeps_the_draft_when_the_form_is_invalid(client, alice, charity_assessment):
    client.force_login(alice)
    statements = _statements(charity_assessment)
    comments = ["Leaders meet monthly", "Finance is opaque", "", "Only a 2-year grant"]
    response = client.post(
        _url(charity_assessment), _form(statements, [5, 1, None, "dont_know"], comments)
    )
    assert response.status_code == 200
    assert _checked(response.text, statements[0]) == ["5"]
    assert _checked(response.text, statements[1]) == ["1"]
    assert _checked(response.text, statements[2]) == []
    assert _checked(response.text, statements[3]) == ["dont_know"]
    for comment in comments[:2] + comments[3:]:
        assert f"\n{comment}</textarea>" in response.text
    unanswered = f"id_score_{statements[2].id}"
    assert (
        f'<a href="#{unanswered}">Select how far you agree with statement 1.3, '
        f"or select “Don’t know”</a>" in response.text
    )
    assert f'id="{unanswered}" name="score_{statements[2].id}"' in response.text
    assert not Rating.objects.exists()


def test_come_back_later_saves_a_partial_page(client, alice, charity_assessment):
    client.force_login(alice)
    statements = _statements(charity_assessment)
    response = client.post(
        _url(charity_assessment),
        _form(statements, [3, None, None, 4], ["", "", "", "Renewed yearly"], intent="later"),
    )
    assert response.status_code == 302
    assert response.url == reverse(
        "partnerships:assessment",
        kwargs={
            "code": charity_assessment.review.partnership.code,
            "review_code": charity_assessment.review.code,
            "assessment_code": charity_assessment.code,
        },
    )
    ratings = charity_assessment.ratings.order_by("statement__order")
    assert [(r.statement_id, r.score, r.comment) for r in ratings] == [
        (statements[0].id, 3, ""),
        (statements[3].id, 4, "Renewed yearly"),
    ]
    page = client.get(_url(charity_assessment))
    assert _checked(page.text, statements[0]) == ["3"]
    assert "\nRenewed yearly</textarea>" in page.text


def test_come_back_later_still_applies_the_comment_rule(client, alice, charity_assessment):
    client.force_login(alice)
    statements = _statements(charity_assessment)
    response = client.post(
        _url(charity_assessment), _form(statements, [1, None, None, None], intent="later")
    )
    assert response.status_code == 200
    assert "Enter a comment for statement 1.1" in response.text
    assert not Rating.objects.exists()


def test_come_back_later_does_not_drop_a_comment_without_a_rating(
    client, alice, charity_assessment
):
    client.force_login(alice)
    statements = _statements(charity_assessment)
    response = client.post(
        _url(charity_assessment),
        _form(statements, [4, None, None, None], ["", "Half-formed thought"], intent="later"),
    )
    assert response.status_code == 200
    assert "Select a rating for statement 1.2 to save its comment" in response.text
    assert "\nHalf-formed thought</textarea>" in response.text
    assert not Rating.objects.exists()


def test_dont_know_is_saved_as_no_score(client, alice, charity_assessment):
    client.force_login(alice)
    statements = _statements(charity_assessment)
    client.post(_url(charity_assessment), _form(statements, ["dont_know", 4, 4, "dont_know"]))
    assert _scores(charity_assessment) == [None, 4, 4, None]
    page = client.get(_url(charity_assessment))
    assert _checked(page.text, statements[0]) == ["dont_know"]


def test_the_last_principle_continues_to_check_answers(client, alice, charity_assessment):
    client.force_login(alice)
    statements = _statements(charity_assessment, 7)
    response = client.post(_url(charity_assessment, 7), _form(statements, [4] * 4))
    assert response.status_code == 302
    assert response.url.endswith("/check/")


def test_a_stale_save_is_refused_and_shown_back(client, alice, charity, charity_assessment):
    erin = make_user("erin@riverside.example", charity, Membership.Role.EDITOR)
    statements = _statements(charity_assessment)
    client.force_login(alice)
    page = client.get(_url(charity_assessment))
    assert '<input type="hidden" name="version" value="1"' in page.text

    # Erin saves from her own browser while Alice is still working.
    other_tab = client.__class__()
    other_tab.force_login(erin)
    saved = other_tab.post(_url(charity_assessment), _form(statements, [5] * 4, version=1))
    assert saved.status_code == 302

    comments = ["", "", "We disagree here", ""]
    stale = _form(statements, [3, 3, 1, 3], comments, version=1)
    response = client.post(_url(charity_assessment), stale)
    assert response.status_code == 200
    assert (
        "Someone else at Riverside Mind saved this assessment while you were working on it. "
        "Your answers below have not been saved: check them against the latest and save again."
    ) in response.text
    assert _scores(charity_assessment) == [5] * 4  # nothing overwritten
    assert _checked(response.text, statements[2]) == ["1"]  # Alice's answers shown back
    assert "\nWe disagree here</textarea>" in response.text
    assert response.text.count("Latest saved answer:") == 4
    assert '<input type="hidden" name="version" value="2"' in response.text

    # Saving again, deliberately, from the version now on the page goes through.
    again = client.post(_url(charity_assessment), {**stale, "version": "2"})
    assert again.status_code == 302
    assert _scores(charity_assessment) == [3, 3, 1, 3]


def test_a_page_without_its_version_is_not_saved(client, alice, charity_assessment):
    client.force_login(alice)
    statements = _statements(charity_assessment)
    data = _form(statements, [4] * 4)
    del data["version"]
    response = client.post(_url(charity_assessment), data)
    assert response.status_code == 200
    assert "This page is out of date." in response.text
    assert _checked(response.text, statements[0]) == ["4"]
    assert not Rating.objects.exists()


def test_it_is_read_only_once_submitted(client, alice, charity_assessment):
    framework = charity_assessment.review.framework
    for principle in framework.principles.all():
        assessment_save_principle(
            assessment=charity_assessment,
            principle=principle,
            answers={s.id: Answer(4) for s in principle.statements.all()},
            expected_version=charity_assessment.version,
            by=alice,
        )
    assessment_submit(assessment=charity_assessment, by=alice)
    client.force_login(alice)
    page = client.get(_url(charity_assessment))
    assert page.status_code == 200
    assert "<textarea" not in page.text
    assert "submitted, so it is locked" in page.text
    assert "Agree" in page.text
    response = client.post(
        _url(charity_assessment), _form(_statements(charity_assessment), [1] * 4)
    )
    assert response.status_code == 403
    assert _scores(charity_assessment).count(4) == 28


def test_it_is_read_only_when_the_review_is_closed(client, alice, closed_review, charity):
    assessment = Assessment.objects.create(review=closed_review, organisation=charity)
    client.force_login(alice)
    page = client.get(_url(assessment))
    assert page.status_code == 200
    assert "<textarea" not in page.text
    assert "This review has closed" in page.text
    response = client.post(_url(assessment), _form(_statements(assessment), [4] * 4))
    assert response.status_code == 403
    assert not assessment.ratings.exists()


def test_a_change_from_check_answers_returns_there(client, alice, charity_assessment):
    statements = _statements(charity_assessment)
    client.force_login(alice)
    page = client.get(_url(charity_assessment) + "?from=check")
    assert 'name="from" value="check"' in page.text
    data = _form(statements, [4] * 4)
    data["from"] = "check"
    response = client.post(_url(charity_assessment), data)
    assert response.status_code == 302
    assert response.url.endswith("/check/")


def _comment_open(html, statement):
    """Whether the statement's comment starts open (its details element)."""
    block = html.split(f'id="statement-{statement.id}"', 1)[1].split("</details>", 1)[0]
    return bool(re.search(r"<details[^>]*\sopen>", block))


def test_it_says_which_principle_of_how_many(client, alice, charity_assessment):
    client.force_login(alice)
    assert "Principle 3 of 7</span>" in client.get(_url(charity_assessment, 3)).text


def test_its_scale_shows_numbers_and_its_ends_their_words(client, alice, charity_assessment):
    client.force_login(alice)
    html = client.get(_url(charity_assessment)).text
    labels = re.findall(r'class="govuk-label govuk-radios__label" for="[^"]+">(.*?)</label>', html)
    assert labels[:6] == [
        "1 Strongly disagree",
        '2<span class="govuk-visually-hidden"> Disagree</span>',
        '3<span class="govuk-visually-hidden"> Neither agree nor disagree</span>',
        '4<span class="govuk-visually-hidden"> Agree</span>',
        "5 Strongly agree",
        "Don’t know",
    ]


def test_a_comment_starts_open_when_it_is_needed_or_written(client, alice, charity_assessment):
    client.force_login(alice)
    statements = _statements(charity_assessment)
    html = client.get(_url(charity_assessment)).text
    assert not any(_comment_open(html, statement) for statement in statements)
    # Disagreeing without a comment: that one opens with its error; a written one stays open.
    html = client.post(
        _url(charity_assessment), _form(statements, [2, 4, 4, 4], ["", "", "Noted", ""])
    ).text
    assert [_comment_open(html, statement) for statement in statements] == [
        True,
        False,
        True,
        False,
    ]
