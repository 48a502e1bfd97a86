"""The data migration of result images: PNG blobs written into ``job_images.png`` by servers before
migration 0004 are moved to the result storage at start-up.

Each image is written to the storage first, then its row gets the key and loses the bytes in a guarded
UPDATE (only rows still holding bytes), so a crash or a second process doing the same never loses an image
or leaves a row without either; at worst an object is written twice with the same bytes.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from modal_app.storage import ResultStorage, result_key
from modal_app.store.db import Store
from modal_app.store.models import JobImage

log = logging.getLogger(__name__)

BATCH = 50


def move_blobs(store: Store, storage: ResultStorage, batch: int = BATCH) -> int:
    """Move every image still held in the database to ``storage``; returns how many were moved.
    Raises StorageError (nothing of the failed batch changes) or a database error."""
    moved = 0
    while True:
        with store.reads() as session:
            rows = session.execute(
                select(JobImage.job_id, JobImage.index, JobImage.png)
                .where(JobImage.png.is_not(None))
                .order_by(JobImage.job_id, JobImage.index)
                .limit(batch)
            ).all()
        if not rows:
            break
        for job_id, index, png in rows:
            storage.put(result_key(job_id, index), bytes(png or b""))
        with store.writes.begin() as session:
            for job_id, index, _png in rows:
                session.execute(
                    update(JobImage)
                    .where(JobImage.job_id == job_id, JobImage.index == index, JobImage.png.is_not(None))
                    .values(png=None, object_key=result_key(job_id, index))
                    .execution_options(synchronize_session=False)
                )
        moved += len(rows)
    if moved:
        log.info("moved %d result images from the database to the result storage", moved)
    return moved
