"""Partners' replies to a closed review's published results (docs/permissions.md, "Replies
to the results")."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organisations.audit import audit, changes_between
from organisations.models import Organisation, User
from partnerships.models import Reply, Review
from partnerships.services.reminders import notify_reply_added


@transaction.atomic
def reply_save(*, review: Review, organisation: Organisation, by: User, text: str) -> Reply:
    """Adds the organisation's one reply to the results, or changes it within its window.

    Adding it emails the lead commissioner once (the reminder log); a change does not.
    """
    text = text.strip()
    if not text:
        raise ValidationError("Enter your organisation’s response")
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_open:
        raise ValidationError("The results are not published yet, so there is nothing to reply to.")
    reply = (
        Reply.objects.select_for_update().filter(review=review, organisation=organisation).first()
    )
    now = timezone.now()
    if reply is None:
        try:
            with transaction.atomic():
                reply = Reply.objects.create(
                    review=review,
                    organisation=organisation,
                    side=str(organisation.side),
                    text=text,
                    created_by=by,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise ValidationError(
                f"{organisation} has already replied. Reload the page to see its reply."
            ) from None
        audit(by, "reply.added", reply, organisation=organisation, changes={"text": [None, text]})
        notify_reply_added(reply=reply)
        return reply
    if not reply.is_changeable:
        raise ValidationError(
            "This reply can no longer change: replies are fixed after their window."
        )
    if reply.text != text:
        before = reply.text
        reply.text, reply.updated_at = text, now
        reply.save(update_fields=["text", "updated_at"])
        audit(
            by,
            "reply.changed",
            reply,
            organisation=organisation,
            changes=changes_between({"text": before}, {"text": text}),
        )
    return reply
