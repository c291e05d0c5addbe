#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""report.py - turn the raw measurements of bench/run into a table.

    report.py WORKDIR OUT_PREFIX

WORKDIR (written by bench/run) holds:
  meta.tsv      KEY<TAB>VALUE lines: machine facts, the command, the
                systems ("system" lines: NAME<TAB>LABEL<TAB>DESCRIPTION,
                in table order), the workloads ("workload" lines:
                NAME<TAB>DESCRIPTION), the ratios ("ratio": A/B) and the
                targets ("target": WORKLOAD.METRIC<TAB>A/B<TAB>MIN)
  runs.tsv      SYSTEM<TAB>WORKLOAD<TAB>REP<TAB>TOOL_JSON<TAB>EXTRA, EXTRA
                being space separated KEY=NUMBER (replicd counters, CPU)
  failures.tsv  SYSTEM<TAB>WORKLOAD<TAB>MESSAGE (WORKLOAD "-": the system)

Writes OUT_PREFIX.json and OUT_PREFIX.md and prints the table on stdout.
Values are the median of the repetitions, with min and max.  Ratios are
taken between medians.  A metric's "better" direction only decides how
the target reads; ratios are plain A/B.
"""
import json
import os
import statistics
import sys

# workload -> [(metric key, label, unit, how to read it from the tool's
# JSON, higher is better)]; bench/run defines how each workload runs.
METRICS = {
    "seq": [("mb_s", "throughput", "MB/s", ("mb_s",), True)],
    "rand": [
        ("iops", "IOPS", "op/s", ("iops",), True),
        ("p50_us", "p50 latency", "µs", ("lat_us", "p50"), False),
        ("p99_us", "p99 latency", "µs", ("lat_us", "p99"), False),
    ],
    "files": [
        ("files_s", "files", "files/s", ("files_s",), True),
        ("p50_us", "p50 per file", "µs", ("lat_us", "p50"), False),
        ("p99_us", "p99 per file", "µs", ("lat_us", "p99"), False),
    ],
    "untar": [
        ("secs", "time", "s", ("secs",), False),
        ("files_s", "files", "files/s", ("files_s",), True),
        ("mb_s", "file data", "MB/s", ("mb_s",), True),
    ],
    "sqlite": [
        ("txn_s", "inserts", "txn/s", ("txn_s",), True),
        ("p50_us", "p50 per transaction", "µs", ("lat_us", "p50"), False),
        ("p99_us", "p99 per transaction", "µs", ("lat_us", "p99"), False),
    ],
}

# EXTRA counters (differences over the timed part of each repetition)
# summarised per workload for the analysis
EXTRA_KEYS = ("ops_replicated", "bytes_replicated", "net_tx_n1", "net_rx_n2",
              "link_sent", "cpu_n1_s", "cpu_n2_s", "corosync_cpu_n1_s",
              "corosync_cpu_n2_s")


def tool_ops(result):
    """Operations the application issued in one repetition."""
    if "ops" in result:
        return float(result["ops"])
    if "files" in result:
        return float(result["files"])
    if "txns" in result:
        return float(result["txns"])
    if "bytes" in result and result.get("block"):
        return float(result["bytes"]) / float(result["block"])
    return None


def read_tsv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                rows.append(line.split("\t"))
    return rows


def dig(obj, keys):
    for k in keys:
        obj = obj[k]
    return float(obj)


def summary(values):
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def fmt(v):
    """Three significant digits, no exponent."""
    if v is None:
        return "–"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def fmt_cell(s):
    if s is None:
        return "–"
    if s["min"] == s["max"]:
        return fmt(s["median"])
    return "%s (%s–%s)" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


def load(workdir):
    meta = {"system": [], "workload": [], "ratio": [], "target": []}
    facts = {}
    for row in read_tsv(os.path.join(workdir, "meta.tsv")):
        if row[0] in meta:
            meta[row[0]].append(row[1:])
        else:
            facts[row[0]] = row[1] if len(row) > 1 else ""
    runs = []
    for row in read_tsv(os.path.join(workdir, "runs.tsv")):
        extra = {}
        for kv in (row[4] if len(row) > 4 else "").split():
            k, _, v = kv.partition("=")
            try:
                extra[k] = float(v)
            except ValueError:
                pass
        runs.append({
            "system": row[0],
            "workload": row[1],
            "rep": int(row[2]),
            "result": json.loads(row[3]),
            "extra": extra,
        })
    failures = [{"system": r[0], "workload": r[1], "message": r[2]}
                for r in read_tsv(os.path.join(workdir, "failures.tsv"))]
    return meta, facts, runs, failures


def build(meta, facts, runs, failures):
    systems = [{"name": s[0], "label": s[1], "description": s[2]}
               for s in meta["system"]]
    label = {s["name"]: s["label"] for s in systems}
    workloads = [{"name": w[0], "description": w[1]}
                 for w in meta["workload"]]
    results = {}
    for s in systems:
        for w in workloads:
            reps = [r for r in runs
                    if r["system"] == s["name"] and r["workload"] == w["name"]]
            if not reps:
                continue
            out = {"repetitions": len(reps), "metrics": {}, "extra": {}}
            for key, _, _, path, _ in METRICS.get(w["name"], []):
                out["metrics"][key] = summary(
                    [dig(r["result"], path) for r in reps])
            for key in EXTRA_KEYS:
                vals = [r["extra"][key] for r in reps if key in r["extra"]]
                if vals:
                    out["extra"][key] = summary(vals)
            if out["extra"]:
                vals = [tool_ops(r["result"]) for r in reps]
                if None not in vals:
                    out["extra"]["tool_ops"] = summary(vals)
            results.setdefault(s["name"], {})[w["name"]] = out

    def median(sysname, wl, key):
        try:
            return results[sysname][wl]["metrics"][key]["median"]
        except KeyError:
            return None

    ratios = []
    for (pair,) in meta["ratio"]:
        a, b = pair.split("/")
        for w in workloads:
            for key, _, _, _, _ in METRICS.get(w["name"], []):
                va, vb = median(a, w["name"], key), median(b, w["name"], key)
                ratios.append({
                    "a": a, "b": b, "workload": w["name"], "metric": key,
                    "label": "%s/%s" % (label.get(a, a), label.get(b, b)),
                    "value": va / vb if va is not None and vb else None,
                })
    targets = []
    for spec, pair, bound in meta["target"]:
        wl, key = spec.split(".")
        if "/" in pair:
            # a ratio, at least bound
            a, b = pair.split("/")
            va, vb = median(a, wl, key), median(b, wl, key)
            value = va / vb if va is not None and vb else None
            ok = value is not None and value >= float(bound)
            kind, sep = "ratio_min", "/"
        else:
            # a difference in the metric's unit, at most bound
            a, b = pair.split("-")
            va, vb = median(a, wl, key), median(b, wl, key)
            value = va - vb if va is not None and vb is not None else None
            ok = value is not None and value <= float(bound)
            kind, sep = "diff_max", "−"
        targets.append({
            "workload": wl, "metric": key, "a": a, "b": b, "kind": kind,
            "label": "%s%s%s" % (label.get(a, a), sep, label.get(b, b)),
            "bound": float(bound), "value": value,
            "verdict": ("pending" if value is None else
                        "PASS" if ok else "FAIL"),
        })
    return {
        "command": facts.get("command", ""),
        "date": facts.get("date", ""),
        "complete": not failures,
        "machine": {k: v for k, v in facts.items()
                    if k not in ("command", "date")},
        "systems": systems,
        "workloads": workloads,
        "results": results,
        "ratios": ratios,
        "targets": targets,
        "failures": failures,
        "runs": runs,
    }


def table(doc):
    """Rows of the main table: header first."""
    systems = doc["systems"]
    pairs = []
    for r in doc["ratios"]:
        if r["label"] not in pairs:
            pairs.append(r["label"])
    head = ["workload", "metric"] + [s["label"] for s in systems] + pairs
    if doc["targets"]:
        head.append("target")
    rows = [head]
    for w in doc["workloads"]:
        for key, mlabel, unit, _, _ in METRICS.get(w["name"], []):
            row = [w["name"], "%s (%s)" % (mlabel, unit)]
            for s in systems:
                try:
                    cell = fmt_cell(doc["results"][s["name"]][w["name"]]
                                    ["metrics"][key])
                except KeyError:
                    cell = "pending" if any(
                        f["system"] == s["name"] for f in doc["failures"]
                    ) else "–"
                row.append(cell)
            for p in pairs:
                v = [r["value"] for r in doc["ratios"] if r["label"] == p
                     and r["workload"] == w["name"] and r["metric"] == key]
                row.append(fmt(v[0]) + "x" if v and v[0] is not None
                           else "–")
            tgt = [t for t in doc["targets"]
                   if t["workload"] == w["name"] and t["metric"] == key]
            if doc["targets"]:
                row.append("; ".join("%s %s %s %s (%s)" % (
                    t["verdict"], t["label"],
                    "≥" if t["kind"] == "ratio_min" else "≤",
                    fmt(t["bound"]), fmt(t["value"]) if t["value"]
                    is not None else "–") for t in tgt))
            rows.append(row)
    return rows


def text_table(rows):
    width = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        out.append("  ".join(c.ljust(width[i]) for i, c in enumerate(r))
                   .rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in width))
    return "\n".join(out)


def md_table(rows):
    out = ["| " + " | ".join(rows[0]) + " |",
           "|" + "|".join("---" for _ in rows[0]) + "|"]
    for r in rows[1:]:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in r)
                   + " |")
    return "\n".join(out)


def extra_lines(doc):
    """Per-repetition replicd counters, wire bytes and CPU (medians)."""
    lines = []
    for s in doc["systems"]:
        for w in doc["workloads"]:
            try:
                ex = doc["results"][s["name"]][w["name"]]["extra"]
            except KeyError:
                continue
            med = {k: v["median"] for k, v in ex.items()}
            if not med:
                continue
            parts = []
            ops = med.get("ops_replicated")
            if ops is not None:
                part = "%s replicated ops" % fmt(ops)
                if med.get("tool_ops"):
                    part += " (%s per application op)" % fmt(
                        ops / med["tool_ops"])
                parts.append(part)
            b = med.get("bytes_replicated")
            if b is not None:
                part = "%s MB replicated" % fmt(b / 1e6)
                if ops:
                    part += " (%s KiB/op)" % fmt(b / ops / 1024)
                parts.append(part)
            if "net_tx_n1" in med:
                part = "n1 sent %s MB" % fmt(med["net_tx_n1"] / 1e6)
                if b:
                    part += " (%sx the replicated bytes)" % fmt(
                        med["net_tx_n1"] / b)
                parts.append(part)
            cpu = ["%s %s %s" % (name, node, fmt(med[k]))
                   for name, prefix in (("replicd", "cpu"),
                                        ("corosync", "corosync_cpu"))
                   for node in ("n1", "n2")
                   for k in ("%s_%s_s" % (prefix, node),) if k in med]
            if cpu:
                parts.append("CPU s: " + ", ".join(cpu))
            lines.append("%s %s: %s" % (s["label"], w["name"],
                                        "; ".join(parts)))
    return lines


def markdown(doc, rows):
    m = doc["machine"]
    out = ["# bench/run results", ""]
    out.append("Command: `%s`  " % doc["command"])
    out.append("Date: %s  " % doc["date"])
    facts = []
    for k in ("nproc", "cpu", "memory", "kernel", "fs", "load_before",
              "load_after", "lab", "tree", "replicd", "replicd_nowait",
              "corosync", "libfuse",
              "sizes"):
        if k in m:
            facts.append("- %s: %s" % (k, m[k]))
    out += ["", "Machine and setup:", ""] + facts + [""]
    out.append("Median of the repetitions (min–max). Ratios compare "
               "medians.")
    out += ["", md_table(rows), ""]
    out.append("Systems:")
    out.append("")
    for s in doc["systems"]:
        out.append("- **%s**: %s" % (s["label"], s["description"]))
    out += ["", "Workloads:", ""]
    for w in doc["workloads"]:
        out.append("- **%s**: %s" % (w["name"], w["description"]))
    ex = extra_lines(doc)
    if ex:
        out += ["", "replicd counters per repetition (median):", ""]
        out += ["- " + line for line in ex]
    if doc["failures"]:
        out += ["", "Not measured / failed:", ""]
        for f in doc["failures"]:
            out.append("- %s %s: %s" % (f["system"], f["workload"],
                                        f["message"]))
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: report.py WORKDIR OUT_PREFIX\n")
        return 2
    workdir, prefix = sys.argv[1], sys.argv[2]
    doc = build(*load(workdir))
    rows = table(doc)
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    with open(prefix + ".json", "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(prefix + ".md", "w", encoding="utf-8") as f:
        f.write(markdown(doc, rows))
    print(text_table(rows))
    for line in extra_lines(doc):
        print("  " + line)
    for f in doc["failures"]:
        print("NOT MEASURED %s %s: %s" % (f["system"], f["workload"],
                                          f["message"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
