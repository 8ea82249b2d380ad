"""Every free-text field has a documented maximum (docs/limits.md), enforced by its form, with
the message beside the field and nothing typed lost, and by the database."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse

from config.limits import refuse_longer
from partnerships.models import (
    Action,
    Concern,
    HealthCheck,
    HealthCheckEntry,
    Rating,
    Reply,
    Review,
)
from principles.models import Framework, Principle, Statement
from tests.conftest import submit

LIMITS = [
    (Review, "summary", 5_000),
    (Rating, "comment", 2_000),
    (HealthCheckEntry, "comment", 2_000),
    (Action, "description", 2_000),
    (Concern, "what_happened", 2_000),
    (Concern, "would_like", 2_000),
    (Concern, "response", 2_000),
    (Reply, "text", 2_000),
    (Framework, "source", 1_000),
    (Principle, "definition", 2_000),
    (Principle, "guidance", 5_000),
    (Statement, "text", 1_000),
]
# Written by the app, never typed by a person: the mail server's last answer to a reminder,
# and the copy of a review's result kept for the read API.
NOT_TYPED = {
    ("partnerships", "reminder", "last_error"),
    ("partnerships", "reviewresult", "data"),
    ("partnerships", "reviewresult", "data_for_partners"),
}
LIMITS_DOC = Path(settings.BASE_DIR) / "docs" / "limits.md"


def _text_fields():
    for label in ("organisations", "principles", "partnerships"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField | models.CharField):
                    yield label, model, field


def test_every_free_text_field_has_a_limit_in_the_form_the_database_and_the_docs():
    doc = LIMITS_DOC.read_text()
    listed = {(model, field, limit) for model, field, limit in LIMITS}
    for label, model, field in _text_fields():
        if (label, model._meta.model_name, field.name) in NOT_TYPED:
            continue
        where = f"{model._meta.label}.{field.name}"
        assert field.max_length, f"{where} has no max_length"
        if isinstance(field, models.TextField):
            # A TextField's column has no length of its own: a check constraint gives it one.
            assert (model, field.name, field.max_length) in listed, where
            assert any(
                field.name in str(constraint.condition)
                and str(field.max_length) in str(constraint.condition)
                for constraint in model._meta.constraints
                if isinstance(constraint, models.CheckConstraint)
            ), f"{where} has no check constraint"
            assert re.search(rf"`{where}`.*{field.max_length:,}", doc), f"{where} not in the doc"


@pytest.fixture
def rows(world, carol, concern):
    """One row of each model that has a limit."""
    submit(world["charity_assessment"], by=world["alice"])
    health_check = HealthCheck.objects.create(review=world["open_review"], recorded_by=carol)
    HealthCheckEntry.objects.create(
        health_check=health_check,
        principle=world["open_review"].framework.principles.first(),
        rag="green",
    )
    Reply.objects.create(
        review=world["closed_review"], organisation=world["charity"], side="vcse", text="Fair"
    )
    return {model: model.objects.first() for model, _, _ in LIMITS}


@pytest.mark.parametrize(("model", "field", "limit"), LIMITS)
def test_the_database_refuses_longer_text(rows, model, field, limit):
    row = rows[model]
    query = model.objects.filter(pk=row.pk)
    with transaction.atomic():
        query.update(**{field: "é" * limit})  # characters, not bytes
    with pytest.raises(IntegrityError), transaction.atomic():
        query.update(**{field: "x" * (limit + 1)})


def _health_check_url(review):
    return reverse(
        "partnerships:health_check",
        kwargs={"code": review.partnership.code, "review_code": review.code},
    )


def _health_check(**overrides):
    data = {f"rag_{n}": "green" for n in range(1, 8)}
    data.update({f"comment_{n}": "" for n in range(1, 8)})
    data.update(overrides)
    return data


def test_a_mebibyte_summary_is_refused_beside_the_field_and_kept(client, carol, open_review):
    client.force_login(carol)
    typed = "Mostly good. " * 80_660 + "THE END"  # 1 MiB
    response = client.post(
        _health_check_url(open_review), _health_check(summary=typed, comment_2="Kept too")
    )
    assert response.status_code == 200
    # In the error summary, and beside the field.
    assert response.text.count("Summary must be 5,000 characters or fewer") == 2
    assert "THE END</textarea>" in response.text and "Kept too" in response.text
    assert not HealthCheck.objects.exists()
    open_review.refresh_from_db()
    assert open_review.summary == ""


def test_a_health_check_comment_over_the_limit_is_refused(client, carol, open_review):
    client.force_login(carol)
    response = client.post(_health_check_url(open_review), _health_check(comment_3="x" * 2_001))
    assert response.status_code == 200
    assert "Comment on Joint Vision must be 2,000 characters or fewer" in response.text
    assert not HealthCheck.objects.exists()


def test_a_line_break_counts_once_as_the_browser_counts_it(client, carol, open_review):
    client.force_login(carol)
    typed = ("a" * 99 + "\r\n") * 50  # 5,000 in the box, 5,050 as the browser sends it
    response = client.post(_health_check_url(open_review), _health_check(summary=typed))
    assert response.status_code == 302
    open_review.refresh_from_db()
    assert open_review.summary == typed.replace("\r\n", "\n").strip()


def test_a_migration_that_adds_a_limit_stops_on_longer_text(open_review):
    Review.objects.filter(pk=open_review.pk).update(summary="Twelve chars")
    with pytest.raises(RuntimeError) as raised:
        refuse_longer(apps, [("partnerships", "Review", "summary", 5)])
    assert f"partnerships.Review {open_review.pk}: summary has 12 characters" in str(raised.value)
    refuse_longer(apps, [("partnerships", "Review", "summary", 12)])
