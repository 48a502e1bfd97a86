"""ORM models of the local cache database. Importing this package registers every table."""

from app.models.base import Base
from app.models.catalog import CatalogSnapshot, ModelRating, ModelUsage
from app.models.chat import ChatMessage, ChatSession
from app.models.gallery import GalleryImage, StudioJob
from app.models.meta import AppMeta

__all__ = [
    "AppMeta",
    "Base",
    "CatalogSnapshot",
    "ChatMessage",
    "ChatSession",
    "GalleryImage",
    "ModelRating",
    "ModelUsage",
    "StudioJob",
]
