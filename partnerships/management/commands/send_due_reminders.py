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
        self.stdout.write(
            f"{result.created} new reminders; {result.requeued} queued again after waiting."
        )
