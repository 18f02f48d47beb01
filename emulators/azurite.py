"""Azurite (the Azure Storage emulator), blob service only, in memory.

``run_azurite`` yields an :class:`Azurite`: the endpoint and the well-known
development-account connection string; its ``provider()`` makes an
:class:`AzureBlobProvider` on a fresh container per call. ``run_azurite(tls=True)`` serves
HTTPS with a self-signed certificate made for the run (``Azurite.ca_file``) and accepts
OAuth bearer tokens (``--oauth basic``: issuer, audience and lifetime are checked, the
signature is not), so token credentials can be exercised end to end.
"""

from __future__ import annotations

import contextlib
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from typed_cloudmap.providers.azure import AzureBlobProvider

from ._process import find_tool, free_port, http_ready, running, workdir
from ._raw import RawAzure

__all__ = ["ACCOUNT", "ACCOUNT_KEY", "Azurite", "run_azurite"]

ACCOUNT = "devstoreaccount1"
# Azurite's published development key (the same in every installation; not a secret).
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


@dataclass(frozen=True)
class Azurite:
    """Where the emulator listens and how to sign requests to it."""

    endpoint: str
    """``http://127.0.0.1:PORT/devstoreaccount1``: the account URL (``https://`` with TLS)."""
    connection_string: str
    ca_file: str | None = None
    """With TLS: the PEM file of the run's self-signed certificate (to trust it)."""

    @property
    def origin(self) -> str:
        """``http://host:port``: where the emulator's requests go (the endpoint's origin)."""
        return self.endpoint.rsplit("/", 1)[0]

    def via(self, origin: str) -> Azurite:
        """The same emulator reached through ``origin`` (a proxy in front of it)."""
        endpoint = f"{origin}/{ACCOUNT}"
        connection_string = self.connection_string.replace(
            f"BlobEndpoint={self.endpoint};", f"BlobEndpoint={endpoint};"
        )
        return replace(self, endpoint=endpoint, connection_string=connection_string)

    def raw(self, container: str) -> RawAzure:
        """Raw access to ``container`` through a ``ContainerClient`` of its own."""
        from azure.storage.blob import ContainerClient

        return RawAzure(ContainerClient.from_connection_string(self.connection_string, container))

    def provider(self, container: str | None = None, **kwargs: Any) -> AzureBlobProvider:
        """A provider on ``container`` (default: a fresh one, created)."""
        if container is None:
            container = f"tcm-{uuid.uuid4().hex[:20]}"
            kwargs.setdefault("create", True)
        return AzureBlobProvider(
            container,
            connection_string=self.connection_string,
            **kwargs,
        )


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 valid for a day, and its key (PEM files in ``directory``)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "azurite-cert.pem", directory / "azurite-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextlib.contextmanager
def run_azurite(work: Path | None = None, *, tls: bool = False) -> Iterator[Azurite]:
    """Azurite's blob service in memory; ``work`` is its working directory (default: temporary).

    ``tls=True``: HTTPS with a certificate made for the run, and OAuth tokens accepted.
    """
    tool = find_tool("azurite-blob")
    port = free_port()
    argv = [
        tool,
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--extentMemoryLimit",
        "1024",
        # The SDK may speak a newer REST API version than this Azurite release knows.
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--silent",
    ]
    scheme = "https" if tls else "http"
    endpoint = f"{scheme}://127.0.0.1:{port}/{ACCOUNT}"
    with workdir("azurite", work) as cwd:
        ca_file: Path | None = None
        ready = http_ready(f"{endpoint}?comp=list")
        if tls:
            ca_file, key_file = _self_signed(cwd)
            argv += ["--cert", str(ca_file), "--key", str(key_file), "--oauth", "basic"]
            context = ssl.create_default_context(cafile=str(ca_file))
            ready = http_ready(f"{endpoint}?comp=list", context)
        with running(argv, ready, name="azurite", cwd=str(cwd)):
            yield Azurite(
                endpoint=endpoint,
                connection_string=(
                    f"DefaultEndpointsProtocol={scheme};AccountName={ACCOUNT};"
                    f"AccountKey={ACCOUNT_KEY};BlobEndpoint={endpoint};"
                ),
                ca_file=None if ca_file is None else str(ca_file),
            )
