"""Amethyst template: train a text classifier (TF-IDF + logistic regression) on data.csv.

Environment: TARGET (the label column), TEXT_COLUMN (optional; else the text-like column with the longest
values). Writes model.joblib (a scikit-learn pipeline taking a list of strings) and info.json.
"""

from __future__ import annotations

import csv
import json
import os
import sys

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline


def main() -> None:
    target = os.environ.get("TARGET", "")
    with open("data.csv", newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        sys.exit("data.csv has no rows")
    if target not in rows[0]:
        sys.exit(f"the target column {target!r} is not in data.csv (columns: {', '.join(rows[0])})")
    candidates = [name for name in rows[0] if name and name != target]
    text_column = os.environ.get("TEXT_COLUMN") or max(
        candidates, key=lambda name: sum(len(row[name] or "") for row in rows), default=""
    )
    if text_column not in rows[0]:
        sys.exit("data.csv needs a text column besides the target")
    pairs = [(row[text_column] or "", row[target]) for row in rows if row[target] not in ("", None)]
    texts = [text for text, _label in pairs]
    labels = [label for _text, label in pairs]
    print(f"read {len(rows)} rows; text: {text_column}; target: {target}; {len(set(labels))} classes")

    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(max_iter=1000))
    metrics: dict[str, float] = {}
    if len(texts) >= 10 and len(set(labels)) > 1:
        X_train, X_test, y_train, y_test = train_test_split(texts, labels, test_size=0.25, random_state=0)
        if len(set(y_train)) > 1:
            model.fit(X_train, y_train)
            predicted = model.predict(X_test)
            metrics = {
                "accuracy": float(accuracy_score(y_test, predicted)),
                "f1_macro": float(f1_score(y_test, predicted, average="macro")),
            }
            print("held-out metrics: " + ", ".join(f"{k}={v:.3f}" for k, v in metrics.items()))
    model.fit(texts, labels)
    joblib.dump(model, "model.joblib")
    info = {
        "task": "text_classification",
        "target": target,
        "inputs": [{"name": text_column, "type": "text", "default": "", "example": texts[0] if texts else ""}],
        "metrics": metrics,
        "rows": len(texts),
        "model": "TfidfVectorizer + LogisticRegression",
        "classes": [str(c) for c in model.classes_],
    }
    with open("info.json", "w", encoding="utf-8") as handle:
        json.dump(info, handle, indent=2)
    print("wrote model.joblib and info.json")


if __name__ == "__main__":
    main()
