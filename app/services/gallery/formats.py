"""The metadata other image tools write into PNG text chunks, read into plain fields.

- AUTOMATIC1111 / Forge / SD.Next: one ``parameters`` text: the prompt (any number of lines), then a line
  ``Negative prompt: …`` (may also span lines), then a last line of ``Key: value`` pairs separated by
  ", " (``Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 512x768, Model: sd_xl_base``);
  values may be double-quoted JSON strings when they contain commas.
- ComfyUI: ``prompt`` holds the API graph as JSON, ``{node id: {"class_type": …, "inputs": {…}}}``,
  where an input that is a link is ``[source node id, output index]``; ``workflow`` holds the editor graph.
  The positive and negative texts are the ``CLIPTextEncode``-like nodes wired to a sampler's ``positive``
  and ``negative`` inputs; seed/steps are the sampler's; the model is the checkpoint loader's file name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_PAIR = re.compile(r'\s*([\w][\w \-/().]*?):\s*("(?:\\.|[^"\\])*"|[^,]*)(?:,|$)')
_SAMPLERS = ("KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced")
_TEXT_KEYS = ("text", "text_g", "text_l", "prompt")
MAX_GRAPH_DEPTH = 16


@dataclass
class Parsed:
    """Fields found in another tool's metadata; ``extra`` holds the rest as text."""

    prompt: str = ""
    negative_prompt: str = ""
    model: str = ""
    seed: str = ""
    size: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def parse_a1111(parameters: str) -> Parsed:
    """Fields of an AUTOMATIC1111-style ``parameters`` text (see the module doc)."""
    lines = parameters.strip().split("\n")
    settings: dict[str, str] = {}
    if lines and re.match(r"^\s*Steps:\s*\d", lines[-1]):
        for match in _PAIR.finditer(lines.pop()):
            key, value = match.group(1).strip(), match.group(2).strip()
            if value.startswith('"'):
                try:
                    value = str(json.loads(value))
                except ValueError:
                    value = value.strip('"')
            if key:
                settings[key] = value
    text = "\n".join(lines)
    prompt, marker, negative = text.partition("Negative prompt:")
    parsed = Parsed(prompt=prompt.strip(), negative_prompt=negative.strip() if marker else "")
    parsed.seed = settings.pop("Seed", "")
    parsed.size = settings.pop("Size", "")
    parsed.model = settings.pop("Model", "") or settings.get("Model hash", "")
    parsed.extra = {key.lower().replace(" ", "_"): value for key, value in settings.items()}
    return parsed


def _text_from(graph: dict[str, Any], link: Any, depth: int = 0) -> str:
    """The prompt text a sampler input leads to, following links through conditioning nodes."""
    if depth > MAX_GRAPH_DEPTH or not isinstance(link, list) or not link:
        return ""
    node = graph.get(str(link[0]))
    if not isinstance(node, dict) or not isinstance(node.get("inputs"), dict):
        return ""
    inputs = node["inputs"]
    for key in _TEXT_KEYS:
        if isinstance(inputs.get(key), str):
            return str(inputs[key])
        if isinstance(inputs.get(key), list):  # text from another node (a primitive, a string concat)
            text = _text_from(graph, inputs[key], depth + 1)
            if text:
                return text
    for key in ("conditioning", "conditioning_1", "conditioning_to", "positive", "negative"):
        text = _text_from(graph, inputs.get(key), depth + 1)
        if text:
            return text
    return ""


def parse_comfy(prompt_json: str) -> Parsed | None:
    """Fields of a ComfyUI API graph (the ``prompt`` chunk); None when the text is not such a graph."""
    try:
        graph = json.loads(prompt_json)
    except (ValueError, RecursionError):
        return None
    if not isinstance(graph, dict) or not graph:
        return None
    if not all(isinstance(node, dict) and "class_type" in node for node in graph.values()):
        return None
    parsed = Parsed()
    for node in graph.values():
        kind, inputs = str(node.get("class_type", "")), node.get("inputs")
        if not isinstance(inputs, dict):
            continue
        if kind in _SAMPLERS and not parsed.prompt:
            parsed.prompt = _text_from(graph, inputs.get("positive"))
            parsed.negative_prompt = _text_from(graph, inputs.get("negative"))
            seed = inputs.get("seed", inputs.get("noise_seed"))
            if isinstance(seed, int) and not isinstance(seed, bool):
                parsed.seed = str(seed)
            for key in ("steps", "cfg", "sampler_name", "scheduler", "denoise"):
                if isinstance(inputs.get(key), str | int | float):
                    parsed.extra[key] = str(inputs[key])
        elif "ckpt_name" in inputs or "unet_name" in inputs:
            name = inputs.get("ckpt_name", inputs.get("unet_name"))
            if isinstance(name, str) and not parsed.model:
                parsed.model = name
        elif kind.startswith("EmptyLatentImage") or kind == "EmptySD3LatentImage":
            width, height = inputs.get("width"), inputs.get("height")
            if isinstance(width, int) and isinstance(height, int):
                parsed.size = f"{width}x{height}"
    return parsed
