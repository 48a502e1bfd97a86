"""result images leave the database: job_images gains object_key, png may be empty

Revision ID: 0004_pg17_result_storage
Revises: 0003_server11_accounts

The bytes of existing images stay in ``png`` here (a migration cannot know where the result storage is);
the server moves them to its storage at start-up, in small batches, and clears ``png`` row by row
(modal_app.storage.blobs.move_blobs), so an interrupted move just continues next time.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_pg17_result_storage"
down_revision = "0003_server11_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_images") as batch:
        batch.add_column(sa.Column("object_key", sa.String(200), nullable=True))
        batch.alter_column("png", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    # Only possible once every image is back in the database; refuse rather than lose images.
    bind = op.get_bind()
    moved = bind.execute(sa.text("SELECT COUNT(*) FROM job_images WHERE png IS NULL")).scalar()
    if moved:
        raise RuntimeError(f"{moved} result images live in the result storage; copy them back before downgrading")
    with op.batch_alter_table("job_images") as batch:
        batch.alter_column("png", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("object_key")
