"""`flask privacy purge` and `flask pii …`: retention and key rotation."""
