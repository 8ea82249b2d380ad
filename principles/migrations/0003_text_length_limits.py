"""Free-text limits: max_length for the forms, and a check constraint in the database."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models

from config.limits import refuse_longer

# The limits as this migration sets them (docs/limits.md): existing text longer than one
# stops it before anything changes, with a list, rather than failing on the constraint.
LIMITS = [
    ("principles", "Framework", "source", 1_000),
    ("principles", "Principle", "definition", 2_000),
    ("principles", "Principle", "guidance", 5_000),
    ("principles", "Statement", "text", 1_000),
]


def check_lengths(apps, schema_editor):
    refuse_longer(apps, LIMITS)


class Migration(migrations.Migration):
    dependencies = [
        ("principles", "0002_framework_2014"),
    ]

    operations = [
        migrations.RunPython(check_lengths, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="framework",
            name="source",
            field=models.TextField(
                help_text="The citation of the publication the principles come from.",
                max_length=1000,
            ),
        ),
        migrations.AlterField(
            model_name="principle",
            name="definition",
            field=models.TextField(
                help_text="The published definition, word for word.", max_length=2000
            ),
        ),
        migrations.AlterField(
            model_name="principle",
            name="guidance",
            field=models.TextField(blank=True, max_length=5000),
        ),
        migrations.AlterField(
            model_name="statement",
            name="text",
            field=models.TextField(max_length=1000),
        ),
        migrations.AddConstraint(
            model_name="framework",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("source"), 1000
                ),
                name="framework_source_length",
                violation_error_message="Source must be 1,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="principle",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("definition"), 2000
                ),
                name="principle_definition_length",
                violation_error_message="Definition must be 2,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="principle",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("guidance"), 5000
                ),
                name="principle_guidance_length",
                violation_error_message="Guidance must be 5,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="statement",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("text"), 1000
                ),
                name="statement_text_length",
                violation_error_message="Text must be 1,000 characters or fewer.",
            ),
        ),
    ]
