"""The part every provider image API engine shares: whose key a job uses, and where the person sets it."""

from __future__ import annotations

from collections.abc import Callable

from modal_app.compute import provider_errors as say
from modal_app.compute.base import GenerationRequest
from modal_app.compute.calls import EngineFailure, TaskCompute


class KeyedProviderCompute(TaskCompute):
    """``api_key``: the server's own key (Cloud); None on the Local connection, where each job brings the
    person's key in ``request.inputs``. ``base_url`` points the SDK elsewhere (tests: a loopback fake);
    ``timeout`` is seconds per call; ``vendor_ids`` maps our model id to the provider's."""

    #: The provider's name as the person knows it, for messages ("OpenAI", "Google").
    provider = "provider"

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 180.0,
        vendor_ids: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = timeout
        self._vendor_ids = vendor_ids or (lambda model: model)

    def needs_job_key(self) -> bool:
        """Whether each job must bring the person's key (no server key configured)."""
        return not self._api_key

    def job_key(self, request: GenerationRequest) -> str:
        """The key for this job (the person's, else the server's); raises ``EngineFailure`` when neither."""
        key = request.inputs.api_key or self._api_key
        if not key:
            raise EngineFailure(say.no_key(self.provider, f"Settings → API keys ({self.provider})"))
        return key
