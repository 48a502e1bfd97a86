"""Amethyst template: serve model.joblib over HTTP (standard library server, no framework needed).

GET /health → {"status": "ok"}; GET /info → info.json; POST /predict with {"inputs": {...}} or
{"inputs": [{...}, ...]} → {"predictions": [...]} (and "probabilities" for classifiers). Every input named in
/info is required with its type (number: a JSON number; string/text: a JSON string); anything else → 400 with
{"error": "invalid inputs: <field>: <why>; ..."}. Binds $HOST:$PORT.
"""

from __future__ import annotations

import json
import math
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import joblib

MAX_BODY = 1_000_000
MODEL = joblib.load("model.joblib")
with open("info.json", encoding="utf-8") as _handle:
    INFO: dict[str, Any] = json.load(_handle)


def plain(value: Any) -> Any:
    """numpy scalars and arrays as JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return value


def check(record: dict[str, Any], index: int) -> list[str]:
    """What is wrong with one input record against the schema /info describes ([] when nothing is)."""
    where = f"inputs[{index}]." if index >= 0 else ""
    known = {field["name"] for field in INFO["inputs"]}
    problems = [f"{where}{name}: not an input of this model" for name in record if name not in known]
    for field in INFO["inputs"]:
        name = field["name"]
        if name not in record or record[name] is None:
            problems.append(f"{where}{name}: missing ({field['type']} expected)")
            continue
        value = record[name]
        if field["type"] == "number":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                problems.append(f"{where}{name}: expected a finite number, got {json.dumps(value)[:40]}")
        elif not isinstance(value, str):
            problems.append(f"{where}{name}: expected a string, got {json.dumps(value)[:40]}")
    return problems


def features(record: dict[str, Any]) -> Any:
    """One checked record as the model's pipeline takes it."""
    fields = INFO["inputs"]
    if INFO["task"] == "text_classification":
        return record[fields[0]["name"]]
    return {
        field["name"]: float(record[field["name"]]) if field["type"] == "number" else record[field["name"]]
        for field in fields
    }


def predict(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or "inputs" not in body:
        raise ValueError('send {"inputs": {...}} or {"inputs": [{...}, ...]}')
    records = body["inputs"] if isinstance(body["inputs"], list) else [body["inputs"]]
    if not records or not all(isinstance(record, dict) for record in records):
        raise ValueError("inputs must be an object or a non-empty list of objects")
    problems = [p for i, r in enumerate(records) for p in check(r, i if isinstance(body["inputs"], list) else -1)]
    if problems:
        raise ValueError("invalid inputs: " + "; ".join(problems[:20]))
    X = [features(record) for record in records]
    answer: dict[str, Any] = {"predictions": [plain(p) for p in MODEL.predict(X)]}
    if hasattr(MODEL, "predict_proba") and INFO.get("classes"):
        answer["probabilities"] = [
            {str(c): round(float(p), 6) for c, p in zip(MODEL.classes_, row, strict=True)}
            for row in MODEL.predict_proba(X)
        ]
    return answer


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, {"status": "ok"})
        elif self.path == "/info":
            self._send(200, INFO)
        else:
            self._send(404, {"error": "not found; try /health, /info or POST /predict"})

    def do_POST(self) -> None:
        if self.path != "/predict":
            self._send(404, {"error": "not found; POST /predict"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, {"error": f"body larger than {MAX_BODY} bytes"})
            return
        try:
            self._send(200, predict(json.loads(self.rfile.read(length) or b"null")))
        except (ValueError, KeyError, TypeError) as error:
            self._send(400, {"error": str(error)})

    def log_message(self, format: str, *args: Any) -> None:
        print(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)


def main() -> None:
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "49999"))
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"serving on http://{host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
