"""the embedded queue records when a message was dead-lettered (``died_at``), as RabbitMQ does

Before, the embedded transport reported a dead letter's creation time as its time of death.
Messages already dead get their creation time (the best that is known).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_messages") as batch:
        batch.add_column(sa.Column("died_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE queue_messages SET died_at = created_at WHERE dead")


def downgrade() -> None:
    with op.batch_alter_table("queue_messages") as batch:
        batch.drop_column("died_at")
