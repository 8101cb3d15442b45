using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Xception.Compiler.Runtime;

/// <summary>
/// Per-step wall-clock times of a loaded model, for finding where the time goes. Pass one in
/// <see cref="InferenceOptions.Profiler"/>: every step then waits for the device before the next
/// starts (on the CPU backend it does anyway), and its time, operation count and shape are added up
/// here. Steps are numbered in the order a <c>Predict</c> runs them, as in the generated file's
/// comments (<c>// [15] block5_sepconv1: …</c>). Not thread-safe; one model per profiler.
/// </summary>
public sealed class StepProfiler
{
    private readonly List<Entry> steps = new();
    private int next;

    /// <summary>
    /// Runs of the steps seen since the last <see cref="Reset"/>: one per chunk of a <c>Predict</c> (the backend's
    /// chunk size: one image on the <c>Cpu</c> backend, so a batch of 8 is 8 runs there).
    /// </summary>
    public int Runs { get; private set; }

    /// <summary>The steps seen so far, in run order, with their summed times.</summary>
    public IReadOnlyList<StepTiming> Steps
    {
        get
        {
            var result = new StepTiming[steps.Count];
            for (int i = 0; i < result.Length; i++)
            {
                Entry e = steps[i];
                result[i] = new StepTiming(i + 1, e.Kind, e.Shape, e.Flops, e.PointwiseFlops, Stopwatch.GetElapsedTime(0, e.Ticks).TotalMilliseconds, e.Calls);
            }

            return result;
        }
    }

    /// <summary>Forgets the times (for example after warm-up); the step list is kept.</summary>
    public void Reset()
    {
        foreach (Entry e in steps)
        {
            e.Ticks = 0;
            e.Calls = 0;
            e.Flops = 0;
            e.PointwiseFlops = 0;
        }

        Runs = 0;
    }

    /// <summary>
    /// A table of every step's mean time per run, share of the total and GFLOP/s, then totals by kind
    /// and for the pointwise (1×1) work: the pointwise products of the separable steps (timed with the
    /// depthwise pass they are fused with) and the 1×1 convolutions.
    /// </summary>
    public string Format()
    {
        IReadOnlyList<StepTiming> all = Steps;
        double total = 0;
        foreach (StepTiming s in all)
        {
            total += s.Milliseconds;
        }

        var text = new StringBuilder();
        int runs = Math.Max(Runs, 1);
        text.AppendLine(Invariant($"{"step",4}  {"kind",-10} {"shape",-44} {"ms/run",9} {"share",6} {"GFLOP/s",8}"));
        foreach (StepTiming s in all)
        {
            text.AppendLine(Invariant(
                $"{s.Step,4}  {s.Kind,-10} {s.Shape,-44} {s.Milliseconds / runs,9:0.000} {100 * s.Milliseconds / Math.Max(total, 1e-9),5:0.0}% {Rate(s.Flops, s.Milliseconds),8:0.0}"));
        }

        var kinds = new SortedDictionary<string, (double Ms, long Flops, int Count)>(StringComparer.Ordinal);
        double pointwiseMs = 0;
        long pointwiseFlops = 0, allFlops = 0;
        foreach (StepTiming s in all)
        {
            kinds.TryGetValue(s.Kind, out var k);
            kinds[s.Kind] = (k.Ms + s.Milliseconds, k.Flops + s.Flops, k.Count + 1);
            allFlops += s.Flops;
            if (s.PointwiseFlops > 0)
            {
                pointwiseMs += s.Milliseconds;
                pointwiseFlops += s.PointwiseFlops;
            }
        }

        text.AppendLine();
        foreach (var (kind, k) in kinds)
        {
            text.AppendLine(Invariant($"{kind,-10} {k.Count,3} steps {k.Ms / runs,9:0.000} ms/run {100 * k.Ms / Math.Max(total, 1e-9),5:0.0}% {Rate(k.Flops, k.Ms),8:0.0} GFLOP/s"));
        }

        text.AppendLine(Invariant($"pointwise (1×1 products of separable steps incl. their fused depthwise time, and 1×1 convs): {pointwiseFlops / 1e9 / runs:0.000} GFLOP/run in {pointwiseMs / runs:0.000} ms/run = {Rate(pointwiseFlops, pointwiseMs):0.0} GFLOP/s"));
        text.Append(Invariant($"all steps: {allFlops / 1e9 / runs:0.000} GFLOP/run in {total / runs:0.000} ms/run = {Rate(allFlops, total):0.0} GFLOP/s ({Runs} runs of the steps, one per chunk of a Predict)"));
        return text.ToString();
    }

    private static double Rate(long flops, double ms) => ms > 0 ? flops / (ms * 1e6) : 0;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    internal void BeginRun()
    {
        next = 0;
        Runs++;
    }

    /// <summary>Adds one step's time; its shape text is made only the first time this step position is seen.</summary>
    internal void Add<TShape>(string kind, TShape shape, Func<TShape, string> describe, long flops, long pointwiseFlops, long ticks)
    {
        if (next == steps.Count)
        {
            steps.Add(new Entry { Kind = kind, Shape = describe(shape) });
        }

        Entry e = steps[next++];
        e.Ticks += ticks;
        e.Calls++;
        e.Flops += flops;
        e.PointwiseFlops += pointwiseFlops;
    }

    private sealed class Entry
    {
        public string Kind = "";
        public string Shape = "";
        public long Ticks, Flops, PointwiseFlops;
        public int Calls;
    }
}

/// <summary>One step's summed time over the profiled runs (operation counts are summed over the images of every run).</summary>
/// <param name="Step">1-based position in the run, as in the generated file's comments.</param>
/// <param name="Kind">conv, separable, depthwise, maxpool, elementwise, globalpool, dense, softmax.</param>
/// <param name="Shape">Input → output shape and the options that matter for speed.</param>
/// <param name="Flops">Floating-point operations (a multiply-add is 2).</param>
/// <param name="PointwiseFlops">The part of <paramref name="Flops"/> in 1×1 products (separable pointwise, 1×1 convs).</param>
/// <param name="Milliseconds">Wall-clock time summed over the runs.</param>
/// <param name="Calls">Times the step ran.</param>
public readonly record struct StepTiming(int Step, string Kind, string Shape, long Flops, long PointwiseFlops, double Milliseconds, int Calls);
