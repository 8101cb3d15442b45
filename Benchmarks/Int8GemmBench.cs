using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Cpu.Int8;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// `int8gemm`: the int8 GEMM against the fp32 <see cref="Gemm"/> at Xception's pointwise shapes, one thread, warm
/// cache, timed alternately in one process (fp32 call, int8 call, ...) so that load from other processes hits both
/// alike; and both against register-only loops of their own instruction mix, this host's throughput limit. Times are
/// the thread's CPU time (CLOCK_THREAD_CPUTIME_ID) where Linux gives it: on these shared 2-core machines the load
/// average reaches 40–130 while others build, and wall time then measures the scheduler, not the kernel.
/// </summary>
internal static unsafe partial class Int8GemmBench
{
    private const int ClockThreadCpuTime = 3;

    private static readonly bool UseCpuTime = OperatingSystem.IsLinux() && TryThreadCpuSeconds(out _);
    /// <summary>Rows (pixels) × K → N: middle flow, entry block 3 (37×37), exit block 14, entry block 2 (74×74).</summary>
    private static readonly (string Where, int M, int K, int N)[] Shapes =
    {
        ("middle flow 19x19 728->728", 361, 728, 728),
        ("block3 37x37 256->728", 1369, 256, 728),
        ("block14 10x10 1536->2048", 100, 1536, 2048),
        ("block2 74x74 128->256", 5476, 128, 256),
    };

    public static int Run(Options o)
    {
        int rounds = o.GetInt("--rounds", 15);
        double seconds = o.GetInt("--ms", 40) / 1000.0;
        if (!Avx512BW.IsSupported)
        {
            throw new InvalidOperationException("int8gemm measures the Avx512BW path; this processor has no AVX-512BW.");
        }

        Console.WriteLine($"int8gemm: 1 thread, {rounds} alternating rounds of about {seconds * 1000:0} ms a side, {(UseCpuTime ? "thread CPU time" : "wall time")}; load average {LoadAverage()}");
        double fmaPeak = MacsPerSecond(FmaLoop, 16 * 16);
        double bwPeak = MacsPerSecond(MaddubswLoop, 16 * 64);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"register-only limits: fp32 FMA {fmaPeak / 1e9:0.0} GMAC/s, u8·s8 VPMADDUBSW+VPMADDWD+VPADDD {bwPeak / 1e9:0.0} GMAC/s ({bwPeak / fmaPeak:0.00}x)"));
        foreach (var (where, m, k, n) in Shapes)
        {
            Measure(where, m, k, n, rounds, seconds, fmaPeak, bwPeak);
        }

        Console.WriteLine($"load average at the end {LoadAverage()}");
        return 0;
    }

    private static void Measure(string where, int m, int k, int n, int rounds, double seconds, double fmaPeak, double bwPeak)
    {
        var random = new Random(1);
        float[] w = new float[k * n];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        }

        int rowsRounded = (m + Gemm.Rows - 1) / Gemm.Rows * Gemm.Rows;
        float[] x = GC.AllocateArray<float>(rowsRounded * k, pinned: true);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)random.NextDouble() * 6f;
        }

        PackedPanels fp32 = PackedPanels.Pack(w, k, n);
        var input = ActivationQuantization.FromRange(0f, 6f);
        QuantizedPanels int8 = QuantizedPanels.Pack(w, k, n, input);
        int lda = int8.PaddedK;
        byte[] a = GC.AllocateArray<byte>(rowsRounded * lda, pinned: true);
        input.Quantize(x, k, m, k, a, lda);
        float[] bias = GC.AllocateArray<float>(n + 32, pinned: true);
        float[] c = GC.AllocateArray<float>(m * n, pinned: true);
        float[] tile = GC.AllocateArray<float>(Gemm.TileFloats, pinned: true);
        int[] itile = GC.AllocateArray<int>(Int8Gemm.TileInts, pinned: true);
        fixed (float* px = x, pb = bias, pc = c, pt = tile)
        fixed (byte* pa = a)
        fixed (int* pit = itile)
        {
            float* xs = px, bs = pb, cs = pc, ts = pt;
            byte* As = pa;
            int* its = pit;
            Action fp32Call = () => Gemm.Multiply(CpuIsa.Vector512, xs, k, m, fp32, 0, fp32.Panels, cs, n, bs, null, true, ts);
            Action int8Call = () => Int8Gemm.Multiply(Int8Isa.Avx512BW, As, lda, m, int8, cs, n, bs, true, its);
            Action quantizeCall = () => input.Quantize(x, k, m, k, a, lda);
            var fp32Times = new double[rounds];
            var int8Times = new double[rounds];
            var quantizeTimes = new double[rounds];
            for (int r = -2; r < rounds; r++)
            {
                double f = Time(fp32Call, seconds), q = Time(int8Call, seconds), z = Time(quantizeCall, seconds / 4);
                if (r >= 0)
                {
                    fp32Times[r] = f;
                    int8Times[r] = q;
                    quantizeTimes[r] = z;
                }
            }

            Array.Sort(fp32Times);
            Array.Sort(int8Times);
            Array.Sort(quantizeTimes);
            double macs = (double)m * k * n;
            double f32 = fp32Times[rounds / 2], i8 = int8Times[rounds / 2], qz = quantizeTimes[rounds / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{where} (M={m} K={k} N={n}): fp32 {f32 * 1e3:0.000} ms ({macs / f32 / 1e9:0.0} GMAC/s, {macs / f32 / fmaPeak:P0} of FMA limit), " +
                $"int8 {i8 * 1e3:0.000} ms ({macs / i8 / 1e9:0.0} GMAC/s, {macs / i8 / bwPeak:P0} of VPMADDUBSW limit), fp32/int8 {f32 / i8:0.00}x " +
                $"(rounds' range {fp32Times[0] / int8Times[^1]:0.00}-{fp32Times[^1] / int8Times[0]:0.00}); quantizing A from floats {qz * 1e3:0.000} ms"));
        }
    }

    /// <summary>Seconds per call: the median of repeated calls filling about <paramref name="seconds"/>.</summary>
    private static double Time(Action call, double seconds)
    {
        call();
        var times = new double[64];
        int count = 0;
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        do
        {
            double start = Now();
            call();
            times[count++] = Now() - start;
        }
        while (count < times.Length && Stopwatch.GetTimestamp() < end);

        Array.Sort(times, 0, count);
        return times[count / 2];
    }

    private static double MacsPerSecond(Func<long, long> loop, int macsPerIteration)
    {
        const long Iterations = 20_000_000;
        loop(Iterations / 10);
        double best = 0;
        for (int i = 0; i < 5; i++)
        {
            double start = Now();
            loop(Iterations);
            best = Math.Max(best, Iterations * (double)macsPerIteration / (Now() - start));
        }

        return best;
    }

    /// <summary>16 independent FMA chains (the fp32 micro-kernel's 16 accumulators), nothing from memory.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long FmaLoop(long iterations)
    {
        Vector512<float> b = Vector512.Create(0.999f), x = Vector512.Create(1e-3f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> c8 = default, c9 = default, ca = default, cb = default, cc = default, cd = default, ce = default, cf = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, b, x);
            c1 = Avx512F.FusedMultiplyAdd(c1, b, x);
            c2 = Avx512F.FusedMultiplyAdd(c2, b, x);
            c3 = Avx512F.FusedMultiplyAdd(c3, b, x);
            c4 = Avx512F.FusedMultiplyAdd(c4, b, x);
            c5 = Avx512F.FusedMultiplyAdd(c5, b, x);
            c6 = Avx512F.FusedMultiplyAdd(c6, b, x);
            c7 = Avx512F.FusedMultiplyAdd(c7, b, x);
            c8 = Avx512F.FusedMultiplyAdd(c8, b, x);
            c9 = Avx512F.FusedMultiplyAdd(c9, b, x);
            ca = Avx512F.FusedMultiplyAdd(ca, b, x);
            cb = Avx512F.FusedMultiplyAdd(cb, b, x);
            cc = Avx512F.FusedMultiplyAdd(cc, b, x);
            cd = Avx512F.FusedMultiplyAdd(cd, b, x);
            ce = Avx512F.FusedMultiplyAdd(ce, b, x);
            cf = Avx512F.FusedMultiplyAdd(cf, b, x);
        }

        return (long)Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + ca + cb + cc + cd + ce + cf);
    }

    /// <summary>
    /// 16 independent u8·s8 chains with the int8 micro-kernel's mix (VPMADDUBSW, VPMADDWD by ones, VPADDD); each
    /// chain feeds its accumulator back as the bytes so that nothing is loop-invariant.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long MaddubswLoop(long iterations)
    {
        Vector512<sbyte> b = Vector512.Create((sbyte)3);
        Vector512<short> ones = Vector512.Create((short)1);
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<int> c8 = default, c9 = default, ca = default, cb = default, cc = default, cd = default, ce = default, cf = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c0.AsByte(), b), ones);
            c1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c1.AsByte(), b), ones);
            c2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c2.AsByte(), b), ones);
            c3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c3.AsByte(), b), ones);
            c4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c4.AsByte(), b), ones);
            c5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c5.AsByte(), b), ones);
            c6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c6.AsByte(), b), ones);
            c7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c7.AsByte(), b), ones);
            c8 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c8.AsByte(), b), ones);
            c9 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(c9.AsByte(), b), ones);
            ca += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ca.AsByte(), b), ones);
            cb += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(cb.AsByte(), b), ones);
            cc += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(cc.AsByte(), b), ones);
            cd += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(cd.AsByte(), b), ones);
            ce += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ce.AsByte(), b), ones);
            cf += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(cf.AsByte(), b), ones);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + ca + cb + cc + cd + ce + cf);
    }

    /// <summary>Seconds on the chosen clock.</summary>
    private static double Now() =>
        UseCpuTime && TryThreadCpuSeconds(out double cpu) ? cpu : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    private static bool TryThreadCpuSeconds(out double seconds)
    {
        Timespec t;
        try
        {
            if (ClockGetTime(ClockThreadCpuTime, &t) == 0)
            {
                seconds = t.Seconds + t.Nanoseconds * 1e-9;
                return true;
            }
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }

        seconds = 0;
        return false;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, Timespec* time);

    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static string LoadAverage()
    {
        try
        {
            return System.IO.File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (System.IO.IOException)
        {
            return "unknown";
        }
    }
}
