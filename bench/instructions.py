"""Instructions per request of each kind in the soak's mix, beside bare Flask: `python -m bench.instructions [CYCLES]`.

Timings drift with whatever else the machine does; valgrind's callgrind counts the instructions
a process executes, which come out the same from run to run. So this is the measure to compare two
versions of the code by, request kind by request kind.

The soak's mix is replayed in one process under callgrind, as `python -m bench.soak_profile`
replays it (the app on the bench database, a Redis of the run's own, WeChat's emulator in its own
gunicorn, requests through Flask's test client). Counting is off, except inside the app's WSGI
call for each request of the kind being measured: `callgrind_control` turns it on as the call
starts, off once the answer's body is read, and dumps the count (so the test client's own work
is not counted). Then the same for a bare Flask app (bench/baseline.py), and for empty on/off
pairs: their count (the toggling's own cost) is taken off every figure. Each kind's figure is the
median over CYCLES requests, after a warm-up of the same mix. The median leaves out what depends
on the clock: under callgrind the replay is slow, so kept screens (one minute) expire and are
rendered again far more often than in a real minute (min and max show those). A cycle's two
journey screens (before and after the answer) cost differently and are counted as many times
each, so that kind's median is the middle of the two.

Printed: instructions per request of each kind, the mix's average (the kinds weighted as in a
cycle of the soak), bare Flask's, and bare Flask's share of each (the ratio the soak reports for
requests per second). `--json` writes bench/out/instructions-latest.json; `--keep DIR` keeps the
dumps, one a request, for `callgrind_annotate DIR/callgrind.out.N` (where a request's count goes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
#: Cycles of the mix replayed uncounted before counting (caches, pools and code paths warmed).
WARMUP_CYCLES = 20
#: The WeChat client's timeout for the app under callgrind, in seconds.
WECHAT_TIMEOUT_SECONDS = 120.0
#: The labels of what is counted besides the mix's kinds.
BARE, IDLE = "bare Flask", "toggle only"


def missing() -> str | None:
    """Why this bench cannot run here (valgrind's callgrind is not installed), or None."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        return "valgrind is not installed (Debian: apt-get install valgrind)"
    return None


def _control(*args: str) -> None:
    """Tell callgrind, which runs this process, to do something (`callgrind_control ARGS PID`)."""
    subprocess.run(
        ["callgrind_control", *args, str(os.getpid())],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


class Counting:
    """WSGI middleware: the instructions of the app's own call, for requests between `enable` and `disable`.

    Only the call is counted (the app and Flask, the response's body read to its end), not the
    test client building the request and reading the answer. `enable`/`disable` are the hooks
    `bench.soak_profile.replay` calls around each request of the kind it is given.
    """

    def __init__(self, wsgi_app, label: str = "") -> None:
        self.wsgi_app = wsgi_app
        self.label = label
        self.armed = False

    def enable(self) -> None:
        """Count the next requests."""
        self.armed = True

    def disable(self) -> None:
        """Stop counting requests."""
        self.armed = False

    def __call__(self, environ, start_response):
        if not self.armed:
            return self.wsgi_app(environ, start_response)
        _control("-i", "on")
        try:
            iterable = self.wsgi_app(environ, start_response)
            try:
                body = list(iterable)
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()
        finally:
            _control("-i", "off")
            _control("-d", self.label)
        return body


def _bare_requests(cycles: int) -> None:
    """`cycles` GETs to the bare Flask app counted, after WARMUP_CYCLES uncounted."""
    from bench.baseline import app

    counting = Counting(app.wsgi_app, BARE)
    app.wsgi_app = counting  # the bare app's own call, counted as the app's is
    client = app.test_client()
    for number in range(WARMUP_CYCLES + cycles):
        if number == WARMUP_CYCLES:
            counting.enable()
        client.get("/api/v1/card", headers={"Accept": "application/json"}).get_data()
    counting.disable()


def child(cycles: int) -> None:
    """Under callgrind: warm up, then count each kind of the mix, bare Flask and the toggling alone."""
    from bench import soak, soak_profile

    # Under callgrind the app runs some fifty times slower: a sign-in's code exchange with the
    # emulator must not be cut off by the production timeout (5 s) when the machine is busy too.
    with soak_profile.mix_run({"WECHAT_TIMEOUT_SECONDS": WECHAT_TIMEOUT_SECONDS}) as run:
        counting = Counting(run.app.wsgi_app)
        run.app.wsgi_app = counting
        run.replay(WARMUP_CYCLES)
        for kind in dict.fromkeys(soak.MIX):
            counting.label = kind
            counts = run.replay(cycles, counting, only=kind)
            failed = sum(figures["non_2xx"] for figures in counts.by_kind.values())
            if failed:
                raise SystemExit(f"{failed} requests of the mix failed while counting {kind}")
    _bare_requests(cycles)
    for _ in range(cycles):
        _control("-i", "on")
        _control("-i", "off")
        _control("-d", IDLE)


def read_dumps(directory: Path) -> dict[str, list[int]]:
    """The instruction counts of callgrind's dumps in `directory`, by the label each was dumped with."""
    counts: dict[str, list[int]] = defaultdict(list)
    for path in sorted(directory.glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:] or 0)):
        text = path.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: dump (.+)$", text, re.MULTILINE)
        total = re.search(r"^totals: (\d+)", text, re.MULTILINE)
        if label and total:
            counts[label.group(1)].append(int(total.group(1)))
    return dict(counts)


def figures(counts: dict[str, list[int]], mix: tuple[str, ...]) -> dict:
    """Median instructions per request of each kind less the toggling's own, the mix's average and ratios."""
    if IDLE not in counts or BARE not in counts:
        raise ValueError("no counts of the toggling alone or of bare Flask: was the run under callgrind?")
    idle = statistics.median(counts[IDLE])
    per_kind = {}
    for label, values in counts.items():
        if label == IDLE:
            continue
        per_kind[label] = {
            "requests": len(values),
            "instructions": round(statistics.median(values) - idle),
            "min": round(min(values) - idle),
            "max": round(max(values) - idle),
        }
    weights = Counter(mix)
    absent = set(weights) - set(per_kind)
    if absent:
        raise ValueError(f"no counts for {', '.join(sorted(absent))}")
    mix_average = sum(per_kind[kind]["instructions"] * n for kind, n in weights.items()) / len(mix)
    bare = per_kind[BARE]["instructions"]
    for row in per_kind.values():
        row["bare_ratio"] = round(bare / row["instructions"], 3) if row["instructions"] > 0 else None
    return {
        "per_kind": per_kind,
        "mix_per_request": round(mix_average),
        "mix_bare_ratio": round(bare / mix_average, 3),
        "toggle_instructions": round(idle),
        "weights": dict(weights),
    }


def measure(cycles: int, keep: Path | None = None) -> dict:
    """Run the replay under callgrind in a child process and read its dumps back (kept in `keep` if given)."""
    from bench import soak

    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp:
        directory = Path(tmp) if keep is None else keep
        directory.mkdir(parents=True, exist_ok=True)
        if any(directory.glob("callgrind.out*")):
            raise ValueError(f"{directory} already holds callgrind dumps: name an empty directory")
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={directory / 'callgrind.out'}",
            sys.executable,  # the interpreter itself: a launcher script would run uncounted
            "-m",
            "bench.instructions",
            "--child",
            str(cycles),
        ]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the replay under callgrind failed:\n{(done.stdout + done.stderr)[-3000:]}")
        result = figures(read_dumps(directory), soak.MIX)
    result["cycles"] = cycles
    return result


def format_report(result: dict) -> str:
    """The figures as a table."""
    lines = [
        f"instructions per request (callgrind, median of {result['cycles']} each, less the toggling's "
        f"{result['toggle_instructions']:,}); the app's WSGI call alone",
        f"  {'kind':<16}{'per request':>14}{'min':>14}{'max':>14}{'bare / kind':>13}{'in a cycle':>12}",
    ]
    for kind, row in result["per_kind"].items():
        lines.append(
            f"  {kind:<16}{row['instructions']:>14,}{row['min']:>14,}{row['max']:>14,}"
            f"{row['bare_ratio']:>13}{result['weights'].get(kind, ''):>12}"
        )
    lines.append(
        f"  {'mix (average)':<16}{result['mix_per_request']:>14,}{'':>28}{result['mix_bare_ratio']:>13}"
    )
    return "\n".join(lines)


def rows(harness) -> list:
    """The rows for `python -m bench.run --only instructions` (10 cycles; 2 with --quick)."""
    from bench.run import Row

    name = "instructions per request"
    why = missing()
    if why:
        return [Row.missing(name, why)]
    result = measure(2 if harness.quick else 10)
    bare = result["per_kind"][BARE]["instructions"]
    weights = ", ".join(f"{kind} × {n}" for kind, n in result["weights"].items())
    lines = [
        (
            kind,
            row["instructions"],
            row["bare_ratio"],
            f"median of {row['requests']}; min {row['min']:,}, max {row['max']:,}",
        )
        for kind, row in result["per_kind"].items()
        if kind != BARE
    ]
    lines.append(
        (
            "the mix",
            result["mix_per_request"],
            result["mix_bare_ratio"],
            f"a cycle's average ({weights}); the app's WSGI call alone",
        )
    )
    table = [
        Row(f"{name}: {label}", value, "instr", baseline=bare, ratio=ratio, detail=detail)
        for label, value, ratio, detail in lines
    ]
    return table


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument(
        "cycles", nargs="?", type=int, default=10, help="requests counted per kind (default 10)"
    )
    parser.add_argument("--json", action="store_true", help="also write bench/out/instructions-latest.json")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep callgrind's dumps in DIR (for callgrind_annotate)"
    )
    args = parser.parse_args(argv)
    if args.cycles < 1:
        parser.error("cycles must be at least 1")
    why = missing()
    if why:
        print(why, file=sys.stderr)
        return 2
    try:
        result = measure(args.cycles, args.keep)
    except ValueError as error:
        parser.error(str(error))
    print(format_report(result))
    if args.json:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUT_DIR / "instructions-latest.json"
        path.write_text(json.dumps(result, indent=2))
        print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
