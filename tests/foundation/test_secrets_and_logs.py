import logging
import sqlite3

import pytest

from app.context import AppContext
from app.log import RedactingFilter, Redactor, configure_logging, read_log_tail
from app.services.secrets import SecretStore, mask
from tests.fakes.memory_keyring import MemoryKeyring

OPENAI_KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def test_store_read_and_delete_through_the_wrapper(memory_keyring: MemoryKeyring) -> None:
    secrets = SecretStore(Redactor(), backend=memory_keyring)
    assert secrets.get("provider:openai") is None
    secrets.set("provider:openai", f"  {OPENAI_KEY}\n")
    assert secrets.get("provider:openai") == OPENAI_KEY
    assert memory_keyring.store[("Amethyst", "provider:openai")] == OPENAI_KEY
    secrets.delete("provider:openai")
    assert not secrets.has("provider:openai")
    secrets.delete("provider:openai")  # deleting twice is harmless
    assert secrets.backend_name() == "In-memory keyring (tests)"


def test_empty_key_is_refused(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValueError):
        SecretStore(Redactor(), backend=memory_keyring).set("provider:openai", "   ")


def test_mask_shows_only_the_ends() -> None:
    assert mask(OPENAI_KEY) == "sk-p…6789"
    assert mask("short") == "•••••"


@pytest.mark.parametrize(
    "secret",
    [
        OPENAI_KEY,
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "gsk_abcdefghijklmnopqrstuvwxyz0123",
        "hf_abcdefghijklmnopqrstuvwxyz0123",
        "sk_test_51Habcdefghijklmnop",
        "whsec_test_abcdefghijklmnop",
    ],
)
def test_key_shaped_strings_are_redacted(secret: str) -> None:
    text = Redactor().redact(f"calling with {secret} now")
    assert secret not in text
    assert "[redacted]" in text


def test_bearer_tokens_and_taught_secrets_are_redacted() -> None:
    redactor = Redactor()
    redactor.add_secret("plainpassword42")
    text = redactor.redact("Authorization: Bearer abcdef1234567890xyz and plainpassword42")
    assert "abcdef1234567890xyz" not in text
    assert "plainpassword42" not in text


def test_log_file_never_holds_a_key(tmp_path) -> None:
    redactor = Redactor()
    path = configure_logging(tmp_path, redactor)
    logger = logging.getLogger("test.secrets")
    logger.warning("request failed for key %s", OPENAI_KEY)
    try:
        raise RuntimeError(f"rejected {OPENAI_KEY}")
    except RuntimeError:
        logger.exception("boom")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = read_log_tail(path)
    assert "request failed for key [redacted]" in text
    assert OPENAI_KEY not in text
    assert "RuntimeError" in text


def test_the_log_starts_plain_and_rotates_from_rotate_log_file_with_its_redaction(tmp_path) -> None:
    """The app writes its first records before logging.handlers is imported (not before the first paint),
    then swaps in the rotating handler on the same file: every record lands once, keys still redacted."""
    from logging.handlers import RotatingFileHandler

    from app.log import LOG_BACKUPS, LOG_MAX_BYTES, rotate_log_file

    path = configure_logging(tmp_path, Redactor(), rotate=False)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "amethyst", False)]
    assert len(ours) == 1 and not isinstance(ours[0], RotatingFileHandler)
    logger = logging.getLogger("test.rotation")
    logger.warning("before the swap %s", OPENAI_KEY)
    rotate_log_file()
    rotate_log_file()  # a second call changes nothing
    ours = [h for h in logging.getLogger().handlers if getattr(h, "amethyst", False)]
    assert len(ours) == 1 and isinstance(ours[0], RotatingFileHandler)
    assert (ours[0].maxBytes, ours[0].backupCount) == (LOG_MAX_BYTES, LOG_BACKUPS)
    logger.warning("after the swap %s", OPENAI_KEY)
    ours[0].flush()
    text = read_log_tail(path)
    assert text.count("before the swap [redacted]") == 1 and text.count("after the swap [redacted]") == 1
    assert OPENAI_KEY not in text
    ours[0].maxBytes = len(text.encode()) + 10  # the next records pass the limit: the file rotates
    logger.warning("x" * 40)
    logger.warning("into a new file")
    ours[0].flush()
    assert (path.parent / (path.name + ".1")).exists()
    assert "into a new file" in read_log_tail(path) and "before the swap" not in read_log_tail(path)


def test_redacting_filter_keeps_records_otherwise_intact() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s of %d", ("abc", 3), None)
    assert RedactingFilter(Redactor()).filter(record)
    assert record.getMessage() == "value abc of 3"


def test_keys_are_absent_from_database_settings_and_log(context: AppContext, tmp_path) -> None:
    log_file = configure_logging(context.paths.data_dir, context.redactor)
    context.secrets.set("provider:openai", OPENAI_KEY)
    context.settings.set("connection.kind", "local")
    logging.getLogger("test").info("using %s", context.secrets.get("provider:openai"))
    with context.sessions.begin() as session:  # the database exists and holds tables
        session.execute(__import__("sqlalchemy").text("SELECT 1"))
    for handler in logging.getLogger().handlers:
        handler.flush()
    for path in context.paths.data_dir.rglob("*"):
        if path.is_file():
            assert OPENAI_KEY.encode() not in path.read_bytes(), path
    dump = "\n".join(sqlite3.connect(context.paths.database).iterdump())
    assert OPENAI_KEY not in dump
    assert "[redacted]" in log_file.read_text()
