"""httpx clients share one verifying TLS context; clients of plain-HTTP URLs get one that trusts nothing."""

from __future__ import annotations

import ssl

import pytest

from modal_app.tls import shared_tls_context, tls_context_for


def test_https_clients_share_one_verifying_context() -> None:
    context = tls_context_for("https://api.example.com")
    assert context is shared_tls_context() is tls_context_for("HTTPS://other.example.com/v1")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # certifi's bundle (or SSL_CERT_FILE's)


def test_plain_http_clients_get_a_context_that_verifies_and_trusts_no_authority() -> None:
    context = tls_context_for("http://127.0.0.1:8188")
    assert context is tls_context_for("http://localhost:7860") and context is not shared_tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


@pytest.mark.parametrize("url", ["ftp://host", "", "https://h"])
def test_anything_but_plain_http_gets_the_verifying_context(url: str) -> None:
    assert tls_context_for(url) is shared_tls_context()
