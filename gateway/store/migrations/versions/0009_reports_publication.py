"""quarterly reports (issued, stored once), petitions marked useful, and the public replies

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CaseId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "issued_reports",
        sa.Column("report_id", sa.String(36), primary_key=True),
        sa.Column("quarter", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("manifest", sa.LargeBinary),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.UniqueConstraint(
            "quarter", "kind", "format", name="uq_issued_reports_quarter_kind_format"
        ),
    )
    op.create_table(
        "useful_marks",
        sa.Column(
            "petition_id",
            sa.String(36),
            sa.ForeignKey("petitions.petition_id", name="fk_useful_marks_petition_id_petitions"),
            primary_key=True,
        ),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "public_replies",
        sa.Column(
            "case_id",
            CaseId,
            sa.ForeignKey("cases.case_id", name="fk_public_replies_case_id_cases"),
            primary_key=True,
        ),
        sa.Column(
            "petition_id",
            sa.String(36),
            sa.ForeignKey("petitions.petition_id", name="fk_public_replies_petition_id_petitions"),
            nullable=False,
        ),
        sa.Column("organ_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("reply_text", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply_document_id", sa.String(36), nullable=False),
        sa.Column("reply_sha256", sa.String(64), nullable=False),
        sa.Column("signed_by", sa.String(255), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
    )
    op.create_index("ix_public_replies_organ_id", "public_replies", ["organ_id"])
    op.create_index("ix_public_replies_published_at", "public_replies", ["published_at"])


def downgrade() -> None:
    op.drop_table("public_replies")
    op.drop_table("useful_marks")
    op.drop_table("issued_reports")
