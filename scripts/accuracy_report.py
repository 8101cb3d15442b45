#!/usr/bin/python3
"""Errors of ONNX Runtime, Cpu and IlgpuCpu against the float64 reference, from one `accuracy` run.

    dotnet run -c Release --project Benchmarks -- accuracy [--seed 3] [--backends ort,cpu,ilgpucpu]
    /usr/bin/python3 scripts/accuracy_report.py WEIGHTS.h5 out/accuracy

Runs scripts/xception_reference.py (float64 numpy, independent of the C# code) on the run's
input.npy, unless out/accuracy/reference_* already exist, and prints for each engine:
  * the largest |probability - reference|;
  * the largest logit error: for Cpu the `predictions (logits)` step of Trace; for every engine also
    from the probabilities, log(p) centred on its mean against the centred reference logits (the
    softmax drops the logits' common shift, so this is the logit error up to that shift);
and, with --steps, Cpu's every fused step (cpu_stepNN_<layer>.npy) against the reference's output of
that Keras layer: max |difference| / max |reference|, to see where the error enters.
"""

import argparse
import glob
import os
import subprocess
import sys

import numpy as np


def centred(v):
    return v - v.mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights")
    ap.add_argument("folder")
    ap.add_argument("--steps", action="store_true")
    a = ap.parse_args()
    prefix = os.path.join(a.folder, "reference")
    if not os.path.exists(prefix + "_layers.npz"):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xception_reference.py")
        subprocess.run([sys.executable, script, a.weights, os.path.join(a.folder, "input.npy"), prefix, "--layers"], check=True)
    probabilities = np.load(prefix + "_probabilities.npy")[0]
    logits = np.load(prefix + "_logits.npy")[0]
    top = probabilities.argmax()
    print("reference: top-1 class %d p=%.6f, second p=%.6f, logits std %.3f"
          % (top, probabilities[top], np.sort(probabilities)[-2], logits.std()))
    for engine in ("ort", "cpu", "ilgpucpu"):
        path = os.path.join(a.folder, engine + "_probabilities.npy")
        if not os.path.exists(path):
            continue
        p = np.load(path)[0].astype(np.float64)
        line = "%-9s max |p - ref| %.3e (at class %d)" % (engine, np.abs(p - probabilities).max(), np.abs(p - probabilities).argmax())
        if (p > 0).all():
            line += ", logits from log p (up to a shift) %.3e" % np.abs(centred(np.log(p)) - centred(logits)).max()
        traced = glob.glob(os.path.join(a.folder, "%s_step*_predictions_logits.npy" % engine))
        if traced:
            line += ", traced logits %.3e" % np.abs(np.load(traced[0]).astype(np.float64) - logits).max()
        print(line)
    if a.steps:
        layers = np.load(prefix + "_layers.npz")
        for path in sorted(glob.glob(os.path.join(a.folder, "cpu_step*.npy"))):
            name = os.path.basename(path)[len("cpu_stepNN_"):-len(".npy")]
            ours = np.load(path).astype(np.float64)
            ref = layers[name].reshape(ours.shape)
            print("  %-26s max |diff| / max |ref| %.3e  (max |ref| %.3g)"
                  % (os.path.basename(path)[4:-4], np.abs(ours - ref).max() / np.abs(ref).max(), np.abs(ref).max()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
