"""The accounts' tables: users, console accounts, service points."""
