"""Accounts: mini-program users, their sign-in sessions and consents, console accounts and their sessions, service points."""
