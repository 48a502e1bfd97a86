"""The model catalog: data, search, recommendations, ratings, usage and refresh. Qt-free."""

from app.services.catalog.recommend import Recommendation
from app.services.catalog.refresh import CatalogRefreshError, RefreshResult
from app.services.catalog.schema import CatalogEntry, CatalogFormatError
from app.services.catalog.search import SORT_LABELS, CatalogQuery
from app.services.catalog.service import CatalogService, TokenPrice

__all__ = [
    "SORT_LABELS",
    "CatalogEntry",
    "CatalogFormatError",
    "CatalogQuery",
    "CatalogRefreshError",
    "CatalogService",
    "Recommendation",
    "RefreshResult",
    "TokenPrice",
]
