"""Database faults as answers: a write on a read-only or full database is a 503 with Retry-After."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from modal_app.hashing import HashingBusy
from modal_app.store.faults import MESSAGES, storage_fault

# Seconds a client should wait before trying a write again; a full disk or a read-only mount is
# seldom fixed sooner.
RETRY_AFTER_S = 30


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
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(HashingBusy)
    async def _busy(_request: Request, error: HashingBusy) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503, headers={"Retry-After": "1"})
