"""The one form of an email address that the app stores and compares.

Sign-in, the sign-in lockout's key, password reset, invitations and new accounts all go
through `canonical_email`, and stored addresses are in this form (migration 0004), so they
compare with `=`. Two comparisons that fold differently were how a look-alike got round the
lockout: django-axes counted `str.lower()` while PostgreSQL's case-insensitive match
upper-cased, which makes the long s (ſ) an S and the dotless ı an I.
"""

import re
import unicodedata

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError

LOOK_ALIKE = (
    "Enter the email address without look-alike characters (such as ſ or a Cyrillic а), "
    "like name@example.org"
)


def canonical_email(value: str) -> str:
    """The address in canonical form: Unicode NFKC, then case-folded, without the spaces
    around it.

    Raises ValidationError (code "look_alike") for an address that this changes beyond letter
    case, being a look-alike of another (ſ becomes s, a full-width ｓ s, ß ss), or whose local
    part or a label of whose domain mixes scripts (a Cyrillic а among Latin letters). Each
    part may be in its own script: иван@пример.рф and ivan@пример.рф are both fine.
    """
    address = unicodedata.normalize("NFC", str(value).strip())
    canonical = unicodedata.normalize("NFKC", address).casefold()
    if canonical != address.lower() or any(
        confusables.is_mixed_script(part) for part in re.split(r"[@.]", canonical)
    ):
        raise ValidationError(LOOK_ALIKE, code="look_alike")
    return canonical
