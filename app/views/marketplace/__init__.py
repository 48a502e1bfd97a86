"""The Marketplace place: a searchable, filterable grid of AI models with details, compare and advice."""
