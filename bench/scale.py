"""What bench/explain.py and bench/http_pages.py share: a database of national scale, and people
signed in to it.

The database is made by `manage.py seed_scale` (10,000 partnerships by default) and kept
between runs: a later run with the same size and seed reuses it, anything else drops and
makes it afresh. Only databases whose name starts with ph_bench are ever dropped.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PARTNERSHIPS = int(os.environ.get("BENCH_PARTNERSHIPS", "10000"))
SEED = int(os.environ.get("BENCH_SEED", "1"))


def _server(url: str) -> tuple[str, str]:
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("ph_bench"):
        sys.exit(f"Refusing to use {name!r}: a benchmark's database name starts with ph_bench.")
    return url.rsplit("/", 1)[0] + "/postgres", name


def _marker(url: str) -> str | None:
    """The size and seed the database was seeded with, or None when it is not ready."""
    import psycopg

    server, name = _server(url)
    with psycopg.connect(server, autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return None
        comment = db.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()[0]
    return comment


def ensure_database(url: str, *, env: dict) -> float | None:
    """Seeds the database unless it already holds this size and seed; returns seconds taken
    by seed_scale, or None when the database was reused."""
    import psycopg

    wanted = f"seed_scale --partnerships {PARTNERSHIPS} --seed {SEED}"
    manage = [PYTHON, str(ROOT / "manage.py")]
    if _marker(url) == wanted:
        print(f"Reusing {url} ({wanted}).", flush=True)
        # Indexes added since it was seeded still arrive, and, as on release, the results of
        # closed reviews seeded before results were stored.
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
        subprocess.run([*manage, "rescore"], env=env, check=True)
        return None
    server, name = _server(url)
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
        # As docs/deploy.md advises for a database on SSD: index reads cost little more
        # than sequential ones (the default, 4, assumes spinning disks).
        db.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
    print(f"Seeding {name}: {wanted} …", flush=True)
    started = time.monotonic()
    subprocess.run([*manage, *wanted.split()], env=env, check=True)
    seconds = time.monotonic() - started
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f"COMMENT ON DATABASE \"{name}\" IS '{wanted}'")
    return seconds


def people():
    """The people the benchmarks sign in as, chosen from the seeded data (Django set up).

    A commissioner: an editor at the ICB with the most partnerships. A charity lead: an
    editor at the charity in the most partnerships. A platform admin.
    """
    from django.db.models import Count

    from organisations.models import Membership, Organisation, User

    def editor_of(kind):
        organisation = (
            Organisation.objects.filter(kind=kind, memberships__role=Membership.Role.EDITOR)
            .annotate(partnerships=Count("participations", distinct=True))
            .order_by("-partnerships", "id")
            .first()
        )
        membership = (
            Membership.objects.filter(organisation=organisation, role=Membership.Role.EDITOR)
            .select_related("user")
            .order_by("id")
            .first()
        )
        return membership.user, organisation

    commissioner, icb = editor_of(Organisation.Kind.ICB)
    charity_lead, charity = editor_of(Organisation.Kind.CHARITY)
    admin = User.objects.filter(is_staff=True).order_by("id").first()
    return {
        "commissioner": (commissioner, icb),
        "charity lead": (charity_lead, charity),
        "admin": (admin, None),
    }


def session_for(user) -> str:
    """A signed-in session as the sign-in pages leave it, two-factor step included (see
    organisations/middleware.py); returns the session key for the cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from config.middleware import record_sign_in
    from organisations import services

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    record_sign_in(session)
    session[services.STATE] = services.state_for(user)
    if session[services.STATE] != services.State.NOT_NEEDED:
        device = services.app_device(user) or TOTPDevice.objects.create(
            user=user, name="Benchmark authenticator", confirmed=True
        )
        services.mark_verified(session, device)
    session.create()
    return session.session_key


def pages(people_) -> dict:
    """The pages measured, by name: (person, path). Chosen from the seeded data."""
    from django.urls import reverse

    from partnerships.models import Review

    commissioner, _ = people_["commissioner"]
    # The commissioner's partnership with the most partners, and its latest closed review.
    partnership = _biggest_partnership(commissioner)
    review = partnership.reviews.filter(state=Review.State.CLOSED).order_by("-closed_on").first()
    return {
        "dashboard": (commissioner, reverse("dashboard")),
        "partnership": (commissioner, reverse("partnerships:detail", args=[partnership.code])),
        "results": (
            commissioner,
            reverse("partnerships:review_results", args=[partnership.code, review.code]),
        ),
        "report": (commissioner, reverse("partnerships:reports")),
    }


def _biggest_partnership(user):
    from django.db.models import Count

    from partnerships.models import Partnership, Review

    return (
        Partnership.objects.visible_to(user)
        .filter(reviews__state=Review.State.CLOSED)
        .annotate(partners=Count("participants", distinct=True))
        .order_by("-partners", "id")
        .first()
    )


def load_average() -> str:
    """The load average over 1, 5 and 15 minutes."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_busy(seconds: float = 3) -> float:
    """How busy the machine's CPUs are over a few seconds, 0 to 1. Taken while a benchmark
    is not running, it is other work (other sessions' test suites), which the load average,
    counting the benchmark's own processes too, cannot tell apart."""

    def sample():
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # all, idle + waiting for I/O

    total, idle = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    return 1 - (idle_after - idle) / max(1, total_after - total)


class OtherWork:
    """The CPU time other work takes while a benchmark runs: the machine's busy time less
    the benchmark's own (its server's processes, their database sessions, and its finished
    child processes such as wrk), as a share of all the CPUs' time.

    `ours()` gives the ids of the benchmark's live processes; start() and stop() bracket a
    measurement.
    """

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, ours):
        self.ours = ours

    @staticmethod
    def _busy() -> float:
        """The CPUs' time in processes (user, nice, system): interrupts are left out, as no
        process's own time holds them (loopback traffic's are the benchmark's)."""
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields[:3]) / OtherWork.TICK

    @staticmethod
    def _process(pid) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / OtherWork.TICK  # user, system

    def _sample(self) -> tuple[float, float, float, dict]:
        import resource

        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        pids = self.ours()
        return (
            time.monotonic(),
            self._busy(),
            children.ru_utime + children.ru_stime,
            {pid: self._process(pid) for pid in pids},
        )

    def start(self) -> None:
        self.started = self._sample()

    def stop(self) -> float:
        began, busy, children, processes = self.started
        ended, busy_after, children_after, processes_after = self._sample()
        ours = (
            children_after
            - children
            + sum(spent - processes.get(pid, 0.0) for pid, spent in processes_after.items())
        )
        other = busy_after - busy - ours
        return max(0.0, other / ((ended - began) * (os.cpu_count() or 1)))


def children_of(pid: int) -> list[int]:
    """The ids of a process's children (gunicorn's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
