from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partnerships.services import reminders, successions


class Command(BaseCommand):
    help = (
        "Creates the reminders due now and queues them, with any the broker lost, for sending. "
        "The same sweep beat runs every REMINDER_SWEEP_SECONDS; safe to run at any time. "
        "With no CELERY_BROKER_URL (the demo) the emails are sent before it returns. Exits "
        "with status 1 when the broker did not take every reminder."
    )

    def handle(self, *args, **options):
        successions.carry_out_due()  # first, as beat's sweep does: none to an ended body
        result = reminders.sweep()
        plural = "" if result.created == 1 else "s"
        self.stdout.write(
            f"{result.created} new reminder{plural}; {result.requeued} queued again after waiting."
        )
        if result.unqueued:
            waiting = result.unqueued
            minutes = settings.REMINDER_STALE_SECONDS // 60
            raise CommandError(
                f"The broker did not take {waiting} of {result.created + result.requeued} "
                f"reminder{'' if waiting == 1 else 's'} (is CELERY_BROKER_URL's Redis up?). "
                f"{'It stays' if waiting == 1 else 'They stay'} pending, and the first sweep "
                f"after {minutes} minutes of waiting (REMINDER_STALE_SECONDS) queues "
                f"{'it' if waiting == 1 else 'them'} again: nothing is lost."
            )
