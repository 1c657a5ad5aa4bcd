"""Benchmark: an open-loop command load on the running stack, against baselines of the same run.

    make up                                             # the stack this measures
    .venv/bin/python bench/load.py --quick --preload 1000       # a 30 s smoke run
    .venv/bin/python bench/load.py --preload 1000  --json /tmp/load-1k.json   # 20/s for 300 s
    .venv/bin/python bench/load.py --preload 25000 --json /tmp/load-25k.json  # province-sized
    .venv/bin/python bench/load.py --preload 25000 --bulk --settle-timeout 3600 \
        --json /tmp/load-25k.json                                    # the same, preloaded in bulk

(the last two, in that order on one stack, compare the per-command cost at
1,000 and 25,000 projects: the second preload adds the other 24,000).

Commands (weekly and monthly reports, declare, submit, review, revise, file,
announce, start, inspections planned and recorded, stationed-contact visits;
see bench/load_mix.py) are sent at a fixed rate, each on its own schedule
whether or not earlier ones have finished; latency counts from the time a
command was due, so time spent waiting anywhere (in this client too) is in it.
Alongside, the leaders' overview (GET /v1/overview) is read at its own fixed
rate (default 1/s: about ten open dashboards, which refresh every 10 s while
the figures change). It prints command latency percentiles (overall and per
kind), end-to-end lag percentiles (command accepted -> visible in reporting;
-> notice in the secretary's inbox; bench/load_lag.py), every consumer group's
lag and the services' outbox backlog right after the load and how long they
took to reach 0, and the same run's baselines: raw database operations and a
bare FastAPI endpoint doing one insert, driven at the same rate
(bench/load_baselines.py), with the ratios.

The benchmark year (default 2019) is kept apart from the demo's year and lies
in the past on purpose: a stage may only be reported once its month has begun
(so a future year has no monthly reports) and visits may not be dated in the
future. `--preload N` first brings that year to N projects through the public
API (bench/load_preload.py; idempotent); with `--bulk` it first plays the missing
projects' years through the projects service's use cases in memory and writes each
once with its events (bench/load_bulk.py; about two hours become minutes at 25,000),
then waits for the relay and the consumers to take those events in. The demo tree has 242 units and the
projects service allows several projects per unit and year (the coverage rule
is "at least one"), so a province-sized year is ~100 projects per unit.

Only loopback addresses are accepted. Not a test: the targets live here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench.` imports below

import httpx

from bench.load_baselines import (
    BareServer,
    project_template,
    raw_operations,
    summary_dict,
)
from bench.load_bulk import bulk_preload
from bench.load_lag import (
    CommittedWatch,
    ConsumerLag,
    LagSeries,
    LagTracker,
    outbox_backlog,
    wait_drained,
)
from bench.load_mix import (
    PROJECT_KINDS,
    SUPERVISOR,
    WEIGHTS,
    Mix,
    ensure_group,
    plan_body,
    planned_inspections,
)
from bench.load_open_loop import Outcome, RunResult, run_open_loop
from bench.load_preload import TooManyErrors, preload
from bench.load_stats import Summary, ratio, summarize, windows
from bench.load_world import (
    CITY,
    UNITS,
    Api,
    GatedClient,
    Projects,
    Tokens,
    Urls,
    read_projects,
    weekly_report,
)
from devstack import kafka_access
from lingban_kit import mongo
from lingban_kit.auth import DEV_JWT_SECRET, Role

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PLANNED_STOCK = 40  # inspections kept planned, so recording results has something to record
TIMELINE_S = 10.0  # the JSON's per-window latencies
TARGETS = {  # issue 10; meant for >= 25,000 projects at 20 commands/s for 300 s
    "command_p50_ms": 50.0,
    "command_p99_ms": 250.0,
    "overview_p50_ms": 100.0,
    "reporting_lag_p99_ms": 2000.0,
    "inbox_lag_p99_ms": 5000.0,
    "consumer_lag_zero_s": 10.0,
}


# ---- arguments ------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else "",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--rate", type=float, default=20.0, help="commands per second")
    add("--duration", type=float, default=300.0, help="seconds of load")
    add("--quick", action="store_true", help="a 30 s smoke run with short baselines and waits")
    add("--preload", type=int, default=None, metavar="N", help="first bring the year to N projects")
    add("--preload-concurrency", type=int, default=16)
    add(
        "--bulk",
        action="store_true",
        help="preload by playing each project's year in memory and writing it once "
        "(bench/load_bulk.py): minutes instead of hours for 25,000",
    )
    add("--year", type=int, default=2019, help="the benchmark year (a past year, see above)")
    add("--stages", type=int, default=6, help="stage months of new projects (the year's last)")
    add("--seed", type=int, default=1)
    add("--overview-rate", type=float, default=1.0, help="GET /v1/overview per second")
    add("--e2e-sample", type=float, default=0.1, help="share of project commands lag-tracked")
    add("--reporting-tick-ms", type=float, default=100.0, help="committed offsets read every")
    add("--inbox-poll-ms", type=float, default=200.0, help="first poll interval")
    add("--e2e-timeout", type=float, default=60.0, help="seconds before a lag counts as missed")
    add("--baseline-duration", type=float, default=60.0, help="seconds of the bare FastAPI run")
    add("--raw-ops", type=int, default=300, help="raw database operations of each kind")
    add("--skip-baselines", action="store_true")
    add("--settle-timeout", type=float, default=600.0, help="max wait for consumer lag 0 first")
    add("--lag-zero-timeout", type=float, default=60.0, help="max wait for lag 0 after the load")
    add("--ready-timeout", type=float, default=900.0, help="max wait for the services' /readyz")
    add("--drain-timeout", type=float, default=60.0, help="max wait for in-flight commands")
    add("--in-flight", type=int, default=32, help="max requests in flight per service and stream")
    add("--request-timeout", type=float, default=60.0, help="seconds before a request fails")
    add("--json", type=Path, default=None, metavar="PATH", help="write the numbers here")
    add("--projects-url", default="http://127.0.0.1:8001")
    add("--supervision-url", default="http://127.0.0.1:8002")
    add("--notifications-url", default="http://127.0.0.1:8003")
    add("--reporting-url", default="http://127.0.0.1:8004")
    add("--kafka", default="127.0.0.1:9092", help="bootstrap server")
    add("--mongodb-uri", default="mongodb://127.0.0.1:27017/")
    add("--database", default="lingban", help="the services' database")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 30.0
        args.baseline_duration = min(args.baseline_duration, 10.0)
        args.raw_ops = min(args.raw_ops, 100)
        args.settle_timeout = min(args.settle_timeout, 120.0)
    if not 1 <= args.stages <= 12:
        parser.error("--stages must be 1..12")
    if args.year >= time.localtime().tm_year:
        parser.error("--year must lie in the past (stage reports of future months are refused)")
    problems = [v for v in loopback_problems(args)]
    if problems:
        parser.error("only loopback addresses: " + ", ".join(problems))
    return args


def loopback_problems(args: argparse.Namespace) -> list[str]:
    hosts = {
        "--projects-url": urlsplit(args.projects_url).hostname,
        "--supervision-url": urlsplit(args.supervision_url).hostname,
        "--notifications-url": urlsplit(args.notifications_url).hostname,
        "--reporting-url": urlsplit(args.reporting_url).hostname,
        "--kafka": urlsplit(f"//{args.kafka}").hostname,
        "--mongodb-uri": urlsplit(args.mongodb_uri).hostname,
    }
    return [f"{k}={v}" for k, v in hosts.items() if v not in LOOPBACK]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- phases ---------------------------------------------------------------------
async def wait_ready(urls: Urls, within: float) -> None:
    """Another `make up`/`make down` may be under way: wait for every /readyz."""
    began = time.monotonic()
    last = 0.0
    while True:
        down = []
        for name, base in urls.all().items():
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    ok = (await client.get(f"{base}/readyz")).status_code == 200
            except httpx.HTTPError:
                ok = False
            if not ok:
                down.append(name)
        if not down:
            return
        spent = time.monotonic() - began
        if spent > within:
            raise SystemExit(
                f"not ready after {within:.0f} s: {', '.join(down)} (is `make up` running?)"
            )
        if spent - last >= 10 or last == 0:
            say(f"waiting for {', '.join(down)} to be ready ({spent:.0f} s)")
            last = spent or 0.001
        await asyncio.sleep(2)


async def settle(kafka: ConsumerLag, db: mongo.Database, within: float) -> dict[str, Any]:
    """Start from quiet consumers and outboxes, so the load is not measured on top of a backlog."""
    say("waiting for every outbox and consumer group to drain ...")
    first = await kafka.measure()
    drain = await wait_drained(kafka, db, within, interval=2.0)
    if drain.all_zero_s is None:
        say(
            f"  still behind after {within:.0f} s: {drain.consumers} {drain.outbox}; "
            "measuring anyway"
        )
    return {
        "at_start": first,
        "settled_seconds": _r(drain.all_zero_s),
        "before_load": drain.consumers,
    }


async def top_up_planned(api: Api, group_id: str, year: int, rng: random.Random) -> dict[str, str]:
    planned = await planned_inspections(api, group_id)
    for _ in range(max(0, PLANNED_STOCK - len(planned))):
        found = await api.call(
            "supervision", "POST", "/v1/inspections", SUPERVISOR, plan_body(group_id, year, rng)
        )
        planned[str(found["id"])] = str(found["unit_code"])
    return planned


async def baselines(args: argparse.Namespace, db: mongo.Database) -> dict[str, Any]:
    say(f"baseline: {args.raw_ops} raw inserts, finds and updates by _id ...")
    raw = await raw_operations(db, await project_template(db, args.year), args.raw_ops)
    say(
        f"baseline: bare FastAPI insert endpoint at {args.rate:g}/s for {args.baseline_duration:g} s ..."
    )
    server = BareServer(args.mongodb_uri, args.database)
    await server.start()
    client = GatedClient(server.url, args.in_flight, args.request_timeout)
    try:
        body = weekly_report(f"{args.year}-W01")

        async def send(index: int) -> Outcome:
            response = await client.request("POST", "", json=body)
            return Outcome("bare_insert", response.status_code < 300, response.status_code)

        bare = await run_open_loop(
            args.rate, args.baseline_duration, send, kind_on_error="bare_insert"
        )
    finally:
        await client.aclose()
        await server.stop()
    return {"raw": raw, "bare_fastapi": bare}


async def inbox_measurable(api: Api) -> bool:
    """Notices need recipients: `make up` loads the demo directory of contacts."""
    try:
        contacts = await api.call(
            "notifications", "GET", "/v1/contacts?limit=1", (Role.CITY_ORG, CITY.code)
        )
    except Exception:
        return False
    return bool(contacts)


async def load(
    args: argparse.Namespace, reads: Api, mix: Mix, lag: LagTracker
) -> tuple[RunResult, RunResult]:
    """The command stream (mix.send) and the overview reads, side by side and open-loop."""
    overview_path = f"/v1/overview?year={args.year}"

    async def read_overview(index: int) -> Outcome:
        response = await reads.request("reporting", "GET", overview_path, (Role.LEADER, CITY.code))
        return Outcome("overview", response.status_code == 200, response.status_code)

    async def progress(commands: asyncio.Task[RunResult]) -> None:
        began = time.monotonic()
        while not commands.done():
            await asyncio.sleep(10)
            say(
                f"  load: {time.monotonic() - began:4.0f} s, {sum(mix.failures.values())} errors, "
                f"{len(lag.reporting.seen)} reporting and {len(lag.inbox.seen)} inbox lags"
            )

    say(
        f"load: {args.rate:g} commands/s and {args.overview_rate:g} overview reads/s for {args.duration:g} s ..."
    )
    commands = asyncio.create_task(
        run_open_loop(args.rate, args.duration, mix.send, drain_timeout=args.drain_timeout)
    )
    reporter = asyncio.create_task(progress(commands))
    overview: RunResult | None = None
    try:
        if args.overview_rate > 0:
            overview = await run_open_loop(
                args.overview_rate,
                args.duration,
                read_overview,
                kind_on_error="overview",
                drain_timeout=args.drain_timeout,
            )
        result = await commands
    finally:
        reporter.cancel()
    return result, overview or RunResult(rate=0, duration=0, planned=0)


# ---- numbers --------------------------------------------------------------------
def ok_latencies(result: RunResult, kind: str | None = None) -> list[float]:
    return [
        s.latency
        for s in result.samples
        if s.outcome.ok and (kind is None or s.outcome.kind == kind)
    ]


def run_numbers(result: RunResult) -> dict[str, Any]:
    errors = Counter(
        f"{s.outcome.kind} {s.outcome.status}" for s in result.samples if not s.outcome.ok
    )
    return {
        "rate": result.rate,
        "duration_s": result.duration,
        "planned": result.planned,
        "completed": len(result.samples),
        "ok": sum(1 for s in result.samples if s.outcome.ok),
        "errors": sum(errors.values()),
        "errors_by_kind_status": dict(errors),
        "unfinished": result.unfinished,
        "late_starts": result.late,
        "p99_lateness_ms": round(result.p99_lateness * 1000, 2),
        "max_lateness_ms": round(result.max_lateness * 1000, 2),
        "generator_behind": result.behind,
        "latency_ms": _d(summarize(ok_latencies(result))),
        # Every due request: errors too, and the unanswered at what they had waited
        # (a lower bound), so that giving up on the slowest cannot flatter the tail.
        "all_due_latency_ms": _d(
            summarize([s.latency for s in result.samples] + result.unanswered)
        ),
        "service_time_ms": _d(
            summarize(s.finished - s.started for s in result.samples if s.outcome.ok)
        ),
        # Per window of due time: where in the run the slow ones were (a burst, a tick).
        "timeline": [
            {
                "from_s": start,
                "count": w.count,
                "p50_ms": round(w.p50, 1),
                "p99_ms": round(w.p99, 1),
            }
            for start, w in windows(((s.due, s.latency) for s in result.samples), TIMELINE_S)
        ],
    }


def _d(summary: Summary | None) -> dict[str, Any] | None:
    return summary.as_dict() if summary else None


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def target_checks(report: dict[str, Any]) -> dict[str, Any]:
    def get(*path: str) -> float | None:
        node: Any = report
        for key in path:
            if not isinstance(node, dict) or node.get(key) is None:
                return None
            node = node[key]
        return float(node)

    found = {
        # Over every due request: a timed-out one must not make the tail look better.
        "command_p50_ms": get("commands", "all_due_latency_ms", "p50"),
        "command_p99_ms": get("commands", "all_due_latency_ms", "p99"),
        "overview_p50_ms": get("overview", "all_due_latency_ms", "p50"),
        "reporting_lag_p99_ms": get("end_to_end", "reporting", "lag_incl_missed_ms", "p99"),
        "inbox_lag_p99_ms": get("end_to_end", "inbox", "lag_incl_missed_ms", "p99"),
        "consumer_lag_zero_s": get("consumer_lag", "seconds_to_zero"),
    }
    return {
        name: {
            "value": value,
            "target": TARGETS[name],
            "met": None if value is None else value <= TARGETS[name],
        }
        for name, value in found.items()
    }


def print_report(report: dict[str, Any]) -> None:
    def row(label: str, s: dict[str, Any] | None, extra: str = "") -> None:
        if s is None:
            print(f"  {label:<26} {0:>7} {'—':>9} {'—':>9} {'—':>9} {'—':>9}  {extra}")
            return
        print(
            f"  {label:<26} {s['count']:>7,} {s['p50']:>9.1f} {s['p95']:>9.1f} "
            f"{s['p99']:>9.1f} {s['max']:>9.1f}  {extra}"
        )

    def header(title: str) -> None:
        print()
        print(title)
        print(f"  {'':<26} {'count':>7} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9}")

    w, c = report["world"], report["commands"]
    print()
    print(
        f"server:   {report['server']}   year {report['config']['year']}: "
        f"{w['projects_in_year']:,} projects ({w['projects_total']:,} in the database)"
    )
    print(
        f"load:     {c['rate']:g} commands/s for {c['duration_s']:g} s: {c['planned']:,} due, "
        f"{c['ok']:,} ok, {c['errors']} errors, {c['unfinished']} unanswered after the drain wait"
    )
    print(
        f"          generator {'FELL BEHIND' if c['generator_behind'] else 'on schedule'} "
        f"(starts > 10 ms late: {c['late_starts']}, p99 {c['p99_lateness_ms']:.1f} ms, "
        f"max {c['max_lateness_ms']:.1f} ms)"
    )
    header("command latency (from the due time)")
    row("all commands (ok)", c["latency_ms"])
    row("  service time only", c["service_time_ms"])
    row("  every due one (>=)", c["all_due_latency_ms"], "errors and unanswered included")
    for kind, k in sorted(report["commands_by_kind"].items()):
        row(f"  {kind}", k["latency_ms"], f"{k['errors']} errors" if k["errors"] else "")
    if report["fallbacks"]:
        print(f"  fallbacks to weekly_report (nothing to act on): {report['fallbacks']}")
    o = report["overview"]
    row("GET /v1/overview (ok)", o["latency_ms"], f"{o['errors']} errors" if o["errors"] else "")
    row("  every due one (>=)", o["all_due_latency_ms"], f"{o['unfinished']} unanswered")
    header("end-to-end lag (accepted -> visible)")
    for name in ("reporting", "inbox"):
        e = report["end_to_end"][name]
        row(f"-> {name}", e["lag_ms"], f"missed {e['missed']}, untracked {e['skipped']}")
        if e["missed"]:
            row("  missed as timeout (>=)", e["lag_incl_missed_ms"])
    lag = report["consumer_lag"]
    print()
    print("consumer lag (messages)")
    for group, value in lag["after_load"].items():
        print(
            f"  {group:<26} at start {lag['before_load'].get(group)}, right after the load {value}"
        )
    zero = lag["seconds_to_zero"]
    print(
        f"  back to 0 after the load:  {'not within the wait' if zero is None else f'{zero:.1f} s'}"
    )
    box = report["outbox_backlog"]
    pending = {k: v for k, v in box["after_load"].items() if v}
    print(
        f"outbox documents not yet published: before {sum(box['before_load'].values())}, "
        f"right after the load {sum(box['after_load'].values())} {pending or ''}"
    )
    drained = box["seconds_to_all_drained"]
    print(
        f"  outboxes and consumers all drained: "
        f"{'not within the wait' if drained is None else f'{drained:.1f} s after the load'}"
    )
    b = report.get("baselines")
    if b:
        header("baselines (same run, same database)")
        raw = b["raw"]
        row("raw insert", raw["insert"])
        row("raw find by _id", raw["find_by_id"])
        row("raw update by _id", raw["update_by_id"])
        row(
            "bare FastAPI insert",
            b["bare_fastapi"]["latency_ms"],
            "generator behind" if b["bare_fastapi"]["generator_behind"] else "",
        )
        print()
        print("ratios")
        for name, value in report["ratios"].items():
            print(f"  {name:<44} {'—' if value is None else f'{value:.1f}x'}")
    print()
    print("targets (issue 10: >= 25,000 projects, 20 commands/s for 300 s)")
    for name, t in report["targets"].items():
        verdict = "—" if t["met"] is None else ("met" if t["met"] else "NOT met")
        value = "—" if t["value"] is None else f"{t['value']:.1f}"
        print(f"  {name:<26} {value:>9} (target <= {t['target']:g})  {verdict}")


# ---- main -----------------------------------------------------------------------
@dataclass
class Measured:
    commands: RunResult
    overview: RunResult
    baselines: dict[str, Any] | None
    mix: Mix
    lag: LagTracker
    projects: Projects


async def measure(
    args: argparse.Namespace,
    report: dict[str, Any],
    apis: tuple[Api, Api, Api],
    db: mongo.Database,
    kafka: ConsumerLag,
) -> Measured | int:
    """Preload, settle, baselines, load, drain; fills `report` with what it saw on the way."""
    api, reads, polls = apis
    rng = random.Random(args.seed)
    if args.preload is not None and args.bulk:
        try:
            bulk = await bulk_preload(
                db, year=args.year, target=args.preload, stages=args.stages, seed=args.seed
            )
        except TooManyErrors as exc:
            say(str(exc))
            return 1
        report["bulk_preload"] = bulk.as_dict()
        say(
            f"bulk preload: {bulk.declared:,} declared, {bulk.commands:,} use cases run, "
            f"{bulk.errors} errors in {bulk.seconds:.0f} s"
        )
    if args.preload is not None:
        try:
            done = await preload(
                api,
                db,
                year=args.year,
                target=args.preload,
                stages=args.stages,
                concurrency=args.preload_concurrency,
                seed=args.seed,
            )
        except TooManyErrors as exc:
            say(str(exc))
            return 1
        report["preload"] = done.as_dict()
        say(
            f"preload: {done.declared:,} declared, {done.advanced:,} advanced, "
            f"{done.commands:,} commands, {done.errors} errors in {done.seconds:.0f} s"
        )
    group_id = await ensure_group(api, args.year)
    projects = Projects(await read_projects(db, args.year))
    if not projects.all:
        say(f"no projects in {args.year}: run with --preload N first")
        return 2
    planned = await top_up_planned(api, group_id, args.year, rng)
    report["consumer_lag"] = await settle(kafka, db, args.settle_timeout)
    outbox_before = await outbox_backlog(db)
    report["world"] = {
        "projects_in_year": len(projects.all),
        "projects_total": await db["projects"].estimated_document_count(),
        "units": len(UNITS),
        "by_status_before": projects.counts(),
    }
    base = None if args.skip_baselines else await baselines(args, db)
    inbox = await inbox_measurable(api)
    if not inbox:
        say("the notifications directory is empty: inbox lag is not measured")
    watch = CommittedWatch(
        args.kafka, LagSeries(), timeout=args.e2e_timeout, tick=args.reporting_tick_ms / 1000
    )
    await watch.start()
    try:
        lag = LagTracker(
            polls, watch, inbox_poll=args.inbox_poll_ms / 1000, timeout=args.e2e_timeout
        )
        mix = Mix(
            api,
            projects,
            args.year,
            args.stages,
            group_id,
            rng,
            lag,
            reporting_sample=args.e2e_sample,
            inbox=inbox,
            planned=planned,
        )
        commands, overview = await load(args, reads, mix, lag)
        after = await kafka.measure()
        outbox_after = await outbox_backlog(db)
        say("load over: waiting for the consumers and outboxes to drain ...")
        drain = await wait_drained(kafka, db, args.lag_zero_timeout)
        report["consumer_lag"].update(
            after_load=after, seconds_to_zero=_r(drain.consumers_zero_s), final=drain.consumers
        )
        report["outbox_backlog"] = {
            "before_load": outbox_before,
            "after_load": outbox_after,
            "seconds_to_all_drained": _r(drain.all_zero_s),
            "final": drain.outbox,
        }
        say("waiting for the last end-to-end lags ...")
        await lag.drain()
    finally:
        await watch.close()
    return Measured(commands, overview, base, mix, lag, projects)


def add_numbers(report: dict[str, Any], m: Measured, args: argparse.Namespace) -> None:
    report["world"]["by_status_after"] = m.projects.counts()
    report["commands"] = run_numbers(m.commands)
    report["commands_by_kind"] = {
        kind: {
            "weight": WEIGHTS.get(kind),
            "errors": sum(
                1 for s in m.commands.samples if s.outcome.kind == kind and not s.outcome.ok
            ),
            "latency_ms": _d(summarize(ok_latencies(m.commands, kind))),
        }
        for kind in sorted({s.outcome.kind for s in m.commands.samples})
    }
    report["project_commands_latency_ms"] = _d(
        summarize(
            s.latency
            for s in m.commands.samples
            if s.outcome.ok and s.outcome.kind in PROJECT_KINDS
        )
    )
    report["fallbacks"] = dict(m.mix.fallbacks)
    report["failures"] = dict(m.mix.failures.most_common(10))
    report["overview"] = run_numbers(m.overview)
    # Reporting: committed offsets read every tick; the inbox: polls that slow down.
    first_poll_ms = {"reporting": args.reporting_tick_ms, "inbox": args.inbox_poll_ms}
    report["end_to_end"] = {
        name: {
            "lag_ms": _d(summarize(series.seen)),
            # The missed ones count as the timeout (a lower bound) here.
            "lag_incl_missed_ms": _d(summarize(series.seen + [args.e2e_timeout] * series.missed)),
            "missed": series.missed,
            "skipped": series.skipped,
            "polls": series.polls,
            "first_poll_interval_ms": first_poll_ms[name],
        }
        for name, series in (("reporting", m.lag.reporting), ("inbox", m.lag.inbox))
    }
    if m.baselines is not None:
        raw = m.baselines["raw"]
        bare = summarize(ok_latencies(m.baselines["bare_fastapi"]))
        command = summarize(ok_latencies(m.commands))
        both = (
            raw["find_by_id"].p50 + raw["update_by_id"].p50
            if raw["find_by_id"] and raw["update_by_id"]
            else None
        )
        report["baselines"] = {
            "raw": summary_dict(raw),
            "bare_fastapi": run_numbers(m.baselines["bare_fastapi"]),
        }
        report["ratios"] = {
            "command p50 / bare FastAPI p50": _r(ratio(command, bare)),
            "command p99 / bare FastAPI p99": _r(ratio(command, bare, "p99")),
            "command p50 / raw update p50": _r(ratio(command, raw["update_by_id"])),
            "command p50 / (raw find + update) p50": _r(
                command.p50 / both if command and both else None
            ),
            "bare FastAPI p50 / raw insert p50": _r(ratio(bare, raw["insert"])),
        }
    report["targets"] = target_checks(report)


def use_devstack_admin() -> None:
    """Read the consumer groups' offsets as `make up`'s Kafka admin, unless the
    environment already names a Kafka principal (the broker requires SASL)."""
    if os.environ.get("KAFKA_SASL_USERNAME"):
        return
    credentials = kafka_access.load("dev")
    if credentials is not None:
        os.environ.update(credentials.client_env(kafka_access.ADMIN))


def dump_tasks() -> None:
    """`kill -USR1 <pid>`: where each of the benchmark's tasks waits (a long run that
    prints nothing for minutes can be asked what it is waiting for)."""
    for task in asyncio.all_tasks():
        task.print_stack(limit=8, file=sys.stderr)


async def main(args: argparse.Namespace) -> int:
    use_devstack_admin()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump_tasks)
    urls = Urls(args.projects_url, args.supervision_url, args.notifications_url, args.reporting_url)
    tokens = Tokens(os.environ.get("LINGBAN_AUTH_JWT_SECRET") or DEV_JWT_SECRET)
    report: dict[str, Any] = {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    }
    # Commands, overview reads and the lag pollers each have their own connections,
    # so none of them waits for another on the client side.
    apis = (
        Api(urls, tokens, args.in_flight, args.request_timeout),
        Api(urls, tokens, args.in_flight, args.request_timeout),
        Api(urls, tokens, args.in_flight, args.request_timeout),
    )
    try:
        await wait_ready(urls, args.ready_timeout)
        mongo_client = mongo.connect(args.mongodb_uri)
        kafka = ConsumerLag(args.kafka)
        await kafka.start()
        try:
            info = await mongo_client.admin.command("buildInfo")
            report["server"] = (
                f"FerretDB (build {info['ferretdbVersion']}, wire {info['version']})"
                if "ferretdbVersion" in info
                else f"MongoDB {info['version']}"
            )
            measured = await measure(args, report, apis, mongo_client[args.database], kafka)
        finally:
            await kafka.close()
            await mongo_client.close()
    finally:
        for api in apis:
            await api.aclose()
    if isinstance(measured, int):
        return measured
    add_numbers(report, measured, args)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        say(f"numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
