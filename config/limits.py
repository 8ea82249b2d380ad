"""Free-text limits: each long text field has a maximum, enforced by its form and, as a check
constraint, by the database (the table is in docs/limits.md).

A CharField's database column already has its length; a TextField's has none, so it gets
`max_length` (which its model form and the admin enforce) and `length_limit` here.
"""

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual


def length_limit(field: str, limit: int, *, name: str, label: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=name,
        violation_error_message=f"{label} must be {limit:,} characters or fewer.",
    )


def refuse_longer(apps, limits) -> None:
    """For a migration that adds limits: stops it, changing nothing, while rows are longer,
    and lists them. Shortening someone's text is for a person to decide, in the admin.

    `limits` is [(app label, model name, field, limit)].
    """
    found = []
    for app_label, model_name, field, limit in limits:
        model = apps.get_model(app_label, model_name)
        rows = (
            model.objects.annotate(length=Length(field))
            .filter(length__gt=limit)
            .values_list("pk", "length")
        )
        found += [
            f"  {app_label}.{model_name} {pk}: {field} has {length:,} characters, "
            f"the limit is {limit:,}"
            for pk, length in rows
        ]
    if found:
        raise RuntimeError(
            "Some text is longer than its new limit. Nothing was changed. Shorten these "
            "(in the admin), then migrate again:\n" + "\n".join(found)
        )
