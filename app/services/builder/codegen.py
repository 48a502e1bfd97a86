"""Code written by a chat model: the prompt that states the contract, and the parsing of its answer.

The model named by a "provider/model" setting writes ``requirements.txt``, ``train.py`` and ``app.py`` with
the person's own key, through the Chat providers. The server checks the files again before they run
(``modal_app.builder.code.validate_files``); on this computer they run only after the person confirmed them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from app.services.providers.base import ChatProvider, ChatRequest, SamplingParams, Turn
from app.services.providers.factory import KeySource, has_key
from app.services.providers.registry import provider
from modal_app.contract import BuildFiles, BuildTask

ProviderFactory = Callable[[str], ChatProvider]
CodeWriter = Callable[[str, BuildTask, str, list[str]], Awaitable[BuildFiles]]

SYSTEM = """You write small, correct Python ML projects. Answer with exactly three fenced code blocks, each
preceded by its file name on its own line: requirements.txt, train.py, app.py. Rules:
- requirements.txt: plain package names only, from: scikit-learn, joblib, numpy, pandas, scipy, fastapi,
  uvicorn, pydantic, flask.
- train.py reads data.csv (the target column name is in the TARGET environment variable), trains, prints
  progress and metrics, and writes the model to "model.joblib" and a JSON file "info.json" with keys task,
  target, inputs (a list of {name, type: "number"|"string"|"text", default, example, choices}), metrics
  (name → number), classes.
- app.py serves HTTP on the HOST and PORT environment variables: GET "/health" → {"status": "ok"},
  GET "/info" → info.json, POST "/predict" with {"inputs": {...}} or {"inputs": [{...}]} →
  {"predictions": [...]}."""

_BLOCK = re.compile(r"(requirements\.txt|train\.py|app\.py)[^\n`]*\n+```[a-zA-Z]*\n(.*?)```", re.S)


class CodeWriterProblem(Exception):
    """The model's answer did not hold the three files; the message says what is missing."""


def parse_files(answer: str) -> BuildFiles:
    """The three files from a model's answer; raises ``CodeWriterProblem``."""
    found = {name: body for name, body in _BLOCK.findall(answer)}
    missing = [name for name in ("requirements.txt", "train.py", "app.py") if name not in found]
    if missing:
        raise CodeWriterProblem(f"The model's answer has no {', '.join(missing)}; try again or use a template.")
    return BuildFiles(requirements_txt=found["requirements.txt"], train_py=found["train.py"], app_py=found["app.py"])


def split_model(value: str) -> tuple[str, str]:
    provider_id, _, model = value.strip().partition("/")
    return provider_id, model


def code_writer(model_setting: str, providers: ProviderFactory, secrets: KeySource) -> tuple[CodeWriter | None, str]:
    """A writer for ``"provider/model"`` and an empty reason, or ``None`` and why not."""
    provider_id, model = split_model(model_setting)
    if not provider_id or not model:
        return None, "Name a chat model (provider/model) to write the code, or use a template."
    try:
        info = provider(provider_id)
    except KeyError:
        return None, f"Unknown provider {provider_id!r}."
    if not has_key(info, secrets):
        return None, f"Writing code with {info.name} needs your key (Settings → API keys)."

    async def write(description: str, task: BuildTask, target: str, columns: list[str]) -> BuildFiles:
        user = (
            f"Task: {task.label}. Target column: {target}. Columns: {', '.join(columns)}.\n"
            f"What the person wants: {description}"
        )
        request = ChatRequest(
            model=model,
            turns=[Turn("user", user)],
            system_prompt=SYSTEM,
            params=SamplingParams(temperature=0.2, max_tokens=4000),
        )
        answer = "".join([chunk.text async for chunk in providers(provider_id).stream(request)])
        return parse_files(answer)

    return write, ""
