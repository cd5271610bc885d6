"""The push inbox: admitted pushes wait in a list that one pump at a time turns into handler jobs."""

from __future__ import annotations

import pytest

from app import pushes
from app.helpdesk import jobs as wechat_events

from .conftest import OPENID, pumped_jobs


def _push(wechat_emulator, msg_id: int):
    response = wechat_emulator.push("text", OPENID, content="card", msg_id=msg_id)
    assert response.get_data(as_text=True) == "success"


def test_one_pump_moves_every_push_in_order_and_lets_go(
    app, wechat_emulator, real_queue, redis_client, monkeypatch
):
    monkeypatch.setattr(pushes, "PUMP_BATCH", 3)
    for msg_id in range(1, 8):
        _push(wechat_emulator, msg_id)
    assert [job.func_name for job in real_queue.jobs] == [pushes.PUMP]  # one pump for seven pushes
    assert redis_client.llen(pushes.INBOX_KEY) == 7
    jobs = pumped_jobs(real_queue)
    assert [job.args[0]["MsgId"] for job in jobs] == list(range(1, 8))
    assert redis_client.llen(pushes.INBOX_KEY) == 0 and redis_client.get(pushes.PUMP_KEY) is None
    _push(wechat_emulator, 8)  # the hold was let go: the next push starts a new pump
    assert [job.args[0]["MsgId"] for job in pumped_jobs(real_queue)][-1] == 8


def test_a_pump_that_lost_its_hold_moves_nothing(app, wechat_emulator, real_queue, redis_client):
    _push(wechat_emulator, 1)
    [pump_job] = real_queue.jobs
    redis_client.set(pushes.PUMP_KEY, "another pump")
    assert pushes.pump(redis_client, real_queue, pump_job.args[0]) == 0
    assert redis_client.llen(pushes.INBOX_KEY) == 1  # left for the pump that holds it
    assert pushes.pump(redis_client, real_queue, "another pump") == 1


def test_a_pump_dying_mid_batch_loses_and_doubles_nothing(
    app, wechat_emulator, real_queue, redis_client, monkeypatch
):
    _push(wechat_emulator, 1)
    _push(wechat_emulator, 2)
    [pump_job] = real_queue.jobs
    real_queue.remove(pump_job)

    def killed(*_args, **_kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(real_queue, "enqueue_many", killed)
        with pytest.raises(SystemExit):
            pushes.pump(redis_client, real_queue, pump_job.args[0])
    assert redis_client.llen(pushes.INBOX_KEY) == 2 and real_queue.count == 0
    redis_client.delete(pushes.PUMP_KEY)  # the dead pump's hold expires
    assert pushes.restart_pump(redis_client, real_queue)  # as `flask worker` does when it starts
    assert [job.args[0]["MsgId"] for job in pumped_jobs(real_queue)] == [1, 2]


def test_restart_needs_waiting_pushes_and_no_hold(app, real_queue, redis_client):
    assert not pushes.restart_pump(redis_client, real_queue)  # nothing waits
    redis_client.rpush(pushes.INBOX_KEY, '{"message": {}, "claim": null}')
    redis_client.set(pushes.PUMP_KEY, "held")
    assert not pushes.restart_pump(redis_client, real_queue)  # a pump has it
    redis_client.delete(pushes.PUMP_KEY)
    assert pushes.restart_pump(redis_client, real_queue) and real_queue.count == 1


def test_a_pump_that_cannot_be_queued_gives_back_its_hold(
    app, wechat_emulator, real_queue, redis_client, monkeypatch
):
    def refused(*_args, **_kwargs):
        raise ConnectionError("queue unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(real_queue, "enqueue", refused)
        response = wechat_emulator.push("text", OPENID, content="card", msg_id=77)
    assert response.status_code == 503  # WeChat will retry
    assert redis_client.get(pushes.PUMP_KEY) is None
    retried = wechat_emulator.push("text", OPENID, content="card", msg_id=77)
    assert retried.get_data(as_text=True) == "success"
    wechat_emulator.user_wrote(OPENID)
    outcomes = [wechat_events.handle(*job.args) for job in pumped_jobs(real_queue)]
    assert outcomes == ["topic:card", "skipped"]  # handled once; the retry is a duplicate and does nothing


def test_the_pump_task_runs_in_a_worker(app, wechat_emulator, real_queue, redis_client):
    _push(wechat_emulator, 5)
    [pump_job] = real_queue.jobs
    assert wechat_events.pump(*pump_job.args) == 1
    assert [job.func_name for job in real_queue.jobs] == [pushes.PUMP, pushes.HANDLER]


def test_a_running_worker_restarts_a_dead_pump_at_its_next_maintenance(app, real_queue, redis_client):
    from app.cli.worker import MAINTENANCE_SECONDS, WORKER_TTL_SECONDS, AppWorker

    worker = AppWorker(
        [real_queue],
        connection=redis_client,
        worker_ttl=WORKER_TTL_SECONDS,
        maintenance_interval=MAINTENANCE_SECONDS,
    )
    assert worker.dequeue_timeout <= MAINTENANCE_SECONDS  # an idle worker still wakes for it
    redis_client.rpush(pushes.INBOX_KEY, '{"message": {}, "claim": null}')
    redis_client.set(pushes.PUMP_KEY, "held by a pump that died", ex=1)
    worker.run_maintenance_tasks()
    assert real_queue.count == 0  # the hold has not expired yet: the pump may still be alive
    redis_client.delete(pushes.PUMP_KEY)  # it expires
    worker.run_maintenance_tasks()
    assert [job.func_name for job in real_queue.jobs] == [pushes.PUMP]
