#!/usr/bin/env python3
"""The benchmark harness behind bench/run.sh (see bench/README.md).

PostgreSQL: a fresh database, the release server, organizations made with
the admin CLI, createProject driven over HTTP by wrk at each concurrency
after a warm-up, then on the same database pgbench -M prepared running
(a) bench/pgbench/reference.sql, the 14 statements the server sent for one
create before the performance work (fixed: the reference), and
(b) bench/pgbench/fewest.sql, the same write set in the fewest round trips.
SQLite: the server against bench/sqlite_direct.rs, a direct program making
the same inserts on the same kind of file.

Every figure is printed per run and as the median of the runs, with the
spread (min-max). Only creates that answered 200 without errors count.
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release", "projects-api")
DIRECT = os.path.join(TARGET, "release", "examples", "sqlite_direct")
WRK_SCRIPT = os.path.join(ROOT, "bench", "wrk", "create.lua")
PAGE_SCRIPT = os.path.join(ROOT, "bench", "wrk", "page.lua")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "projects_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(args, env=None, check=True, capture=True):
    result = subprocess.run(
        args,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
        text=True,
    )
    if check and result.returncode != 0:
        raise SystemExit(
            f"failed: {' '.join(args)}\n{result.stdout or ''}{result.stderr or ''}"
        )
    return result


def machine_busy_seconds():
    """CPU time the whole machine spent outside idle and I/O wait."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def children_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """The machine's busy CPU and the load generator's (a waited-for child)
    over one measured run, per successful operation: on a machine this
    size every process shares the same cores, so the CPU one operation
    costs everywhere bounds how many of them the machine can do."""

    def __init__(self):
        self.machine = machine_busy_seconds()
        self.loader = children_seconds()

    def per_operation(self, figures, operations):
        operations = max(1, operations)
        figures["machine_ms"] = (machine_busy_seconds() - self.machine) * 1000 / operations
        figures["loader_ms"] = (children_seconds() - self.loader) * 1000 / operations
        return figures


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    return run(["psql", "-X", "-q", "-A", "-t", url, "-c", sql]).stdout.strip()


class Server:
    """The release server as a child process, with its CPU and memory."""

    def __init__(self, database_url, workdir):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(workdir, "server.log"), "w")
        self.process = subprocess.Popen(
            [BIN, "serve", "--listen", f"127.0.0.1:{self.port}"],
            env={**os.environ, "DATABASE_URL": database_url, "RUST_LOG": "info"},
            stdout=self.log,
            stderr=self.log,
        )
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{self.url}/health/ready", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the server did not become ready; see server.log")

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def admin(database_url, *args):
    out = run([BIN, "admin", *args], env={"DATABASE_URL": database_url}).stdout
    return json.loads(out)


def make_organizations(database_url, count, workdir):
    """Users with personal organizations on the ENTERPRISE plan."""
    pairs = []
    for i in range(count):
        user = admin(database_url, "create-user", "--email", f"bench{i}@example.com")
        admin(
            database_url,
            "set-plan",
            "--organization",
            user["organizationId"],
            "--plan",
            "ENTERPRISE",
        )
        pairs.append((user["token"], user["organizationId"], user["userId"]))
    path = os.path.join(workdir, "pairs.txt")
    with open(path, "w") as f:
        for token, org, _ in pairs:
            f.write(f"{token} {org}\n")
    return pairs, path


def wrk(url, connections, seconds, first_arg, second_arg, script=WRK_SCRIPT):
    """Runs wrk with a Lua script and its two arguments (create.lua: the
    pairs file and the run's slug prefix; page.lua: token and organization
    slug); returns the figures of its BENCH line."""
    threads = min(2, connections)
    meter = CpuMeter()
    out = run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            script,
            f"{url}/graphql",
            "--",
            first_arg,
            second_arg,
        ]
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("BENCH "))
    figures = json.loads(line[len("BENCH ") :])
    seconds = figures["duration_us"] / 1e6
    result = {
        "rate": figures["created"] / seconds,
        "created": figures["created"],
        "errors": figures["refused"] + figures["socket_errors"],
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
    }
    return meter.per_operation(result, figures["created"])


def pgbench_scripts(template_path, pairs, workdir, token_ids):
    """One script per organization, its ids written in."""
    with open(template_path) as f:
        template = f.read()
    name = os.path.splitext(os.path.basename(template_path))[0]
    paths = []
    for i, (_, org, user) in enumerate(pairs):
        text = (
            template.replace("{{ORGANIZATION_ID}}", org)
            .replace("{{USER_ID}}", user)
            .replace("{{TOKEN_ID}}", token_ids[i])
        )
        path = os.path.join(workdir, f"{name}-{i}.sql")
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    return paths


def pgbench(scripts, connections, seconds, workdir, label):
    prefix = os.path.join(workdir, f"pgbench-{label}")
    for old in os.listdir(workdir):
        if old.startswith(f"pgbench-{label}."):
            os.remove(os.path.join(workdir, old))
    args = ["pgbench", "-n", "-M", "prepared", "-c", str(connections)]
    args += ["-j", str(min(2, connections)), "-T", str(seconds)]
    args += ["-l", f"--log-prefix={prefix}"]
    for script in scripts:
        args += ["-f", script]
    args.append(PG_URL)
    meter = CpuMeter()
    out = run(args, check=False)
    if out.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{out.stdout}{out.stderr}")
    latencies = []
    failed = 0
    for name in os.listdir(workdir):
        if name.startswith(f"pgbench-{label}."):
            with open(os.path.join(workdir, name)) as f:
                for line in f:
                    fields = line.split()
                    if len(fields) < 3:
                        continue
                    if fields[2] in ("failed", "skipped"):
                        failed += 1
                    else:
                        latencies.append(int(fields[2]))
            os.remove(os.path.join(workdir, name))
    latencies.sort()
    tps = float(re.search(r"tps = ([0-9.]+)", out.stdout).group(1))
    result = {
        "rate": tps,
        "errors": failed,
        "p50": percentile(latencies, 0.50) / 1000,
        "p99": percentile(latencies, 0.99) / 1000,
    }
    return meter.per_operation(result, len(latencies))


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def median_spread(values):
    return statistics.median(values), min(values), max(values)


def fmt(values, digits=0):
    median, low, high = median_spread(values)
    return f"{median:,.{digits}f} ({low:,.{digits}f}-{high:,.{digits}f})"


def postgres(args, workdir):
    log(f"== PostgreSQL: fresh database {PG_DB}")
    psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    psql(PG_ADMIN, f"CREATE DATABASE {PG_DB}")
    run([BIN, "migrate"], env={"DATABASE_URL": PG_URL})
    pairs, pairs_path = make_organizations(PG_URL, args.organizations, workdir)
    token_ids = [
        psql(PG_URL, f"SELECT id FROM api_tokens WHERE user_id = '{user}'") for _, _, user in pairs
    ]
    reference = pgbench_scripts(
        os.path.join(ROOT, "bench", "pgbench", "reference.sql"), pairs, workdir, token_ids
    )
    fewest = pgbench_scripts(
        os.path.join(ROOT, "bench", "pgbench", "fewest.sql"), pairs, workdir, token_ids
    )
    server = Server(PG_URL, workdir)
    rows = []
    try:
        for rep in range(1, args.reps + 1):
            for connections in args.connections:
                name = f"r{rep}c{connections}"
                wrk(server.url, connections, args.warmup, pairs_path, f"{name}w")
                cpu = server.cpu_seconds()
                ours = wrk(server.url, connections, args.duration, pairs_path, name)
                ours["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(1, ours["created"])
                ours["rss"] = server.rss_mib()
                a = pgbench(reference, connections, args.duration, workdir, "a")
                b = pgbench(fewest, connections, args.duration, workdir, "b")
                row = {"rep": rep, "connections": connections, "server": ours, "a": a, "b": b}
                rows.append(row)
                print_row("PostgreSQL", row)
        pages = read_path(args, server, pairs, token_ids, workdir)
    finally:
        server.stop()
    projects = psql(PG_URL, "SELECT count(*) FROM projects")
    log(f"projects in the database after the runs: {projects}")
    return rows, pages


def read_path(args, server, pairs, token_ids, workdir):
    """A page of 50 projects with relations against the SELECTs it needs."""
    token, org, user = pairs[0]
    slug = psql(PG_URL, f"SELECT slug FROM organizations WHERE id = '{org}'")
    ids = psql(
        PG_URL,
        f"SELECT string_agg(quote_literal(id::text), ', ') FROM (SELECT id FROM projects "
        f"WHERE organization_id = '{org}' ORDER BY id LIMIT 50) page",
    )
    with open(os.path.join(ROOT, "bench", "pgbench", "page.sql")) as f:
        text = (
            f.read()
            .replace("{{TOKEN_ID}}", token_ids[0])
            .replace("{{ORGANIZATION_SLUG}}", slug)
            .replace("{{ORGANIZATION_ID}}", org)
            .replace("{{USER_ID}}", user)
            .replace("{{PAGE_IDS}}", ids)
        )
    script = os.path.join(workdir, "page.sql")
    with open(script, "w") as f:
        f.write(text)
    connections = args.connections[0]
    rows = []
    for rep in range(1, args.reps + 1):
        wrk(server.url, connections, args.warmup, token, slug, PAGE_SCRIPT)
        cpu = server.cpu_seconds()
        ours = wrk(server.url, connections, args.duration, token, slug, PAGE_SCRIPT)
        ours["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(1, ours["created"])
        ours["rss"] = server.rss_mib()
        reference = pgbench([script], connections, args.duration, workdir, "page")
        row = {"rep": rep, "connections": connections, "server": ours, "a": reference}
        rows.append(row)
        print_row("PostgreSQL page of 50", row, "selects")
    return rows


SEED_PROJECTS = """
INSERT INTO projects (id, organization_id, name, slug, description, status, stage, mode,
  default_stickiness, feature_limit, is_public, default_locale, supported_locales,
  default_platform, supported_platforms, thumbnail_url, deployment_region, deployment_runtime,
  metadata, created_by, created_at, updated_at)
SELECT gen_random_uuid(), '{org}', 'Service seed ' || n, 'service-seed-' || n, NULL, 'active',
  'development', 'open', 'default', NULL, false, 'en-US', '["en-US"]', 'desktop', '["desktop"]',
  NULL, NULL, NULL, NULL, '{user}', now(), now()
FROM generate_series({first}, {last}) AS n
"""

SEED_ORGANIZATIONS = """
WITH made AS (
  INSERT INTO organizations (id, name, slug, plan, personal_owner_id, project_metadata_schema,
    created_at, updated_at)
  SELECT gen_random_uuid(), 'Growth ' || n, 'growth-' || replace(gen_random_uuid()::text, '-', ''), 'ENTERPRISE', NULL, NULL, now(), now()
  FROM generate_series(1, {count}) AS n
  RETURNING id
)
INSERT INTO organization_members (organization_id, user_id, role, created_at)
SELECT id, '{user}', 'OWNER', now() FROM made RETURNING organization_id
"""


def growth(args, workdir):
    """Creates/s and p99 as an organization grows, and across many.

    Each repetition seeds fresh organizations (one per size, holding
    exactly that many projects, and 1,000 more for the many-organizations
    row) and measures every row once, the order rotated from one
    repetition to the next, after a warm-up of the server, so that no row
    is always the first or the last. Rows are medians of the repetitions."""
    log(f"== PostgreSQL growth: fresh database {PG_DB}")
    psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    psql(PG_ADMIN, f"CREATE DATABASE {PG_DB}")
    run([BIN, "migrate"], env={"DATABASE_URL": PG_URL})
    pairs, pairs_path = make_organizations(PG_URL, 1, workdir)
    token, _, user = pairs[0]
    server = Server(PG_URL, workdir)
    labels = [f"{size:,} projects in the organization" for size in args.growth_projects]
    labels += ["1 organization", f"{args.growth_organizations:,} organizations"]
    results = {label: [] for label in labels}
    try:
        wrk(server.url, args.growth_connections, args.warmup, pairs_path, "gw")
        seeded = 0
        for rep in range(args.reps):
            targets = {}
            for size in args.growth_projects:
                org = psql(PG_URL, SEED_ORGANIZATIONS.format(count=1, user=user)).split()[0]
                psql(PG_URL, SEED_PROJECTS.format(org=org, user=user, first=seeded + 1, last=seeded + size))
                seeded += size
                targets[f"{size:,} projects in the organization"] = [org]
            targets["1 organization"] = psql(PG_URL, SEED_ORGANIZATIONS.format(count=1, user=user)).split()
            targets[f"{args.growth_organizations:,} organizations"] = psql(
                PG_URL, SEED_ORGANIZATIONS.format(count=args.growth_organizations, user=user)
            ).split()
            psql(PG_URL, "ANALYZE")
            order = labels[rep % len(labels) :] + labels[: rep % len(labels)]
            for i, label in enumerate(order):
                path = os.path.join(workdir, f"growth-{rep}-{i}.txt")
                with open(path, "w") as f:
                    for organization in targets[label]:
                        f.write(f"{token} {organization}\n")
                result = wrk(server.url, args.growth_connections, args.duration, path, f"g{rep}x{i}")
                results[label].append(result)
                log(f"growth run {rep + 1} {label}: {result['rate']:,.0f}/s p99 {result['p99']:.1f} ms")
    finally:
        server.stop()
    print(
        f"\nPostgreSQL growth ({args.growth_connections} connections, medians of {args.reps} runs "
        "in rotated order, min-max)"
    )
    print("| existing | creates/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|")
    for label in labels:
        runs = results[label]
        print(
            f"| {label} | {fmt([r['rate'] for r in runs])} | {fmt([r['p50'] for r in runs], 1)} "
            f"| {fmt([r['p99'] for r in runs], 1)} | {sum(r['errors'] for r in runs)} |"
        )
    sizes = [statistics.median(r["rate"] for r in results[label]) for label in labels[: len(args.growth_projects)]]
    print(f"spread across organization sizes: {max(sizes) / min(sizes) - 1:.0%} (target: within 20 %)")


def print_row(store, row, reference="ref"):
    ours, a = row["server"], row["a"]
    b = row.get("b")
    text = (
        f"{store} run {row['rep']} c={row['connections']}: server {ours['rate']:,.0f}/s "
        f"p50 {ours['p50']:.1f} ms p99 {ours['p99']:.1f} ms errors {ours['errors']} "
        f"cpu/create {ours['cpu_ms']:.2f} ms rss {ours['rss']:.0f} MiB "
        f"machine {ours['machine_ms']:.2f} ms (loader {ours['loader_ms']:.2f}) | "
        f"{reference} {a['rate']:,.0f}/s p99 {a['p99']:.1f} ms errors {a['errors']}"
    )
    if "machine_ms" in a:
        text += f" machine {a['machine_ms']:.2f} ms"
    if b:
        text += f" | fewest {b['rate']:,.0f}/s p99 {b['p99']:.1f} ms errors {b['errors']}"
        text += f" machine {b['machine_ms']:.2f} ms"
    text += f" | server/{reference} {ours['rate'] / a['rate']:.2f}"
    if b:
        text += f" server/fewest {ours['rate'] / b['rate']:.2f}"
    print(text, flush=True)


def by_connections(rows):
    """The runs grouped by concurrency: (connections, runs, server figures)."""
    for connections in sorted({r["connections"] for r in rows}):
        group = [r for r in rows if r["connections"] == connections]
        yield connections, group, [r["server"] for r in group]


def summary(store, rows, reference_name, fewest_name, unit="creates"):
    print(f"\n{store}: medians of {len({r['rep'] for r in rows})} runs (min-max)")
    header = (
        f"| connections | server {unit}/s | p50 ms | p99 ms | errors | CPU ms/{unit[:-1]} | RSS MiB "
        f"| {reference_name} /s | {reference_name} p99 ms | server/{reference_name} |"
    )
    if fewest_name:
        header += f" {fewest_name} /s | server/{fewest_name} |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for connections, group, ours in by_connections(rows):
        line = (
            f"| {connections} | {fmt([o['rate'] for o in ours])} | {fmt([o['p50'] for o in ours], 1)} "
            f"| {fmt([o['p99'] for o in ours], 1)} | {sum(o['errors'] for o in ours)} "
            f"| {fmt([o['cpu_ms'] for o in ours], 2)} | {fmt([o['rss'] for o in ours])} "
            f"| {fmt([r['a']['rate'] for r in group])} | {fmt([r['a']['p99'] for r in group], 1)} "
            f"| {fmt([r['server']['rate'] / r['a']['rate'] for r in group], 2)} |"
        )
        if fewest_name:
            line += (
                f" {fmt([r['b']['rate'] for r in group])} "
                f"| {fmt([r['server']['rate'] / r['b']['rate'] for r in group], 2)} |"
            )
        print(line, flush=True)


def cpu_summary(store, rows, names):
    """Machine CPU per operation for the server's run and each reference:
    with every process on the same cores, a reference's machine CPU over
    the server's is the ratio the server could reach if it ran CPU-bound
    at the reference's efficiency of the rest of the machine."""
    print(f"\n{store}: machine CPU ms per operation, medians (min-max)")
    header = "| connections | server path | of it: server | of it: load generator | of it: database and rest |"
    for name in names:
        header += f" {name} | {name}/server path |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for connections, group, ours in by_connections(rows):
        line = (
            f"| {connections} | {fmt([o['machine_ms'] for o in ours], 2)} "
            f"| {fmt([o['cpu_ms'] for o in ours], 2)} | {fmt([o['loader_ms'] for o in ours], 2)} "
            f"| {fmt([o['machine_ms'] - o['cpu_ms'] - o['loader_ms'] for o in ours], 2)} |"
        )
        for key, name in zip(("a", "b"), names):
            line += (
                f" {fmt([r[key]['machine_ms'] for r in group], 2)} "
                f"| {fmt([r[key]['machine_ms'] / r['server']['machine_ms'] for r in group], 2)} |"
            )
        print(line, flush=True)


def sqlite(args, workdir):
    log("== SQLite: fresh file")
    rows = []
    for rep in range(1, args.reps + 1):
        path = os.path.join(workdir, f"bench-{rep}.sqlite")
        url = f"sqlite://{path}?mode=rwc"
        run([BIN, "migrate"], env={"DATABASE_URL": url})
        pairs, pairs_path = make_organizations(url, args.organizations, workdir)
        server = Server(url, workdir)
        try:
            connections = args.sqlite_connections
            wrk(server.url, connections, args.warmup, pairs_path, f"r{rep}w")
            cpu = server.cpu_seconds()
            ours = wrk(server.url, connections, args.duration, pairs_path, f"r{rep}")
            ours["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(1, ours["created"])
            ours["rss"] = server.rss_mib()
        finally:
            server.stop()
        meter = CpuMeter()
        out = run(
            [DIRECT, path, str(connections), str(args.duration)],
        ).stdout
        direct = json.loads(out.strip().splitlines()[-1])
        meter.per_operation(direct, int(direct["rate"] * args.duration))
        row = {"rep": rep, "connections": connections, "server": ours, "a": direct}
        rows.append(row)
        print_row("SQLite", row, "direct")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per run")
    parser.add_argument("--connections", default="8,32")
    parser.add_argument("--sqlite-connections", type=int, default=16)
    parser.add_argument("--organizations", type=int, default=20)
    parser.add_argument("--stores", default="postgres,sqlite")
    parser.add_argument("--growth-projects", default="10,1000,100000")
    parser.add_argument("--growth-organizations", type=int, default=1000)
    parser.add_argument("--growth-connections", type=int, default=8)
    parser.add_argument("--no-growth", action="store_true")
    args = parser.parse_args()
    args.connections = [int(c) for c in args.connections.split(",")]
    args.growth_projects = [int(c) for c in args.growth_projects.split(",")]
    stores = args.stores.split(",")
    workdir = tempfile.mkdtemp(prefix="projects-bench-")
    try:
        results = {}
        if "postgres" in stores:
            results["postgres"], results["pages"] = postgres(args, workdir)
        if "sqlite" in stores:
            results["sqlite"] = sqlite(args, workdir)
        if "postgres" in stores and not args.no_growth:
            growth(args, workdir)
        if "postgres" in results:
            summary("PostgreSQL", results["postgres"], "ref", "fewest")
            cpu_summary("PostgreSQL", results["postgres"], ("ref", "fewest"))
            summary("PostgreSQL, a page of 50 projects", results["pages"], "selects", None, "pages")
            cpu_summary("PostgreSQL, a page of 50 projects", results["pages"], ("selects",))
        if "sqlite" in results:
            summary("SQLite", results["sqlite"], "direct", None)
            cpu_summary("SQLite", results["sqlite"], ("direct",))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
