"""The systems compared on S3: raw boto3, raw obstore, typed-cloudmap, cloud-mappings 2.1.0,
s3fs FSMap.

Each system stores the same typed values (``Order``) in its own bucket and offers the same
operations: ``put``, ``get``, ``put_many``, ``get_many`` and ``listing`` (the sync of a
prefix of a shared bucket). The botocore-based ones count their HTTP requests with a
``RequestCounter`` (obstore's Rust client has no such hook).
The raw and peer systems encode with bare pydantic (``TypeAdapter.dump_json`` /
``validate_json``), so a ratio measures the storage path, not a slower serialiser.
"""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config

from emulators import S3Endpoint
from typed_cloudmap import CloudMapping
from typed_cloudmap.providers.s3 import S3Provider

from ._counting import RequestCounter
from ._payloads import ORDER, Order

__all__ = [
    "SDK_SYSTEMS",
    "SYSTEMS",
    "CloudMappings",
    "RawBoto3",
    "RawBoto3Again",
    "RawObstore",
    "S3System",
    "TypedCloudmap",
    "raw_client",
]

THREADS = 16


def raw_client(endpoint: S3Endpoint, *, pool: int = THREADS) -> Any:
    """A boto3 client as a user would make it: default retries, a pool for ``pool`` threads."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        config=Config(max_pool_connections=pool),
        **endpoint.client_kwargs(),
    )


class S3System:
    """One system under test on its own bucket; ``sync_bucket`` is shared and pre-filled."""

    name = ""
    bulk_note = ""
    counted = True
    """Whether ``counter`` sees this system's requests (botocore-based clients only)."""

    def __init__(self, endpoint: S3Endpoint, sync_bucket: str) -> None:
        self.endpoint = endpoint
        self.sync_bucket = sync_bucket
        self.bucket = f"bench-{type(self).__name__.lower()}-{uuid.uuid4().hex[:8]}"
        self.counter = RequestCounter()

    def put(self, key: str, value: Order) -> None:
        raise NotImplementedError

    def get(self, key: str) -> Order:
        raise NotImplementedError

    def put_many(self, items: dict[str, Order]) -> None:
        raise NotImplementedError

    def get_many(self, keys: list[str]) -> dict[str, Order]:
        raise NotImplementedError

    def listing(self, prefix: str) -> int:
        """Refresh this system's view of ``sync_bucket/prefix``; returns the keys seen."""
        raise NotImplementedError

    def close(self) -> None:
        """Release clients and pools."""


class RawBoto3(S3System):
    """boto3 ``put_object``/``get_object``, a 16-thread pool for bulk, a paginated listing."""

    name = "raw boto3"
    bulk_note = "16-thread pool"

    def __init__(self, endpoint: S3Endpoint, sync_bucket: str) -> None:
        super().__init__(endpoint, sync_bucket)
        self.client = raw_client(endpoint)
        self.counter.attach(self.client.meta.events)
        self.client.create_bucket(Bucket=self.bucket)
        self.pool = ThreadPoolExecutor(THREADS)

    def put(self, key: str, value: Order) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=ORDER.dump_json(value))

    def get(self, key: str) -> Order:
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return ORDER.validate_json(body)

    def put_many(self, items: dict[str, Order]) -> None:
        list(self.pool.map(lambda kv: self.put(*kv), items.items()))

    def get_many(self, keys: list[str]) -> dict[str, Order]:
        return dict(zip(keys, self.pool.map(self.get, keys), strict=True))

    def listing(self, prefix: str) -> int:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.sync_bucket, Prefix=prefix
        )
        etags = {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}
        return len(etags)

    def close(self) -> None:
        self.pool.shutdown()
        self.client.close()


class RawBoto3Again(RawBoto3):
    """The raw system a second time, on its own bucket: an A/A control whose distance from
    1.00x shows how much of any ratio is this machine's noise."""

    name = "raw boto3 again (A/A control)"


class RawObstore(S3System):
    """obstore's ``S3Store`` (Rust ``object_store``): ``put``/``get``, a 16-thread pool for
    bulk (each call releases the GIL), ``list`` for the listing. No request counts."""

    name = "raw obstore"
    bulk_note = "16-thread pool"
    counted = False

    def __init__(self, endpoint: S3Endpoint, sync_bucket: str) -> None:
        super().__init__(endpoint, sync_bucket)
        import obstore
        from obstore.store import S3Store

        self.obs = obstore
        raw_client(endpoint).create_bucket(Bucket=self.bucket)
        self.store, self.synced = (
            S3Store(
                bucket,
                endpoint=endpoint.url,
                access_key_id=endpoint.access_key,
                secret_access_key=endpoint.secret_key,
                region=endpoint.region,
                client_options={"allow_http": True},
            )
            for bucket in (self.bucket, sync_bucket)
        )
        self.pool = ThreadPoolExecutor(THREADS)

    def put(self, key: str, value: Order) -> None:
        self.obs.put(self.store, key, ORDER.dump_json(value))

    def get(self, key: str) -> Order:
        return ORDER.validate_json(bytes(self.obs.get(self.store, key).bytes()))

    def put_many(self, items: dict[str, Order]) -> None:
        list(self.pool.map(lambda kv: self.put(*kv), items.items()))

    def get_many(self, keys: list[str]) -> dict[str, Order]:
        return dict(zip(keys, self.pool.map(self.get, keys), strict=True))

    def listing(self, prefix: str) -> int:
        etags = {
            meta["path"]: meta["e_tag"]
            for chunk in self.obs.list(self.synced, prefix)
            for meta in chunk
        }
        return len(etags)

    def close(self) -> None:
        self.pool.shutdown()


class TypedCloudmap(S3System):
    """``CloudMapping[str, Order]`` (codec ``orjson``): conditional writes, ``set_many``."""

    name = "typed-cloudmap"
    bulk_note = "set_many/get_many, 16 workers"

    def __init__(self, endpoint: S3Endpoint, sync_bucket: str, **mapping_kwargs: Any) -> None:
        super().__init__(endpoint, sync_bucket)
        self.mapping = CloudMapping[str, Order](
            self._provider(self.bucket, create=True), sync_initially=False, **mapping_kwargs
        )
        self.synced = CloudMapping[str, Order](
            self._provider(sync_bucket, create=False), prefix="", sync_initially=False
        )

    def _provider(self, bucket: str, *, create: bool) -> S3Provider:
        provider = self.endpoint.provider(bucket, create=create)
        self.counter.attach(provider.client.meta.events)
        return provider

    def put(self, key: str, value: Order) -> None:
        self.mapping[key] = value

    def get(self, key: str) -> Order:
        return self.mapping[key]

    def put_many(self, items: dict[str, Order]) -> None:
        self.mapping.set_many(items)

    def get_many(self, keys: list[str]) -> dict[str, Order]:
        return self.mapping.get_many(keys)

    def listing(self, prefix: str) -> int:
        self.synced.sync(prefix)
        return len(self.synced)

    def close(self) -> None:
        self.mapping.close()
        self.synced.close()


class CloudMappings(S3System):
    """cloud-mappings 2.1.0 ``AWSS3Storage`` (boto3's default session, pointed at the emulator
    through ``AWS_ENDPOINT_URL``); it has no bulk API, so bulk is its ``update`` (one key at
    a time), and its sync reads each object's metadata (one HEAD per key)."""

    name = "cloud-mappings 2.1.0"
    bulk_note = "update(), sequential (no bulk API)"

    def __init__(self, endpoint: S3Endpoint, sync_bucket: str) -> None:
        super().__init__(endpoint, sync_bucket)
        env = {
            "AWS_ENDPOINT_URL": endpoint.url,
            "AWS_ACCESS_KEY_ID": endpoint.access_key,
            "AWS_SECRET_ACCESS_KEY": endpoint.secret_key,
            "AWS_DEFAULT_REGION": endpoint.region,
        }
        self._saved_env = {name: os.environ.get(name) for name in env}
        self._saved_session = boto3.DEFAULT_SESSION
        os.environ.update(env)
        from cloudmappings import AWSS3Storage  # type: ignore[import-untyped]  # no py.typed
        from cloudmappings.serialisers import (  # type: ignore[import-untyped]  # same
            CloudMappingSerialisation,
        )

        boto3.setup_default_session()
        # Clients and resources copy the default session's emitter when created, so one
        # registration counts every request cloud-mappings makes (it creates resources per sync).
        session = boto3.DEFAULT_SESSION
        assert session is not None  # setup_default_session() has just made it
        self.counter.attach(session.events)
        typed: CloudMappingSerialisation[Order] = CloudMappingSerialisation(
            dumps=ORDER.dump_json, loads=ORDER.validate_json
        )
        self.mapping = AWSS3Storage(self.bucket, silence_warning=True).create_mapping(
            sync_initially=False, serialisation=typed
        )
        self.synced = AWSS3Storage(sync_bucket, silence_warning=True).create_mapping(
            sync_initially=False, serialisation=typed
        )

    def put(self, key: str, value: Order) -> None:
        self.mapping[key] = value

    def get(self, key: str) -> Order:
        got: Order = self.mapping[key]
        return got

    def put_many(self, items: dict[str, Order]) -> None:
        self.mapping.update(items)

    def get_many(self, keys: list[str]) -> dict[str, Order]:
        return {k: self.mapping[k] for k in keys}

    def listing(self, prefix: str) -> int:
        self.synced.sync_with_cloud(prefix)
        return len(self.synced)

    def close(self) -> None:
        """Put back the environment and boto3's default session (it reads them per call)."""
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        boto3.DEFAULT_SESSION = self._saved_session


class S3FS(S3System):
    """fsspec ``FSMap`` over ``s3fs.S3FileSystem`` (aiobotocore); bulk is ``setitems``/
    ``getitems`` (concurrent on its event loop); listing is ``find`` after dropping its cache."""

    name = "s3fs FSMap"
    bulk_note = "setitems/getitems (asyncio)"

    def __init__(self, endpoint: S3Endpoint, sync_bucket: str) -> None:
        super().__init__(endpoint, sync_bucket)
        import fsspec  # type: ignore[import-untyped]  # no py.typed
        import s3fs  # type: ignore[import-untyped]  # no py.typed

        self.fs = s3fs.S3FileSystem(
            key=endpoint.access_key,
            secret=endpoint.secret_key,
            client_kwargs={"endpoint_url": endpoint.url, "region_name": endpoint.region},
            skip_instance_cache=True,
        )
        self.counter.attach(self.fs.s3.meta.events)
        # s3fs's mkdir sends a us-east-1 LocationConstraint, which S3 (and moto) refuse.
        raw_client(endpoint).create_bucket(Bucket=self.bucket)
        self.map = fsspec.FSMap(self.bucket, self.fs)

    def put(self, key: str, value: Order) -> None:
        self.map[key] = ORDER.dump_json(value)

    def get(self, key: str) -> Order:
        return ORDER.validate_json(self.map[key])

    def put_many(self, items: dict[str, Order]) -> None:
        self.map.setitems({k: ORDER.dump_json(v) for k, v in items.items()})

    def get_many(self, keys: list[str]) -> dict[str, Order]:
        return {k: ORDER.validate_json(v) for k, v in self.map.getitems(keys).items()}

    def listing(self, prefix: str) -> int:
        self.fs.invalidate_cache()
        found = self.fs.find(f"{self.sync_bucket}/{prefix}", detail=True)
        return len({name: info["ETag"] for name, info in found.items()})


SDK_SYSTEMS: list[type[S3System]] = [RawBoto3, RawBoto3Again, RawObstore, TypedCloudmap]
"""The raw clients and typed-cloudmap: ``python -m benchmarks --sdk-only``."""

SYSTEMS: list[type[S3System]] = [
    RawBoto3,
    RawBoto3Again,
    RawObstore,
    TypedCloudmap,
    CloudMappings,
    S3FS,
]
