"""Result images in object storage: the S3 path against moto's S3-compatible server on loopback, and the
folder storage's atomic writes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from modal_app.api import create_app
from modal_app.settings import ServerSettings
from modal_app.storage import StorageError, open_storage
from modal_app.storage.folder import FolderStorage
from modal_app.storage.s3 import S3Storage
from tests.fakes.modal_fake import FakeModalCloud, tiny_png
from tests.server.conftest import bearer, free_port, grant, running, sign_up

BUCKET = "amethyst-results"


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's server mode on a free loopback port, with throwaway credentials."""
    from moto.server import ThreadedMotoServer

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


def test_s3_storage_puts_gets_and_deletes(s3_endpoint: str) -> None:
    storage = open_storage(f"s3://{BUCKET}/studio", None, endpoint_url=s3_endpoint)
    assert isinstance(storage, S3Storage)
    storage.put("job/0.png", b"png bytes")
    assert storage.get("job/0.png") == b"png bytes"
    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=BUCKET)
    assert [item["Key"] for item in listed["Contents"]] == ["studio/job/0.png"]
    storage.delete("job/0.png")
    assert storage.get("job/0.png") is None
    missing_bucket = open_storage("s3://no-such-bucket", None, endpoint_url=s3_endpoint)
    with pytest.raises(StorageError):
        missing_bucket.put("x/0.png", b"x")


@pytest.mark.sqlite_only("the S3 result storage is under test; the database holds only the key")
async def test_a_finished_job_is_served_from_s3(
    s3_endpoint: str, settings_factory: Callable[..., ServerSettings], cloud: FakeModalCloud
) -> None:
    settings = settings_factory(result_storage=f"s3://{BUCKET}/results", s3_endpoint_url=s3_endpoint)
    async with running(create_app(settings)) as api:
        token = await sign_up(api)
        grant(api, "ada@example.com", 5)
        job = await api.post("/v1/images", json={"model": "flux-schnell", "prompt": "s3"}, headers=bearer(token))
        job_id = job.json()["id"]
        png = tiny_png((1, 2, 3))
        cloud.complete(cloud.call_ids[0], [png])
        done = (await api.get(f"/v1/images/{job_id}?wait=30", headers=bearer(token))).json()
        assert done["state"] == "completed"
        served = await api.get(done["images"][0]["url"], headers=bearer(token))
        assert served.status_code == 200 and served.content == png
        stored = boto3.client("s3", endpoint_url=s3_endpoint).get_object(Bucket=BUCKET, Key=f"results/{job_id}/0.png")
        assert stored["Body"].read() == png
        with api._transport.app.state.services.store.engine.connect() as connection:  # type: ignore[attr-defined]
            from sqlalchemy import text

            assert connection.execute(text("SELECT png FROM job_images")).scalar() is None  # not in the DB


def test_folder_storage_refuses_keys_leaving_its_folder(tmp_path: Path) -> None:
    storage = FolderStorage(tmp_path / "results")
    storage.put("job/0.png", b"x")
    assert (tmp_path / "results" / "job" / "0.png").read_bytes() == b"x"
    assert not list((tmp_path / "results" / "job").glob(".part-*"))
    for key in ("../escape.png", "/abs.png", "a//b.png", ""):
        with pytest.raises(ValueError):
            storage.put(key, b"x")
    assert storage.get("job/1.png") is None
