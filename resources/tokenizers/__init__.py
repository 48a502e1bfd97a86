"""BPE tables for token estimates (``app/services/chat/tokens.py``).

``cl100k_base.tiktoken`` is OpenAI's published cl100k_base table, byte for byte (sha256
223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7, the hash tiktoken itself checks), as
tiktoken downloads it from https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken.
"""
