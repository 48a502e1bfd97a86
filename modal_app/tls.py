"""One TLS context for every httpx client of the process.

``httpx.AsyncClient()`` without ``verify=`` builds a new ``ssl.SSLContext`` and loads certifi's CA bundle
into it: about 20 ms of CPU per client (measured with httpx 0.28 on the 2-core dev machine), paid even by
clients that only ever speak plain HTTP to 127.0.0.1. The Studio API's engines, its probes of local servers
and the desktop's clients each built their own; with a shared context a client costs well under 1 ms.
An ``SSLContext`` is safe to share between clients and threads once configured (nothing here changes it).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """The verifying TLS context httpx builds for ``verify=True`` (certifi's CA bundle, or ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR`` when set), built once per process. Pass it as ``httpx.AsyncClient(verify=...)``."""
    return httpx.create_ssl_context()


@functools.cache
def _trusting_nothing() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies hostnames and certificates, and trusts no CA


def tls_context_for(base_url: str) -> ssl.SSLContext:
    """The TLS context for an httpx client whose requests go to ``base_url``.

    An ``http://`` base URL (the embedded Studio API, ComfyUI and AUTOMATIC1111 on 127.0.0.1) never uses
    TLS, so its client gets a context that trusts no certificate authority instead of the shared verifying
    one, whose first build loads certifi's bundle (~40–60 ms of CPU) on the way to the Studio API answering.
    It fails closed: a redirect to ``https://`` is refused (certificate verify failed), never unverified.
    Any other URL gets ``shared_tls_context()``."""
    if base_url.lower().startswith("http://"):
        return _trusting_nothing()
    return shared_tls_context()
