"""The sandbox compute the server settings name."""

from __future__ import annotations

from pathlib import Path

from modal_app.builder.sandbox import SandboxCompute
from modal_app.settings import ServerSettings, default_data_dir


def build_sandbox_compute(settings: ServerSettings) -> SandboxCompute:
    """``settings.sandbox``: "local" (folders under <data dir>/builds), "e2b", or a ready object."""
    if isinstance(settings.sandbox, SandboxCompute):
        return settings.sandbox
    if settings.sandbox == "e2b":
        from modal_app.builder.e2b_sandbox import E2BSandboxCompute

        if not settings.e2b_api_key:
            raise ValueError("the e2b sandbox needs E2B_API_KEY in the server's environment")
        return E2BSandboxCompute(settings.e2b_api_key, port=settings.sandbox_port)
    if settings.sandbox != "local":
        raise ValueError(f"unknown sandbox {settings.sandbox!r} (local or e2b)")
    from modal_app.builder.local_sandbox import LocalSandboxCompute

    root = Path(settings.data_dir or default_data_dir()) / "builds"
    return LocalSandboxCompute(
        root,
        port=settings.sandbox_port,
        inherit_packages=settings.sandbox_inherit_packages,
        pip_args=settings.sandbox_pip_args,
    )
