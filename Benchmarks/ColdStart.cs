using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// <c>cold --engine ort|cpu</c>: what a new process does before its first answer, and nothing else (no
/// artifact checks, no warm-up): create the engine, run one image, print the top class. Run once per process
/// by <c>scripts/cold-start.sh</c>, which times the whole process; the last line is
/// <c>first_ms=… load_ms=… run_ms=… engine=…</c>, measured from the start of Main. With <c>--verbose</c>
/// the Cpu engine's load is split: the weight file read alone, twice (first with the JIT of the reading code, then without; both
/// separate from the model's own read, so the total is then longer than a plain cold run), then the model load, the first and the second Predict.
/// </summary>
internal static class ColdStart
{
    public static int Run(Options o, long mainStarted)
    {
        string engineName = o.Get("--engine") ?? "cpu";
        int threads = o.GetInt("--threads", 2);
        string folder = Path.Combine(Artifacts.RepositoryRoot, "out", "bench");
        string weights = o.Get("--weights") ?? Path.Combine(folder, "xception_synthetic_seed1.h5");
        string onnx = o.Get("--onnx") ?? Path.Combine(folder, Path.GetFileNameWithoutExtension(weights) + "_299x299_nhwc.onnx");
        bool verbose = o.Has("--verbose");
        float[] input = Artifacts.RandomInput(Xception.InputLength);

        if (verbose && engineName == "cpu")
        {
            long read = Stopwatch.GetTimestamp();
            var loaded = KerasWeightFile.Load(weights, Xception.WeightTable);
            Report("read weights (KerasWeightFile.Load: open, check, read every dataset)", read);
            GC.KeepAlive(loaded);
            loaded = null;
            long again = Stopwatch.GetTimestamp();
            loaded = KerasWeightFile.Load(weights, Xception.WeightTable);
            Report("read weights again (its code compiled now)", again);
            GC.KeepAlive(loaded);
        }

        long start = Stopwatch.GetTimestamp();
        using IEngine engine = engineName switch
        {
            "ort" or "onnxruntime" => new OrtEngine(onnx, 1, threads, input),
            "cpu" => new GeneratedEngine(weights, Backend.Cpu, 1, threads, input),
            _ => throw new ArgumentException($"--engine must be ort or cpu, found '{engineName}'."),
        };
        double loadMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (verbose)
        {
            Report("load (" + engine.Name + ")", start);
        }

        long run = Stopwatch.GetTimestamp();
        engine.Run();
        double runMs = Stopwatch.GetElapsedTime(run).TotalMilliseconds;
        double firstMs = Stopwatch.GetElapsedTime(mainStarted).TotalMilliseconds;
        if (verbose)
        {
            Report("first Predict", run);
            long second = Stopwatch.GetTimestamp();
            engine.Run();
            Report("second Predict", second);
        }

        int top = 0;
        for (int i = 1; i < engine.Output.Length; i++)
        {
            top = engine.Output[i] > engine.Output[top] ? i : top;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"top-1 class {top} p={engine.Output[top]:0.000000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first_ms={firstMs:0.0} load_ms={loadMs:0.0} run_ms={runMs:0.0} engine={engine.Name} threads={threads}"));
        return 0;
    }

    private static TimeSpan jitBefore;
    private static long methodsBefore;
    private static TimeSpan cpuBefore;

    /// <summary>One phase: wall time, then the process's CPU time and JIT time (all threads) spent since the last line.</summary>
    private static void Report(string what, long since)
    {
        TimeSpan jit = System.Runtime.JitInfo.GetCompilationTime();
        long methods = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {Stopwatch.GetElapsedTime(since).TotalMilliseconds,8:0.0} ms  cpu {(cpu - cpuBefore).TotalMilliseconds,7:0} ms  jit {(jit - jitBefore).TotalMilliseconds,6:0} ms ({methods - methodsBefore,5} methods)  {what}"));
        jitBefore = jit;
        methodsBefore = methods;
        cpuBefore = cpu;
    }
}
