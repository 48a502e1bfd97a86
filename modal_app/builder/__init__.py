"""The Builder: small ML models written (template or LLM), trained and served in a sandbox.

``sandbox`` is the interface (``SandboxCompute``/``Sandbox``), ``local_sandbox`` and ``e2b_sandbox`` its two
implementations, ``templates`` and ``validate`` the code, ``store`` the builds and their stored events,
``pipeline`` the steps, ``service`` what the API routes call.
"""
