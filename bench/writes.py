"""Other people's writes while a page is measured (bench/http_pages.py starts it).

    .venv/bin/python bench/writes.py RATE EXCLUDE_USER_ID

Makes RATE writes a second, in turn: a charity saving a principle of its self-assessment,
someone updating an action, an organisation admin changing a member's role (viewer and
editor in turn), each through the service the pages use, as people other than the one being
measured (EXCLUDE_USER_ID) and in organisations other than theirs. Runs until it is sent
SIGTERM, then prints one line of JSON: the writes made by kind, and the seconds it ran.

It uses the server's environment (DATABASE_URL, CACHE_URL), so a role change reaches the
shared cache as a page's would.
"""

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    rate, exclude = float(sys.argv[1]), int(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import close_old_connections

    from organisations.models import Membership
    from organisations.services import membership_change_role
    from partnerships.models import Action, Assessment
    from partnerships.services.actions import action_update
    from partnerships.services.assessments import Answer, assessment_save_principle

    chooser = random.Random(2014)
    excluded_organisations = set(
        Membership.objects.filter(user_id=exclude).values_list("organisation_id", flat=True)
    )
    # A pool of each kind of row to write, chosen once: the writes are what is measured.
    drafts = list(
        Assessment.objects.filter(review__state="open")
        .exclude(state=Assessment.State.SUBMITTED)
        .exclude(organisation_id__in=excluded_organisations)
        .select_related("review__framework")
        .order_by("id")[:200]
    )
    actions = list(
        Action.objects.filter(status=Action.Status.OPEN)
        .exclude(owner_organisation_id__in=excluded_organisations)
        .select_related("partnership", "owner")
        .order_by("id")[:200]
    )
    members = list(
        Membership.objects.filter(role__in=[Membership.Role.VIEWER, Membership.Role.EDITOR])
        .exclude(user_id=exclude)
        .exclude(organisation_id__in=excluded_organisations)
        .select_related("user", "organisation")
        .order_by("id")[:200]
    )
    admins = {
        m.organisation_id: m.user
        for m in Membership.objects.filter(
            role=Membership.Role.ADMIN, organisation_id__in={m.organisation_id for m in members}
        ).select_related("user")
    }
    members = [m for m in members if m.organisation_id in admins]
    if not (drafts and actions and members):
        sys.exit("bench/writes.py: the database has no open assessments, actions or members")
    principles = {}

    def save_rating():
        assessment = chooser.choice(drafts)
        assessment.refresh_from_db(fields=["version", "state"])
        framework = assessment.review.framework
        if framework.pk not in principles:
            principles[framework.pk] = list(
                framework.principles.prefetch_related("statements").order_by("number")
            )
        principle = chooser.choice(principles[framework.pk])
        answers = {s.pk: Answer(score=chooser.randint(3, 5)) for s in principle.statements.all()}
        by = Membership.objects.filter(organisation_id=assessment.organisation_id).first()
        assessment_save_principle(
            assessment=assessment,
            principle=principle,
            answers=answers,
            expected_version=assessment.version,
            by=by.user if by else None,
        )

    def update_action():
        action = chooser.choice(actions)
        action.refresh_from_db()
        action_update(action=action, by=action.owner, description=f"Checked at {time.time():.3f}")

    def change_role():
        membership = chooser.choice(members)
        membership.refresh_from_db()
        role = (
            Membership.Role.EDITOR
            if membership.role == Membership.Role.VIEWER
            else Membership.Role.VIEWER
        )
        membership_change_role(
            membership=membership, role=role, by=admins[membership.organisation_id]
        )

    kinds = [("rating saved", save_rating), ("action updated", update_action)]
    kinds.append(("role changed", change_role))
    made = {name: 0 for name, _ in kinds}
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    started = time.monotonic()
    for number in range(10**9):
        if stopping:
            break
        name, write = kinds[number % len(kinds)]
        close_old_connections()
        write()
        made[name] += 1
        # Evenly spaced, whatever each write took; a late write does not bunch the next ones.
        pause = started + (number + 1) / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    print(json.dumps({"writes": made, "seconds": round(time.monotonic() - started, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
