"""outgoing documents record the signature algorithm actually used (a URI, like inbound rows)

Outgoing transfers and recalls were recorded with ``signature_algorithm = 'rsa-sha256'`` even when
the gateway's key is ECDSA. Each such row is corrected from the ``SignatureMethod`` of its own
signed bytes.

Revision ID: 0007
Revises: 0006
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SIGNATURE_METHOD = re.compile(rb"SignatureMethod\s+Algorithm\s*=\s*[\"']([^\"']{1,128})[\"']")
BATCH = 500
documents = sa.table(
    "documents",
    sa.column("document_id", sa.String),
    sa.column("direction", sa.String),
    sa.column("body", sa.LargeBinary),
    sa.column("signature_algorithm", sa.String),
)


def upgrade() -> None:
    connection = op.get_bind()
    wrong = sa.and_(documents.c.direction == "out", documents.c.signature_algorithm == "rsa-sha256")
    ids = connection.execute(sa.select(documents.c.document_id).where(wrong)).scalars().all()
    for start in range(0, len(ids), BATCH):  # a batch of bodies in memory at a time
        rows = connection.execute(
            sa.select(documents.c.document_id, documents.c.body).where(
                documents.c.document_id.in_(ids[start : start + BATCH])
            )
        )
        for document_id, body in rows.all():
            found = SIGNATURE_METHOD.search(bytes(body))
            connection.execute(
                sa.update(documents)
                .where(documents.c.document_id == document_id)
                .values(signature_algorithm=found.group(1).decode("ascii") if found else None)
            )


def downgrade() -> None:
    op.execute(
        "UPDATE documents SET signature_algorithm = 'rsa-sha256' "
        "WHERE direction = 'out' AND signature_algorithm LIKE 'http%'"
    )
