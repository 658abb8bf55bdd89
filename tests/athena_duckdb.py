"""Proof that the Athena query pack finds what `guardrails hunt` finds.

Usage: athena_duckdb.py PACK_DIR TABLE EXPECTED_IDS --group HUNT_JSON LOG_PATH... [--group ...]

- PACK_DIR: output of `guardrails athena --out-dir` (cloudtrail_table.sql + ATH*.sql)
- TABLE: the pack's database.table
- EXPECTED_IDS: comma-separated rule ids that must each have a query and >= 1 event id
  (over all groups)
- each group: `guardrails hunt --format json` output over its LOG_PATHs with the same
  settings as the pack. Groups are compared separately, each in a fresh DuckDB table
  (the engine reads files in path order, not time order, so unrelated fixture files are
  not mixed into one timeline for the stateful rules).

The table is created in DuckDB from the pack's own DDL (parsed with sqlglot's Athena
dialect; column names and types as Athena declares them, STRING columns holding nested JSON
as JSON text, exactly as the Hive JsonSerDe returns them), plus the two projected partition
columns `region` and `timestamp` (yyyy/MM/dd of eventtime, as the S3 delivery folder).
Each query is transpiled Trino (Athena engine v3) -> DuckDB with sqlglot, then the shims
below are applied, then run; the set of `eventid`s per rule must equal the union of
`events.event_ids` of that rule's hunt findings.

Shims (DuckDB has no IPADDRESS type and sqlglot maps Trino's `contains(network, address)`
to the array function; DuckDB's Python UDFs need numpy, so the shims are SQL macros over
lookup tables the script fills with Python's `ipaddress` for every distinct
sourceipaddress of the data and every CIDR literal of the queries):
- `TRY_CAST(x AS IPADDRESS)` -> `gr_try_ip(x)`: x when it is an IPv4/IPv6 address, else
  NULL (Trino's TRY_CAST semantics).
- `ARRAY_CONTAINS('<cidr>', a)` (from Trino `contains('<cidr>', ipaddress)`) ->
  `gr_ip_in('<cidr>', a)`: NULL for NULL a, else membership.
- `any_match(list, lambda)` -> macro over `list_bool_or(list_transform(...))`.
Everything else (json_extract_scalar, json_extract, json_parse, json_format,
from_iso8601_timestamp, to_unixtime, url_decode, regexp_like, window functions) is
transpiled by sqlglot itself.
"""

import gzip
import ipaddress
import json
import os
import re
import sys
import tempfile

import duckdb
import sqlglot
from sqlglot import exp


def fail(msg):
    print(f"athena_duckdb: {msg}", file=sys.stderr)
    sys.exit(1)


def log_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                for f in sorted(files):
                    if f.endswith((".json", ".json.gz")):
                        yield os.path.join(root, f)
        else:
            yield p


def records(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    return doc.get("Records", []) if isinstance(doc, dict) else []


def columns_from_ddl(ddl):
    create = sqlglot.parse_one(ddl, read="athena")
    cols = {}
    for c in create.this.expressions:
        if isinstance(c, exp.ColumnDef):
            cols[c.name.lower()] = c.args["kind"]
    if not cols:
        fail("no columns in the pack's DDL")
    return cols


def shape(value, kind):
    """A record value as the JsonSerDe would present it in a column of this Hive type."""
    if value is None:
        return None
    t = kind.this
    if t == exp.DataType.Type.STRUCT:
        if not isinstance(value, dict):
            return None
        lower = {k.lower(): v for k, v in value.items()}
        out = {}
        for f in kind.expressions:
            out[f.name.lower()] = shape(lower.get(f.name.lower()), f.args["kind"])
        return out
    if t == exp.DataType.Type.ARRAY:
        if not isinstance(value, list):
            return None
        return [shape(v, kind.expressions[0]) for v in value]
    if t == exp.DataType.Type.MAP:
        if not isinstance(value, dict):
            return None
        return {str(k): (v if isinstance(v, str) else json.dumps(v)) for k, v in value.items()}
    # STRING: scalars as text, objects/arrays as their JSON text.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def ip_tables(con, ips, sqls):
    """The lookup tables behind the gr_try_ip / gr_ip_in macros (see the module doc)."""
    cidrs = set()
    for sql in sqls:
        cidrs.update(re.findall(r"ARRAY_CONTAINS\('([^']*)',", sql))
    nets = {c: ipaddress.ip_network(c, strict=False) for c in cidrs}
    con.execute("CREATE TABLE gr_ips (ip TEXT)")
    con.execute("CREATE TABLE gr_ip_cidr (cidr TEXT, ip TEXT)")
    for ip in sorted(i for i in ips if i is not None):
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            continue
        con.execute("INSERT INTO gr_ips VALUES (?)", [ip])
        for c, n in nets.items():
            if addr.version == n.version and addr in n:
                con.execute("INSERT INTO gr_ip_cidr VALUES (?, ?)", [c, ip])
    con.execute("CREATE MACRO gr_try_ip(x) AS (SELECT max(ip) FROM gr_ips WHERE ip = x)")
    con.execute(
        "CREATE MACRO gr_ip_in(c, x) AS CASE WHEN x IS NULL THEN NULL ELSE "
        "EXISTS (SELECT 1 FROM gr_ip_cidr g WHERE g.cidr = c AND g.ip = x) END"
    )
    con.execute(
        "CREATE MACRO any_match(l, f) AS COALESCE(list_bool_or(list_transform(l, f)), FALSE)"
    )


def shim(sql):
    sql = re.sub(r"TRY_CAST\(([^()]*?) AS IPADDRESS\)", r"gr_try_ip(\1)", sql)
    sql = re.sub(r"ARRAY_CONTAINS\(('[^']*'),", r"gr_ip_in(\1,", sql)
    if "IPADDRESS" in sql:
        fail(f"unshimmed IPADDRESS use left in:\n{sql}")
    return sql


def load_rows(cols, logs):
    rows = []
    for f in log_files(logs):
        for r in records(f):
            if not isinstance(r, dict):
                continue
            lower = {k.lower(): v for k, v in r.items()}
            row = {name: shape(lower.get(name), kind) for name, kind in cols.items()}
            t = row.get("eventtime") or ""
            row["region"] = row.get("awsregion")
            row["timestamp"] = t[:10].replace("-", "/") if len(t) >= 10 else None
            rows.append(row)
    if not rows:
        fail(f"no CloudTrail records loaded from {logs}")
    return rows


def engine_ids(hunt_json):
    with open(hunt_json, encoding="utf-8") as f:
        report = json.load(f)
    findings = report["findings"] if isinstance(report, dict) else report
    engine = {}
    for fnd in findings:
        ids = (fnd.get("events") or {}).get("event_ids") or []
        engine.setdefault(fnd["rule_id"], set()).update(ids)
    return engine


def compare_group(cols, queries, table, hunt_json, logs, found, problems):
    rows = load_rows(cols, logs)
    con = duckdb.connect()
    ip_tables(
        con,
        {r.get("sourceipaddress") for r in rows},
        [v for v in queries.values() if isinstance(v, str)],
    )
    types = {name: kind.sql("duckdb") for name, kind in cols.items()}
    types["region"] = "TEXT"
    types["timestamp"] = "TEXT"
    with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as tmp:
        for row in rows:
            tmp.write(json.dumps(row) + "\n")
    schema, _, _ = table.rpartition(".")
    if schema:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
    con.execute(
        f"CREATE TABLE {table} AS SELECT * FROM read_json('{tmp.name}', "
        f"format='newline_delimited', columns={spec})"
    )
    os.unlink(tmp.name)
    engine = engine_ids(hunt_json)
    where = " ".join(logs)
    for q, duck in queries.items():
        rule = q.split("_", 1)[0]
        try:
            if isinstance(duck, Exception):
                raise duck
            got = {r[0] for r in con.execute(shim(duck)).fetchall() if r[0] is not None}
        except Exception as e:  # noqa: BLE001 - report which query broke
            problems.append(f"{q} on {where}: {type(e).__name__}: {e}")
            continue
        want = engine.get(rule, set())
        found.setdefault(rule, set()).update(got)
        if got != want:
            problems.append(
                f"{q} on {where}: event ids differ from guardrails hunt\n"
                f"  only in Athena query: {sorted(got - want)}\n"
                f"  only in hunt:         {sorted(want - got)}"
            )
    return len(rows)


def main():
    args = sys.argv[1:]
    if len(args) < 5 or args[3] != "--group":
        fail(__doc__)
    pack, table, expected = args[:3]
    expected = [e for e in expected.split(",") if e]
    groups = []
    for a in args[3:]:
        if a == "--group":
            groups.append([])
        else:
            groups[-1].append(a)
    if any(len(g) < 2 for g in groups):
        fail("each --group needs a hunt report and at least one log path")

    ddl = open(os.path.join(pack, "cloudtrail_table.sql"), encoding="utf-8").read()
    cols = columns_from_ddl(ddl)
    queries = {}
    for q in sorted(os.listdir(pack)):
        if q.startswith("ATH") and q.endswith(".sql"):
            athena_sql = open(os.path.join(pack, q), encoding="utf-8").read()
            try:
                queries[q] = sqlglot.transpile(athena_sql, read="trino", write="duckdb")[0]
            except Exception as e:  # noqa: BLE001 - report which query broke
                queries[q] = e

    problems = []
    found = {}
    records_total = 0
    for g in groups:
        records_total += compare_group(cols, queries, table, g[0], g[1:], found, problems)
    seen = {q.split("_", 1)[0] for q in queries}
    for rule in expected:
        if rule not in seen:
            problems.append(f"{rule}: no query in the pack")
        elif not found.get(rule):
            problems.append(f"{rule}: no event ids in any group (needs a positive sample)")
    if problems:
        fail("\n".join(problems))
    for rule in sorted(found):
        print(f"{rule}: {len(found[rule])} event ids, same as guardrails hunt")
    print(
        f"athena_duckdb: {len(queries)} queries match guardrails hunt on {records_total} "
        f"records in {len(groups)} groups"
    )


if __name__ == "__main__":
    main()
