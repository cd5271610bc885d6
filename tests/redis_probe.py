"""Which single Redis commands a block sends (a pipeline's commands are not counted one by one)."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def commands_sent(redis_client):
    """Yield a list that collects the name of every command sent on its own inside the block."""
    sent: list[str] = []
    cls = type(redis_client)
    original = cls.execute_command

    def counting(self, *args, **kwargs):
        sent.append(args[0])
        return original(self, *args, **kwargs)

    cls.execute_command = counting
    try:
        yield sent
    finally:
        cls.execute_command = original
