using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using BenchmarkDotNet.Running;
using Xception.Compiler.Benchmarks;
using Xception.Compiler.Runtime;
using Model = Xception.Compiler.Benchmarks.Xception;

// Xception.Compiler.Benchmarks
//   [run] [BenchmarkDotNet args]   prepare the artifacts, then the BenchmarkDotNet comparison (default)
//   prepare [--weights W.h5] [--force]   synthetic weights + ONNX export under out/bench/, then check
//   check [--weights W.h5] [--batch 2]   max |ONNX Runtime − Cpu| on the same input
//   prepare --model NAME [--force] / check --model NAME [--save-optimized]   a Keras application (vgg16, resnet50, mobilenet, ...):
//          weights + ONNX + float64 reference under out/bench/NAME/, then max |ONNX Runtime − reference| (≤ 1e-5)
//   bench --engine ort|cpu [--weights W.h5] [--batch 1] [--runs 30] [--warmup 3] [--threads 2] [--verbose]
//          the ONNX Runtime counterpart of `Sample bench`: ends with the same median_ms=… line
//   bench --engine ort --model NAME [...]   the same for an application (the counterpart of `Sample bench --model NAME`)
//   bench --engine ort [--model NAME] --profile [...]   also ONNX Runtime's per-node profile of the timed runs, summed
//          per node and per operator kind (OrtProfile; the counterpart of `Sample bench --profile`)
//   accuracy [--weights W.h5 | --seed 3] [--input-seed 11] [--out DIR] [--backends ort,cpu,ilgpucpu]
//          one image's outputs (and Cpu's every step) as .npy for scripts/accuracy_report.py
//   cold --engine ort|cpu [--weights W.h5] [--onnx M.onnx] [--threads 2] [--verbose]
//          engine creation + one run, nothing else: one process of scripts/cold-start.sh
//   gemm [--threads 1,2] [--seconds 0.4] [--rounds 3] [--shape TEXT]   Gemm.Multiply alone at Xception's shapes,
//          warm and cold panels, against a plain AVX-512 FMA loop's peak
//   int8gemm [--rounds 15] [--ms 40]   the int8 GEMM vs the fp32 Gemm at Xception's pointwise shapes, 1 thread, alternating
long mainStarted = Stopwatch.GetTimestamp();
string command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
string[] rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
try
{
    switch (command)
    {
        case "run":
        {
            Artifacts a = Artifacts.Prepare(Environment.GetEnvironmentVariable("XCS_BENCH_WEIGHTS"));
            Artifacts.Log($"weights {a.WeightsPath}; onnx {a.OnnxPath}; ONNX Runtime {OrtEngine.Version}; {Environment.ProcessorCount} cores");
            BenchmarkRunner.Run<XceptionBenchmarks>(new XceptionBenchmarkConfig(), rest);
            return 0;
        }

        case "prepare":
        {
            var o = Options.Parse(rest);
            if (o.Get("--model") is string prepared)
            {
                return ApplicationCheck.Run(ApplicationArtifacts.Prepare(prepared, o.Has("--force")), o.GetInt("--threads", 2));
            }

            Artifacts a = Artifacts.Prepare(o.Get("--weights"), o.Has("--force"));
            Artifacts.Log($"weights {a.WeightsPath}\n  onnx {a.OnnxPath}");
            return Check(a, o.GetInt("--batch", 2), o.GetInt("--threads", 2));
        }

        case "check":
        {
            var o = Options.Parse(rest);
            if (o.Get("--model") is string checkedModel)
            {
                ApplicationArtifacts app = ApplicationArtifacts.Prepare(checkedModel);
                string? optimized = o.Has("--save-optimized")
                    ? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(app.OnnxPath)!, app.Name + "_ort_optimized.onnx")
                    : null;
                return ApplicationCheck.Run(app, o.GetInt("--threads", 2), optimized);
            }

            return Check(Artifacts.Prepare(o.Get("--weights")), o.GetInt("--batch", 2), o.GetInt("--threads", 2));
        }

        case "bench":
        {
            var o = Options.Parse(rest);
            return Bench(o);
        }

        case "accuracy":
            return AccuracyRun.Run(Options.Parse(rest));

        case "cold":
            return ColdStart.Run(Options.Parse(rest), mainStarted);

        case "gemm":
            return GemmBench.Run(Options.Parse(rest));

        case "int8gemm":
            return Int8GemmBench.Run(Options.Parse(rest));

        default:
            Console.Error.WriteLine($"error: unknown command '{command}' (run, prepare, check, bench, accuracy, cold, gemm, int8gemm)");
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.IO.FileNotFoundException)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}

static int Check(Artifacts a, int batch, int threads)
{
    float[] input = Artifacts.RandomInput(batch * Model.InputLength);
    using var ort = new OrtEngine(a.OnnxPath, batch, threads, input);
    using var ours = new GeneratedEngine(a.WeightsPath, Backend.Cpu, batch, threads, input);
    ort.Run();
    ours.Run();
    double max = 0;
    int argmaxAgree = 0;
    for (int n = 0; n < batch; n++)
    {
        ReadOnlySpan<float> x = ort.Output.AsSpan(n * Model.OutputLength, Model.OutputLength);
        ReadOnlySpan<float> y = ours.Output.AsSpan(n * Model.OutputLength, Model.OutputLength);
        for (int i = 0; i < x.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)x[i] - y[i]));
        }

        argmaxAgree += ArgMax(x) == ArgMax(y) ? 1 : 0;
    }

    double sum = 0;
    foreach (float v in ours.Output)
    {
        sum += v;
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"check: batch {batch}, max |onnxruntime - cpu| = {max:0.000e+00} over {ours.Output.Length} probabilities, top-1 agrees on {argmaxAgree}/{batch}, item 0 top-1 probability {ours.Output[ArgMax(ours.Output.AsSpan(0, Model.OutputLength))]:0.0000}, sum {sum:0.000000} (ONNX Runtime {OrtEngine.Version})"));
    return max <= 1e-5 ? 0 : 1;
}

static int ArgMax(ReadOnlySpan<float> v)
{
    int best = 0;
    for (int i = 1; i < v.Length; i++)
    {
        if (v[i] > v[best])
        {
            best = i;
        }
    }

    return best;
}

static int Bench(Options o)
{
    string engineName = o.Get("--engine") ?? "ort";
    int batch = o.GetInt("--batch", 1), runs = o.GetInt("--runs", 30), warmup = o.GetInt("--warmup", 3), threads = o.GetInt("--threads", 2);
    string? modelName = o.Get("--model");
    string? profilePrefix = o.Has("--profile") ? Path.Combine(Artifacts.RepositoryRoot, "out", "bench", "ort_profile_" + (modelName ?? "xception")) : null;
    if (profilePrefix is not null && engineName is not ("ort" or "onnxruntime"))
    {
        throw new ArgumentException($"--profile here profiles ONNX Runtime only (--engine ort; `Sample bench --profile` profiles the compiled class), found --engine '{engineName}'.");
    }

    if (modelName is not null && engineName is not ("ort" or "onnxruntime"))
    {
        throw new ArgumentException($"--model times ONNX Runtime only (--engine ort; `Sample bench --model {modelName}` times the compiled class), found --engine '{engineName}'.");
    }

    var load = Stopwatch.StartNew();
    IEngine engine;
    double flopPerImage;
    string label;
    if (modelName is not null)
    {
        ApplicationArtifacts app = ApplicationArtifacts.Prepare(modelName);
        float[] appInput = Artifacts.RandomInput(batch * app.InputLength);
        load.Restart();
        engine = new OrtEngine(app.OnnxPath, threads, appInput, app.InputShape(batch), batch * app.Classes, profilePrefix: profilePrefix);
        flopPerImage = app.FlopPerImage;
        label = string.Create(CultureInfo.InvariantCulture, $"model {app.Name} ({app.Height}x{app.Width}x{app.Channels}, {app.Macs / 1e9:0.0000} GMAC per image), ");
    }
    else
    {
        Artifacts a = Artifacts.Prepare(o.Get("--weights"));
        float[] input = Artifacts.RandomInput(batch * Model.InputLength);
        load.Restart();
        engine = engineName switch
        {
            "ort" or "onnxruntime" => new OrtEngine(a.OnnxPath, threads, input, [batch, Model.InputHeight, Model.InputWidth, Model.InputChannels], batch * Model.OutputLength, profilePrefix: profilePrefix),
            "cpu" => new GeneratedEngine(a.WeightsPath, Backend.Cpu, batch, threads, input),
            _ => throw new ArgumentException($"--engine must be ort or cpu, found '{engineName}'."),
        };
        flopPerImage = Artifacts.FlopPerImage;
        label = "";
    }

    using var disposeEngine = engine;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{label}engine {engine.Name}{(engine is OrtEngine ? " " + OrtEngine.Version : "")}, batch {batch}, threads {threads} ({Environment.ProcessorCount} cores), load {load.Elapsed.TotalSeconds:0.00} s"));
    for (int i = 0; i < warmup; i++)
    {
        engine.Run();
    }

    var times = new double[runs];
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    for (int i = 0; i < runs; i++)
    {
        long start = Stopwatch.GetTimestamp();
        engine.Run();
        times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (o.Has("--verbose"))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {i + 1}: {times[i]:0.000} ms"));
        }
    }

    long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    if (profilePrefix is not null && engine is OrtEngine ort)
    {
        Console.WriteLine(OrtProfile.Summarize(ort.EndProfiling(), warmup, runs));
    }
    Array.Sort(times);
    double median = Percentile(times, 0.5);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"min_ms={times[0]:0.000} max_ms={times[^1]:0.000} images_per_s={batch * 1000.0 / median:0.00} gflops={batch * flopPerImage / (median * 1e6):0.0} " +
        $"allocated_bytes_per_run={allocated / runs} peak_working_set_mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0.0}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"median_ms={median:0.000} p10_ms={Percentile(times, 0.1):0.000} p90_ms={Percentile(times, 0.9):0.000} backend={engine.Name} batch={batch}"));
    return 0;
}

static double Percentile(double[] sorted, double q)
{
    double rank = q * (sorted.Length - 1);
    int low = (int)Math.Floor(rank);
    int high = Math.Min(low + 1, sorted.Length - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

internal sealed class Options
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }

            bool flag = i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal);
            o.values[args[i]] = flag ? null : args[++i];
        }

        return o;
    }

    public bool Has(string name) => values.ContainsKey(name);

    public string? Get(string name) => values.TryGetValue(name, out string? v) ? v : null;

    public int GetInt(string name, int fallback)
    {
        string? v = Get(name);
        if (v is null)
        {
            return fallback;
        }

        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n
            : throw new ArgumentException($"{name} must be a positive integer, found '{v}'.");
    }
}
