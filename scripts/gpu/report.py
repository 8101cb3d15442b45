#!/usr/bin/env python3
"""Merges the checker's xcs.json and the PyTorch script's torch*.json (all in one folder) into one table:
prints it, and writes table.md (for Benchmarks/RESULTS.md) and gpu-check.json beside them.
  report.py OUT_DIR            exit code 1 when a check failed or a part is missing."""
import datetime
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"missing": "%s: %s" % (path, e)}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", ".")
    xcs = load(os.path.join(out, "xcs.json"))
    torch_full = load(os.path.join(out, "torch.json"))
    torch_mini = load(os.path.join(out, "torch_mini.json"))
    smi = ""
    try:
        with open(os.path.join(out, "nvidia-smi.txt")) as f:
            smi = f.read().strip()
    except OSError:
        pass

    checks = []  # (name, passed, detail)
    for c in xcs.get("checks", []):
        checks.append(("xcs: " + c["name"], c["passed"], "max abs error %.3e (tolerance %.0e)%s" % (
            c["max_abs_error"], c["tolerance"], "" if c["passed"] else "; " + c.get("detail", ""))))
    for part, data in (("torch (mini fixture)", torch_mini), ("torch (synthetic)", torch_full)):
        for c in data.get("checks", []):
            if "error" in c or "skipped" in c:
                # torch.compile failing or skipped is reported, not a failure of our checks.
                checks.append(("%s: %s" % (part, c["name"]), None, c.get("error", c.get("skipped"))))
                continue
            detail = "max abs error %.3e (tolerance %.0e)" % (c["max_abs_error"], c["tolerance"])
            if "max_abs_vs_xcs" in c:
                detail += ", %.3e vs xcs" % c["max_abs_vs_xcs"]
            checks.append(("%s: %s" % (part, c["name"]), c["passed"], detail))
    for name, data in (("xcs.json", xcs), ("torch.json", torch_full), ("torch_mini.json", torch_mini)):
        if "missing" in data:
            checks.append((name, False, data["missing"]))

    xcs_error = max([c["max_abs_error"] for c in xcs.get("checks", []) if c["name"].startswith("full synthetic")] or [float("nan")])
    rows = []
    for t in xcs.get("timings", []):
        rows.append(dict(t, max_abs_error=xcs_error))
    rows.extend(torch_full.get("rows", []))

    header = ["backend", "batch", "median ms", "p10 ms", "p90 ms", "images/s", "max error"]
    table = [header]
    for r in rows:
        table.append([r["backend"], str(r["batch"]), "%.3f" % r["median_ms"], "%.3f" % r["p10_ms"], "%.3f" % r["p90_ms"],
                      "%.1f" % r["images_per_s"], "%.1e" % r["max_abs_error"]])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]

    device = torch_full.get("device") or xcs.get("devices", "?")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    print()
    print("GPU check: %s, %s (UTC)" % (device, date))
    if smi:
        print(smi)
    print("xcs: %s; torch %s (CUDA %s, cuDNN %s): %s" % (
        xcs.get("precision", "?"), torch_full.get("torch", "?"), torch_full.get("cuda", "?"), torch_full.get("cudnn", "?"),
        torch_full.get("precision", "?")))
    print("times: host NHWC float32 in -> host probabilities out, device-synchronized; max error: vs the prepared IlgpuCpu outputs")
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(widths[j]) if j == 0 else cell.rjust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))

    def find(backend_prefix, batch):
        return [r for r in rows if r["backend"].startswith(backend_prefix) and r["batch"] == batch]

    targets = []
    ours1, ours32 = find("xcs", 1), find("xcs", 32)
    eager1 = find("torch eager", 1)
    torch32 = find("torch", 32)
    if ours1:
        targets.append(("batch 1 median <= 1.5 ms", ours1[0]["median_ms"] <= 1.5, "%.3f ms" % ours1[0]["median_ms"]))
    if ours1 and eager1:
        ratio = eager1[0]["median_ms"] / ours1[0]["median_ms"]
        targets.append(("batch 1 >= 2x faster than torch eager", ratio >= 2, "%.2fx" % ratio))
    if ours32 and torch32:
        best = max(torch32, key=lambda r: r["images_per_s"])
        ratio = ours32[0]["images_per_s"] / best["images_per_s"]
        targets.append(("batch 32 throughput >= 0.5x best torch (%s)" % best["backend"], ratio >= 0.5, "%.2fx" % ratio))

    print()
    for name, passed, detail in checks:
        print("%s %s: %s" % ({True: "PASS", False: "FAIL", None: "note"}[passed], name, detail))
    for name, met, detail in targets:
        print("target %s %s: %s" % ("met" if met else "NOT met", name, detail))

    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("%s, %s. xcs: %s. PyTorch %s: %s.\n\n" % (device, date, xcs.get("precision", "?"), torch_full.get("torch", "?"), torch_full.get("precision", "?")))
        f.write("| " + " | ".join(header) + " |\n|" + "|".join("---" for _ in header) + "|\n")
        for row in table[1:]:
            f.write("| " + " | ".join(row) + " |\n")
    with open(os.path.join(out, "gpu-check.json"), "w") as f:
        json.dump({"device": device, "date": date, "nvidia_smi": smi, "rows": rows,
                   "checks": [{"name": n, "passed": p, "detail": d} for n, p, d in checks],
                   "targets": [{"name": n, "met": m, "detail": d} for n, m, d in targets]}, f, indent=2)
    return 1 if any(p is False for _, p, _ in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
