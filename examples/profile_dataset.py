#!/usr/bin/env python3
"""Send a CSV file's dataset profile to Stellwerk, with Python's standard library only.

Two ways, chosen with --send:
  rows     stream the file's rows; Stellwerk computes the profile (and can later compute exact
           drift statistics from the rows it keeps)
  profile  compute the profile here and send only the profile (the rows never leave this
           machine; drift is then computed from histograms, see docs/datasets.md)

  profile_dataset.py --run <run id> --role train --label target --send rows data.csv
"""

import argparse
import csv
import json
import math
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

# The same quantile levels, histogram and top-k rules as Stellwerk uses for rows.
QUANTILES = [0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.99]
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
TOP_K = 100


def quantile(sorted_values, q):
    """Linear interpolation between order statistics (numpy's default)."""
    h = (len(sorted_values) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def numeric_profile(name, values, rows, bins):
    values = sorted(values)
    n = len(values)
    lo, hi = values[0], values[-1]
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    q = {str(level): quantile(values, level) for level in QUANTILES}
    iqr = q["0.75"] - q["0.25"]
    low_fence, high_fence = q["0.25"] - 1.5 * iqr, q["0.75"] + 1.5 * iqr
    outliers = sum(1 for v in values if v < low_fence or v > high_fence)
    nbins = bins if hi > lo else 1
    width = (hi - lo) / nbins
    counts = [0] * nbins
    for v in values:
        counts[min(int(math.floor((v - lo) / width)), nbins - 1) if hi > lo else 0] += 1
    edges = [hi if i == nbins else lo + i * width for i in range(nbins + 1)]
    return {
        "name": name, "kind": "numeric", "count": n, "nulls": rows - n,
        "min": lo, "max": hi, "mean": mean, "std": std, "quantiles": q,
        "histogram": {"edges": edges, "counts": counts},
        "outliers": {"rule": "tukey_1.5iqr", "count": outliers, "share": outliers / n},
    }


def categorical_profile(name, values, rows):
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode("utf-8")))
    top = [{"value": v, "count": c} for v, c in ranked[:TOP_K]]
    return {
        "name": name, "kind": "categorical", "count": len(values), "nulls": rows - len(values),
        "distinct": len(counts), "topK": top, "otherCount": len(values) - sum(t["count"] for t in top),
    }


def compute_profile(path, label, categorical, bins):
    """One pass to collect each column's non-empty values; an empty field is a null."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = {name: [] for name in reader.fieldnames or []}
        rows = 0
        for record in reader:
            rows += 1
            for name in columns:
                value = record.get(name)
                if value not in (None, ""):
                    columns[name].append(value)
    profiles = []
    for name, values in columns.items():
        numeric = values and name not in categorical and all(NUMBER.match(v.strip()) for v in values)
        if numeric:
            profiles.append(numeric_profile(name, [float(v) for v in values], rows, bins))
        else:
            profiles.append(categorical_profile(name, values, rows))
    profile = {"rows": rows, "columns": profiles}
    if label:
        profile["labelColumn"] = label
    return profile


def request(url, token, data, content_type, headers=None):
    req = urllib.request.Request(url, data=data, method="POST")
    req.add_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=600) as res:
            return json.load(res)
    except urllib.error.HTTPError as err:
        problem = err.read().decode("utf-8", "replace")
        sys.exit(f"Stellwerk refused the request ({err.code}): {problem}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", help="CSV file with a header line")
    parser.add_argument("--url", default=os.environ.get("STELLWERK_URL", "http://127.0.0.1:8420"))
    parser.add_argument("--token", default=os.environ.get("STELLWERK_TOKEN"), help="API token with the ingest scope")
    parser.add_argument("--run", required=True, help="run id")
    parser.add_argument("--role", required=True, choices=["train", "validation", "serving"])
    parser.add_argument("--label", help="the label column (class counts and imbalance)")
    parser.add_argument("--categorical", default="", help="comma-separated columns to treat as categories")
    parser.add_argument("--send", choices=["rows", "profile"], default="rows")
    parser.add_argument("--bins", type=int, default=20, help="histogram bins")
    args = parser.parse_args()

    base = f"{args.url.rstrip('/')}/api/v1/runs/{urllib.parse.quote(args.run)}/datasets/{args.role}"
    categorical = {c.strip() for c in args.categorical.split(",") if c.strip()}
    if args.label:
        categorical.add(args.label)
    if args.send == "rows":
        job = uuid.uuid4().hex
        query = urllib.parse.urlencode(
            {k: v for k, v in {"label": args.label, "categorical": ",".join(sorted(categorical)),
                               "bins": args.bins, "job": job}.items() if v}
        )
        print(f"uploading {args.csv}; progress: GET {args.url.rstrip('/')}/api/v1/datasets/jobs/{job}", flush=True)
        # The file object streams: the CSV is never held in memory whole.
        with open(args.csv, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            result = request(f"{base}/rows?{query}", args.token, f, "text/csv", {"Content-Length": str(size)})
    else:
        profile = compute_profile(args.csv, args.label, categorical, args.bins)
        result = request(f"{base}/profile", args.token, json.dumps(profile).encode("utf-8"), "application/json")
    p = result["profile"]
    print(f"profiled {p['rows']} rows, {len(p['columns'])} columns for run {p['runId']} ({p['role']}, {p['source']})")
    for c in p["columns"]:
        if c["kind"] == "numeric":
            print(f"  {c['name']}: numeric, mean {c['mean']:.4g}, std {c['std']:.4g}, nulls {c['nulls']}")
        else:
            balance = c.get("classBalance")
            extra = f", imbalance {balance['imbalanceRatio']:.3g}" if balance else ""
            print(f"  {c['name']}: categorical, {c['distinct']} values{extra}, nulls {c['nulls']}")


if __name__ == "__main__":
    main()
