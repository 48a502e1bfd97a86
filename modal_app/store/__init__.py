"""The server database: ORM tables and opening/migrating the store."""
