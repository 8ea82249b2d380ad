from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations and people"

    def ready(self):
        from django.contrib.auth import signals

        from . import audit, frame  # noqa: F401 - frame connects its signal handlers

        signals.user_logged_in.connect(audit.on_signed_in, dispatch_uid="audit_signed_in")
        signals.user_login_failed.connect(
            audit.on_sign_in_failed, dispatch_uid="audit_sign_in_failed"
        )
        signals.user_logged_out.connect(audit.on_signed_out, dispatch_uid="audit_signed_out")
