"""adapters: circuit breakers, pull-inbox tokens, delivery exchanges (SOAP envelopes)

Revision ID: 0004
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "adapter_circuits",
        sa.Column("adapter_id", BIGINT, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("open_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("adapter_id", name=op.f("pk_adapter_circuits")),
    )
    # adapters configured before this migration get a closed circuit
    op.execute(
        "INSERT INTO adapter_circuits (adapter_id, state, failures, updated_at) "
        "SELECT adapter_id, 'closed', 0, updated_at FROM adapters"
    )
    op.create_table(
        "agency_tokens",
        sa.Column("token_id", sa.String(length=36), nullable=False),
        sa.Column("organ_id", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organ_id"], ["agencies.organ_id"], name=op.f("fk_agency_tokens_organ_id_agencies")
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_agency_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_agency_tokens_token_sha256")),
    )
    with op.batch_alter_table("agency_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_tokens_organ_id"), ["organ_id"], unique=False)
    op.create_table(
        "delivery_exchanges",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("adapter_kind", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("response_sha256", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_exchanges")),
    )
    with op.batch_alter_table("delivery_exchanges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_exchanges_delivery_id"), ["delivery_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_exchanges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_exchanges_delivery_id"))
    op.drop_table("delivery_exchanges")
    with op.batch_alter_table("agency_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_tokens_organ_id"))
    op.drop_table("agency_tokens")
    op.drop_table("adapter_circuits")
