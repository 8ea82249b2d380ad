"""Exactly once, for real: a Celery worker, its own redis-server and an SMTP server.

Each scenario starts a `celery worker` subprocess on the test database, with a redis-server
of these tests' own on a free loopback port (so restarting it disturbs nothing else) and an
aiosmtpd server on 127.0.0.1, then counts what the SMTP server receives. Run them alone
with `pytest -m reminders`; `make test` runs them with everything else.
"""

import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis as redis_client
from django.db import connection
from django.utils import timezone

from config.celery import app
from organisations.models import Membership, Organisation, User
from partnerships.models import Participant, Partnership, Reminder
from principles.models import Framework
from tests.partnerships.smtp_sink import SmtpSink, free_port

pytestmark = [pytest.mark.reminders, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60  # seconds any one step may take before the test fails
# Short clocks so stale rows come back in seconds rather than minutes.
TIME_LIMIT = 6
STALE_AFTER = 3


def wait_until(condition, *, timeout=WAIT, what="the condition", logs=()):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {log}:\n{_tail(log)}" for log in logs)
            raise AssertionError(f"Timed out after {timeout}s waiting for {what}.\n{tails}")
        time.sleep(0.1)


def _tail(path: Path, lines: int = 40) -> str:
    return (
        "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
    )


class RedisServer:
    """A redis-server of our own that keeps nothing on disk, so a restart comes back empty."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self._answers, timeout=10, what=f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            return self.client().ping()
        except redis_client.ConnectionError:
            return False

    def client(self):
        return redis_client.Redis(port=self.port, socket_timeout=2)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart_empty(self):
        self.stop()
        self.start()
        assert self.client().dbsize() == 0

    def drained(self) -> bool:
        """Nothing waiting and nothing taken but unfinished (late acks, retries' countdowns)."""
        client = self.client()
        return client.llen("celery") == 0 and client.hlen("unacked") == 0


class Worker:
    """`celery -A config worker`, one process at a time, killed as a group.

    With no `queues` it reads every queue, as a worker started without --queues does.
    """

    def __init__(self, env: dict, log: Path, queues: str = ""):
        self.env, self.log, self.process = env, log, None
        self.name = f"reminders-{uuid.uuid4().hex[:8]}@%h"
        self.queues = [f"--queues={queues}"] if queues else []

    def start(self):
        readies = self.log.read_text().count(" ready.") if self.log.exists() else 0
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
                 "--concurrency=1", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--loglevel=INFO", "-n", self.name, *self.queues],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_until(
            lambda: self.log.read_text().count(" ready.") > readies,
            timeout=30,
            what="the worker to be ready",
            logs=[self.log],
        )

    def kill(self):
        """SIGKILL to the worker and its child: nothing gets to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    if shutil.which("redis-server") is None:
        pytest.fail(
            "redis-server is missing: these tests start their own. Install Redis "
            "(apt-get install redis-server), or run `make test`, which expects it.",
            pytrace=False,
        )
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def env(redis, smtp, tmp_path):
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "TEST_REAL_SERVICES": "true",
        # The test database pytest made, which this test commits to.
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis.url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_TIMEOUT": "3",
        "CELERY_TASK_TIME_LIMIT": str(TIME_LIMIT),
        "REMINDER_STALE_SECONDS": str(STALE_AFTER),
        "REMINDER_SWEEP_SECONDS": "1",
    }


@pytest.fixture
def worker(env, redis, smtp, tmp_path):
    redis.client().flushdb()  # our own server: only this module's queue is in it
    smtp.reset()
    worker = Worker(env, tmp_path / "worker.log")
    yield worker
    worker.stop()


def sweep_by_hand(env) -> subprocess.Popen:
    """`manage.py send_due_reminders`, the sweep's twin, in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_due_reminders"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def sweep(env) -> str:
    process = sweep_by_hand(env)
    output, _ = process.communicate(timeout=WAIT)
    assert process.returncode == 0, output
    return output


def due_reminders(count: int) -> list[str]:
    """`count` partnerships whose review is due in a week, each with its own lead
    commissioner and one editor there: one reminder each. Returns the editors' addresses."""
    framework, _ = Framework.objects.get_or_create(
        name="Reminder tests", version="1", defaults={"source": "tests", "published": True}
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"ICB {n}", kind=Organisation.Kind.ICB) for n in range(count)
    )
    people = User.objects.bulk_create(
        User(email=f"lead{n}@remind.example", password="!", first_name=f"Lead {n}")
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=person, organisation=organisation, role=Membership.Role.EDITOR)
        for person, organisation in zip(people, organisations, strict=True)
    )
    due = timezone.localdate() + datetime.timedelta(days=7)
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            name=f"Partnership {n}", kind="contract", framework=framework, next_review_due=due
        )
        for n in range(count)
    )
    Participant.objects.bulk_create(
        Participant(
            partnership=partnership,
            organisation=organisation,
            role=Participant.Role.LEAD_COMMISSIONER,
        )
        for partnership, organisation in zip(partnerships, organisations, strict=True)
    )
    return [person.email for person in people]


def states() -> Counter:
    return Counter(Reminder.objects.values_list("state", flat=True))


def all_sent(count: int):
    return lambda: states() == Counter({Reminder.State.SENT: count})


def assert_each_received_once(smtp: SmtpSink, addresses: list[str]):
    ids = {f"<reminder-{pk}@127.0.0.1>" for pk in Reminder.objects.values_list("pk", flat=True)}
    assert smtp.ids() == Counter(dict.fromkeys(ids, 1))
    assert sorted(to for r in smtp.received for to in r.to) == sorted(addresses)


def logged(log: Path, outcome: str) -> int:
    """How many of the worker's lines say "Reminder <id> <outcome>"."""
    return len(re.findall(rf"Reminder \d+ {outcome}\b", log.read_text()))


def test_a_sweep_of_200_due_reminders(worker, env, redis, smtp):
    addresses = due_reminders(200)
    worker.start()
    assert "200 new reminders" in sweep(env)
    smtp.wait_for(200, timeout=WAIT)
    wait_until(redis.drained, what="the queue to drain", logs=[worker.log])
    wait_until(all_sent(200), what="every reminder marked sent", logs=[worker.log])
    assert_each_received_once(smtp, addresses)
    # The log counts what happened: 200 sent, and nothing else.
    assert logged(worker.log, "sent") == 200
    assert logged(worker.log, "(already|locked|missing|being)") == 0


# Sending straight onto the queue, as a redelivery would, is the point here.
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_tasks_that_find_nothing_to_do_say_why(worker, env, redis, smtp):
    """A redelivered task, or one whose row is gone, is counted apart from a real send."""
    due_reminders(3)
    worker.start()
    sweep(env)
    smtp.wait_for(3)
    wait_until(all_sent(3), what="every reminder marked sent", logs=[worker.log])
    client = redis.client()
    ids = list(Reminder.objects.values_list("pk", flat=True))
    Reminder.objects.filter(pk=ids[0]).delete()
    # As the broker would redeliver them: the same tasks again, straight onto the queue.
    with app.connection_for_write(redis.url) as connection:
        for pk in ids:
            app.send_task("partnerships.tasks.send_reminder", (pk,), connection=connection)
    wait_until(
        lambda: logged(worker.log, "(already sent|missing)") == 3 and client.llen("celery") == 0,
        what="the three repeated tasks",
        logs=[worker.log],
    )
    assert logged(worker.log, "sent") == 3  # the real sends, once each
    assert logged(worker.log, "already sent") == 2
    assert logged(worker.log, "missing") == 1
    assert len(smtp.received) == 3


def test_two_sweeps_at_once_and_two_beat_ticks_back_to_back(worker, env, redis, smtp, tmp_path):
    addresses = due_reminders(50)
    worker.start()
    first, second = sweep_by_hand(env), sweep_by_hand(env)
    outputs = [process.communicate(timeout=WAIT)[0] for process in (first, second)]
    assert all(process.returncode == 0 for process in (first, second)), outputs
    # Between them they made each reminder once, whichever got there first.
    made = sum(int(output.split(" new reminder")[0].split()[-1]) for output in outputs)
    assert made == 50 == Reminder.objects.count()

    # Beat, ticking every second: two ticks, queued back to back.
    beat_log = tmp_path / "beat.log"
    with beat_log.open("w") as log:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
             "-s", str(tmp_path / "beat-schedule")],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(
            lambda: beat_log.read_text().count("Sending due task sweep-reminders") >= 2,
            what="two beat ticks",
            logs=[beat_log],
        )
    finally:
        beat.terminate()
        beat.wait(10)
    wait_until(
        lambda: worker.log.read_text().count("sweep_reminders") >= 2 and redis.drained(),
        what="the worker to run both ticks' sweeps",
        logs=[worker.log],
    )
    smtp.wait_for(50)
    wait_until(all_sent(50), what="every reminder marked sent", logs=[worker.log])
    assert Reminder.objects.count() == 50
    assert_each_received_once(smtp, addresses)


def test_the_smtp_server_down_then_up(worker, env, redis, smtp):
    addresses = due_reminders(20)
    smtp.stop()
    try:
        worker.start()
        sweep(env)
        wait_until(
            lambda: not Reminder.objects.filter(attempts=0).exists(),
            what="every reminder to have been tried once",
            logs=[worker.log],
        )
        assert not Reminder.objects.filter(state=Reminder.State.SENT).exists()
        assert Reminder.objects.filter(last_error__contains="ConnectionRefusedError").exists()
    finally:
        smtp.start()
    smtp.wait_for(20)
    wait_until(redis.drained, what="the queue to drain", logs=[worker.log])
    wait_until(all_sent(20), what="every reminder marked sent", logs=[worker.log])
    assert_each_received_once(smtp, addresses)


def test_try_later_three_times_then_accepted(worker, env, redis, smtp):
    addresses = due_reminders(10)
    smtp.try_later_times = 3
    worker.start()
    sweep(env)
    smtp.wait_for(10)
    wait_until(redis.drained, what="the queue to drain", logs=[worker.log])
    wait_until(all_sent(10), what="every reminder marked sent", logs=[worker.log])
    assert_each_received_once(smtp, addresses)
    assert set(smtp.attempts.values()) == {4}
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {4}


def test_the_worker_killed_in_the_middle_of_a_batch(worker, env, redis, smtp):
    addresses = due_reminders(30)
    smtp.hold_at = 10  # the server takes the 10th email and holds its answer
    worker.start()
    sweep(env)
    wait_until(smtp.holding.is_set, what="the 10th email", logs=[worker.log])
    worker.kill()
    smtp.release.set()
    held = Reminder.objects.get(state=Reminder.State.SENDING)

    worker.start()
    wait_until(
        lambda: Reminder.objects.filter(state=Reminder.State.SENT).count() == 29,
        what="the rest of the batch",
        logs=[worker.log],
    )
    # The one it was sending is handed on once it has been sending longer than a task may run.
    wait_until(
        lambda: timezone.now() - held.claimed_at > datetime.timedelta(seconds=TIME_LIMIT),
        what="the task time limit",
    )
    assert "1 queued again" in sweep(env)
    wait_until(all_sent(30), what="every reminder marked sent", logs=[worker.log])

    counts = smtp.ids()
    assert len(counts) == 30
    # The documented repeat: the server had accepted it when the worker died.
    assert counts[f"<reminder-{held.pk}@127.0.0.1>"] == 2
    assert sum(counts.values()) == 31
    assert sorted({to for r in smtp.received for to in r.to}) == sorted(addresses)


def test_redis_restarted_empty_while_reminders_are_queued(worker, env, redis, smtp):
    addresses = due_reminders(20)
    smtp.hold_at = 1  # the worker is busy with the first while the rest wait in Redis
    worker.start()
    sweep(env)
    wait_until(smtp.holding.is_set, what="the first email", logs=[worker.log])
    assert redis.client().llen("celery") > 0
    redis.restart_empty()
    smtp.release.set()

    wait_until(
        lambda: Reminder.objects.filter(state=Reminder.State.SENT).count() == 1,
        what="the first to be marked sent",
        logs=[worker.log],
    )
    time.sleep(STALE_AFTER)  # the rest are stale only once they have waited this long
    assert "19 queued again" in sweep(env)
    smtp.wait_for(20)
    wait_until(all_sent(20), what="every reminder marked sent", logs=[worker.log])
    assert_each_received_once(smtp, addresses)


def test_a_permanent_refusal_for_one_address(worker, env, redis, smtp):
    addresses = due_reminders(10)
    refused = addresses[3]
    smtp.refused[refused] = "550 5.1.1 No such mailbox here"
    worker.start()
    sweep(env)
    smtp.wait_for(9)
    wait_until(redis.drained, what="the queue to drain", logs=[worker.log])
    wait_until(
        lambda: states() == Counter({Reminder.State.SENT: 9, Reminder.State.FAILED: 1}),
        what="nine sent and one failed",
        logs=[worker.log],
    )
    failed = Reminder.objects.get(state=Reminder.State.FAILED)
    assert failed.recipient.email == refused
    assert failed.attempts == 1
    assert failed.last_error == f"550 5.1.1 No such mailbox here ({refused})"

    # No retry loop: a later sweep leaves it failed and untried.
    time.sleep(STALE_AFTER)
    assert "0 new reminders; 0 queued again" in sweep(env)
    wait_until(redis.drained, what="the queue to drain")
    failed.refresh_from_db()
    assert failed.state == Reminder.State.FAILED and failed.attempts == 1
    assert len(smtp.received) == 9
    assert refused not in {to for r in smtp.received for to in r.to}


def test_an_smtp_server_that_keeps_the_email_but_answers_too_late(worker, env, redis, smtp):
    """It stores each email, then says 250 only after EMAIL_TIMEOUT: the worker cannot know
    the email arrived, so it holds it as uncertain for a person rather than send it again."""
    addresses = due_reminders(3)
    smtp.late_times, smtp.late_seconds = 1, int(env["EMAIL_TIMEOUT"]) + 2
    worker.start()
    sweep(env)
    smtp.wait_for(3)
    wait_until(
        lambda: (
            redis.drained()
            and not Reminder.objects.filter(
                state__in=[Reminder.State.PENDING, Reminder.State.SENDING]
            ).exists()
        ),
        what="every reminder tried",
        logs=[worker.log],
    )
    assert states() == Counter({Reminder.State.UNCERTAIN: 3})
    assert logged(worker.log, "uncertain") == 3
    # No later sweep sends them again: a person decides, in the admin.
    time.sleep(STALE_AFTER)
    assert "0 new reminders; 0 queued again" in sweep(env)
    time.sleep(1)
    wait_until(redis.drained, what="the queue to drain")
    assert states() == Counter({Reminder.State.UNCERTAIN: 3})
    assert_each_received_once(smtp, addresses)


def test_the_command_fails_and_says_how_many_wait_when_the_broker_is_down(env):
    due_reminders(5)
    process = subprocess.run(
        [sys.executable, "manage.py", "send_due_reminders"],
        cwd=ROOT,
        env={**env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"},
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert process.returncode == 1, process.stdout + process.stderr
    assert "5 new reminders; 0 queued again" in process.stdout
    assert "The broker did not take 5 of 5 reminders" in process.stderr
    assert "They stay pending, and the first sweep after" in process.stderr
    assert states() == Counter({Reminder.State.PENDING: 5})


def test_the_sweep_runs_behind_a_backlog_of_sends(env, redis, smtp, tmp_path):
    """Sends wait in their queue (no worker reads it, as in a long SMTP outage) while beat
    ticks: the sweeper, which reads only the sweeps queue, still runs every sweep."""
    client = redis.client()
    client.flushdb()
    smtp.reset()
    due_reminders(30)
    sweep(env)  # 30 sends queued; no worker takes them
    Reminder.objects.all().delete()  # so the sweeper's sweep has them all to make again
    assert client.llen("celery") == 30
    sweeper = Worker(env, tmp_path / "sweeper.log", queues="sweeps")
    sweeper.start()
    beat_log = tmp_path / "beat.log"
    with beat_log.open("w") as log:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
             "-s", str(tmp_path / "beat-schedule")],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(
            lambda: Reminder.objects.count() == 30,
            timeout=20,
            what="a sweep behind the backlog",
            logs=[beat_log, sweeper.log],
        )
    finally:
        beat.terminate()
        beat.wait(10)
        sweeper.stop()
    assert client.llen("celery") >= 60  # the backlog is untouched; the new sends joined it
    assert not smtp.received


def overdue_concerns(count: int) -> set[str]:
    """`count` concerns their lead commissioner has not acknowledged in time, in one ICB
    area with a VCSE partnership lead, and one platform admin: two escalations each."""
    from partnerships.models import Concern

    framework, _ = Framework.objects.get_or_create(
        name="Reminder tests", version="1", defaults={"source": "tests", "published": True}
    )
    icb = Organisation.objects.create(name="Concern ICB", kind=Organisation.Kind.ICB)
    charity = Organisation.objects.create(name="Concern charity", kind=Organisation.Kind.CHARITY)
    lead = User.objects.create(email="vcse-lead@remind.example", password="!")
    Membership.objects.create(
        user=lead, organisation=icb, role=Membership.Role.VIEWER, vcse_partnership_lead=True
    )
    User.objects.create(email="admin@remind.example", password="!", is_staff=True)
    today = timezone.localdate()
    for n in range(count):
        partnership = Partnership.objects.create(
            name=f"Concerned {n}", kind="grant", framework=framework, icb=icb
        )
        Participant.objects.create(
            partnership=partnership, organisation=icb, role=Participant.Role.LEAD_COMMISSIONER
        )
        Participant.objects.create(
            partnership=partnership, organisation=charity, role=Participant.Role.VCSE_PARTNER
        )
        Concern.objects.create(
            partnership=partnership,
            organisation=charity,
            what_happened="Late again.",
            would_like="Pay on time.",
            visibility="lead",
            acknowledge_by=today - datetime.timedelta(days=2),
            respond_by=today + datetime.timedelta(days=10),
        )
    return {"vcse-lead@remind.example", "admin@remind.example"}


def test_overdue_concerns_escalate_once_however_many_sweeps(worker, env, redis, smtp):
    people = overdue_concerns(20)
    worker.start()
    first, second = sweep_by_hand(env), sweep_by_hand(env)
    outputs = [process.communicate(timeout=WAIT)[0] for process in (first, second)]
    assert all(process.returncode == 0 for process in (first, second)), outputs
    sweep(env)  # and a third, later
    smtp.wait_for(40, timeout=WAIT)
    wait_until(all_sent(40), what="every escalation marked sent", logs=[worker.log])
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"concern_escalated"}
    assert_each_received_once(smtp, sorted(people) * 20)
