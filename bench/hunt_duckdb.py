#!/usr/bin/env python3
"""DuckDB peer for bench/hunt: the Athena query pack run over the same .json.gz files.

    hunt_duckdb.py PACK_DIR DATA_DIR

PACK_DIR is `guardrails athena --database bench --out-dir PACK_DIR` output. The table is
built the way Athena reads CloudTrail: the columns and types of the pack's own DDL
(cloudtrail_table.sql, Hive syntax, transpiled to DuckDB types with sqlglot), JSON keys
matched case-insensitively like the JsonSerDe (the DDL's lowercase names are mapped to the
camelCase keys found in the data), nested objects declared STRING kept as JSON text. Then
every ATHnnn_*.sql query is transpiled with sqlglot.transpile(sql, read="trino",
write="duckdb") and run. Prints one JSON line: load_s, queries_s, total_s, rows and the
distinct eventids per query, and n/a reasons for queries DuckDB could not run. Needs duckdb and sqlglot (.tools/venv).
"""

import glob
import json
import os
import re
import sys
import time

import duckdb
import sqlglot


def camel_keys(data_dir):
    """lowercase -> camelCase for every key in the first log file (JsonSerDe is case-insensitive)."""
    import gzip

    first = sorted(glob.glob(os.path.join(data_dir, "**", "*.json.gz"), recursive=True))[0]
    keys = {}

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                keys.setdefault(k.lower(), k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    with gzip.open(first, "rt") as f:
        walk(json.load(f))
    return keys


def records_type(ddl, keys):
    create = sqlglot.parse_one(ddl, read="hive")
    cols = []
    for cd in create.this.expressions:
        typ = cd.kind.sql("duckdb")
        # Struct field names: `(name TYPE` or `, name TYPE` -> the data's camelCase, quoted.
        typ = re.sub(r'(?<=[(,] )"?(\w+)"? (?=[A-Z])', lambda m: '"%s" ' % keys.get(m.group(1).lower(), m.group(1)), typ)
        typ = re.sub(r'(?<=\()"?(\w+)"? (?=[A-Z])', lambda m: '"%s" ' % keys.get(m.group(1).lower(), m.group(1)), typ)
        cols.append('"%s" %s' % (keys.get(cd.name.lower(), cd.name), typ))
    return "STRUCT(%s)[]" % ", ".join(cols), create.this.this.sql("duckdb")


def main():
    pack, data = sys.argv[1], sys.argv[2]
    ddl = open(os.path.join(pack, "cloudtrail_table.sql")).read()
    out = {"queries": {}, "na": {}}
    con = duckdb.connect()
    try:
        typ, table = records_type(ddl, camel_keys(data))
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        print(json.dumps({"error": f"DDL not usable in DuckDB: {e}"}))
        return 3
    t0 = time.perf_counter()
    if "." in table:
        con.execute("CREATE SCHEMA IF NOT EXISTS %s" % table.split(".")[0])
    files = os.path.join(data, "**", "*.json.gz").replace("'", "''")
    con.execute(
        f"CREATE TABLE {table} AS SELECT r.* FROM (SELECT unnest(Records) AS r FROM "
        f"read_json('{files}', columns={{'Records': '{typ}'}}, format='auto', "
        f"compression='gzip', maximum_object_size=1073741824))"
    )
    t1 = time.perf_counter()
    for path in sorted(glob.glob(os.path.join(pack, "ATH*.sql"))):
        name = os.path.basename(path)[:-4]
        sql = open(path).read()
        try:
            duck = sqlglot.transpile(sql, read="trino", write="duckdb")[0]
            cur = con.execute(duck)
            cols = [d[0].lower() for d in cur.description]
            rows = cur.fetchall()
            out["queries"][name] = len(rows)
            if "eventid" in cols:
                at = cols.index("eventid")
                out.setdefault("event_ids", {})[name] = sorted({str(r[at]) for r in rows})
        except Exception as e:  # noqa: BLE001 - reported as n/a with the reason
            out["na"][name] = str(e).splitlines()[0][:200]
    t2 = time.perf_counter()
    out.update(load_s=round(t1 - t0, 3), queries_s=round(t2 - t1, 3), total_s=round(t2 - t0, 3),
               rows=con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
