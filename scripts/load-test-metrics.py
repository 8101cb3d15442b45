#!/usr/bin/env python3
"""Summarises a /metrics scrape after scripts/load-test.sh: where the requests' time went (per stage, mean and
the histogram's p99 bucket bound), the batches' own times, and the client's p99 over the server's mean Predict.
Usage: load-test-metrics.py METRICS_FILE CLIENT_P99_MS MAX_BATCH [METRICS_BEFORE_THE_LOAD [CLIENT_OK]]"""
import re
import sys

metrics_file, client_p99_ms, max_batch = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])


def parse(path):
    parsed = {}
    for line in open(path):
        m = re.match(r'^([a-z_]+)(\{[^}]*\})? ([0-9.eE+-]+|NaN)$', line.strip())
        if m:
            parsed.setdefault(m.group(1), []).append((m.group(2) or "", float(m.group(3))))
    return parsed


samples = parse(metrics_file)
before = parse(sys.argv[4]) if len(sys.argv) > 4 else {}


def value(name, *labels, source=None):
    for lab, v in (samples if source is None else source).get(name, []):
        if all(l in lab for l in labels):
            return v
    return float("nan")


def p99(name, *labels, q=0.99):
    """The upper bound of the bucket that holds the q-th quantile (what a histogram can say; buckets are 19% apart)."""
    buckets = []
    for lab, v in samples.get(name + "_bucket", []):
        if all(l in lab for l in labels):
            le = re.search(r'le="([^"]+)"', lab).group(1)
            buckets.append((float("inf") if le == "+Inf" else float(le), v))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0
    for le, cumulative in buckets:
        if total and cumulative >= q * total:
            return le
    return float("nan")


print("--- where the answered requests' time went (server side, from /metrics)")
print(f"{'stage':<10} {'mean ms':>10} {'p99 <= ms':>10}")
infer = 'endpoint="infer"'
for stage in ["read", "decode", "queue", "batch", "wake", "respond"]:
    lab = f'stage="{stage}"'
    count = value("xception_request_stage_seconds_count", infer, lab)
    mean = 1000 * value("xception_request_stage_seconds_sum", infer, lab) / count if count else float("nan")
    print(f"{stage:<10} {mean:>10.2f} {1000 * p99('xception_request_stage_seconds', infer, lab):>10.1f}")
count = value("xception_request_duration_seconds_count", infer)
mean = 1000 * value("xception_request_duration_seconds_sum", infer) / count if count else float("nan")
print(f"{'total':<10} {mean:>10.2f} {1000 * p99('xception_request_duration_seconds', infer):>10.1f}")

batches = value("xception_batch_size_count")
full = batches - value("xception_batch_size_bucket", f'le="{max_batch - 1}"') if max_batch > 1 else batches
predict = value("xception_batch_duration_seconds_sum") / batches if batches else float("nan")
gather = value("xception_batch_gather_seconds_sum") / batches if batches else float("nan")
assemble = value("xception_batch_assemble_seconds_sum") / batches if batches else float("nan")
print(f"--- batches: {batches:.0f} ({full:.0f} of {max_batch} images); mean predict {1000 * predict:.1f} ms, "
      f"gather {1000 * gather:.2f} ms, assemble {1000 * assemble:.2f} ms")
steps = " ".join(f"p{round(100 * q)}<={1000 * p99('xception_batch_duration_seconds', q=q):.0f}"
                 for q in (0.5, 0.9, 0.99))
print(f"--- the server's batch Predict times (ms, bucket upper bounds): {steps} "
      f"max<={1000 * p99('xception_batch_duration_seconds', q=1.0):.0f}")
print(f"P99_OVER_PREDICT client_p99_ms={client_p99_ms:.1f} mean_predict_ms={1000 * predict:.1f} ratio={client_p99_ms / (1000 * predict):.2f}")
gcs = []
for g in range(3):
    label = 'generation="%d"' % g
    gcs.append("gen%d=%.0f" % (g, value("dotnet_collection_count_total", label)))
print("--- the server's garbage collections over its life: " + " ".join(gcs))
if before:
    answered = value("xception_requests_total", 'outcome="ok"')
    during = value("xception_process_allocated_bytes") - value("xception_process_allocated_bytes", source=before)
    gens = []
    for g in range(3):
        label = 'generation="%d"' % g
        gens.append("gen%d=%.0f" % (g, value("dotnet_collection_count_total", label) - value("dotnet_collection_count_total", label, source=before)))
    print("--- during the load: %.0f KB allocated per answered request; collections %s" % (during / answered / 1024, " ".join(gens)))
    if len(sys.argv) > 5:
        # The client stops counting at its deadline: requests in flight then are answered (ok) or skipped
        # while queued (cancelled) by the server, but never checked by the client.
        client_ok = int(sys.argv[5])

        def during(outcome):
            """A counter's growth over the load; a series not there yet (no such request so far) counts 0."""
            label = 'outcome="%s"' % outcome
            after_v, before_v = value("xception_requests_total", label), value("xception_requests_total", label, source=before)
            return (0 if after_v != after_v else after_v) - (0 if before_v != before_v else before_v)

        ok, cancelled = during("ok"), during("cancelled")
        print("METRICS_AGREEMENT client_ok=%d server_ok=%.0f server_cancelled=%.0f server_rejected=%.0f unchecked_at_deadline=%.0f"
              % (client_ok, ok, cancelled, during("rejected"), ok + cancelled - client_ok))
