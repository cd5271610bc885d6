"""The audit log: who did what, written by every domain, read in the console."""
