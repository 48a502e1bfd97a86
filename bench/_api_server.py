"""The Studio API for ``bench api``: one uvicorn process, billing off, Modal compute on the fake cloud.

Every call stays running (a GPU job that takes long), so submitted jobs stay in flight while the bench
measures status latency and the server's idle CPU. Run as ``python -m bench._api_server DATA_DIR PORT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from modal_app.api import create_app
from modal_app.compute.modal_compute import ModalImageCompute
from modal_app.serving import NO_DELAY_PROTOCOL
from modal_app.settings import ServerSettings
from tests.fakes.modal_fake import FakeModalCloud


def main(data_dir: str, port: int) -> None:
    cloud = FakeModalCloud()
    compute = ModalImageCompute("amethyst-studio", cls_from_name=cloud.cls_from_name, call_from_id=cloud.call_from_id)
    settings = ServerSettings.for_data_dir(Path(data_dir), compute=compute, billing_enabled=False)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", http=NO_DELAY_PROTOCOL
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
