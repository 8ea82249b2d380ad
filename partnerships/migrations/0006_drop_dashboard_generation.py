"""The dashboard is cheap to render now, so nothing keeps it between requests: the triggers
and sequence of 0004, which told kept dashboards that something had changed, go."""

from importlib import import_module

from django.db import migrations

generation = import_module("partnerships.migrations.0004_dashboard_generation")


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0005_review_results")]

    operations = [migrations.RunPython(generation.drop, generation.create)]
