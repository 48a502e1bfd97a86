"""Amethyst template: train a tabular classifier or regressor (scikit-learn) on data.csv.

Environment: TARGET (the column to predict), TASK ("tabular_classification" or "tabular_regression").
Writes model.joblib (a scikit-learn pipeline taking a list of dicts) and info.json (input schema, metrics).
"""

from __future__ import annotations

import csv
import json
import math
import os
import statistics
import sys
from typing import Any

import joblib
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_extraction import DictVectorizer
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

MAX_CHOICES = 20


def as_number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def main() -> None:
    target = os.environ.get("TARGET", "")
    task = os.environ.get("TASK", "tabular_classification")
    with open("data.csv", newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        sys.exit("data.csv has no rows")
    if target not in rows[0]:
        sys.exit(f"the target column {target!r} is not in data.csv (columns: {', '.join(rows[0])})")
    print(f"read {len(rows)} rows with {len(rows[0])} columns; target: {target}")

    inputs: list[dict[str, Any]] = []
    for name in rows[0]:
        if name == target or not name:
            continue
        values = [row[name] for row in rows if row[name] not in ("", None)]
        numbers = [as_number(value) for value in values]
        if values and all(number is not None for number in numbers):
            median = statistics.median([n for n in numbers if n is not None])
            inputs.append({"name": name, "type": "number", "default": median, "example": numbers[0]})
        else:
            counts: dict[str, int] = {}
            for value in values:
                counts[value] = counts.get(value, 0) + 1
            choices = sorted(counts, key=lambda v: -counts[v])[:MAX_CHOICES]
            inputs.append(
                {
                    "name": name,
                    "type": "string",
                    "default": "",
                    "choices": choices,
                    "example": values[0] if values else "",
                }
            )

    def features(row: dict[str, str]) -> dict[str, float | str]:
        out: dict[str, float | str] = {}
        for field in inputs:
            raw = row.get(field["name"], "")
            if field["type"] == "number":
                number = as_number(raw) if raw else None
                out[field["name"]] = field["default"] if number is None else number
            else:
                out[field["name"]] = raw or ""
        return out

    classify = task != "tabular_regression"
    X = [features(row) for row in rows if row[target] not in ("", None)]
    if classify:
        y: list = [row[target] for row in rows if row[target] not in ("", None)]
    else:
        y = [as_number(row[target]) for row in rows if row[target] not in ("", None)]
        if any(value is None for value in y):
            sys.exit(f"the target column {target!r} has values that are not numbers; choose classification")
    print(f"training on {len(X)} rows, {len(inputs)} input columns")

    estimator = (
        RandomForestClassifier(n_estimators=60, random_state=0)
        if classify
        else RandomForestRegressor(n_estimators=60, random_state=0)
    )
    model = make_pipeline(DictVectorizer(sparse=False), estimator)
    metrics: dict[str, float] = {}
    if len(X) >= 10:
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
        model.fit(X_train, y_train)
        predicted = model.predict(X_test)
        if classify:
            metrics = {
                "accuracy": float(accuracy_score(y_test, predicted)),
                "f1_macro": float(f1_score(y_test, predicted, average="macro")),
            }
        else:
            metrics = {"r2": float(r2_score(y_test, predicted)), "mae": float(mean_absolute_error(y_test, predicted))}
        print("held-out metrics: " + ", ".join(f"{k}={v:.3f}" for k, v in metrics.items()))
    model.fit(X, y)
    joblib.dump(model, "model.joblib")
    info = {
        "task": task,
        "target": target,
        "inputs": inputs,
        "metrics": metrics,
        "rows": len(X),
        "model": type(estimator).__name__,
        "classes": [str(c) for c in model.classes_] if classify else [],
    }
    with open("info.json", "w", encoding="utf-8") as handle:
        json.dump(info, handle, indent=2)
    print("wrote model.joblib and info.json")


if __name__ == "__main__":
    main()
