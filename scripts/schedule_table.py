#!/usr/bin/env python3
"""Per-layer compute cycles of a network under each gemm.schedule, beside SCALE-Sim
v2's closed form computed here from the layer shapes (docs/timing.md).

usage: scripts/schedule_table.py [--dwvp build/dwvp] [--network mobilenet_v1]
                                 [--array 32] [--dataflow os] [--policy gemm_naive]
Prints a Markdown table; runs dwvp timing only (--no-data) once per schedule.
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile

SCHEDULES = ["pipelined", "serial_drain", "scalesim"]


def ceil_div(a, b):
    return (a + b - 1) // b


def scalesim(m, n, k, r, c, ws):
    """SCALE-Sim v2: OS per fold T + R + C - 2 (T = K), WS 2R + C + T - 2 (T = M),
    every fold charged in full, folds x per_fold - 1."""
    if ws:
        return ceil_div(k, r) * ceil_div(n, c) * (2 * r + c + m - 2) - 1
    return ceil_div(m, r) * ceil_div(n, c) * (k + r + c - 2) - 1


def closed_form(row, r, c):
    """SCALE-Sim's count for a conv2d / pointwise / FC / gemm_naive depthwise row."""
    shape = re.match(r"(\d+)x(\d+)x(\d+)->(\d+)x(\d+)x(\d+)(?: k(\d+)x(\d+))?", row["shape"])
    if not shape:
        return None
    _, _, in_c, oh, ow, out_c, kh, kw = (int(x) if x else 1 for x in shape.groups())
    m = oh * ow
    ws = row["dataflow"] == "ws"
    if row["type"] == "conv2d":
        return scalesim(m, out_c, kh * kw * in_c, r, c, ws)
    if row["type"] in ("pointwise", "fc"):
        return scalesim(m, out_c, in_c, r, c, ws)
    if row["type"] == "depthwise" and row["mapping"] == "gemm_naive":
        return out_c * scalesim(m, 1, kh * kw, r, c, ws)  # one GEMM per channel
    return None


def run(dwvp, network, array, dataflow, policy, schedule, out):
    cmd = [dwvp, "run", "--network", network, "--policy", policy, "--no-data",
           "--set", f"gemm.rows={array}", "--set", f"gemm.cols={array}",
           "--set", f"gemm.dataflow={dataflow}", "--set", f"gemm.schedule={schedule}",
           "--csv", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out, newline="") as f:
        return list(csv.DictReader(f))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dwvp", default="build/dwvp")
    p.add_argument("--network", default="mobilenet_v1")
    p.add_argument("--array", type=int, default=32)
    p.add_argument("--dataflow", default="os", choices=["os", "ws"])
    p.add_argument("--policy", default="gemm_naive")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = {s: run(a.dwvp, a.network, a.array, a.dataflow, a.policy, s,
                       os.path.join(tmp, s + ".csv")) for s in SCHEDULES}
    print(f"{a.network}, {a.array}x{a.array} {a.dataflow.upper()}, policy {a.policy}, "
          "compute cycles per layer\n")
    print("| layer | type | " + " | ".join(SCHEDULES) + " | SCALE-Sim formula | pipelined / formula |")
    print("|---|---|" + "---:|" * (len(SCHEDULES) + 2))
    totals = {s: 0 for s in SCHEDULES}
    total_formula = 0
    for i, row in enumerate(runs["pipelined"]):
        if row["name"] == "total":
            continue
        cells = [int(runs[s][i]["compute_cycles"]) for s in SCHEDULES]
        for s, v in zip(SCHEDULES, cells):
            totals[s] += v
        formula = closed_form(row, a.array, a.array)
        ratio = ""
        if formula is not None:
            total_formula += formula
            ratio = f"{cells[0] / formula:.3f}"
        print(f"| {row['name']} | {row['type']} | " + " | ".join(f"{v:,}" for v in cells) +
              f" | {'' if formula is None else f'{formula:,}'} | {ratio} |")
    print("| total | | " + " | ".join(f"{totals[s]:,}" for s in SCHEDULES) +
          f" | {total_formula:,} (GEMM layers) | |")


if __name__ == "__main__":
    sys.exit(main())
