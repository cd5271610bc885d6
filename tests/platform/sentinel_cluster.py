"""A Redis primary, a replica and three sentinels on loopback ports, for tests that fail the primary over."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

SERVICE = "ssc"
#: How long a sentinel waits for a silent primary before calling it down (the production default is 30 s).
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing_binaries() -> list[str]:
    """The Redis programs this machine lacks (Debian: redis-server, redis-sentinel)."""
    return [name for name in ("redis-server", "redis-sentinel") if shutil.which(name) is None]


class SentinelCluster:
    """Start, inspect and break a primary/replica pair watched by three sentinels (temp files, no saves)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: dict[int, subprocess.Popen] = {}  # port -> its process
        self.primary_port = free_port()
        self.replica_port = free_port()
        self.sentinel_ports = [free_port() for _ in range(3)]

    @property
    def sentinels(self) -> str:
        """REDIS_SENTINELS for this cluster."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def _start(self, port: int, *arguments: str, program: str = "redis-server") -> None:
        with open(self.folder / f"{port}.log", "wb") as log:  # the process keeps its own descriptor
            self.processes[port] = subprocess.Popen(
                [program, *arguments], stdout=log, stderr=subprocess.STDOUT
            )

    def _data_node(self, port: int, *extra: str) -> None:
        folder = self.folder / str(port)
        folder.mkdir()
        self._start(
            port,
            *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            *("--dir", str(folder), "--repl-diskless-sync-delay", "0", *extra),
        )

    def start(self) -> SentinelCluster:
        """Everything up, the replica in sync and every sentinel aware of the replica and of the others."""
        self._data_node(self.primary_port)
        self._data_node(self.replica_port, "--replicaof", "127.0.0.1", str(self.primary_port))
        for port in self.sentinel_ports:
            conf = self.folder / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary_port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
            self._start(port, str(conf), program="redis-sentinel")
        self.wait_until(self._settled, 30, "the replica and the sentinels to find each other")
        return self

    def _settled(self) -> bool:
        if self.client(self.replica_port).info("replication").get("master_link_status") != "up":
            return False
        for port in self.sentinel_ports:
            state = self.client(port).sentinel_master(SERVICE)
            if state.get("num-other-sentinels") != 2 or state.get("num-slaves") != 1:
                return False
        return True

    def client(self, port: int) -> redis.Redis:
        """A plain client of one node or sentinel."""
        return redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1, decode_responses=True)

    def named_primary(self) -> int | None:
        """The primary's port as the first sentinel names it (None when it names none)."""
        with contextlib.suppress(redis.RedisError):
            return int(self.client(self.sentinel_ports[0]).sentinel_get_master_addr_by_name(SERVICE)[1])
        return None

    def replicated(self) -> int:
        """WAIT on the primary: how many replicas have every write so far (within a second)."""
        return int(self.client(self.primary_port).execute_command("WAIT", 1, 1000))

    def kill_primary(self) -> int:
        """SIGKILL the primary (no goodbye, as a host that loses power); its port."""
        port = self.primary_port
        process = self.processes.pop(port)
        process.kill()
        process.wait()
        return port

    def wait_for_failover(self, timeout: float) -> int:
        """The replica's port once every sentinel names it and it answers as a primary."""
        self.wait_until(
            lambda: (
                all(
                    int(self.client(port).sentinel_get_master_addr_by_name(SERVICE)[1]) == self.replica_port
                    for port in self.sentinel_ports
                )
                and self.client(self.replica_port).info("replication")["role"] == "master"
            ),
            timeout,
            "the failover",
        )
        self.primary_port, self.replica_port = self.replica_port, self.primary_port
        return self.primary_port

    @staticmethod
    def wait_until(condition, timeout: float, what: str) -> None:
        """Poll until `condition()` holds; AssertionError naming `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if condition():
                    return
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def stop(self) -> None:
        """Stop every process still running."""
        for process in self.processes.values():
            process.kill()
        for process in self.processes.values():
            process.wait()
        self.processes.clear()

    def logs(self) -> str:
        """The processes' logs, for a failure's message."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}" for path in sorted(self.folder.glob("*.log"))
        )
