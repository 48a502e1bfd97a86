"""The Chat place: sessions, the conversation, the composer and the parameters of a session."""
