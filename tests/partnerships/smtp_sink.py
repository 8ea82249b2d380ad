"""A real SMTP server on loopback (aiosmtpd) that records what it accepts.

It can refuse an address for good (550), answer "try later" (451) to the first attempts
of each message, keep a message and answer only after a delay (longer than the client
waits, so the client cannot know it was kept), be slow to accept an address, or hold its
answer to a message until told to go on: enough to act out every failure the reminder
tests need.
"""

import asyncio
import email
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    message_id: str
    to: tuple[str, ...]
    subject: str
    message: email.message.Message


class SmtpSink:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.received: list[Received] = []
            self.attempts: Counter[str] = Counter()  # DATA commands per Message-ID
            self.refused: dict[str, str] = {}  # address → the RCPT answer
            self.try_later_times = 0  # 451s for each message before it is accepted
            # The first `late_times` attempts of each message are kept, then answered 250
            # only after `late_seconds`.
            self.late_times, self.late_seconds = 0, 0.0
            self.rcpt_delay = 0.0  # seconds before answering each RCPT
            self.hold_at: int | None = None  # hold the answer to the n-th accepted message
            self.holding = threading.Event()
            self.release = threading.Event()

    # The server's side of the conversation, called by aiosmtpd.

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message_id = message["Message-ID"]
        with self._lock:
            self.attempts[message_id] += 1
            if self.attempts[message_id] <= self.try_later_times:
                return "451 4.3.0 Try again later"
            self.received.append(
                Received(message_id, tuple(envelope.rcpt_tos), message["Subject"], message)
            )
            hold = self.hold_at is not None and len(self.received) == self.hold_at
            late = self.attempts[message_id] - self.try_later_times <= self.late_times
        if late:
            await asyncio.sleep(self.late_seconds)
        if hold:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"

    # Up and down.

    def start(self) -> "SmtpSink":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self.release.set()
            self._controller.stop()
            self._controller = None

    # What the tests read.

    def ids(self) -> Counter[str]:
        with self._lock:
            return Counter(r.message_id for r in self.received)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"The SMTP server received {len(self.received)} of {count} emails "
                    f"in {timeout} seconds."
                )
            time.sleep(0.05)
