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
    return {
        "rate": figures["created"] / seconds,
        "created": figures["created"],
        "errors": figures["refused"] + figures["socket_errors"],
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
    }


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
    return {
        "rate": tps,
        "errors": failed,
        "p50": percentile(latencies, 0.50) / 1000,
        "p99": percentile(latencies, 0.99) / 1000,
    }


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
  metadata, created_by, archived_at, created_at, updated_at)
SELECT gen_random_uuid(), '{org}', 'Service seed ' || n, 'service-seed-' || n, NULL, 'active',
  'development', 'open', 'default', NULL, false, 'en-US', '["en-US"]', 'desktop', '["desktop"]',
  NULL, NULL, NULL, NULL, '{user}', NULL, now(), now()
FROM generate_series({first}, {last}) AS n
"""

SEED_ORGANIZATIONS = """
WITH made AS (
  INSERT INTO organizations (id, name, slug, plan, personal_owner_id, project_metadata_schema,
    created_at, updated_at)
  SELECT gen_random_uuid(), 'Growth ' || n, 'growth-' || n, 'ENTERPRISE', NULL, NULL, now(), now()
  FROM generate_series(1, {count}) AS n
  RETURNING id
)
INSERT INTO organization_members (organization_id, user_id, role, created_at)
SELECT id, '{user}', 'OWNER', now() FROM made RETURNING organization_id
"""


def growth(args, workdir):
    """Creates/s and p99 as one organization grows, and across many."""
    log(f"== PostgreSQL growth: fresh database {PG_DB}")
    psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    psql(PG_ADMIN, f"CREATE DATABASE {PG_DB}")
    run([BIN, "migrate"], env={"DATABASE_URL": PG_URL})
    pairs, _ = make_organizations(PG_URL, 1, workdir)
    token, org, user = pairs[0]
    one = os.path.join(workdir, "one.txt")
    with open(one, "w") as f:
        f.write(f"{token} {org}\n")
    server = Server(PG_URL, workdir)
    rows = []
    try:
        seeded = 0
        for target in args.growth_projects:
            existing = int(psql(PG_URL, f"SELECT count(*) FROM projects WHERE organization_id = '{org}'"))
            if target > existing:
                psql(PG_URL, SEED_PROJECTS.format(org=org, user=user, first=seeded + 1, last=seeded + target - existing))
                seeded += target - existing
            psql(PG_URL, "ANALYZE projects")
            wrk(server.url, args.growth_connections, args.warmup, one, f"g{target}w")
            result = wrk(server.url, args.growth_connections, args.duration, one, f"g{target}")
            rows.append((f"{target:,} projects in the organization", result))
        ids = psql(PG_URL, SEED_ORGANIZATIONS.format(count=args.growth_organizations, user=user)).split()
        many = os.path.join(workdir, "many.txt")
        with open(many, "w") as f:
            for organization in ids:
                f.write(f"{token} {organization}\n")
        for label, path in (("1 organization", one), (f"{len(ids):,} organizations", many)):
            wrk(server.url, args.growth_connections, args.warmup, path, f"o{len(label)}w")
            result = wrk(server.url, args.growth_connections, args.duration, path, f"o{len(label)}")
            rows.append((label, result))
    finally:
        server.stop()
    print(f"\nPostgreSQL growth ({args.growth_connections} connections, one run each)")
    print("| existing | creates/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|")
    for label, result in rows:
        print(f"| {label} | {result['rate']:,.0f} | {result['p50']:.1f} | {result['p99']:.1f} | {result['errors']} |")
    sizes = [r["rate"] for label, r in rows if "projects" in label]
    if sizes:
        print(f"spread across organization sizes: {max(sizes) / min(sizes) - 1:.0%} (target: within 20 %)")


def print_row(store, row, reference="ref"):
    ours, a = row["server"], row["a"]
    b = row.get("b")
    text = (
        f"{store} run {row['rep']} c={row['connections']}: server {ours['rate']:,.0f}/s "
        f"p50 {ours['p50']:.1f} ms p99 {ours['p99']:.1f} ms errors {ours['errors']} "
        f"cpu/create {ours['cpu_ms']:.2f} ms rss {ours['rss']:.0f} MiB | "
        f"{reference} {a['rate']:,.0f}/s p99 {a['p99']:.1f} ms errors {a['errors']}"
    )
    if b:
        text += f" | fewest {b['rate']:,.0f}/s p99 {b['p99']:.1f} ms errors {b['errors']}"
    text += f" | server/{reference} {ours['rate'] / a['rate']:.2f}"
    if b:
        text += f" server/fewest {ours['rate'] / b['rate']:.2f}"
    print(text, flush=True)


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
    for connections in sorted({r["connections"] for r in rows}):
        group = [r for r in rows if r["connections"] == connections]
        ours = [r["server"] for r in group]
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
        out = run(
            [DIRECT, path, str(connections), str(args.duration)],
        ).stdout
        direct = json.loads(out.strip().splitlines()[-1])
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
            summary("PostgreSQL, a page of 50 projects", results["pages"], "selects", None, "pages")
        if "sqlite" in results:
            summary("SQLite", results["sqlite"], "direct", None)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
