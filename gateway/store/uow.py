"""Unit of work: one database transaction, rolled back unless the use case commits.

with store.unit_of_work() as uow:
    uow.petitions.add(...)
    uow.audit.record(...)
    uow.outbox.add(...)
    uow.commit()          # state change, audit events and outgoing messages: all or nothing
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from gateway.errors import DatabaseBusy, StoreConflict
from gateway.store.accounts import AccountRepository
from gateway.store.agencies import AdapterRepository, AgencyRepository
from gateway.store.agency_access import TokenRepository
from gateway.store.audit_log import AuditRepository
from gateway.store.circuits import CircuitRepository
from gateway.store.dead_letters import DeadLetterRepository
from gateway.store.deadlines import DeadlineRepository
from gateway.store.deliveries import DeliveryRepository
from gateway.store.documents import DocumentRepository
from gateway.store.escalations import EscalationRepository
from gateway.store.exchanges import ExchangeRepository
from gateway.store.identities import IdentityRepository
from gateway.store.inbox import InboxRepository
from gateway.store.maintenance import MaintenanceRepository
from gateway.store.messaging import OutboxRepository, ProcessedMessageRepository
from gateway.store.petitions import CaseRepository, PetitionRepository
from gateway.store.public import PublicRepository
from gateway.store.queue import QueueRepository
from gateway.store.reports import ReportRepository
from gateway.store.returns import ReturnRepository
from gateway.store.seals import SealRepository


class UnitOfWork:
    """The only way into the database: its repositories share one private connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.agencies = AgencyRepository(connection)
        self.adapters = AdapterRepository(connection)
        self.petitions = PetitionRepository(connection)
        self.cases = CaseRepository(connection)
        self.documents = DocumentRepository(connection)
        self.deliveries = DeliveryRepository(connection)
        self.audit = AuditRepository(connection)
        """The hash-chained audit log: record events, read the chain back."""
        self.seals = SealRepository(connection)
        """The signed seals of the chain head."""
        self.outbox = OutboxRepository(connection)
        self.processed = ProcessedMessageRepository(connection)
        self.queue = QueueRepository(connection)
        """The embedded queue's rows (the embedded transport publishes in this transaction)."""
        self.circuits = CircuitRepository(connection)
        self.tokens = TokenRepository(connection)
        self.exchanges = ExchangeRepository(connection)
        self.inbox = InboxRepository(connection)
        self.dead_letters = DeadLetterRepository(connection)
        self.deadlines = DeadlineRepository(connection)
        """Deadline events: overdue marks and reminders."""
        self.returns = ReturnRepository(connection)
        self.escalations = EscalationRepository(connection)
        self.identities = IdentityRepository(connection)
        """The petitioner-identity index (repeat petitions)."""
        self.reports = ReportRepository(connection)
        """What quarterly reports are computed from, and the reports issued."""
        self.accounts = AccountRepository(connection)
        """Users, sessions, API tokens, failed logins, experts' invitations and opinions."""
        self.maintenance = MaintenanceRepository(connection)
        """Maintenance windows (intake paused)."""
        self.public = PublicRepository(connection)
        """What the public pages show: the published replies, masked when published."""
        self._committed = False
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this unit of work has committed (never if it rolls back)."""
        self._after_commit.append(callback)

    def commit(self) -> None:
        self.audit.chain()
        self._connection.commit()
        self._committed = True
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()


class Store:
    """The database behind the gateway (SQLite embedded, PostgreSQL in production)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One transaction. The driver's errors do not leave the store: a constraint refusing a
        write is StoreConflict; on SQLite, a writer that waited the busy timeout for the write
        lock gets DatabaseBusy (503 + Retry-After in the API), never "database is locked"."""
        try:
            with self.engine.connect() as connection:
                connection.begin()
                uow = UnitOfWork(connection)
                try:
                    yield uow
                finally:
                    if connection.in_transaction():
                        connection.rollback()
        except IntegrityError as e:
            raise StoreConflict(f"the database refused the write: {type(e.orig).__name__}") from e
        except OperationalError as e:
            if not _is_busy(e):
                raise
            raise DatabaseBusy("the database is busy; try again in a moment") from e

    def dispose(self) -> None:
        self.engine.dispose()


def _is_busy(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "database is locked" in message or "database is busy" in message
