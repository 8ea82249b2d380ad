"""How a signed-in request finds its person (config/settings.py, AUTHENTICATION_BACKENDS)."""

from django.contrib.auth.backends import ModelBackend

from . import frame


class FrameBackend(ModelBackend):
    """Django's own sign-in by email and password, and the person of each signed-in request
    read through their frame (organisations/frame.py), which brings their memberships along
    for the header, so a page that needs nothing else costs no query for either.

    Django still checks the session against the person's password hash, and a deactivated
    person is refused, exactly as ModelBackend does: the frame holds the same row.
    """

    def get_user(self, user_id):
        found = frame.load(user_id)
        if found is None or not self.user_can_authenticate(found.user):
            return None
        user = found.user
        user.frame_memberships = found.memberships
        return user
