"""index inbound documents by the SHA-256 of their exact bytes (replays get the original receipt)

Revision ID: 0003
Revises: 0001
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_direction_sha256", "documents", ["direction", "sha256"])


def downgrade() -> None:
    op.drop_index("ix_documents_direction_sha256", table_name="documents")
