using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using Xception.Compiler.Runtime.Cpu;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// `gemm [--threads 1,2] [--seconds 0.4] [--rounds 3]`: <see cref="Gemm.Multiply(CpuIsa, float*, int, int, PackedPanels, int, int, float*, int, float*, float*, bool, float*, int, float)"/>
/// alone at Xception's (and a few other applications') pointwise shapes, against a plain AVX-512 FMA loop's peak.
/// Warm: each worker multiplies the same A tile (sized as <see cref="ConvolutionTiling.Plan"/> sizes a step's tiles)
/// by the same panels, so A sits in L2 and the panels in L2/L3. Cold: every call takes the next of enough copies of
/// the panels to overflow L3, so they stream from DRAM as a batch-1 step's weights do. With 2 threads each worker
/// has its own A tile and C and the panel start is rotated as <c>ConvolutionJob</c> does; the workers share the panels.
/// </summary>
internal static unsafe class GemmBench
{
    private sealed record Shape(string Name, int Pixels, int K, int N);

    private static readonly Shape[] Shapes =
    [
        new("xception middle 19x19 728->728", 361, 728, 728),
        new("xception exit 10x10 728->1024", 100, 728, 1024),
        new("xception exit 10x10 1024->1536", 100, 1024, 1536),
        new("xception exit 10x10 1536->2048", 100, 1536, 2048),
        new("xception entry 37x37 256->728", 1369, 256, 728),
        new("xception entry 74x74 128->256", 5476, 128, 256),
        new("xception entry 147x147 64->128", 21609, 64, 128),
        new("resnet50 14x14 256->1024", 196, 256, 1024),
    ];

    /// <summary>Bytes of panel copies the cold runs cycle through: twice the 32 MiB L3.</summary>
    private const long ColdBytes = 64L << 20;

    public static int Run(Options o)
    {
        if (!Avx512F.IsSupported)
        {
            Console.Error.WriteLine("error: gemm needs AVX-512F");
            return 1;
        }

        double seconds = double.Parse(o.Get("--seconds") ?? "0.4", CultureInfo.InvariantCulture);
        int rounds = o.GetInt("--rounds", 3);
        int[] threadCounts = Array.ConvertAll((o.Get("--threads") ?? "1,2").Split(','), int.Parse);
        string? only = o.Get("--shape");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gemm: Gemm.Rows {Gemm.Rows}, panel width {PackedPanels.Width}, {seconds} s per figure, median of {rounds}"));
        foreach (int threads in threadCounts)
        {
            double peak = Median(rounds, () => Measure(threads, seconds, _ => FmaPeak()));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak fma loop, {threads} thread(s): {peak:0.0} GFLOP/s"));
            foreach (Shape s in Shapes)
            {
                if (only != null && !s.Name.Contains(only, StringComparison.Ordinal))
                {
                    continue;
                }

                double warm = Median(rounds, () => MeasureShape(s, threads, seconds, cold: false));
                double cold = Median(rounds, () => MeasureShape(s, threads, seconds, cold: true));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {s.Name,-34} threads {threads}: warm {warm,6:0.0} GFLOP/s ({warm / peak:P0} of peak), cold {cold,6:0.0} GFLOP/s ({cold / peak:P0})"));
            }
        }

        return 0;
    }

    private static double Median(int rounds, Func<double> figure)
    {
        var values = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            values.Add(figure());
        }

        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> threads for about <paramref name="seconds"/>; each call returns its flops. GFLOP/s of all together.</summary>
    private static double Measure(int threads, double seconds, Func<int, double> work)
    {
        double total = 0;
        long stopAt = 0;
        var ready = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int worker = t;
            workers[t] = new Thread(() =>
            {
                work(worker);   // warm-up: JIT and caches
                ready.SignalAndWait();
                ready.SignalAndWait();
                double flops = 0;
                while (Stopwatch.GetTimestamp() < Volatile.Read(ref stopAt))
                {
                    flops += work(worker);
                }

                lock (workers)
                {
                    total += flops;
                }
            });
            workers[t].Start();
        }

        ready.SignalAndWait();
        long start = Stopwatch.GetTimestamp();
        Volatile.Write(ref stopAt, start + (long)(seconds * Stopwatch.Frequency));
        ready.SignalAndWait();
        foreach (Thread w in workers)
        {
            w.Join();
        }

        double elapsed = (double)(Stopwatch.GetTimestamp() - start) / Stopwatch.Frequency;
        return total / elapsed / 1e9;
    }

    /// <summary>12 independent FMA chains (more than latency × throughput needs), 1 M FMAs; returns flops.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double FmaPeak()
    {
        Vector512<float> m = Vector512.Create(0.999999f), a = Vector512.Create(1e-7f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        const int Iterations = 1 << 16;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, m, a);
            c1 = Avx512F.FusedMultiplyAdd(c1, m, a);
            c2 = Avx512F.FusedMultiplyAdd(c2, m, a);
            c3 = Avx512F.FusedMultiplyAdd(c3, m, a);
            c4 = Avx512F.FusedMultiplyAdd(c4, m, a);
            c5 = Avx512F.FusedMultiplyAdd(c5, m, a);
            c6 = Avx512F.FusedMultiplyAdd(c6, m, a);
            c7 = Avx512F.FusedMultiplyAdd(c7, m, a);
            c8 = Avx512F.FusedMultiplyAdd(c8, m, a);
            c9 = Avx512F.FusedMultiplyAdd(c9, m, a);
            c10 = Avx512F.FusedMultiplyAdd(c10, m, a);
            c11 = Avx512F.FusedMultiplyAdd(c11, m, a);
        }

        Vector512<float> sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return sum.GetElement(0) == 12345f ? 0 : (double)Iterations * 12 * 32;
    }

    private static double MeasureShape(Shape s, int threads, double seconds, bool cold)
    {
        int lda = (s.K + 15) / 16 * 16;
        var random = new Random(5);
        float[] weights = new float[(long)s.K * s.N];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(random.NextDouble() - 0.5);
        }

        PackedPanels first = PackedPanels.Pack(weights, s.K, s.N);
        long panelBytes = (long)first.Panels * s.K * PackedPanels.Width * sizeof(float);
        int copies = cold ? (int)Math.Max(2, ColdBytes / panelBytes + 1) : 1;
        var panels = new PackedPanels[copies];
        panels[0] = first;
        for (int i = 1; i < copies; i++)
        {
            panels[i] = PackedPanels.Pack(weights, s.K, s.N);
        }

        int biasFloats = first.Panels * PackedPanels.Width;
        var (tile, _, _) = ConvolutionTiling.Plan(s.Pixels, lda, first.Panels, 1);
        int rows = Math.Min(tile, (s.Pixels + threads - 1) / threads);
        int aRows = (rows + Gemm.Rows - 1) / Gemm.Rows * Gemm.Rows;
        // Pinned and 64-byte aligned as the backend's scratch and activations are.
        var a = new float*[threads];
        var c = new float*[threads];
        var microTile = new float*[threads];
        for (int t = 0; t < threads; t++)
        {
            a[t] = Aligned((long)aRows * lda);
            for (long i = 0; i < (long)aRows * lda; i++)
            {
                a[t][i] = (float)random.NextDouble();
            }

            c[t] = Aligned((long)rows * s.N);
            microTile[t] = Aligned(Gemm.TileFloats);
        }

        float* pb = Aligned(biasFloats);

        int[] next = new int[threads];
        double flops = 2.0 * rows * s.K * s.N;
        return Measure(threads, seconds, worker =>
        {
            PackedPanels b = panels[next[worker]];
            next[worker] = (next[worker] + 1) % copies;
            Gemm.Multiply(CpuIsa.Vector512, a[worker], lda, rows, b, 0, b.Panels, c[worker], s.N, pb, null, relu: true, microTile[worker],
                rotate: worker * b.Panels / threads);

            return flops;
        });
    }

    /// <summary>Pinned, 64-byte aligned floats; the arrays stay reachable through <see cref="Keep"/> for the process.</summary>
    private static float* Aligned(long floats)
    {
        float[] array = CacheAligned.Allocate(floats, out int offset);
        Keep.Add(array);
        return (float*)Unsafe.AsPointer(ref array[offset]);
    }

    private static readonly List<float[]> Keep = [];
}
