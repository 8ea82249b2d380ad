from django.core.management.base import BaseCommand

from partnerships.services import reminders


class Command(BaseCommand):
    help = (
        "Creates the reminders due now and queues them, with any the broker lost, for sending. "
        "The same sweep beat runs every REMINDER_SWEEP_SECONDS; safe to run at any time. "
        "With no CELERY_BROKER_URL (the demo) the emails are sent before it returns."
    )

    def handle(self, *args, **options):
        result = reminders.sweep()
        plural = "" if result.created == 1 else "s"
        self.stdout.write(
            f"{result.created} new reminder{plural}; {result.requeued} queued again after waiting."
        )
