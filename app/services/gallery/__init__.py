"""The Studio's gallery: images on disk with their metadata in the cache DB and in PNG text chunks."""

from app.services.gallery.metadata import ImageMetadata
from app.services.gallery.service import GalleryService, ImportReport
from app.services.gallery.store import GalleryQuery, GalleryRecord

__all__ = ["GalleryQuery", "GalleryRecord", "GalleryService", "ImageMetadata", "ImportReport"]
