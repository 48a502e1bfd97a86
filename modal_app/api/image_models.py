"""The image-model table with this server's prices, and which models can run here now and why not.

Each model row carries its engines, the engine that serves it on this server, and ``ready`` / ``reason`` /
``fix`` (local servers are probed on demand, cached a few seconds). Models no engine here serves are left
out (a Cloud server does not list the person's local servers). ``GET /v1/engines`` lists the engines.
"""

from __future__ import annotations

from fastapi import APIRouter

from modal_app.api.deps import AuthDep, ServicesDep
from modal_app.compute.engines import EngineRouter, gather_states, plain_engine
from modal_app.contract import EngineList, ModelTable
from modal_app.image_models import IMAGE_MODELS, model_table

router = APIRouter(prefix="/v1", tags=["image models"])

NOTHING_READY = (
    "no image engine is ready yet — add an OpenAI or Google key in Settings → API keys, start ComfyUI or "
    "AUTOMATIC1111, or download a local model in Settings → Studio"
)


@router.get("/image-models", response_model=ModelTable)
async def image_models(services: ServicesDep) -> ModelTable:
    compute = services.compute
    if not isinstance(compute, EngineRouter):
        ready, message = compute.readiness()
        table = model_table(services.settings.billing_enabled, ready, message)
        engine = plain_engine(compute)
        served = tuple(model.model_copy(update={"engine": engine}) for model in table.models if engine in model.engines)
        return table.model_copy(update={"models": served})
    table = model_table(services.settings.billing_enabled, True, "")
    specs = {spec.id: spec for spec in IMAGE_MODELS}
    listed = [model for model in table.models if compute.engine_for(model.id) is not None]
    states = await gather_states(compute, [specs[model.id] for model in listed])
    models = tuple(
        model.model_copy(update={"engine": engine, "ready": ready, "reason": reason, "fix": fix})
        for model, (engine, ready, reason, fix) in zip(listed, states, strict=True)
    )
    any_ready = any(model.ready for model in models)
    return ModelTable(
        models=models,
        max_count=table.max_count,
        compute_ready=any_ready,
        compute_message="" if any_ready else NOTHING_READY,
    )


@router.get("/engines", response_model=EngineList)
async def engines(services: ServicesDep, _auth: AuthDep) -> EngineList:
    """The image engines this server runs and their state (local servers probed now)."""
    compute = services.compute
    if not isinstance(compute, EngineRouter):
        ready, message = compute.readiness()
        from modal_app.contract import EngineState

        return EngineList(
            engines=(
                EngineState(
                    id="compute", name="Image compute", state="ready" if ready else "not_ready", detail=message
                ),
            )
        )
    return EngineList(engines=tuple(await compute.engine_states()))
