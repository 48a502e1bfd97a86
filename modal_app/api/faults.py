"""Database faults as answers: a write on a read-only or full database, a database server that restarts
or is out of reach, or a connection pool with no free connection is a 503 with Retry-After."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from modal_app.hashing import HashingBusy
from modal_app.storage import StorageError
from modal_app.store.faults import MESSAGES, RETRY_AFTER, UNAVAILABLE, storage_fault

POOL_BUSY = "the server is busy (every database connection is in use); try again in a moment"
STORAGE_DOWN = "the server cannot reach its image storage right now; try again shortly"
STORAGE_RETRY_AFTER_S = 5


def install_fault_handlers(app: FastAPI) -> None:
    """Answer storage faults (see modal_app.store.faults) and a saturated hashing pool with 503."""

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, error: DBAPIError) -> JSONResponse:
        kind = storage_fault(error)
        if kind is None:
            raise error  # a real bug: the server error handler logs it and answers 500
        request.app.state.services.store.faults.report(kind, error)
        return JSONResponse(
            {"detail": MESSAGES[kind]},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER[kind])},
        )

    @app.exception_handler(PoolTimeout)
    async def _pool_busy(_request: Request, _error: PoolTimeout) -> JSONResponse:
        return JSONResponse(
            {"detail": POOL_BUSY}, status_code=503, headers={"Retry-After": str(RETRY_AFTER[UNAVAILABLE])}
        )

    @app.exception_handler(StorageError)
    async def _storage_down(_request: Request, error: StorageError) -> JSONResponse:
        logging.getLogger(__name__).warning("result storage failed: %s", error)
        return JSONResponse(
            {"detail": STORAGE_DOWN}, status_code=503, headers={"Retry-After": str(STORAGE_RETRY_AFTER_S)}
        )

    @app.exception_handler(HashingBusy)
    async def _busy(_request: Request, error: HashingBusy) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503, headers={"Retry-After": "1"})
