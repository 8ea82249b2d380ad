"""Recovery codes are stored only as hashes (services.recovery_code_hash): the plain codes
django-otp kept are replaced by theirs. The codes people saved still work; they are shown
nowhere again. Going back leaves the hashes: make new codes after."""

from django.db import migrations

from organisations.services import recovery_code_hash


def hash_recovery_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for pk, token in StaticToken.objects.values_list("pk", "token").iterator():
        StaticToken.objects.filter(pk=pk).update(token=recovery_code_hash(token))


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0005_user_roles_version"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(hash_recovery_codes, migrations.RunPython.noop),
    ]
