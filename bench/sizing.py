"""What one user and one registry row cost to keep: `python -m bench.sizing [PEOPLE] [--cycles N]`.

The figures behind the sizing section of docs/deploy.md (§10):

- **Redis**: the soak's mix (bench/soak_profile.py) is replayed against a Redis server of this
  run's own; then every key is measured with `MEMORY USAGE` and grouped by what it is (a session,
  its owner's index, a journey state's copy, a kept journey screen, a kept card screen, a sign-in's
  code outcome, rate-limit counters...). The table gives the keys of each kind and their mean size.
- **Database**: a synthetic people file of PEOPLE rows and a year of their contributions (12
  months x 5 insurances) are imported into a database of this run's own on the bench MariaDB
  (`<bench database>_sizing`, dropped and made again), and `information_schema.TABLES` gives each
  table's data and index bytes; per person and per contribution row.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench import import_bench, soak_profile
from bench.run import OUT_DIR, Harness, ensure_database

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


def database_by_table(harness: Harness, people: int) -> dict:
    """Import PEOPLE people and a year of their contributions into `<bench>_sizing`; bytes by table."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(harness.env["DATABASE_URL"])
    if not url.drivername.startswith("mysql"):
        raise SystemExit("the database figures need MariaDB/MySQL (BENCH_DATABASE_URL)")
    sizing_url = url.set(database=f"{url.database}_sizing")
    admin = create_engine(url.set(database=""))
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{sizing_url.database}`"))
    admin.dispose()
    ensure_database(sizing_url.render_as_string(hide_password=False))
    from app import create_app
    from app.extensions import db
    from app.registry.importer import import_file

    app = create_app(
        {
            "APP_ENV": "testing",
            "DATABASE_URL": sizing_url.render_as_string(hide_password=False),
            "LOG_LEVEL": "ERROR",
        }
    )
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
            names = db.session.execute(
                text("SELECT table_name FROM information_schema.TABLES WHERE table_schema = :schema"),
                {"schema": sizing_url.database},
            ).scalars()
            for name in list(names):
                db.session.execute(text(f"ANALYZE TABLE `{name}`"))  # fresh statistics, not InnoDB's estimate
            rows = db.session.execute(
                text(
                    "SELECT table_name, table_rows, data_length, index_length FROM information_schema.TABLES "
                    "WHERE table_schema = :schema"
                ),
                {"schema": sizing_url.database},
            ).all()
            db.session.remove()
            db.engine.dispose()
    tables = {
        name: {"rows": int(count or 0), "bytes": int(data or 0) + int(index or 0)}
        for name, count, data, index in rows
        if count
    }
    contribution_bytes = tables.get("contribution_records", {}).get("bytes", 0)
    other = sum(figures["bytes"] for name, figures in tables.items() if name != "contribution_records")
    return {
        "people": people,
        "people_added": people_report.added,
        "contributions_added": contributions_report.added,
        "tables": dict(sorted(tables.items(), key=lambda item: -item[1]["bytes"])),
        "bytes_per_person": round(other / people) if people else 0,
        "bytes_per_contribution_row": round(contribution_bytes / max(contributions_report.added, 1)),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure Redis per kind of key after the mix, and the database per person and contribution row."""
    parser = argparse.ArgumentParser(prog="python -m bench.sizing", description=__doc__.splitlines()[0])
    parser.add_argument("people", nargs="?", type=int, default=5000, help="people to import (default 5000)")
    parser.add_argument("--cycles", type=int, default=200, help="cycles of the soak's mix (default 200)")
    args = parser.parse_args(argv)
    with soak_profile.mix_run() as run:
        run.replay(args.cycles)
        redis_figures = redis_by_kind(run.redis)
        used = run.redis.info("memory")["used_memory"]
        harness = run.harness
    database = database_by_table(harness, args.people)
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
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / "sizing-latest.json"
    path.write_text(
        json.dumps({"redis": redis_figures, "redis_used_memory": used, "database": database}, indent=2)
    )
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
