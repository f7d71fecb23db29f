"""accounts and roles: users, console sessions, per-user API tokens, login failures (throttling),
experts' invitations to escalated cases and their opinions; VPCP's decision on an escalation;
the audit trail's verifications; maintenance windows

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
At = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("decided_at", At))
        batch.add_column(sa.Column("decision", sa.String(32)))
        batch.add_column(sa.Column("decided_by", sa.String(64)))
        batch.add_column(sa.Column("decision_note", sa.Text))
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("organ_id", sa.String(64)),
        sa.Column("portal", sa.String(32)),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", At, nullable=False),
        sa.Column("updated_at", At, nullable=False),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.user_id", name="fk_user_sessions_user_id_users"),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", At, nullable=False),
        sa.Column("expires_at", At, nullable=False),
        sa.Column("ended_at", At),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "user_tokens",
        sa.Column("token_id", sa.String(36), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.user_id", name="fk_user_tokens_user_id_users"),
            nullable=False,
        ),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", At, nullable=False),
        sa.Column("revoked_at", At),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_tokens_token_hash")),
    )
    op.create_index("ix_user_tokens_user_id", "user_tokens", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", At, nullable=False),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])
    op.create_table(
        "expert_invitations",
        sa.Column("invitation_id", sa.String(36), primary_key=True),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.user_id", name="fk_expert_invitations_user_id_users"),
            nullable=False,
        ),
        sa.Column(
            "petition_id",
            sa.String(36),
            sa.ForeignKey(
                "petitions.petition_id", name="fk_expert_invitations_petition_id_petitions"
            ),
            nullable=False,
        ),
        sa.Column("until", At, nullable=False),
        sa.Column("invited_by", sa.String(64), nullable=False),
        sa.Column("created_at", At, nullable=False),
    )
    op.create_index("ix_expert_invitations_user_id", "expert_invitations", ["user_id"])
    op.create_table(
        "expert_opinions",
        sa.Column("opinion_id", sa.String(36), primary_key=True),
        sa.Column(
            "petition_id",
            sa.String(36),
            sa.ForeignKey("petitions.petition_id", name="fk_expert_opinions_petition_id_petitions"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.user_id", name="fk_expert_opinions_user_id_users"),
            nullable=False,
        ),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", At, nullable=False),
    )
    op.create_index("ix_expert_opinions_petition_id", "expert_opinions", ["petition_id"])
    op.create_table(
        "audit_verifications",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("at", At, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("problems", sa.Integer, nullable=False),
        sa.Column("first_problem", sa.Text),
    )
    op.create_index("ix_audit_verifications_at", "audit_verifications", ["at"])
    op.create_table(
        "maintenance_windows",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("started_at", At, nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("ended_at", At),
        sa.Column("ended_by", sa.String(64)),
    )


def downgrade() -> None:
    for table in (
        "maintenance_windows",
        "audit_verifications",
        "expert_opinions",
        "expert_invitations",
        "login_failures",
        "user_tokens",
        "user_sessions",
        "users",
    ):
        op.drop_table(table)
    with op.batch_alter_table("escalations") as batch:
        for column in ("decision_note", "decided_by", "decision", "decided_at"):
            batch.drop_column(column)
