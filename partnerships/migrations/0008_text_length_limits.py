"""Free-text limits: max_length for the forms, and a check constraint in the database."""

import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models

from config.limits import refuse_longer

# The limits as this migration sets them (docs/limits.md): existing text longer than one
# stops it before anything changes, with a list, rather than failing on the constraint.
LIMITS = [
    ("partnerships", "Review", "summary", 5_000),
    ("partnerships", "Rating", "comment", 2_000),
    ("partnerships", "HealthCheckEntry", "comment", 2_000),
    ("partnerships", "Action", "description", 2_000),
]


def check_lengths(apps, schema_editor):
    refuse_longer(apps, LIMITS)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0006_hash_recovery_codes"),
        ("partnerships", "0007_reminder_uncertain_cancelled"),
        ("principles", "0003_text_length_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(check_lengths, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="action",
            name="description",
            field=models.TextField(max_length=2000),
        ),
        migrations.AlterField(
            model_name="healthcheckentry",
            name="comment",
            field=models.TextField(blank=True, max_length=2000),
        ),
        migrations.AlterField(
            model_name="rating",
            name="comment",
            field=models.TextField(blank=True, max_length=2000),
        ),
        migrations.AlterField(
            model_name="review",
            name="summary",
            field=models.TextField(
                blank=True, max_length=5000, verbose_name="commissioner's summary"
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("description"), 2000
                ),
                name="action_description_length",
                violation_error_message="What needs to happen must be 2,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="healthcheckentry",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("comment"), 2000
                ),
                name="health_check_entry_comment_length",
                violation_error_message="Comment must be 2,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="rating",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("comment"), 2000
                ),
                name="rating_comment_length",
                violation_error_message="Comment must be 2,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="review",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("summary"), 5000
                ),
                name="review_summary_length",
                violation_error_message="Summary must be 5,000 characters or fewer.",
            ),
        ),
    ]
