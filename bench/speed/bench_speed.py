#!/usr/bin/python3
"""dwvp against int8 PyTorch: whole-process CPU time of `dwvp run` in each mode next to
the per-inference time of the same network quantised to int8 in PyTorch (oneDNN, one
thread), with the ratios and issue 12's limits. A benchmark, not a test: it always
exits 0 once it has measured (2 on bad input, 1 when a dwvp run fails).

Usage (through the wrapper, which picks Debian's interpreter):
    bench/speed/bench_speed.sh [build-dir] [repeats] [networks...] [--markdown]
                               [--torch-iterations N] [--baseline fx|torchscript]

Per network: one untimed warm-up of every mode (it fills the calibration cache and the
page cache, so that repeats measure the steady state), then `repeats` rounds of
[torch measurement, dwvp functional+check, dwvp --check none, dwvp --no-data],
interleaved so that a slow spell of this shared machine hits all of them alike.
Reported figures are medians over the rounds. The torch figure is the median
per-inference time inside one Python process (model loaded and warm), not Python
start-up; dwvp figures are whole processes (user+sys from wait4), plus the simulation
phase from the JSON report.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NETWORKS = ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "resnet50")

# How dwvp names each network: the zoo's names, and ResNet-50 as the example topology.
DWVP_NETWORK = {
    "mobilenet_v1": ["--network", "mobilenet_v1"],
    "mobilenet_v2": ["--network", "mobilenet_v2"],
    "mobilenet_v3_large": ["--network", "mobilenet_v3_large"],
    "resnet50": ["--topology", os.path.join(REPO, "lib/networks/examples/resnet50.csv")],
}

# (label, extra dwvp arguments)
MODES = [
    ("functional + check", []),
    ("--check none", ["--check", "none"]),
    ("--no-data", ["--no-data"]),
]

# Issue 12's acceptance limits. Ratios are to the int8 inference's CPU time, except the
# ResNet-50 one, an absolute CPU time. "sim" is the simulation phase of the same run; the
# issue lists it right after the timing-only whole process, so it is read as the
# timing-only run's simulation phase.
LIMITS = {
    ("mobilenet_v2", "functional + check"): [("cpu", 25.0)],
    ("mobilenet_v2", "--check none"): [("cpu", 15.0)],
    ("mobilenet_v2", "--no-data"): [("cpu", 8.0), ("sim", 3.0)],
    ("resnet50", "--no-data"): [("cpu_seconds", 0.5)],
}


def fail(message, code):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


def parse_args():
    parser = argparse.ArgumentParser(
        prog="bench/speed/bench_speed.sh",
        description="dwvp run (each mode) against the same network as int8 PyTorch.")
    parser.add_argument("build", nargs="?", default="build", help="build directory with dwvp (default build)")
    parser.add_argument("repeats", nargs="?", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("networks", nargs="*", help=f"networks (default all: {' '.join(NETWORKS)})")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables (for docs/performance.md)")
    parser.add_argument("--torch-iterations", type=int, default=20,
                        help="timed inferences per torch measurement (default 20)")
    parser.add_argument("--baseline", choices=("fx", "torchscript"), default="fx",
                        help="the int8 model the ratios divide by: fx, the GraphModule convert_fx "
                             "returns (default), or torchscript, it traced and frozen (no Python "
                             "between operators; both are timed and printed either way)")
    args = parser.parse_intermixed_args()
    for name in args.networks:
        if name not in NETWORKS:
            parser.error(f"unknown network {name!r} (choose from {', '.join(NETWORKS)})")
    if args.repeats < 1 or args.torch_iterations < 1:
        parser.error("repeats and --torch-iterations must be at least 1")
    args.networks = args.networks or list(NETWORKS)
    return args


def run_dwvp(binary, network, extra, env, workdir):
    """One whole `dwvp run`: (CPU s = user+sys of the process and its threads, wall s,
    the report's host phases). wait4 gives the child's own rusage, no /usr/bin/time."""
    report = os.path.join(workdir, "report.json")
    log = os.path.join(workdir, "dwvp.log")
    cmd = [binary, "run", *DWVP_NETWORK[network], *extra, "--report", report]
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        with open(log, encoding="utf-8", errors="replace") as f:
            tail = "".join(f.readlines()[-15:])
        fail(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{tail}", 1)
    with open(report, encoding="utf-8") as f:
        phases = json.load(f)["total"].get("host_phase_seconds", {})
    return usage.ru_utime + usage.ru_stime, wall, phases


def load_torch():
    """The torch side, or (None, reason) when Debian's python3-torch is not there."""
    try:
        sys.path.insert(0, HERE)
        import torch_int8
        return torch_int8, None
    except (ImportError, OSError) as error:  # not installed, or its libraries missing
        return None, f"{sys.executable} cannot import torch ({error}); Debian: apt-get install python3-torch, run through bench_speed.sh"


def git_commit():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def print_table(header, rows, markdown):
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("| " + " | ".join("---" if i == 0 else "---:" for i in range(len(header))) + " |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print()


def code(text, markdown):
    """Options as code in markdown (a renderer would turn "--" into a dash)."""
    return f"`{text}`" if markdown and text.startswith("--") else text


def judge(network, mode, shown, cpu, sim, torch_s):
    """[(criterion text, measured text, limit text, verdict)] for the issue's limits on
    this row; a ratio limit without torch cannot be judged."""
    results = []
    for kind, limit in LIMITS.get((network, mode), []):
        if kind == "cpu_seconds":
            results.append((f"{network} {shown}: process CPU", f"{cpu:.3f} s", f"< {limit} s",
                            "PASS" if cpu < limit else "FAIL"))
            continue
        what = "process CPU / int8 inference" if kind == "cpu" else "simulation phase / int8 inference"
        value = cpu if kind == "cpu" else sim
        if torch_s is None or value is None:
            results.append((f"{network} {shown}: {what}", "—", f"<= {limit:g}x", "n/a"))
            continue
        ratio = value / torch_s
        results.append((f"{network} {shown}: {what}", f"{ratio:.1f}x", f"<= {limit:g}x",
                        "PASS" if ratio <= limit else "FAIL"))
    return results


def measure_network(network, binary, env, workdir, torch_int8, args):
    """The interleaved rounds of one network. Returns (torch side or None, dwvp samples):
    torch side = (info, {variant: [CPU s]}, {variant: [wall s]}); samples = {mode label:
    {"cpu": [...], "wall": [...], "sim": [...]}}."""
    models = example = None
    torch_side = None
    if torch_int8:
        models, example, info = torch_int8.load(network)
        if info["threads"] != 1 or (info["os_threads"] or 1) != 1:
            fail(f"torch runs {info['threads']} intra-op threads in {info['os_threads']} OS threads, "
                 "expected 1", 1)
        torch_side = (info, {variant: [] for variant in models}, {variant: [] for variant in models})
    for _, extra in MODES:  # warm-up: calibration cache, page cache
        run_dwvp(binary, network, extra, env, workdir)

    samples = {label: {"cpu": [], "wall": [], "sim": []} for label, _ in MODES}
    for _ in range(args.repeats):
        for variant, model in (models or {}).items():
            result = torch_int8.measure(model, example, args.torch_iterations)
            torch_side[1][variant].append(result["cpu_ms"] / 1e3)
            torch_side[2][variant].append(result["wall_ms"] / 1e3)
        for label, extra in MODES:
            cpu, wall, phases = run_dwvp(binary, network, extra, env, workdir)
            samples[label]["cpu"].append(cpu)
            samples[label]["wall"].append(wall)
            if "simulation" in phases:
                samples[label]["sim"].append(phases["simulation"])
    return torch_side, samples


def report_network(network, torch_side, samples, args):
    """Print one network's table; return its acceptance verdicts."""
    median = statistics.median
    title = f"{network} at 224"
    torch_s = None
    if torch_side:
        info, cpu_s, wall_s = torch_side
        torch_s = median(cpu_s[args.baseline])
        title += f", {info['macs'] / 1e6:,.0f} M MACs; int8 PyTorch per inference: " + ", ".join(
            f"{variant} {median(cpu_s[variant]) * 1e3:.2f} ms CPU ({median(wall_s[variant]) * 1e3:.2f} ms wall)"
            for variant in cpu_s) + f"; ratios to {args.baseline}"
    print(("### " if args.markdown else "") + title + "\n")

    verdicts, rows = [], []
    for label, _ in MODES:
        cpu, wall = median(samples[label]["cpu"]), median(samples[label]["wall"])
        sim = median(samples[label]["sim"]) if samples[label]["sim"] else None
        row_verdicts = judge(network, label, code(label, args.markdown), cpu, sim, torch_s)
        verdicts += row_verdicts
        rows.append([
            code(label, args.markdown),
            f"{cpu:.3f}", f"{wall:.3f}", f"{sim:.3f}" if sim is not None else "—",
            f"{cpu / torch_s:.1f}x" if torch_s else "—",
            f"{sim / torch_s:.1f}x" if torch_s and sim is not None else "—",
            "; ".join(f"{v[2]} {v[3]}" for v in row_verdicts) or "—",
        ])
    print_table(["mode", "CPU s", "wall s", "simulation s", "CPU / int8", "simulation / int8",
                 "issue 12 limit"], rows, args.markdown)
    return verdicts


def main():
    args = parse_args()
    dwvp = os.path.abspath(os.path.join(args.build, "dwvp"))
    if not (os.path.isfile(dwvp) and os.access(dwvp, os.X_OK)):
        fail(f"no {dwvp}: build first (cmake -S . -B {args.build} -DCMAKE_BUILD_TYPE=Release "
             f"&& cmake --build {args.build} -j2)", 2)
    # dwvp gets the environment as it was; torch_int8 sets OMP_NUM_THREADS=1 for itself.
    dwvp_env = dict(os.environ)
    torch_int8, no_torch = load_torch()

    built = datetime.datetime.fromtimestamp(os.path.getmtime(dwvp)).strftime("%Y-%m-%d %H:%M")
    print(f"date {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, commit {git_commit()}, "
          f"dwvp {dwvp} (built {built})")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; {args.repeats} interleaved rounds, medians")
    if torch_int8:
        print(f"PyTorch {torch_int8.torch.__version__}, int8 FX graph mode, engine {torch_int8.ENGINE}, "
              f"1 thread, median of {args.torch_iterations} inferences per measurement")
    else:
        print(f"no PyTorch comparison: {no_torch}")
    print()

    acceptance = []
    with tempfile.TemporaryDirectory(prefix="dwvp-bench-speed-") as workdir:
        # A private copy (the project's libraries are linked statically): a rebuild of
        # the build tree during the bench then cannot mix two binaries in one table.
        binary = shutil.copy2(dwvp, os.path.join(workdir, "dwvp"))
        for network in args.networks:
            torch_side, samples = measure_network(network, binary, dwvp_env, workdir, torch_int8, args)
            acceptance += report_network(network, torch_side, samples, args)
            sys.stdout.flush()
    if acceptance:
        print(("### " if args.markdown else "") + "Issue 12 acceptance\n")
        print_table(["criterion", "measured", "limit", "result"], [list(a) for a in acceptance], args.markdown)

if __name__ == "__main__":
    main()
