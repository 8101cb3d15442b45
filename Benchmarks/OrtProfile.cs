using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// ONNX Runtime's own per-node profile (<c>SessionOptions.EnableProfiling</c>: a Chrome-trace JSON of every
/// kernel's duration), summed into a table like <c>xception bench --profile</c>'s, so the two engines can be
/// compared step by step: every node in run order with its mean time per timed run and share, then the totals
/// per operator kind; "min ms", each node's fastest run, is the figure that survives a busy host (a mean there
/// mostly measures when the node's threads were descheduled). The warm-up runs are left out by skipping the
/// first <c>warmup</c> "model_run" events and the nodes inside them.
/// </summary>
internal static class OrtProfile
{
    /// <summary>One node's summed kernel time over the timed runs, and its fastest run.</summary>
    private sealed record NodeTime(string Node, string OpKind, string Shape)
    {
        public double Microseconds { get; set; }

        public double MinMicroseconds { get; set; } = double.PositiveInfinity;
    }

    public static string Summarize(string jsonPath, int warmup, int runs)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var nodes = new List<NodeTime>();
        var byName = new Dictionary<string, NodeTime>(StringComparer.Ordinal);
        double runMicroseconds = 0;
        int modelRuns = 0;
        long timedFrom = long.MaxValue;

        // Events are not in time order (a run's "model_run" ends after its nodes): find where the timed runs start first.
        var runStarts = new List<long>();
        foreach (JsonElement e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("name").GetString() == "model_run")
            {
                runStarts.Add(e.GetProperty("ts").GetInt64());
            }
        }

        runStarts.Sort();
        if (runStarts.Count > warmup)
        {
            timedFrom = runStarts[warmup];
        }

        foreach (JsonElement e in doc.RootElement.EnumerateArray())
        {
            string name = e.GetProperty("name").GetString() ?? "";
            long ts = e.GetProperty("ts").GetInt64();
            if (ts < timedFrom)
            {
                continue;
            }

            double dur = e.GetProperty("dur").GetDouble();
            if (name == "model_run")
            {
                runMicroseconds += dur;
                modelRuns++;
                continue;
            }

            if (e.GetProperty("cat").GetString() != "Node" || !name.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                continue;
            }

            string node = name[..^"_kernel_time".Length];
            if (!byName.TryGetValue(node, out NodeTime? t))
            {
                JsonElement args = e.GetProperty("args");
                string op = args.TryGetProperty("op_name", out JsonElement o) ? o.GetString() ?? "?" : "?";
                t = new NodeTime(node, op, Shapes(args));
                byName[node] = t;
                nodes.Add(t);
            }

            t.Microseconds += dur;
            t.MinMicroseconds = Math.Min(t.MinMicroseconds, dur);
        }

        double total = 0, totalMin = 0;
        foreach (NodeTime t in nodes)
        {
            total += t.Microseconds;
            totalMin += t.MinMicroseconds;
        }

        int perRun = Math.Max(runs, 1);
        var text = new StringBuilder();
        text.AppendLine(Invariant($"{"node",4}  {"op",-22} {"name",-44} {"shapes",-40} {"ms/run",9} {"share",6} {"min ms",9}"));
        var kinds = new SortedDictionary<string, (double Us, int Count)>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            NodeTime t = nodes[i];
            text.AppendLine(Invariant(
                $"{i + 1,4}  {t.OpKind,-22} {Clip(t.Node, 44),-44} {Clip(t.Shape, 40),-40} {t.Microseconds / 1000 / perRun,9:0.000} {100 * t.Microseconds / Math.Max(total, 1e-9),5:0.0}% {t.MinMicroseconds / 1000,9:0.000}"));
            kinds.TryGetValue(t.OpKind, out var k);
            kinds[t.OpKind] = (k.Us + t.Microseconds, k.Count + 1);
        }

        text.AppendLine();
        foreach (var (kind, k) in kinds)
        {
            text.AppendLine(Invariant($"{kind,-22} {k.Count,3} nodes {k.Us / 1000 / perRun,9:0.000} ms/run {100 * k.Us / Math.Max(total, 1e-9),5:0.0}%"));
        }

        text.Append(Invariant(
            $"all nodes: {total / 1000 / perRun:0.000} ms/run (sum of the nodes' fastest runs: {totalMin / 1000:0.000} ms); model_run: {runMicroseconds / 1000 / Math.Max(modelRuns, 1):0.000} ms/run ({modelRuns} timed runs profiled; {jsonPath})"));
        return text.ToString();
    }

    /// <summary>The node's input shapes, "1x112x112x32 3x3 ...", from the profile's input_type_shape.</summary>
    private static string Shapes(JsonElement args)
    {
        if (!args.TryGetProperty("input_type_shape", out JsonElement inputs) || inputs.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var parts = new List<string>();
        foreach (JsonElement input in inputs.EnumerateArray())
        {
            foreach (JsonProperty p in input.EnumerateObject())
            {
                var dims = new List<string>();
                foreach (JsonElement d in p.Value.EnumerateArray())
                {
                    dims.Add(d.GetInt64().ToString(CultureInfo.InvariantCulture));
                }

                parts.Add(string.Join("x", dims));
            }
        }

        return string.Join(" ", parts);
    }

    private static string Clip(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
