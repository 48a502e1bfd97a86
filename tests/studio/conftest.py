"""Fixtures for the Studio's service tests."""

from tests.studio.service_harness import make_studio

__all__ = ["make_studio"]
