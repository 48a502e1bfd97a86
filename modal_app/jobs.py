"""Image jobs in the database: create with a reservation, move through states, finish exactly once."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from modal_app.compute.base import Done, Failed, GenerationRequest
from modal_app.contract import ACTIVE_STATES, MAX_SEED, ImageRequest, JobState
from modal_app.image_models import charge, find_model
from modal_app.ledger import lock_account, reserve_in, settle_in
from modal_app.storage import ResultStorage, result_key
from modal_app.store.db import Store
from modal_app.store.models import ImageJob, JobImage, new_id, utcnow
from modal_app.store.notify import notify_changed

# One enum, shared with the desktop through the contract; the short names keep the queries readable.
QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = (
    JobState.QUEUED,
    JobState.RUNNING,
    JobState.COMPLETED,
    JobState.FAILED,
    JobState.CANCELLED,
)


class IdempotencyConflict(Exception):
    """The idempotency key was used before with a different request."""


def fingerprint(request: ImageRequest) -> str:
    """A hash of what the job makes, to tell an idempotent retry from a different request with the same key
    (the same fields and JSON as before the contract, so keys stored by older servers keep matching)."""
    payload = json.dumps(
        request.model_dump(exclude={"reference_image", "reference_images"}), sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class JobRow:
    """A snapshot of one ``image_jobs`` row: the server's own record of a job, with what it never answers
    (the account, the compute's call id, the steps, the stored image count, the paging ``seq``). It is not
    a wire shape: the one answer of a job is the contract's ``Job``, and ``modal_app.api.schemas.job_json``
    is the one conversion to it (``job_out`` validates that into the model). Naive datetimes are UTC."""

    id: str
    account_id: str
    state: JobState
    model: str
    prompt: str
    negative_prompt: str
    size: str
    aspect_ratio: str
    width: int
    height: int
    count: int
    seed: int
    steps: int
    cost: int
    charged: bool
    call_id: str | None
    error: str | None
    image_count: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    seq: int = field(default=0, compare=False)

    @property
    def terminal(self) -> bool:
        """Whether the job has ended (its state will not change again)."""
        return self.state.terminal

    def generation_request(self) -> GenerationRequest:
        """What the compute is asked to make for this job."""
        return GenerationRequest(
            model=self.model,
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            width=self.width,
            height=self.height,
            count=self.count,
            seed=self.seed,
            steps=self.steps,
        )


@dataclass(frozen=True)
class ActiveCall:
    """An unfinished job as the monitor's sweep sees it (call_id None: not handed to the compute yet)."""

    job_id: str
    call_id: str | None
    created_at: datetime


class JobStore:
    def __init__(self, store: Store, billing_enabled: bool, storage: ResultStorage) -> None:
        self._store = store
        self.billing_enabled = billing_enabled
        self.storage = storage
        self.faults = store.faults

    def create(self, account_id: str, request: ImageRequest, idempotency_key: str | None = None) -> tuple[JobRow, bool]:
        """Insert the job and reserve its cost in one transaction; (job, created). Raises
        InsufficientCredits or IdempotencyConflict."""
        model = find_model(request.model)
        if model is None:
            raise KeyError(request.model)
        request_hash = fingerprint(request)
        width, height = model.dimensions(request.size, request.aspect_ratio)
        cost = charge(request.model, request.size, request.count, self.billing_enabled)
        try:
            with self._store.writes.begin() as session:
                if self.billing_enabled:
                    # Before the key is looked up: a retry waiting behind its first attempt must find that
                    # job, not be refused for the credits the first attempt has just reserved.
                    lock_account(session, account_id)
                if idempotency_key is not None:
                    existing = session.scalar(
                        select(ImageJob).where(
                            ImageJob.account_id == account_id, ImageJob.idempotency_key == idempotency_key
                        )
                    )
                    if existing is not None:
                        if existing.request_hash != request_hash:
                            raise IdempotencyConflict(idempotency_key)
                        return _row(existing), False
                job = ImageJob(
                    id=new_id(),
                    account_id=account_id,
                    idempotency_key=idempotency_key,
                    request_hash=request_hash,
                    model=request.model,
                    prompt=request.prompt,
                    negative_prompt=request.negative_prompt,
                    size=request.size,
                    aspect_ratio=request.aspect_ratio,
                    width=width,
                    height=height,
                    count=request.count,
                    seed=request.seed if request.seed is not None else secrets.randbelow(MAX_SEED + 1),
                    steps=model.steps,
                    cost=cost,
                    state=QUEUED,
                    charged=False,
                    image_count=0,
                )
                if self.billing_enabled:
                    reserve_in(session, account_id, job.id, cost)
                session.add(job)
                session.flush()
                return _row(job), True
        except IntegrityError:
            # A concurrent request with the same key won the insert (Postgres); answer with its job.
            if idempotency_key is None:
                raise
            found = self.by_key(account_id, idempotency_key)
            if found is None:
                raise
            return found, False

    def by_key(self, account_id: str, idempotency_key: str) -> JobRow | None:
        with self._store.reads() as session:
            row = session.scalar(
                select(ImageJob).where(ImageJob.account_id == account_id, ImageJob.idempotency_key == idempotency_key)
            )
            return None if row is None else _row(row)

    def mark_running(self, job_id: str, call_id: str) -> bool:
        """Record the call of a queued job; False when the job left ``queued`` meanwhile (cancelled)."""
        with self._store.writes.begin() as session:
            result = session.execute(
                update(ImageJob)
                .where(ImageJob.id == job_id, ImageJob.state == QUEUED)
                .values(state=RUNNING, call_id=call_id, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            notify_changed(session, job_id)
            return True

    def finish(self, job_id: str, outcome: Done | Failed | None) -> bool:
        """Move an active job to its end state (None = cancelled) and settle its reservation.
        Returns True only for the single call that made the change."""
        if isinstance(outcome, Done):
            state, error = COMPLETED, None
        elif isinstance(outcome, Failed):
            state, error = FAILED, outcome.message
        else:
            state, error = CANCELLED, None
        now = utcnow()
        if isinstance(outcome, Done):
            # Stored before the row says so (same keys if two writers race): a finished job never lacks one.
            for index, png in enumerate(outcome.images):
                self.storage.put(result_key(job_id, index), png)
        with self._store.writes.begin() as session:
            result = session.execute(
                update(ImageJob)
                .where(ImageJob.id == job_id, ImageJob.state.in_(ACTIVE_STATES))
                .values(
                    state=state,
                    error=error,
                    updated_at=now,
                    finished_at=now,
                    image_count=len(outcome.images) if isinstance(outcome, Done) else 0,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            if isinstance(outcome, Done):
                for index in range(len(outcome.images)):
                    session.add(JobImage(job_id=job_id, index=index, object_key=result_key(job_id, index)))
            charged = settle_in(session, job_id, charge=isinstance(outcome, Done))
            if charged and isinstance(outcome, Done):
                session.execute(
                    update(ImageJob)
                    .where(ImageJob.id == job_id)
                    .values(charged=True)
                    .execution_options(synchronize_session=False)
                )
            notify_changed(session, job_id)
        return True

    def get(self, job_id: str, account_id: str | None = None) -> JobRow | None:
        # A prepared Core statement on a bare connection: this is the hot path of every status poll.
        with self._store.single_reads.connect() as connection:
            row = connection.execute(_GET_JOB, {"job_id": job_id}).first()
        if row is None or (account_id is not None and row.account_id != account_id):
            return None
        return JobRow(**row._mapping)

    def list_jobs(
        self, account_id: str, limit: int = 50, cursor: int | None = None, state: JobState | None = None
    ) -> tuple[list[JobRow], int | None]:
        query = select(ImageJob).where(ImageJob.account_id == account_id)
        if cursor is not None:
            query = query.where(ImageJob.seq < cursor)
        if state is not None:
            query = query.where(ImageJob.state == state)
        with self._store.reads() as session:
            rows = session.scalars(query.order_by(ImageJob.seq.desc()).limit(limit + 1)).all()
        jobs = [_row(row) for row in rows[:limit]]
        return jobs, (jobs[-1].seq if len(rows) > limit else None)

    def unfinished(self) -> list[JobRow]:
        with self._store.reads() as session:
            rows = session.scalars(select(ImageJob).where(ImageJob.state.in_(ACTIVE_STATES))).all()
        return [_row(row) for row in rows]

    def active_calls(self) -> list[ActiveCall]:
        """Every unfinished job's id, call id and age, in one light query (the sweep runs it often)."""
        with self._store.single_reads.connect() as connection:
            rows = connection.execute(_ACTIVE_CALLS).all()
        return [ActiveCall(job_id=row.id, call_id=row.call_id, created_at=row.created_at) for row in rows]

    def image(self, account_id: str, job_id: str, index: int) -> bytes | None:
        """The PNG from the result storage (or from the row, for an image not moved out yet); raises
        StorageError when the storage cannot be read."""
        with self._store.reads() as session:
            row = session.execute(
                select(JobImage.png, JobImage.object_key)
                .join(ImageJob, ImageJob.id == JobImage.job_id)
                .where(JobImage.job_id == job_id, JobImage.index == index, ImageJob.account_id == account_id)
            ).first()
        if row is None:
            return None
        png, key = row
        if png is not None:
            return bytes(png)
        return None if key is None else self.storage.get(key)


_ROW_FIELDS = tuple(JobRow.__dataclass_fields__)  # the columns a JobRow holds, by their ORM attribute names
_GET_JOB = select(*(getattr(ImageJob, name) for name in _ROW_FIELDS)).where(ImageJob.id == bindparam("job_id"))
_ACTIVE_CALLS = select(ImageJob.id, ImageJob.call_id, ImageJob.created_at).where(ImageJob.state.in_(ACTIVE_STATES))


def _row(job: ImageJob) -> JobRow:
    return JobRow(**{name: getattr(job, name) for name in _ROW_FIELDS})
