"""Token estimates come from the cl100k_base table shipped in resources/, read by tiktoken's own loader,
with no network; anything wrong with it falls back to chars/4."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

from app.services.chat import tokens
from app.services.chat.tokens import BUNDLED, TokenEstimator


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_the_bundled_table_counts_like_openai_cl100k(no_network: None, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))  # nothing cached from an earlier run
    estimator = TokenEstimator()
    assert estimator.method == "tiktoken"
    encoding = estimator._load()
    # tiktoken's README: "tiktoken is great!" is [83, 1609, 5963, 374, 2294, 0] in cl100k_base
    assert encoding.encode("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]
    assert estimator.count("hello world") == 2
    assert estimator.count("<|endoftext|>") > 1  # special tokens in user text are counted as text
    assert BUNDLED["cl100k_base"].path.is_relative_to(tokens.TOKENIZERS_DIR)


def test_a_damaged_table_falls_back_to_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "cl100k_base.tiktoken"
    damaged.write_bytes(BUNDLED["cl100k_base"].path.read_bytes()[:-100])
    monkeypatch.setattr(tokens, "TOKENIZERS_DIR", tmp_path)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    estimator = TokenEstimator()
    assert estimator.method == "chars/4"
    assert estimator.count("x" * 41) == 11


def test_a_missing_table_falls_back_to_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BUNDLED, "gone", dataclasses.replace(BUNDLED["cl100k_base"], name="gone"))
    estimator = TokenEstimator("gone")
    assert estimator.method == "chars/4"
