"""lifecycle: deadline events (overdue, reminders), returns, escalations, petitioner keys

Revision ID: 0005
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "deadline_events",
        sa.Column("event_id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("petition_id", sa.String(length=36), nullable=False),
        sa.Column("organ_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("calendar_version", sa.String(length=64), nullable=False),
        sa.Column("emitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_deadline_events_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.petition_id"],
            name=op.f("fk_deadline_events_petition_id_petitions"),
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_deadline_events")),
        sa.UniqueConstraint(
            "case_id", "kind", "due_at", name=op.f("uq_deadline_events_case_id_kind_due_at")
        ),
    )
    op.create_index(op.f("ix_deadline_events_petition_id"), "deadline_events", ["petition_id"])
    op.create_table(
        "case_returns",
        sa.Column("return_id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("petition_id", sa.String(length=36), nullable=False),
        sa.Column("organ_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rerouted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_returns_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.petition_id"],
            name=op.f("fk_case_returns_petition_id_petitions"),
        ),
        sa.PrimaryKeyConstraint("return_id", name=op.f("pk_case_returns")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_returns_case_id")),
    )
    op.create_index(op.f("ix_case_returns_petition_id"), "case_returns", ["petition_id"])
    op.create_table(
        "escalations",
        sa.Column("escalation_id", ID, autoincrement=True, nullable=False),
        sa.Column("petition_id", sa.String(length=36), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("related_petition_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.petition_id"],
            name=op.f("fk_escalations_petition_id_petitions"),
        ),
        sa.ForeignKeyConstraint(
            ["related_petition_id"],
            ["petitions.petition_id"],
            name=op.f("fk_escalations_related_petition_id_petitions"),
        ),
        sa.PrimaryKeyConstraint("escalation_id", name=op.f("pk_escalations")),
        sa.UniqueConstraint(
            "petition_id", "reason", name=op.f("uq_escalations_petition_id_reason")
        ),
    )
    op.create_index(op.f("ix_escalations_petition_id"), "escalations", ["petition_id"])
    op.create_table(
        "petition_identities",
        sa.Column("petition_id", sa.String(length=36), nullable=False),
        sa.Column("identity_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.petition_id"],
            name=op.f("fk_petition_identities_petition_id_petitions"),
        ),
        sa.PrimaryKeyConstraint("petition_id", name=op.f("pk_petition_identities")),
    )
    op.create_index(
        op.f("ix_petition_identities_identity_key"), "petition_identities", ["identity_key"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_petition_identities_identity_key"), table_name="petition_identities")
    op.drop_table("petition_identities")
    op.drop_index(op.f("ix_escalations_petition_id"), table_name="escalations")
    op.drop_table("escalations")
    op.drop_index(op.f("ix_case_returns_petition_id"), table_name="case_returns")
    op.drop_table("case_returns")
    op.drop_index(op.f("ix_deadline_events_petition_id"), table_name="deadline_events")
    op.drop_table("deadline_events")
