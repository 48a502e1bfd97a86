"""Result images in S3-compatible object storage through boto3 (AWS S3, Backblaze B2, Cloudflare R2, MinIO).

boto3 clients are thread-safe (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html
"Multithreading or multiprocessing with clients"), so one client serves every worker thread of a process.
"""

from __future__ import annotations

from typing import Any

from modal_app.storage import ResultStorage, StorageError

# botocore error codes for a missing object: GetObject answers NoSuchKey, HEAD answers a bare 404.
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage(ResultStorage):
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""

    @classmethod
    def connect(
        cls, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None
    ) -> S3Storage:
        """A client from boto3's usual configuration (environment, ~/.aws), with bounded retries/timeouts."""
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 4, "mode": "standard"})
        client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)
        return cls(client, bucket, prefix)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"cannot store {key} in s3://{self.bucket}: {error}") from error

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(answer["Body"].read())
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise StorageError(f"cannot read {key} from s3://{self.bucket}: {error}") from error
        except BotoCoreError as error:
            raise StorageError(f"cannot read {key} from s3://{self.bucket}: {error}") from error

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"cannot delete {key} from s3://{self.bucket}: {error}") from error
