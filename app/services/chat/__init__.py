"""Chat: sessions stored as they grow, replies streamed from any provider, search, export, usage."""
