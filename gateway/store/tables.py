"""Tables. The database is the source of truth; Alembic migrations in ``migrations/`` create them.

Times are stored in UTC (aware in Python, see :class:`UtcDateTime`). Every query the workers and
the API make has an index here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit identities.
Serial = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


agencies = Table(
    "agencies",
    metadata,
    Column("organ_id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("legacy_sha1", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
)

adapters = Table(
    "adapters",
    metadata,
    Column("adapter_id", Serial, primary_key=True, autoincrement=True),
    Column("organ_id", String(64), ForeignKey("agencies.organ_id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("config", Json, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

petitions = Table(
    "petitions",
    metadata,
    Column("petition_id", String(36), primary_key=True),
    Column("client_ref", String(128), unique=True),
    Column("category", String(16), nullable=False),
    Column("title", String(500), nullable=False),
    Column("content", Text, nullable=False),
    Column("petitioner", Json, nullable=False),  # personal data: never logged or exported
    Column("portal", String(32), nullable=False),
    Column("received_at", UtcDateTime, nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("document_id", String(36), primary_key=True),
    Column("direction", String(3), nullable=False),  # in | out
    Column("kind", String(16), nullable=False),
    Column("doc_key", String(400), nullable=False),  # edXML DocumentId, or status/receipt key
    Column("sender", String(64), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("petition_id", String(36), ForeignKey("petitions.petition_id"), index=True),
    Column(
        "case_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("cases.case_id"),
        index=True,
    ),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),  # the exact bytes sent or received
    Column("signer", String(255)),
    Column("signature_algorithm", String(128)),
    Column("receipt_id", String(36)),  # the receipt that answers this document
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("direction", "sender", "doc_key"),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", Serial, primary_key=True, autoincrement=True),
    Column(
        "petition_id", String(36), ForeignKey("petitions.petition_id"), nullable=False, index=True
    ),
    Column("organ_id", String(64), ForeignKey("agencies.organ_id"), nullable=False, index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("state_changed_at", UtcDateTime, nullable=False),
    Column("last_status_at", UtcDateTime),
    Column("transfer_doc_key", String(400), unique=True),
    Column("reply_document_id", String(36)),
    Column("clock_start_at", UtcDateTime),
    Column("due_date", Date),
    Column("due_at", UtcDateTime, index=True),
    Column("calendar_version", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column(
        "case_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("cases.case_id"),
        nullable=False,
        index=True,
    ),
    Column("document_id", String(36), ForeignKey("documents.document_id"), nullable=False),
    Column("organ_id", String(64), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("failure_code", String(32)),
    Column("next_attempt_at", UtcDateTime),
    Column("delivered_at", UtcDateTime),
    Column("evidence", Json),  # what the agency answered: status, timing, digest check
    Column("evidence_document_id", String(36)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("petition_id", String(36), index=True),
    Column("case_id", BigInteger().with_variant(Integer(), "sqlite")),
    Column("document_id", String(36)),
    Column("organ_id", String(64)),
    Column("sha256", String(64)),
    Column("details", Json, nullable=False),
    Column("prev_hash", String(64), nullable=False),  # hash chain: see gateway/domain/audit.py
    Column("hash", String(64), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("queue", String(128), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
    Index("ix_outbox_unpublished", "published_at", "id"),
)

queue_messages = Table(
    "queue_messages",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False),
    Column("queue", String(128), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("available_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("lease_owner", String(64)),
    Column("dead", Boolean, nullable=False, default=False),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("died_at", UtcDateTime),  # when it was dead-lettered (NULL while alive)
    Index("ix_queue_messages_ready", "dead", "queue", "available_at"),
)

processed_messages = Table(
    "processed_messages",
    metadata,
    Column("message_id", String(36), primary_key=True),
    Column("handler", String(64), nullable=False),
    Column("processed_at", UtcDateTime, nullable=False),
)

audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # the one row: id 1
    Column("seq", BigInteger, nullable=False),  # the last event's seq (0: none yet)
    Column("hash", String(64), nullable=False),  # the last event's hash
)

audit_seals = Table(
    "audit_seals",
    metadata,
    Column("seal_id", Serial, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False, unique=True),  # the chain head it seals
    Column("head_hash", String(64), nullable=False),
    Column("sealed_at", UtcDateTime, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),  # the signed seal document, exact bytes
)

# a replay of the exact bytes of an accepted document is answered from this index
Index("ix_documents_direction_sha256", documents.c.direction, documents.c.sha256)
# -- lifecycle: deadline events, returns, escalations (migration 0005) -------------------------

deadline_events = Table(
    "deadline_events",
    metadata,
    Column("event_id", Serial, primary_key=True, autoincrement=True),
    Column(
        "case_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("cases.case_id"),
        nullable=False,
    ),
    Column(
        "petition_id", String(36), ForeignKey("petitions.petition_id"), nullable=False, index=True
    ),
    Column("organ_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # overdue | reminder
    Column("due_at", UtcDateTime, nullable=False),  # the deadline the event is about
    Column("due_date", Date, nullable=False),
    Column("calendar_version", String(64), nullable=False),
    Column("emitted_at", UtcDateTime, nullable=False),
    # the database guarantees one event per (case, kind, deadline): two schedulers at once
    # cannot emit the same event twice
    UniqueConstraint("case_id", "kind", "due_at"),
)

case_returns = Table(
    "case_returns",
    metadata,
    Column("return_id", Serial, primary_key=True, autoincrement=True),
    Column(
        "case_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("cases.case_id"),
        nullable=False,
        unique=True,
    ),
    Column(
        "petition_id", String(36), ForeignKey("petitions.petition_id"), nullable=False, index=True
    ),
    Column("organ_id", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("returned_at", UtcDateTime, nullable=False),
    Column("rerouted_at", UtcDateTime),  # set when VPCP routes the petition again
)

escalations = Table(
    "escalations",
    metadata,
    Column("escalation_id", Serial, primary_key=True, autoincrement=True),
    Column(
        "petition_id", String(36), ForeignKey("petitions.petition_id"), nullable=False, index=True
    ),
    Column("level", Integer, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("raised_by", String(64), nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("related_petition_id", String(36), ForeignKey("petitions.petition_id")),
    # VPCP's decision (migration 0010): it ends the escalation
    Column("decided_at", UtcDateTime),
    Column("decision", String(32)),
    Column("decided_by", String(64)),
    Column("decision_note", Text),
    UniqueConstraint("petition_id", "reason"),
)

petition_identities = Table(
    "petition_identities",
    metadata,
    Column("petition_id", String(36), ForeignKey("petitions.petition_id"), primary_key=True),
    Column("identity_key", String(64), nullable=False, index=True),  # SHA-256 (pseudonymous)
)

# -- adapters: circuit breakers, pull-inbox tokens, SOAP/HTTP exchanges (migration 0004) --------

adapter_circuits = Table(
    "adapter_circuits",
    metadata,
    Column("adapter_id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("state", String(16), nullable=False),  # closed | open | half_open
    Column("failures", Integer, nullable=False, default=0),
    Column("open_until", UtcDateTime),
    Column("last_error", Text),
    Column("updated_at", UtcDateTime, nullable=False),
)

agency_tokens = Table(
    "agency_tokens",
    metadata,
    Column("token_id", String(36), primary_key=True),
    Column("organ_id", String(64), ForeignKey("agencies.organ_id"), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),  # never the token itself
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

delivery_exchanges = Table(
    "delivery_exchanges",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("adapter_kind", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),  # delivered | transient | permanent
    Column("request", LargeBinary, nullable=False),  # the exact envelope sent (secrets masked)
    Column("response", LargeBinary),  # the exact envelope received, if any
    Column("request_sha256", String(64), nullable=False),
    Column("response_sha256", String(64)),
    Column("at", UtcDateTime, nullable=False),
)

# -- dead letters: the database's record of failed messages (migration 0002) -------------------

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("queue", String(128), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("code", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("delivery_id", String(36), index=True),
    Column("dead_at", UtcDateTime, nullable=False),
    Column("replayed_at", UtcDateTime),
    Column("replayed_by", String(64)),
    Column("replay_message_id", String(36)),
    Index("ix_dead_letters_open", "replayed_at", "id"),
)

# -- reports and publication (migration 0009) ---------------------------------------------------

issued_reports = Table(
    "issued_reports",
    metadata,
    Column("report_id", String(36), primary_key=True),
    Column("quarter", String(8), nullable=False),  # 2026Q3
    Column("kind", String(16), nullable=False),  # report | press
    Column("format", String(8), nullable=False),  # pdf | html | csv | xlsx | json
    Column("media_type", String(128), nullable=False),
    Column("body", LargeBinary, nullable=False),  # the exact bytes issued (a PDF signed inside)
    Column("sha256", String(64), nullable=False),
    Column("manifest", LargeBinary),  # the signed manifest of the digests (machine formats)
    Column("issued_at", UtcDateTime, nullable=False),
    Column("issued_by", String(64), nullable=False),
    UniqueConstraint("quarter", "kind", "format"),
)

useful_marks = Table(
    "useful_marks",
    metadata,
    Column("petition_id", String(36), ForeignKey("petitions.petition_id"), primary_key=True),
    Column("marked_at", UtcDateTime, nullable=False),
    Column("marked_by", String(64), nullable=False),
    Column("note", Text, nullable=False),
)

public_replies = Table(
    "public_replies",
    metadata,
    # one row per published case: what the public pages show, masked for personal data when it
    # was published; the public pages read nothing else
    Column(
        "case_id",
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("cases.case_id"),
        primary_key=True,
    ),
    Column("petition_id", String(36), ForeignKey("petitions.petition_id"), nullable=False),
    Column("organ_id", String(64), nullable=False, index=True),
    Column("category", String(16), nullable=False),
    Column("title", String(500), nullable=False),
    Column("content", Text, nullable=False),
    Column("reply_text", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("replied_at", UtcDateTime, nullable=False),
    Column("reply_document_id", String(36), nullable=False),
    Column("reply_sha256", String(64), nullable=False),  # of the agency's signed original
    Column("signed_by", String(255), nullable=False),
    Column("published_at", UtcDateTime, nullable=False, index=True),
    Column("published_by", String(64), nullable=False),
    # title, content and reply casefolded (in NFC): what the public search matches, on SQLite too
    Column("search_text", Text, nullable=False),
)


# -- accounts, sessions, tokens, experts (migration 0010) ---------------------------------------

users = Table(
    "users",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),  # casefolded
    Column("display_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("organ_id", String(64)),  # agency staff: their agency
    Column("portal", String(32)),  # portal accounts: the channel they submit for
    Column("password_hash", String(255)),  # argon2id; none for API-only accounts
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),  # SHA-256 of the cookie's secret
    Column("user_id", String(36), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
)

user_tokens = Table(
    "user_tokens",
    metadata,
    Column("token_id", String(36), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("user_id", String(36), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_login_failures_username_at", "username", "at"),
)

expert_invitations = Table(
    "expert_invitations",
    metadata,
    Column("invitation_id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("petition_id", String(36), ForeignKey("petitions.petition_id"), nullable=False),
    Column("until", UtcDateTime, nullable=False),
    Column("invited_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

expert_opinions = Table(
    "expert_opinions",
    metadata,
    Column("opinion_id", String(36), primary_key=True),
    Column(
        "petition_id", String(36), ForeignKey("petitions.petition_id"), nullable=False, index=True
    ),
    Column("user_id", String(36), ForeignKey("users.user_id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

audit_verifications = Table(
    "audit_verifications",
    metadata,
    # each run of `audit verify` (or the console's): the dashboard shows the last one
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("complete", Boolean, nullable=False),  # the whole chain, not a range
    Column("events", Integer, nullable=False),
    Column("documents", Integer, nullable=False),
    Column("problems", Integer, nullable=False),
    Column("first_problem", Text),
)

maintenance_windows = Table(
    "maintenance_windows",
    metadata,
    # `gateway maintenance on|off`: the open window (ended_at NULL) pauses intake everywhere
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("started_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("ended_by", String(64)),
)
