"""Email: every message the app sends is made from its templates by `email_message`, and
Django's SMTP backend is made able to say when an email may have been delivered although it
failed.

A message named <name> is templates/emails/<name>/: subject.txt, body.txt and, where there is
one, body.html as its HTML alternative.

Once the server has the whole message (DATA and its closing "."), only its answer is missing.
If that answer never comes (the connection times out after EMAIL_TIMEOUT, or drops), the
server may have stored the email and will deliver it: sending it again could send it twice.
`SmtpBackend` raises `MaybeDelivered` for exactly that case, so the reminders can hold the
email for a person to decide rather than retry it (README, "Reminders"). Every other failure
is raised as Django's backend raises it. `config/settings.py` uses it in place of
`django.core.mail.backends.smtp.EmailBackend`.
"""

import smtplib

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string


def email_message(
    name: str, context: dict, *, to: list[str], headers: dict | None = None
) -> EmailMultiAlternatives:
    """The email templates/emails/<name>/ makes with `context`, ready to send."""
    folder = f"emails/{name}"
    # One line, whatever a name in it holds: a newline would break the header.
    subject = " ".join(render_to_string(f"{folder}/subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{folder}/body.txt", context),
        to=to,
        headers=headers,
    )
    try:
        html = render_to_string(f"{folder}/body.html", context)
    except TemplateDoesNotExist:
        return message
    message.attach_alternative(html, "text/html")
    return message


def email_send(name: str, context: dict, *, to: list[str]) -> None:
    email_message(name, context, to=to).send()


class MaybeDelivered(smtplib.SMTPServerDisconnected):
    """The server had the whole message, then did not answer: it may have been delivered."""


class _TellsWhenHandedOver:
    """A mixin for smtplib's SMTP classes: marks the moment the message's end has gone."""

    _in_data = _handed_over = False

    def data(self, msg):
        self._in_data, self._handed_over = True, False
        try:
            return super().data(msg)
        except smtplib.SMTPServerDisconnected as error:
            if self._handed_over:
                raise MaybeDelivered(
                    f"No answer after the whole message was sent: {error}"
                ) from error
            raise
        finally:
            self._in_data = False

    def send(self, s):
        super().send(s)
        # Within DATA, the command goes as text and the message with its final "." as bytes.
        if self._in_data and isinstance(s, bytes):
            self._handed_over = True


class _SMTP(_TellsWhenHandedOver, smtplib.SMTP):
    pass


class _SMTPSSL(_TellsWhenHandedOver, smtplib.SMTP_SSL):
    pass


class SmtpBackend(EmailBackend):
    @property
    def connection_class(self):
        return _SMTPSSL if self.use_ssl else _SMTP
