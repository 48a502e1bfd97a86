"""The Builder place's logic (QtCore only): the builds client, CSV preview, LLM code writer, controller."""
