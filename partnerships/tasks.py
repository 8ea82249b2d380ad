"""Background jobs. Tasks take ids and call services; the services make them idempotent."""

from smtplib import SMTPException

from celery import shared_task

# Services are imported inside each task: they queue tasks, so import this module as they load.


# Permanent refusals (5xx) never reach the retry: `deliver` marks the reminder failed and
# returns, as it marks uncertain one that got no answer once the server had the whole email.
# Temporary errors are raised after the row is put back to pending.
@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_reminder(self, reminder_id: int) -> str:
    """Returns what happened in words ("sent", "already sent", …), for the worker's log."""
    from partnerships.services import reminders

    return str(reminders.deliver(reminder_id=reminder_id))


@shared_task
def sweep_reminders() -> dict:
    """Beat runs this every REMINDER_SWEEP_SECONDS, on a queue of its own (the sweeps queue,
    config/settings.py); `manage.py send_due_reminders` is its twin.

    Successions whose day has come are carried out first, so that no reminder goes to a body
    that has ended (`manage.py carry_out_successions` is that part's twin)."""
    from partnerships.services import reminders, successions

    successions.carry_out_due()
    result = reminders.sweep()
    return {"created": result.created, "requeued": result.requeued, "queued": result.queued}


# Longer than CELERY_TASK_TIME_LIMIT: a workbook of a few hundred thousand ratings takes minutes.
@shared_task(acks_late=True, time_limit=3600)
def build_report_workbook(user_id: int, query: dict, export_id: str) -> None:
    """A workbook too large to build during the request; the export service makes it once."""
    from partnerships import exports

    exports.workbook_build(user_id=user_id, query=query, export_id=export_id)
