"""Redis Sentinel settings: what production takes and refuses, the clients built from them, `config check`.

Nothing here connects to Redis: tests/platform/test_redis_sentinel.py runs a real failover.
"""

from __future__ import annotations

import pytest
import redis
from redis.sentinel import SentinelConnectionPool

from app import create_app
from app.config import ConfigError, load_config, sentinel_addresses
from tests.platform.sentinel_cluster import free_port
from tests.platform.test_config import config_check, verdict, warnings
from tests.platform.test_config import environment as environment  # the fixture, reused

SENTINELS = "10.0.1.1:26379,10.0.1.2:26379,10.0.1.3:26380"
SENTINEL_SETTINGS = {
    "REDIS_SENTINELS": SENTINELS,
    "REDIS_SENTINEL_SERVICE": "ssc",
    "REDIS_URL": "redis://:dataPassw0rdXYZ@ssc/4",
    "REDIS_SENTINEL_PASSWORD": "sentinelPassw0rdXYZ",
}


@pytest.fixture
def sentinel_environment(environment):
    """A complete production environment (tests/platform/test_config.py) with Redis behind sentinels."""
    for key, value in SENTINEL_SETTINGS.items():
        environment.setenv(key, value)
    return environment


def test_sentinel_addresses_parse_host_port_pairs():
    assert sentinel_addresses(" 10.0.1.1:26379, redis-b:26380 ,[::1]:26381") == [
        ("10.0.1.1", 26379),
        ("redis-b", 26380),
        ("::1", 26381),
    ]


def test_production_reaches_redis_through_the_sentinels(sentinel_environment):
    app = create_app()
    client = app.extensions["redis"]
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool) and pool.is_master and pool.service_name == "ssc"
    options = pool.connection_kwargs
    assert (options["password"], options["db"]) == ("dataPassw0rdXYZ", 4)
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 2.0
    sentinels = [sentinel.connection_pool.connection_kwargs for sentinel in pool.sentinel_manager.sentinels]
    assert [(each["host"], each["port"]) for each in sentinels] == [
        ("10.0.1.1", 26379),
        ("10.0.1.2", 26379),
        ("10.0.1.3", 26380),
    ]
    assert {each["password"] for each in sentinels} == {"sentinelPassw0rdXYZ"}
    # The RQ queue and the workers use the same client.
    assert app.extensions["queue"].connection is client
    # The rate-limit counters too, on the primary only (a replica may lag behind a count just taken).
    storage = app.extensions["rate_limits"].storage
    assert type(storage).__name__ == "RedisSentinelStorage" and storage.service_name == "ssc"
    assert storage.use_replicas is False
    counters = storage.storage.connection_pool
    assert counters.service_name == "ssc" and counters.connection_kwargs["db"] == 4
    assert counters.connection_kwargs["password"] == "dataPassw0rdXYZ"
    assert {s.connection_pool.connection_kwargs["password"] for s in storage.sentinel.sentinels} == {
        "sentinelPassw0rdXYZ"
    }


def test_without_a_url_the_data_nodes_take_database_0_and_no_password(sentinel_environment):
    sentinel_environment.delenv("REDIS_URL")
    values = load_config({"APP_ENV": "testing", "EMBEDDED_REDIS": False})
    app = create_app(values)
    options = app.extensions["redis"].connection_pool.connection_kwargs
    assert options.get("password") is None and options.get("db", 0) == 0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"REDIS_SENTINEL_SERVICE": None}, "set REDIS_SENTINELS and REDIS_SENTINEL_SERVICE together"),
        ({"REDIS_SENTINELS": None}, "set REDIS_SENTINELS and REDIS_SENTINEL_SERVICE together"),
        ({"REDIS_SENTINELS": "10.0.1.1"}, "REDIS_SENTINELS must be host:port pairs .*'10.0.1.1' is not one"),
        ({"REDIS_SENTINELS": "10.0.1.1:sentinel"}, "'10.0.1.1:sentinel' is not one"),
        ({"REDIS_SENTINELS": "10.0.1.1:26379,,10.0.1.2:26379"}, "'' is not one"),
        ({"REDIS_SENTINELS": "10.0.1.1:70000"}, "'10.0.1.1:70000' is not one"),
        (
            {"REDIS_URL": "redis://:pw@redis.internal:6379/0"},
            "REDIS_URL names the service instead of an address",
        ),
        ({"REDIS_URL": "redis://:pw@ssc:6379/0"}, "REDIS_URL names the service"),
        ({"REDIS_URL": "redis://:pw@ssc:x/0"}, "REDIS_URL names the service"),
        ({"REDIS_URL": "rediss://:pw@ssc/0"}, "TLS is not supported"),
    ],
)
def test_production_refuses_sentinel_settings_it_cannot_use(sentinel_environment, changes, reason):
    for key, value in changes.items():
        if value is None:
            sentinel_environment.delenv(key)
        else:
            sentinel_environment.setenv(key, value)
    with pytest.raises(ConfigError, match=f"production refuses to start: .*{reason}"):
        create_app()
    status, output = config_check()
    assert status == 1 and verdict(output).startswith("verdict: refused:")


def test_development_and_testing_refuse_half_a_sentinel_setting_too(monkeypatch):
    monkeypatch.setenv("REDIS_SENTINELS", "127.0.0.1:26379")
    monkeypatch.delenv("REDIS_SENTINEL_SERVICE", raising=False)
    for env in ("development", "testing"):
        with pytest.raises(ConfigError, match="set REDIS_SENTINELS and REDIS_SENTINEL_SERVICE together"):
            load_config({"APP_ENV": env})


def test_no_environment_has_sentinels_by_default():
    from app.config import CONFIGS

    for config in CONFIGS.values():
        assert config.REDIS_SENTINELS is None and config.REDIS_SENTINEL_SERVICE is None
        assert config.REDIS_SENTINEL_PASSWORD is None


def test_config_check_shows_the_sentinels_and_masks_both_passwords(sentinel_environment):
    status, output = config_check()
    assert status == 0, output
    assert verdict(output) == "verdict: ready: production starts with this environment"
    assert "dataPassw0rdXYZ" not in output and "sentinelPassw0rdXYZ" not in output
    assert (
        "redis: the primary of 'ssc' as Redis Sentinel names it, db 4, password set; sentinels "
        "10.0.1.1:26379, 10.0.1.2:26379, 10.0.1.3:26380 (their password: set)"
    ) in output
    assert "REDIS_SENTINEL_PASSWORD" in output and warnings(output) == []


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        (
            {"REDIS_SENTINELS": "10.0.1.1:26379,10.0.1.2:26379"},
            "REDIS_SENTINELS names 2: run three sentinels on three hosts",
        ),
        ({"REDIS_URL": "redis://ssc/0"}, "REDIS_URL gives no password: the Redis primary and replica"),
    ],
)
def test_config_check_warns_about_a_sentinel_layout_that_fails_over_badly(
    sentinel_environment, changes, warning
):
    for key, value in changes.items():
        sentinel_environment.setenv(key, value)
    status, output = config_check()
    assert status == 0, output
    assert any(line.startswith(warning) for line in warnings(output)), output


def test_a_retried_command_asks_the_sentinels_again(sentinel_environment, monkeypatch):
    """A reconnect after a broken connection goes through the sentinels, not to the address it had."""
    from app.redis_client import FailoverFollowingConnection

    pool = create_app().extensions["redis"].connection_pool
    connection = pool.make_connection()
    assert isinstance(connection, FailoverFollowingConnection)
    asked, nobody = [], free_port()
    monkeypatch.setattr(
        connection.connection_pool, "get_master_address", lambda: asked.append(1) or ("127.0.0.1", nobody)
    )
    # redis-py reconnects a broken connection with connect_check_health (a retried command does).
    with pytest.raises(redis.exceptions.ConnectionError):
        connection.connect_check_health(check_health=False)
    assert asked  # the sentinels were asked where the primary is
    assert (connection.host, connection.port) == ("127.0.0.1", nobody)


def test_workers_retry_what_cannot_reach_redis_for_a_minute(sentinel_environment):
    from app.redis_client import WORKER_PATIENCE_SECONDS, ride_out_outages

    client = create_app().extensions["redis"]
    ride_out_outages(client)
    retry = client.get_retry()
    assert retry.get_retries() == WORKER_PATIENCE_SECONDS == 60
    connection = client.connection_pool.make_connection()
    assert connection.retry.get_retries() == 60  # every connection made from now on
    # What cannot reach Redis is retried; a Redis that answers too slowly is not.
    for error, tries_expected in ((redis.exceptions.ConnectionError, 2), (redis.exceptions.TimeoutError, 1)):
        tries = []

        def once(error=error, tries=tries):
            tries.append(1)
            if len(tries) == 1:
                raise error("down")
            return "ok"

        try:
            retry.call_with_retry(once, lambda failure: None)
        except redis.exceptions.TimeoutError:
            pass
        assert len(tries) == tries_expected, error
