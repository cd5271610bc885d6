"""Redis connections: the one address REDIS_URL names, or the primary Redis Sentinel names at the time.

With REDIS_SENTINELS and REDIS_SENTINEL_SERVICE set (docs/deploy.md, "Redis failover"), every
connection asks the sentinels where the primary is (redis-py's `Sentinel.master_for`): after a
failover the next connection goes to the new primary, and a connection to the old one, demoted
to a replica, is dropped on its first READONLY answer. REDIS_URL then names the service instead of
a host and gives only the data nodes' user, password and database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.connection import parse_url
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection

from app.config import sentinel_addresses

#: How often a pooled connection idle for longer is pinged before use, in seconds.
HEALTH_CHECK_SECONDS = 30
#: How long a worker keeps trying to reach Redis before a job (or the worker) gives up: longer than
#: a failover (sentinels' down-after-milliseconds plus the switch, docs/deploy.md) or a restart.
WORKER_PATIENCE_SECONDS = 60


class FailoverFollowingConnection(SentinelManagedConnection):
    """A connection to the primary that asks the sentinels where it is on every (re)connect.

    redis-py's own asks only when the pool hands out a connection: a command retried after a
    ConnectionError reconnects to the address it had, the dead primary, until its retries run out
    (redis/redis-py#3874). Here that reconnect goes through `connect()`, the sentinels' answer.
    """

    def connect_check_health(self, check_health: bool = True, retry_socket_connect: bool = True) -> None:
        """(Re)connect: through the sentinels, unless `connect_to` (which they answered) is connecting."""
        if not retry_socket_connect:  # connect_to, at the address the sentinels just gave
            super().connect_check_health(check_health=check_health, retry_socket_connect=False)
        else:
            self.connect()


def uses_sentinel(config: Mapping[str, Any]) -> bool:
    """Whether the settings name sentinels (load_config has checked they come together)."""
    return bool(config.get("REDIS_SENTINELS") and config.get("REDIS_SENTINEL_SERVICE"))


def _timeout(config: Mapping[str, Any]) -> float:
    return float(config.get("REDIS_SOCKET_TIMEOUT_SECONDS") or 2.0)


def data_node_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The user, password and database REDIS_URL gives the data nodes (sentinel mode; empty without a URL)."""
    url = config.get("REDIS_URL")
    options = parse_url(url) if url else {}
    return {key: options[key] for key in ("username", "password", "db") if options.get(key) is not None}


def sentinel_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """How the sentinels themselves are reached: their password, and the same timeouts."""
    timeout = _timeout(config)
    options: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    if config.get("REDIS_SENTINEL_PASSWORD"):
        options["password"] = config["REDIS_SENTINEL_PASSWORD"]
    return options


def connect(config: Mapping[str, Any]) -> redis.Redis:
    """A client of the primary: through the sentinels when they are set, else at REDIS_URL."""
    timeout = _timeout(config)
    common = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": HEALTH_CHECK_SECONDS,
    }
    if not uses_sentinel(config):
        return redis.Redis.from_url(config["REDIS_URL"], **common)
    sentinel = Sentinel(
        sentinel_addresses(config["REDIS_SENTINELS"]), sentinel_kwargs=sentinel_options(config)
    )
    return sentinel.master_for(
        config["REDIS_SENTINEL_SERVICE"],
        connection_class=FailoverFollowingConnection,
        **common,
        **data_node_options(config),
    )


def limits_storage(config: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The `limits` storage URI and options for the rate-limit counters on the same Redis."""
    if not uses_sentinel(config):
        return config["REDIS_URL"], {}
    locations = ",".join(
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        for host, port in sentinel_addresses(config["REDIS_SENTINELS"])
    )
    timeout = _timeout(config)
    options = {
        **data_node_options(config),
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "sentinel_kwargs": sentinel_options(config),
        "use_replicas": False,  # a replica may lag behind the counts just taken
        "connection_class": FailoverFollowingConnection,
    }
    return f"redis+sentinel://{locations}/{config['REDIS_SENTINEL_SERVICE']}", options


def ride_out_outages(client: redis.Redis, seconds: float = WORKER_PATIENCE_SECONDS) -> None:
    """Make a client retry what fails to reach Redis (refused, reset, no primary named) for about `seconds`.

    For workers: a web request answers 503 at once, but a worker that gave up would drop the job it
    runs (or quit). Each retry asks the sentinels again, so once the switch is done the new primary
    answers. A Redis that answers too slowly (a timeout) is not retried.
    """
    backoff = ExponentialBackoff(cap=1.0, base=0.1)
    retries = int(seconds)  # 0.2 + 0.4 + 0.8 s, then a second each
    client.set_retry(Retry(backoff, retries, supported_errors=(redis.exceptions.ConnectionError,)))
