"""The Transport port. Its docstrings are the contract every implementation honours.

Delivery is at-least-once: a message may arrive more than once (after a consumer dies, a lease
expires, a connection drops), and in any order. Consumers make their effect exactly-once by
de-duplicating on ``message_id`` in the same transaction as the effect, and acknowledge only after
that transaction committed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.store.uow import UnitOfWork

OUTBOUND_PREFIX = "outbound."
INBOUND_QUEUE = "inbound"


def outbound_queue(organ_id: str) -> str:
    """The work queue of documents waiting to go to one agency."""
    return OUTBOUND_PREFIX + organ_id


@dataclass(frozen=True)
class Message:
    queue: str
    body: bytes
    message_id: str


@dataclass
class Received:
    """A message handed to a consumer, not yet settled (ack, retry or dead-letter it)."""

    message: Message
    deliveries: int
    """How many times this message has been handed out, this time included (1 = first)."""
    token: Any = field(repr=False, default=None)


@dataclass(frozen=True)
class DeadLetter:
    message: Message
    reason: str
    died_at: datetime | None
    """When the transport dead-lettered it (not when it was first published); None only when
    a broker's record of it lacks the time."""


class Transport(ABC):
    @abstractmethod
    def publish(self, messages: Sequence[Message]) -> None:
        """Durably enqueue ``messages``; returns once all of them are stored by the transport.

        Raises:
            TransportUnavailable: nothing can be guaranteed published; the caller keeps the
                messages (in the outbox) and tries again. Some may have been published: the
                consumers' de-duplication absorbs the repeats.
        """

    def publish_in(self, uow: UnitOfWork, messages: Sequence[Message]) -> None:
        """Publish ``messages`` as part of ``uow`` (the relay's, which marks them published in
        the outbox). By default they are published at once: if the unit of work then fails, the
        outbox still holds them and they are published again (consumers de-duplicate). A
        transport that lives in the same database enqueues them in the same transaction."""
        self.publish(messages)

    @abstractmethod
    def receive(self, queues: Sequence[str], *, timeout: float) -> Received | None:
        """Take one message from any of ``queues``, waiting up to ``timeout`` seconds.

        The message stays owned by this consumer until settled; if the consumer dies, it is
        handed out again (after a lease expires or the connection closes).

        Raises:
            TransportUnavailable: the transport cannot be reached now.
        """

    @abstractmethod
    def ack(self, received: Received) -> None:
        """The message's effect is committed: forget it. Acking a message whose ownership was
        lost (lease expired and re-delivered) is a no-op."""

    @abstractmethod
    def retry(self, received: Received, *, delay: float, reason: str) -> None:
        """Hand the message out again after ``delay`` seconds."""

    @abstractmethod
    def dead_letter(self, received: Received, *, reason: str) -> None:
        """Move the message to the dead-letter queue with ``reason``; it is not handed out again
        until replayed."""

    @abstractmethod
    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """A look at the dead-lettered messages, oldest first (they stay dead-lettered): what
        an operator compares with the database's record of failures."""

    @abstractmethod
    def close(self) -> None:
        """Release connections. Unsettled messages are handed out again later."""
