"""A number PostgreSQL moves on whenever a table a dashboard shows changes, so a rendered
dashboard can be kept until then (partnerships/caching.py).

A statement-level trigger on each table takes the next value of a sequence: sequences never
wait for a lock and are never rolled back, so writers do not queue behind one another and
readers see the change at once. SQLite (the demo) has neither, and renders every time.
"""

from django.db import migrations

SEQUENCE = "partnerships_dashboard_generation"
TABLES = (
    "partnerships_partnership",
    "partnerships_participant",
    "partnerships_review",
    "partnerships_assessment",
    "partnerships_action",
    "organisations_organisation",
    "organisations_membership",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE {SEQUENCE}")
    schema_editor.execute(f"SELECT nextval('{SEQUENCE}')")
    schema_editor.execute(
        f"""CREATE FUNCTION {SEQUENCE}_next() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM nextval('{SEQUENCE}'); RETURN NULL; END $$"""
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER dashboard_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {SEQUENCE}_next()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER dashboard_generation ON {table}")
    schema_editor.execute(f"DROP FUNCTION {SEQUENCE}_next()")
    schema_editor.execute(f"DROP SEQUENCE {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_user_reminders_opt_out"),
        ("partnerships", "0003_partnership_name_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
