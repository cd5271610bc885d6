"""Run every benchmark and print one table: `python -m bench.run [--quick] [--only NAME ...]`.

HTTP figures are measured beside the bare-Flask baseline (bench/baseline.py) in the same run:
both served by the same gunicorn command (2 sync workers), loaded by the same client (wrk, or a
Python fallback), alternating, several rounds; medians and spread are reported. The app under
test runs in production mode on real Redis (db 14) and MariaDB (database `bench`), configured
through the environment exactly as in production. Results also go to bench/out/ as JSON.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import os
import platform
import secrets
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import load

OUT_DIR = Path(__file__).resolve().parent / "out"
DEFAULT_DATABASE_URL = "mysql+pymysql://root@127.0.0.1:3306/bench?charset=utf8mb4"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
#: A fixed 43-character EncodingAESKey so every benchmark signs and encrypts in safe mode.
BENCH_AES_KEY = "benchmarkbenchmarkbenchmarkbenchmark0123456"
#: The push Token of the bench environment (its own: production refuses the demo one).
BENCH_PUSH_TOKEN = "benchmark-push-token"


@dataclass
class Row:
    """One line of the table."""

    name: str
    value: float | None = None
    unit: str = ""
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    detail: str = ""
    status: str = "ok"  # ok | not available | error

    @classmethod
    def missing(cls, name: str, why: str) -> Row:
        """A row for a benchmark that cannot run here (module not there yet, service down)."""
        return cls(name=name, status="not available", detail=why)


class Harness:
    """What a benchmark needs: the bench environment, the two servers, and the comparison."""

    def __init__(self, quick: bool = False, rounds: int | None = None, seconds: float | None = None):
        self.quick = quick
        self.rounds = rounds or (2 if quick else 5)
        self.seconds = seconds or (1.0 if quick else 10.0)
        self.warmup = 0.0 if quick else 2.0
        self.env = bench_environment()
        self.client = load.client_name()
        self._baseline: load.Server | None = None
        self._subject: load.Server | None = None
        self._app = None
        self._metrics_dir: str | None = None

    # -- the app under test --------------------------------------------------------------------

    def app(self, overrides: dict | None = None):
        """The app under test, in this process, on the bench database: made on first use, with config `overrides`."""
        if self._app is None:
            from app import create_app
            from app.extensions import db

            ensure_database(self.env["DATABASE_URL"])
            saved = {key: os.environ.get(key) for key in self.env}
            os.environ.update(self.env)  # read once, as gunicorn's workers will; then restored
            try:
                self._app = create_app(overrides)
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            with self._app.app_context():
                db.drop_all()
                db.create_all()
                self._app.extensions["redis"].flushdb()
        return self._app

    def subject(self) -> load.Server:
        """gunicorn serving `wsgi:app` with the bench environment (started on first use)."""
        if self._subject is None:
            self._subject = self.serve_app()
        return self._subject

    def serve_app(
        self, extra_env: dict | None = None, name: str = "subject", workers: int = load.WORKERS
    ) -> load.Server:
        """A new gunicorn serving `wsgi:app` with the bench environment plus `extra_env`; the caller stops it."""
        self.app()  # the schema must exist before workers take requests
        self._metrics_dir = tempfile.mkdtemp(prefix="bench-metrics-")
        env = dict(self.env, PROMETHEUS_MULTIPROC_DIR=self._metrics_dir, **(extra_env or {}))
        return load.Server("wsgi:app", env=env, name=name, ready_path="/healthz", workers=workers).start()

    def baseline(self) -> load.Server:
        """gunicorn serving the bare Flask app (started on first use)."""
        if self._baseline is None:
            self._baseline = load.Server("bench.baseline:app", name="baseline").start()
        return self._baseline

    def compare(self, requests, baseline_requests=None) -> load.Comparison:
        """The subject's requests beside the baseline's, alternating, with this run's settings."""
        return load.compare(
            self.baseline().url,
            self.subject().url,
            requests,
            baseline_requests,
            rounds=self.rounds,
            seconds=self.seconds,
            warmup=self.warmup,
        )

    def http_row(
        self,
        name: str,
        comparison: load.Comparison,
        min_ratio: float | None = None,
        max_p99_ms: float | None = None,
        unit: str = "req/s",
    ) -> Row:
        """A table row for a comparison, judged against a ratio target (and a p99 bound)."""
        targets, passed = [], True
        if min_ratio is not None:
            targets.append(f">= {min_ratio:.0%} of bare")
            passed = passed and comparison.ratio >= min_ratio
        if max_p99_ms is not None:
            targets.append(f"p99 < {max_p99_ms:g} ms")
            passed = passed and comparison.p99_ms < max_p99_ms
        passed = passed and comparison.errors == 0
        return Row(
            name=name,
            value=comparison.rps,
            unit=unit,
            baseline=comparison.baseline_rps,
            ratio=comparison.ratio,
            target=", ".join(targets),
            passed=passed if targets else None,
            detail=comparison.detail(),
        )

    def close(self) -> None:
        """Stop both servers."""
        for server in (self._subject, self._baseline):
            if server is not None:
                server.stop()
        if self._app is not None:
            from app.extensions import db

            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()
            self._app.extensions["redis"].connection_pool.disconnect()


def bench_environment() -> dict:
    """Production settings for the app under test; BENCH_DATABASE_URL / BENCH_REDIS_URL override."""
    from app.wechat_emulator import DEMO

    return {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "PII_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "WECHAT_AES_KEY": BENCH_AES_KEY,
        "WECHAT_TOKEN": BENCH_PUSH_TOKEN,
        # the emulator's demo mini program (production takes its identity, never its public secrets)
        "WECHAT_APPID": DEMO["appid"],
        "WECHAT_SECRET": DEMO["secret"],
    }


def ensure_database(url: str) -> None:
    """Create the bench database on MySQL/MariaDB when it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("mysql") or not parsed.database:
        return
    engine = create_engine(parsed.set(database=""))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    f"CREATE DATABASE IF NOT EXISTS `{parsed.database}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
            )
    finally:
        engine.dispose()


def services_down(env: dict) -> str | None:
    """Why the bench's Redis or database cannot be reached, or None when both answer."""
    import redis
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    try:
        client = redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001 - any failure means the bench cannot run
        return f"Redis at {env['REDIS_URL']} is not reachable ({type(error).__name__})"
    parsed = make_url(env["DATABASE_URL"])
    engine = create_engine(parsed.set(database="") if parsed.drivername.startswith("mysql") else parsed)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001
        return f"the database at {parsed.render_as_string()} is not reachable ({type(error).__name__})"
    finally:
        engine.dispose()
    return None


# --- the benchmarks ------------------------------------------------------------------------------


def _module(name: str):
    """Import bench.<name>, or None when that module is not there yet."""
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as error:
        if error.name in (f"bench.{name}", "bench"):
            return None
        raise


def _plugin_rows(module, harness: Harness) -> list[Row]:
    """A module's own rows: `rows(harness)` returning Row objects or dicts with Row's fields."""
    rows = []
    for item in module.rows(harness):
        rows.append(item if isinstance(item, Row) else Row(**item))
    return rows


def _pick(result, *keys, default=None):
    """The first of `keys` present in a dict result (benchmark modules name things slightly differently)."""
    if isinstance(result, dict):
        for key in keys:
            if key in result and result[key] is not None:
                return result[key]
    return default


def _import_databases(harness: Harness) -> list[tuple[str, str | None]]:
    """Where imports are measured: a temporary SQLite file, and the bench's MariaDB when it answers.

    On MariaDB the import gets a database of its own (`<bench database>_import`), since the
    import benchmark drops and creates its tables.
    """
    from sqlalchemy.engine import make_url

    databases: list[tuple[str, str | None]] = [("SQLite", None)]
    parsed = make_url(harness.env["DATABASE_URL"])
    if parsed.drivername.startswith("mysql") and parsed.database and not services_down(harness.env):
        own = parsed.set(database=f"{parsed.database}_import").render_as_string(hide_password=False)
        ensure_database(own)
        databases.append(("MariaDB", own))
    return databases


def bench_import(harness: Harness) -> list[Row]:
    """Registry import on SQLite and MariaDB: rows/s and peak memory, 100k and 1M rows (bench/import_bench.py)."""
    module = _module("import_bench")
    sizes = [20_000] if harness.quick else [100_000, 1_000_000]
    if module is None or not hasattr(module, "run"):
        return [
            Row.missing(f"import {n:,} rows", "bench/import_bench.py run(rows) not there yet") for n in sizes
        ]
    targets = getattr(module, "TARGETS", {})
    rows = []
    for label, database in _import_databases(harness):
        for size in sizes:
            result = module.run(size, database)
            for kind, default_target in (("people", 3_000), ("contributions", 20_000)):
                rate = _pick(result, f"{kind}_rows_per_s")
                target = targets.get(f"{kind}_rows_per_s", default_target)
                server_cpu = _pick(result, f"{kind}_db_cpu_s")
                server = "" if server_cpu is None else f", database server {server_cpu} CPU-s"
                rows.append(
                    Row(
                        f"import {kind}, {size:,} rows ({label})",
                        rate,
                        "rows/s",
                        target=f">= {target:,}",
                        passed=rate is not None and rate >= target,
                        detail=f"{_pick(result, f'{kind}_seconds', default='?')} s, "
                        f"{_pick(result, f'{kind}_rows_per_cpu_s', default='?')} rows per CPU-s, "
                        f"peak {_pick(result, f'{kind}_peak_mb', default='?')} MB{server}",
                    )
                )
            peaks = [
                p for p in (_pick(result, "people_peak_mb"), _pick(result, "contributions_peak_mb")) if p
            ]
            if peaks:
                limit = targets.get("peak_mb", 250)
                judged = size >= 1_000_000  # the target is stated for the 1,000,000-row file
                rows.append(
                    Row(
                        f"import peak memory, {size:,} rows ({label})",
                        max(peaks),
                        "MB",
                        target=f"< {limit} MB" if judged else "",
                        passed=(max(peaks) < limit) if judged else None,
                        detail=f"rejected rows {_pick(result, 'rejected', default='?')} (expect 0)",
                    )
                )
    return rows


def bench_callback(harness: Harness) -> list[Row]:
    """WeChat push in safe mode, JSON and XML, beside bare; plus µs per message (bench/callback_bench.py)."""
    module = _module("callback_bench")
    names = ["callback safe-mode JSON", "callback safe-mode XML", "callback verify+decrypt+parse"]
    if module is None:
        return [Row.missing(name, "bench/callback_bench.py not there yet") for name in names]
    if hasattr(module, "rows"):
        return _plugin_rows(module, harness)
    rows = []
    # Distinct signed pushes (own nonce and MsgId each), cycled by the client: once a round has
    # sent them all, the rest of it exercises the duplicate path (still verified and decrypted).
    count = 1_000 if harness.quick else 20_000
    for fmt, name in (("json", names[0]), ("xml", names[1])):
        if not hasattr(module, "make_requests"):
            rows.append(Row.missing(name, "callback_bench.make_requests(n, fmt) not there yet"))
            continue
        harness.app()
        # Signed now: their timestamps stay inside the callback's window for this comparison.
        requests = [_as_request(item) for item in module.make_requests(count, fmt)]
        comparison = harness.compare(requests, requests)
        row = harness.http_row(name, comparison, min_ratio=0.45, max_p99_ms=50)
        row.detail += f"; {count:,} distinct pushes cycled"
        rows.append(row)
    if hasattr(module, "micro"):
        result = module.micro(2_000 if harness.quick else 20_000)
        micro = _pick(result, "us_per_message", "total_us", "us") if isinstance(result, dict) else result
        rows.append(Row(names[2], float(micro), "µs/msg", detail=_detail(result)))
    else:
        rows.append(Row.missing(names[2], "callback_bench.micro(n) not there yet"))
    return rows


def bench_i18n(harness: Harness) -> list[Row]:
    """A fully translated screen in ar against en against bare literals, µs (bench/i18n_bench.py)."""
    module = _module("i18n_bench")
    if module is None or not hasattr(module, "measure_translated_screen"):
        return [
            Row.missing(
                "translated screen ar vs en vs bare",
                "bench/i18n_bench.py measure_translated_screen() not there yet",
            )
        ]
    if harness.quick:
        result = module.measure_translated_screen(iterations=300, repeats=3)
    else:
        result = module.measure_translated_screen()
    micro = result["us_per_screen"]
    targets = result.get("targets", {})
    strings = result.get("strings_per_screen", "?")
    max_ratio = targets.get("ar_over_en_max", 1.2)
    max_added = targets.get("translation_adds_us_max", 50)
    ratio = result.get("ar_over_en")
    added = result.get("translation_adds_us")
    flask_babel = micro.get("ar_flask_babel")
    return [
        Row(
            f"screen en ({strings} strings)",
            micro["en"],
            "µs",
            micro["bare"],
            detail="in-process, request context subtracted; bare = the same screen as plain literals",
        ),
        Row(
            f"screen ar ({strings} strings)",
            micro["ar"],
            "µs",
            micro["bare"],
            ratio,
            target=f"ar/en <= {max_ratio}",
            passed=ratio is not None and ratio <= max_ratio,
            detail=f"ratio column = ar / en; via Flask-Babel's own functions {flask_babel} µs",
        ),
        Row(
            "translation adds per screen (ar - bare)",
            added,
            "µs",
            target=f"<= {max_added} µs",
            passed=added is not None and added <= max_added,
            detail=f"request context {result.get('request_context_us')} µs subtracted",
        ),
    ]


def _as_request(item) -> load.Request:
    """A load.Request from a Request, a dict (path, method, headers, body) or a tuple in that order."""
    if isinstance(item, load.Request):
        return item
    if isinstance(item, dict):
        body = item.get("body")
        return load.Request(
            item.get("path", "/"),
            item.get("method", "POST"),
            dict(item.get("headers") or {}),
            body.encode("utf-8") if isinstance(body, str) else body,
        )
    path, method, headers, body = (list(item) + [None] * 4)[:4]
    return load.Request(
        path, method or "POST", dict(headers or {}), body.encode("utf-8") if isinstance(body, str) else body
    )


def _detail(result) -> str:
    """Extra figures of a result dict, shortened."""
    if not isinstance(result, dict):
        return ""
    return ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items())[:160]


def _plugin_bench(module_name: str, names: list[str]):
    """A benchmark whose module supplies `rows(harness)`; 'not available' rows until it does."""

    def run(harness: Harness) -> list[Row]:
        module = _module(module_name)
        if module is None:
            return [Row.missing(name, f"bench/{module_name}.py not there yet") for name in names]
        if not hasattr(module, "rows"):
            return [Row.missing(name, f"bench/{module_name}.py has no rows(harness)") for name in names]
        return _plugin_rows(module, harness)

    run.__doc__ = f"Rows from bench/{module_name}.py."
    return run


def bench_baseline(harness: Harness) -> list[Row]:
    """The bare baseline alone (a sanity row: the ceiling every ratio is taken against)."""
    server = harness.baseline()
    runs = [load.measure(server.url, load.Request("/"), harness.seconds) for _ in range(harness.rounds)]
    comparison = load.Comparison(subject=runs, baseline=runs)
    return [
        Row(
            "bare Flask {ok: true}",
            comparison.rps,
            "req/s",
            comparison.baseline_rps,
            1.0,
            detail=comparison.detail(),
        )
    ]


def bench_platform(harness: Harness) -> list[Row]:
    """The app's fixed cost per request (request id, locale, metrics, headers) on /healthz and /readyz."""
    rows = []
    for name, path in (
        ("app /healthz (middleware only)", "/healthz"),
        ("app /readyz (SQL + Redis PING)", "/readyz"),
    ):
        comparison = harness.compare(load.Request(path), load.Request(path))
        rows.append(harness.http_row(name, comparison))
    from bench import recycle

    cost = recycle.recycling_cost(harness.env)
    rows.append(
        Row(
            "worker recycling (deploy/gunicorn.conf.py)",
            cost["us_per_request"],
            "µs CPU/request",
            target=f"< {cost['target_us_per_request']:g}",
            passed=cost["us_per_request"] < cost["target_us_per_request"],
            detail=f"a worker boots in {cost['boot_cpu_s']} CPU-s, "
            f"recycled every {cost['requests_between_recycles']:,.0f} requests",
        )
    )
    return rows


BENCHMARKS = {
    "baseline": bench_baseline,
    "platform": bench_platform,
    "import": bench_import,
    "callback": bench_callback,
    "i18n": bench_i18n,
    "journey": _plugin_bench("journey_bench", ["journey step"]),
    "card": _plugin_bench("card_bench", ["card", "contributions (a year)"]),
    "notices": _plugin_bench("notices_bench", ["notice fan-out"]),
    "soak": _plugin_bench("soak", ["soak (login + journey + card mix)"]),
    "instructions": _plugin_bench("instructions", ["instructions per request"]),
}
#: Benchmarks that need the app under test on real Redis and MariaDB.
NEEDS_SERVICES = {"platform", "callback", "journey", "card", "notices", "soak", "instructions"}
#: Benchmarks left out of the full run; they run only when named with --only (the soak takes 5 minutes,
#: counting instructions under valgrind about 2).
OPT_IN = {"soak", "instructions"}


# --- the table -----------------------------------------------------------------------------------


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return str(value)


def format_table(rows: list[Row]) -> str:
    """The one table: name, figure, unit, bare, ratio, target, result, detail."""
    header = ["benchmark", "figure", "unit", "bare", "ratio", "target", "result", "detail"]
    lines = []
    for row in rows:
        if row.status != "ok":
            result = row.status
        else:
            result = {True: "PASS", False: "FAIL", None: "-"}[row.passed]
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
        lines.append(
            [
                row.name,
                _number(row.value),
                row.unit,
                _number(row.baseline),
                ratio,
                row.target,
                result,
                row.detail,
            ]
        )
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=False)]
    widths[-1] = 0
    render = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()  # noqa: E731
    return "\n".join(
        [render(header), render(["-" * w for w in widths[:-1]] + ["------"])]
        + [render(line) for line in lines]
    )


def write_json(rows: list[Row], harness: Harness, started: float) -> Path:
    """bench/out/bench-<time>.json and bench/out/latest.json."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    report = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "quick": harness.quick,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {
            "client": harness.client,
            "connections": load.CONNECTIONS,
            "server": "gunicorn",
            "workers": load.WORKERS,
            "worker_class": "sync",
            "rounds": harness.rounds,
            "seconds_per_round": harness.seconds,
            "database": _redact(harness.env["DATABASE_URL"]),
            "redis": harness.env["REDIS_URL"],
        },
        "rows": [asdict(row) for row in rows],
    }
    path = OUT_DIR / time.strftime("bench-%Y%m%d-%H%M%S.json", time.gmtime(started))
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
    path.write_text(text)
    (OUT_DIR / "latest.json").write_text(text)
    return path


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run(names: list[str], quick: bool = False, out=sys.stdout) -> list[Row]:
    """Run the named benchmarks (all when empty), print the table, write the JSON; returns the rows."""
    started = time.time()
    harness = Harness(quick=quick)
    # Always in table order (notices last: its run flushes the bench Redis db it shares).
    selected = (
        [name for name in BENCHMARKS if name in names]
        if names
        else [name for name in BENCHMARKS if name not in OPT_IN]
    )
    print(
        f"load client: {harness.client}"
        + (
            ""
            if harness.client == "wrk"
            else " (wrk not found: multi-process Python client, figures are lower bounds)"
        )
        + f"; gunicorn {load.WORKERS} sync workers; {load.CONNECTIONS} connections; "
        f"{harness.rounds} rounds x {harness.seconds:g} s, alternating with the bare baseline",
        file=out,
    )
    down = services_down(harness.env) if NEEDS_SERVICES & set(selected) else None
    rows: list[Row] = []
    try:
        for name in selected:
            print(f"... {name}", file=out, flush=True)
            if name in NEEDS_SERVICES and down:
                rows.append(Row.missing(name, down))
                continue
            try:
                rows.extend(BENCHMARKS[name](harness))
            except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the others
                traceback.print_exc(file=sys.stderr)
                rows.append(Row(name=name, status="error", detail=f"{type(error).__name__}: {error}"[:200]))
    finally:
        harness.close()
    print("\n" + format_table(rows), file=out)
    path = write_json(rows, harness, started)
    print(f"\nJSON: {path}", file=out)
    return rows


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run for smoke testing")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}; "
        f"{', '.join(sorted(OPT_IN))} only when named",
    )
    args = parser.parse_args(argv)
    if not load.gunicorn_available():
        print("gunicorn is not installed: pip install -r requirements.txt", file=sys.stderr)
        return 2
    rows = run(args.only, quick=args.quick)
    return 1 if any(row.status == "error" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
