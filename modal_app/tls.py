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
