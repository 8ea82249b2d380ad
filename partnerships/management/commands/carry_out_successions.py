from django.core.management.base import BaseCommand

from partnerships.services.successions import carry_out_due


class Command(BaseCommand):
    help = (
        "Carries out every succession whose date has come and that is not carried out yet: "
        "what beat's sweep does before it looks for reminders. Safe to run at any time."
    )

    def handle(self, *args, **options):
        done = carry_out_due()
        self.stdout.write(f"Carried out {done} succession{'' if done == 1 else 's'}.")
