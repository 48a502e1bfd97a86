"""ORM models of the local cache database. Importing this package registers every table."""

from app.models.base import Base
from app.models.gallery import GalleryImage, StudioJob
from app.models.ui_state import UiState

__all__ = ["Base", "GalleryImage", "StudioJob", "UiState"]
