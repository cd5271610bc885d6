"""What one user, one registry row and one notice cost to keep: `python -m bench.sizing [PEOPLE] [--recipients N]`.

The figures behind the sizing section of docs/deploy.md (§10):

- **Redis**: the soak's mix (bench/soak_profile.py) is replayed against a Redis server of this
  run's own; then every key is measured with `MEMORY USAGE` and grouped by what it is (a session,
  its owner's index, a journey state's copy, a kept journey screen, a kept card screen, a sign-in's
  code outcome, rate-limit counters...). The table gives the keys of each kind and their mean size.
- **Database**: a synthetic people file of PEOPLE rows and a year of their contributions (12
  months x 5 insurances) are imported into a database of this run's own on the bench MariaDB
  (`<bench database>_sizing`, dropped and made again), and `information_schema.TABLES` gives each
  table's data and index bytes; per person and per contribution row.
- **A notice**: RECIPIENTS verified users (`--recipients`, as bench/notices_bench.py makes them)
  in `<bench database>_notice_sizing`, one notice to all of them fanned out and sent through the
  WeChat emulator; bytes per delivery row, per recipient and per user account.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench import import_bench, notices_bench, soak_profile
from bench.run import OUT_DIR, Harness, ensure_database

#: The tables that grow by one row per user account (a notice's recipient).
USER_TABLES = ("users", "subscription_quotas")
#: Key kinds, by pattern of the Redis key (the first match wins).
KINDS = (
    ("session", r"^ssc:session:[0-9a-f]+$"),
    ("session index (per user)", r"^ssc:session-index:"),
    ("journey state copy", r"^ssc:flow-state:\d+:"),
    ("kept journey screen", r"^ssc:flow-screen:"),
    ("kept card screen", r"^ssc:view"),
    ("sign-in code outcome", r"^ssc:login-code:"),
    ("WeChat session_key", r"^ssc:wechat-session-key:"),
    ("client locale", r"^ssc:client-locale:"),
    ("rate-limit counter", r"^LIMITS?:|^limits"),
)


def redis_by_kind(client) -> dict[str, dict]:
    """Keys of each kind, their total and mean MEMORY USAGE in bytes."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key in client.scan_iter(count=1000):
        name = key.decode("utf-8", "replace")
        kind = next((label for label, pattern in KINDS if re.search(pattern, name)), f"other ({name[:40]})")
        figures = totals[kind]
        figures[0] += 1
        figures[1] += int(client.memory_usage(key, samples=0) or 0)
    return {
        kind: {"keys": count, "bytes": size, "mean_bytes": round(size / count) if count else 0}
        for kind, (count, size) in sorted(totals.items())
    }


def scratch_database(harness: Harness, suffix: str) -> str:
    """A fresh, empty `<bench database>_SUFFIX` on the bench MariaDB (dropped and made again); its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(harness.env["DATABASE_URL"])
    if not url.drivername.startswith("mysql"):
        raise SystemExit("the database figures need MariaDB/MySQL (BENCH_DATABASE_URL)")
    scratch = url.set(database=f"{url.database}_{suffix}")
    admin = create_engine(url.set(database=""))
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{scratch.database}`"))
    admin.dispose()
    rendered = scratch.render_as_string(hide_password=False)
    ensure_database(rendered)
    return rendered


def table_bytes(session, schema: str) -> dict[str, dict]:
    """Rows and bytes (data and indexes) of each table of `schema` that holds rows, largest first.

    Rows are counted: InnoDB's `table_rows` is an estimate, even after ANALYZE (45,050 for 40,000).
    """
    from sqlalchemy import text

    names = session.execute(
        text("SELECT table_name FROM information_schema.TABLES WHERE table_schema = :schema"),
        {"schema": schema},
    ).scalars()
    for name in list(names):
        session.execute(text(f"ANALYZE TABLE `{name}`"))  # fresh data and index lengths
    rows = session.execute(
        text(
            "SELECT table_name, data_length, index_length FROM information_schema.TABLES "
            "WHERE table_schema = :schema"
        ),
        {"schema": schema},
    ).all()
    tables = {}
    for name, data, index in rows:
        count = session.execute(text(f"SELECT COUNT(*) FROM `{name}`")).scalar_one()
        if count:
            tables[name] = {"rows": int(count), "bytes": int(data or 0) + int(index or 0)}
    return dict(sorted(tables.items(), key=lambda item: -item[1]["bytes"]))


def database_by_table(harness: Harness, people: int) -> dict:
    """Import PEOPLE people and a year of their contributions into `<bench>_sizing`; bytes by table."""
    from sqlalchemy.engine import make_url

    from app import create_app
    from app.extensions import db
    from app.registry.importer import import_file

    url = scratch_database(harness, "sizing")
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": url, "LOG_LEVEL": "ERROR"})
    with tempfile.TemporaryDirectory(prefix="bench-sizing-") as directory:
        people_file, contributions_file = (
            Path(directory) / "people.csv",
            Path(directory) / "contributions.csv",
        )
        import_bench.write_people(people_file, people)
        import_bench.write_contributions(contributions_file, people * 60)
        with app.app_context():
            db.create_all()
            people_report = import_file(people_file, "people")
            contributions_report = import_file(contributions_file, "contributions")
            tables = table_bytes(db.session, make_url(url).database)
            db.session.remove()
            db.engine.dispose()
    contribution_bytes = tables.get("contribution_records", {}).get("bytes", 0)
    other = sum(figures["bytes"] for name, figures in tables.items() if name != "contribution_records")
    return {
        "people": people,
        "people_added": people_report.added,
        "contributions_added": contributions_report.added,
        "tables": tables,
        "bytes_per_person": round(other / people) if people else 0,
        "bytes_per_contribution_row": round(contribution_bytes / max(contributions_report.added, 1)),
    }


def notice_by_table(harness: Harness, recipients: int) -> dict:
    """A notice to RECIPIENTS verified users (inbox and WeChat), fanned out and sent, in `<bench>_notice_sizing`.

    The users are made as bench/notices_bench.py makes them (an account and a subscription quota
    each); the notice goes out through the same worker code as in production, its WeChat messages
    to the emulator over loopback HTTP. Bytes per delivery row, and per user of the account tables.
    """
    from sqlalchemy.engine import make_url

    from app.extensions import db

    url = scratch_database(harness, "notice_sizing")
    with notices_bench.Emulator() as emulator:
        app = notices_bench.create_bench_app(url, None, emulator.url)
        notices_bench.populate(app, recipients, emulator.state)
        notice = notices_bench.new_notice(app, "Deadline: renew your work permit in time", {"all": True})
        fan_out = notices_bench.worker("fan_out", notice, url, None, emulator.url)
        sent = notices_bench.worker("send", notice, url, None, emulator.url)
        with app.app_context():
            tables = table_bytes(db.session, make_url(url).database)
            db.session.remove()
            db.engine.dispose()
    deliveries = tables.get("notice_deliveries", {"rows": 0, "bytes": 0})
    per_user = sum(tables.get(name, {}).get("bytes", 0) for name in USER_TABLES)
    return {
        "recipients": recipients,
        "fanned_out": fan_out["recipients"],
        "sent": sent.get("sent", 0),
        "tables": tables,
        "delivery_rows": deliveries["rows"],
        "bytes_per_delivery_row": round(deliveries["bytes"] / deliveries["rows"])
        if deliveries["rows"]
        else 0,
        "bytes_per_recipient": round(deliveries["bytes"] / recipients) if recipients else 0,
        "bytes_per_user": round(per_user / recipients) if recipients else 0,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure Redis per kind of key after the mix, and the database per person and contribution row."""
    parser = argparse.ArgumentParser(prog="python -m bench.sizing", description=__doc__.splitlines()[0])
    parser.add_argument("people", nargs="?", type=int, default=5000, help="people to import (default 5000)")
    parser.add_argument("--cycles", type=int, default=200, help="cycles of the soak's mix (default 200)")
    parser.add_argument(
        "--recipients", type=int, default=20_000, help="users the measured notice goes to (default 20000)"
    )
    args = parser.parse_args(argv)
    with soak_profile.mix_run() as run:
        run.replay(args.cycles)
        redis_figures = redis_by_kind(run.redis)
        used = run.redis.info("memory")["used_memory"]
        harness = run.harness
    database = database_by_table(harness, args.people)
    notice = notice_by_table(harness, args.recipients)
    print(f"Redis after {args.cycles} cycles of the soak's mix (used_memory {used / 1e6:.1f} MB):")
    for kind, figures in redis_figures.items():
        print(f"  {kind:<28}{figures['keys']:>7} keys {figures['mean_bytes']:>7} B each")
    print(
        f"database after importing {database['people']:,} people and {database['contributions_added']:,} "
        f"contribution rows: {database['bytes_per_person']:,} B per person (every table but contributions), "
        f"{database['bytes_per_contribution_row']:,} B per contribution row"
    )
    for name, figures in database["tables"].items():
        print(f"  {name:<28}{figures['rows']:>9} rows {figures['bytes'] / 1e6:>8.1f} MB")
    print(
        f"a notice to {notice['recipients']:,} users, fanned out ({notice['delivery_rows']:,} delivery rows) "
        f"and sent ({notice['sent']:,} WeChat messages): {notice['bytes_per_delivery_row']:,} B per delivery "
        f"row, {notice['bytes_per_recipient']:,} B per recipient; {notice['bytes_per_user']:,} B per user "
        f"account ({', '.join(USER_TABLES)})"
    )
    for name, figures in notice["tables"].items():
        print(f"  {name:<28}{figures['rows']:>9} rows {figures['bytes'] / 1e6:>8.1f} MB")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / "sizing-latest.json"
    path.write_text(
        json.dumps(
            {"redis": redis_figures, "redis_used_memory": used, "database": database, "notice": notice},
            indent=2,
        )
    )
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
