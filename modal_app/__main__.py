"""``python -m modal_app serve|grant``: run the Studio API locally, or grant credits as an admin."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m modal_app", description="Amethyst Studio API")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--data-dir", type=Path, help="folder for the SQLite file and the local token")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.add_argument("--compute", choices=("local", "modal"), help="overrides AMETHYST_COMPUTE")
    serve.add_argument("--billing", choices=("on", "off"), help="overrides AMETHYST_BILLING")
    serve.add_argument("--log-level", default="info")
    grant = commands.add_parser("grant", help="add credits to an account")
    grant.add_argument("email")
    grant.add_argument("amount", type=int)
    grant.add_argument("--reason", required=True)
    grant.add_argument("--reference", default=None)
    grant.add_argument("--idempotency-key", default=None, help="repeating a key grants only once")
    grant.add_argument("--data-dir", type=Path)
    return parser


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    # Settings travel through the environment so that every worker process builds the same app.
    if args.data_dir is not None:
        os.environ["AMETHYST_STUDIO_DATA"] = str(args.data_dir)
    if args.compute:
        os.environ["AMETHYST_COMPUTE"] = args.compute
    if args.billing:
        os.environ["AMETHYST_BILLING"] = args.billing
    # Migrate and create the local account once here, before worker processes race to do it.
    from modal_app.services import build_services
    from modal_app.serving import NO_DELAY_PROTOCOL
    from modal_app.settings import ServerSettings

    services = build_services(ServerSettings.from_env())
    if services.local_token is not None:
        print(f"local account ready; its token is in {services.settings.data_dir}/local-token", flush=True)
    services.close()
    uvicorn.run(
        "modal_app.serving:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        http=NO_DELAY_PROTOCOL,
        timeout_graceful_shutdown=5,  # long-polls are cut; clients poll again after the restart
    )
    return 0


def grant(args: argparse.Namespace) -> int:
    from modal_app.accounts import Accounts
    from modal_app.ledger import Ledger
    from modal_app.settings import ServerSettings
    from modal_app.store.db import open_store

    settings = ServerSettings.from_env(data_dir=args.data_dir)
    store = open_store(settings.database_url)
    try:
        account = Accounts(store, settings.token_secret).find_by_email(args.email)
        if account is None:
            print(f"no account with the email {args.email}", file=sys.stderr)
            return 1
        ledger = Ledger(store)
        try:
            entry = ledger.grant(account.id, args.amount, args.reason, args.reference, args.idempotency_key)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        summary = ledger.summary(account.id)
        print(f"entry {entry.id}: {entry.amount:+d} credits ({entry.reason}); balance {summary.balance}")
        return 0
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return serve(args) if args.command == "serve" else grant(args)


if __name__ == "__main__":
    raise SystemExit(main())
