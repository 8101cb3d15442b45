using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.GpuCheck;

/// <summary>
/// <c>xcs-gpucheck prepare --data DIR</c> (on a build machine): writes the full-size synthetic weights,
/// random images and the reference outputs of IlgpuCpu and Cpu for them into DIR (the weights are deleted
/// again: 92 MB is too much to carry; their SHA-256 is kept).
/// <c>xcs-gpucheck run --data DIR --fixtures DIR --examples DIR --work DIR --out DIR</c> (on the GPU machine): compiles PTX,
/// checks the backend (Cuda by default) against the mini fixtures and the prepared outputs (regenerating the
/// synthetic weights in --work), and times Predict.
/// Exit codes: 0 all checks passed, 1 a check failed, 2 usage, 3 the backend is not available.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        try
        {
            if (args.Length == 0)
            {
                throw new UsageException("a command is required: prepare or run");
            }

            var options = Options.Parse(args.Skip(1).ToArray());
            return args[0] switch
            {
                "prepare" => Prepare.Execute(options),
                "run" => Check.Execute(options),
                _ => throw new UsageException($"unknown command '{args[0]}' (prepare or run)"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine("usage error: " + e.Message);
            Console.Error.WriteLine("  xcs-gpucheck prepare --data DIR [--seed 3] [--image-seed 7] [--images 2] [--references ilgpu-cpu,cpu]");
            Console.Error.WriteLine("  xcs-gpucheck run --out DIR [--checks ptx,mini,full] [--backend cuda|ilgpu-cpu|cpu|opencl] [--tolerance 1e-5]");
            Console.Error.WriteLine("                   [--fixtures DIR --examples DIR] (mini) [--data DIR --work DIR --batches 1,32 --runs 100 --warmup 20] (full)");
            return 2;
        }
        catch (BackendUnavailableException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            Console.Error.WriteLine("devices: " + ExecutionBackends.DescribeDevices());
            return 3;
        }
    }
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>--name value pairs.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new UsageException($"expected '--name value', found '{args[i]}'");
            }

            options._values[args[i][2..]] = args[++i];
        }

        return options;
    }

    public string Path(string name) =>
        _values.TryGetValue(name, out string? value) ? System.IO.Path.GetFullPath(value) : throw new UsageException($"--{name} is required");

    public string Text(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out string? value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out string? value) ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public int[] Ints(string name, string fallback) =>
        Text(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    public static Backend ParseBackend(string name) => name switch
    {
        "cuda" => Backend.Cuda,
        "ilgpu-cpu" => Backend.IlgpuCpu,
        "cpu" => Backend.Cpu,
        "opencl" => Backend.OpenCL,
        _ => throw new UsageException($"unknown backend '{name}' (cuda, ilgpu-cpu, cpu, opencl)"),
    };
}

/// <summary>Files shared by prepare and run.</summary>
internal static class Data
{
    public const string Manifest = "manifest.json";
    public const string Images = "synthetic_images.npy";
    public const string ExpectedIlgpuCpu = "synthetic_expected_ilgpu_cpu.npy";
    public const string ExpectedCpu = "synthetic_expected_cpu.npy";
    public const string WeightsFile = "xception_synthetic.h5";

    /// <summary>Uniform in [-1, 1): the same generator the benchmarks use.</summary>
    public static float[] RandomImages(int length, ulong seed) => SyntheticWeights.RandomInput(length, seed);

    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            return double.PositiveInfinity;
        }

        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(d))
            {
                return double.NaN;
            }

            worst = Math.Max(worst, d);
        }

        return worst;
    }

    public static string Format(double value) => value.ToString("0.000E+0", CultureInfo.InvariantCulture);
}

/// <summary>The build-machine step: reference outputs for a full-size synthetic model.</summary>
internal static class Prepare
{
    public static int Execute(Options options)
    {
        string data = options.Path("data");
        int seed = options.Int("seed", 3);
        int imageSeed = options.Int("image-seed", 7);
        int count = options.Int("images", 2);
        Directory.CreateDirectory(data);

        string weights = System.IO.Path.Combine(data, Data.WeightsFile);
        var clock = Stopwatch.StartNew();
        SyntheticWeights.WriteKeras2File(weights, Xception.WeightTable, seed);
        string sha = Data.Sha256(weights);
        long weightBytes = new FileInfo(weights).Length;
        Console.WriteLine(FormattableString.Invariant($"synthetic weights: seed {seed}, {weightBytes / 1e6:0.0} MB, sha256 {sha}, {clock.Elapsed.TotalSeconds:0.0} s"));

        float[] images = Data.RandomImages(count * Xception.InputLength, (ulong)imageSeed);
        NpyFile.Write(System.IO.Path.Combine(data, Data.Images), images, new[] { count, Xception.InputHeight, Xception.InputWidth, Xception.InputChannels });

        var outputs = new Dictionary<Backend, (float[] Values, double Seconds)>();
        Backend[] references = options.Text("references", "ilgpu-cpu,cpu").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Options.ParseBackend).ToArray();
        foreach (Backend backend in references)
        {
            clock.Restart();
            using var model = Xception.Load(weights, new InferenceOptions { Backend = backend, MaxBatch = count });
            float[] output = model.Predict(images);
            outputs[backend] = (output, clock.Elapsed.TotalSeconds);
            NpyFile.Write(
                System.IO.Path.Combine(data, backend == Backend.Cpu ? Data.ExpectedCpu : Data.ExpectedIlgpuCpu),
                output, new[] { count, Xception.OutputLength });
            Console.WriteLine(FormattableString.Invariant($"{model.BackendName}: {count} images in {outputs[backend].Seconds:0.0} s"));
        }

        double agreement = outputs.Count == 2 ? Data.MaxAbsDifference(outputs[Backend.IlgpuCpu].Values, outputs[Backend.Cpu].Values) : 0;
        File.Delete(weights);

        using (var stream = File.Create(System.IO.Path.Combine(data, Data.Manifest)))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", "Xception (model.xcs.json)");
            json.WriteNumber("weights_seed", seed);
            json.WriteString("weights_sha256", sha);
            json.WriteNumber("weights_bytes", weightBytes);
            json.WriteNumber("image_seed", imageSeed);
            json.WriteNumber("images", count);
            json.WriteNumber("ilgpu_cpu_vs_cpu_max_abs", agreement);
            foreach ((Backend backend, (float[] _, double seconds)) in outputs)
            {
                json.WriteNumber(backend == Backend.Cpu ? "cpu_seconds" : "ilgpu_cpu_seconds", seconds);
            }

            json.WriteString("prepared_utc", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        Console.WriteLine($"IlgpuCpu vs Cpu: max abs difference {Data.Format(agreement)}");
        if (!(agreement <= 1e-5))
        {
            Console.Error.WriteLine("error: IlgpuCpu and Cpu disagree by more than 1e-5; the reference is not trustworthy");
            return 1;
        }

        return 0;
    }
}

/// <summary>The GPU-machine step.</summary>
internal static class Check
{
    private sealed record Result(string Name, double MaxAbsError, double Tolerance, string Detail)
    {
        public bool Passed => MaxAbsError <= Tolerance;

        public static Result Failed(string name, Exception e) =>
            new(name, double.PositiveInfinity, 0, e.GetType().Name + ": " + e.Message);
    }

    private sealed record Timing(int Batch, double[] Milliseconds)
    {
        public double Percentile(double q)
        {
            double[] sorted = Milliseconds.Order().ToArray();
            double rank = q * (sorted.Length - 1);
            int low = (int)Math.Floor(rank);
            int high = Math.Min(low + 1, sorted.Length - 1);
            return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
        }
    }

    public static int Execute(Options options)
    {
        string output = options.Path("out");
        Backend backend = Options.ParseBackend(options.Text("backend", "cuda"));
        double tolerance = options.Double("tolerance", 1e-5);
        string[] checks = options.Text("checks", "ptx,mini,full").Split(',', StringSplitOptions.RemoveEmptyEntries);
        Directory.CreateDirectory(output);

        string devices = ExecutionBackends.DescribeDevices();
        Console.WriteLine("devices: " + devices);
        if (backend == Backend.Cuda && !ExecutionBackends.IsCudaAvailable)
        {
            throw new BackendUnavailableException("No CUDA device is visible to ILGPU (driver libcuda.so.1 missing or no GPU).");
        }

        var run = new Run(backend, tolerance, System.IO.Path.Combine(output, "xcs.json"), devices);

        // PTX for sm_90 of every kernel method (PtxCompiler, no GPU needed): proves the published binary's
        // PTX code generator works before the GPU is involved.
        if (checks.Contains("ptx"))
        {
            run.Ptx();
        }

        // (a) The mini fixtures: 299x299 (one image) and 71x71 (batch 2).
        if (checks.Contains("mini"))
        {
            // The weights and the 299x299 input are the Sample's examples (their one copy); the rest are test fixtures.
            string fixtures = options.Path("fixtures");
            string examples = options.Path("examples");
            string weights = System.IO.Path.Combine(examples, "mini_xception_w0125_top10.h5");
            run.Mini<MiniXception>(
                "mini 299x299 vs fixture", weights, System.IO.Path.Combine(examples, "mini_input_299x299_seed5.npy"), System.IO.Path.Combine(fixtures, "mini_expected_299x299_seed5.npy"),
                (path, o) => MiniXception.Load(path, o), (m, i) => m.Predict(i), m => m.BackendName);
            run.Mini<global::Xception.Compiler.Tests.Models.MiniXception71>(
                "mini 71x71 batch 2 vs fixture", weights, System.IO.Path.Combine(fixtures, "mini_input_71x71_seed2.npy"), System.IO.Path.Combine(fixtures, "mini_expected_71x71_seed2.npy"),
                (path, o) => global::Xception.Compiler.Tests.Models.MiniXception71.Load(path, o), (m, i) => m.Predict(i), m => m.BackendName);
        }

        // (b) + (c) Full-size synthetic model: outputs vs the prepared ones, then Predict timings.
        if (checks.Contains("full"))
        {
            run.Full(options.Path("data"), options.Path("work"), output,
                options.Ints("batches", "1,32"), options.Int("runs", 100), options.Int("warmup", 20));
        }

        foreach (Result result in run.Results)
        {
            Console.WriteLine($"{(result.Passed ? "PASS" : "FAIL")} {result.Name}: max abs error {Data.Format(result.MaxAbsError)} (tolerance {Data.Format(result.Tolerance)}){(result.Passed ? string.Empty : " " + result.Detail)}");
        }

        run.Save();
        return run.Results.Count > 0 && run.Results.All(r => r.Passed) ? 0 : 1;
    }

    /// <summary>The checks and timings so far; xcs.json is rewritten after each, so a run cut short keeps them.</summary>
    private sealed class Run(Backend backend, double tolerance, string jsonPath, string devices)
    {
        public List<Result> Results { get; } = new();

        public List<Timing> Timings { get; } = new();

        public string BackendName { get; private set; } = backend.ToString();

        public string WeightsPath { get; private set; } = string.Empty;

        public bool WeightsMatchPrepared { get; private set; }

        public int Runs { get; private set; }

        public int Warmup { get; private set; }

        public void Ptx()
        {
            const string name = "PTX sm_90 (ISA 7.8) for every kernel method";
            try
            {
                var clock = Stopwatch.StartNew();
                var kernels = Runtime.Kernels.KernelCatalog.Representative();
                var ptx = Runtime.Kernels.PtxCompiler.CompileAll(kernels);
                bool ok = ptx.Count == kernels.Count && ptx.All(p => p.Ptx.Contains(".entry", StringComparison.Ordinal) && p.Ptx.Contains(".target sm_90", StringComparison.Ordinal));
                Add(new Result(name, ok ? 0 : double.PositiveInfinity, 0, $"{ptx.Count} kernels, {ptx.Sum(p => p.Ptx.Length)} characters of PTX"));
                Console.WriteLine(FormattableString.Invariant($"{name}: {ptx.Count} kernels in {clock.Elapsed.TotalSeconds:0.0} s"));
            }
            catch (Exception e)
            {
                Add(Result.Failed(name, e));
            }
        }

        public void Mini<TModel>(
            string name, string weights, string inputPath, string expectedPath,
            Func<string, InferenceOptions, TModel> load, Func<TModel, float[], float[]> predict, Func<TModel, string> backendName)
            where TModel : IDisposable
        {
            try
            {
                NpyArray input = NpyFile.Read(inputPath);
                NpyArray expected = NpyFile.Read(expectedPath);
                var clock = Stopwatch.StartNew();
                using TModel model = load(weights, new InferenceOptions { Backend = backend, MaxBatch = input.Shape[0] });
                BackendName = backendName(model);
                float[] output = predict(model, input.Data);
                Console.WriteLine(FormattableString.Invariant($"{name}: load + predict {clock.Elapsed.TotalSeconds:0.0} s"));
                Add(new Result(name, Data.MaxAbsDifference(output, expected.Data), tolerance, $"{System.IO.Path.GetFileName(inputPath)} -> {System.IO.Path.GetFileName(expectedPath)} (float64 reference)"));
            }
            catch (Exception e)
            {
                Add(Result.Failed(name, e));
            }
        }

        public void Full(string data, string work, string output, int[] batches, int runs, int warmup)
        {
            Runs = runs;
            Warmup = warmup;
            Directory.CreateDirectory(work);
            using var manifest = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(data, Data.Manifest)));
            int seed = manifest.RootElement.GetProperty("weights_seed").GetInt32();
            string expectedSha = manifest.RootElement.GetProperty("weights_sha256").GetString() ?? string.Empty;

            // Deterministic: the same bytes as the file prepare wrote (checked by SHA-256; the PyTorch script reads this file).
            WeightsPath = System.IO.Path.Combine(work, Data.WeightsFile);
            var clock = Stopwatch.StartNew();
            SyntheticWeights.WriteKeras2File(WeightsPath, Xception.WeightTable, seed);
            string sha = Data.Sha256(WeightsPath);
            WeightsMatchPrepared = sha == expectedSha;
            Console.WriteLine(FormattableString.Invariant(
                $"synthetic weights: {WeightsPath}, seed {seed}, {clock.Elapsed.TotalSeconds:0.0} s, sha256 {(WeightsMatchPrepared ? "matches the prepared file" : "DIFFERS from the prepared file " + expectedSha)}"));

            NpyArray images = NpyFile.Read(System.IO.Path.Combine(data, Data.Images));
            int count = images.Shape[0];
            Xception model;
            try
            {
                clock.Restart();
                model = Xception.Load(WeightsPath, new InferenceOptions { Backend = backend, MaxBatch = Math.Max(count, batches.DefaultIfEmpty(1).Max()) });
                BackendName = model.BackendName;
                float[] ours = model.Predict(images.Data);
                Console.WriteLine(FormattableString.Invariant($"{BackendName}: full model load + first predict (kernel compilation) {clock.Elapsed.TotalSeconds:0.0} s"));
                NpyFile.Write(System.IO.Path.Combine(output, "xcs_synthetic_outputs.npy"), ours, new[] { count, Xception.OutputLength });
                foreach ((string file, string what) in new[] { (Data.ExpectedIlgpuCpu, "IlgpuCpu"), (Data.ExpectedCpu, "Cpu") })
                {
                    string expectedPath = System.IO.Path.Combine(data, file);
                    if (File.Exists(expectedPath))
                    {
                        NpyArray expected = NpyFile.Read(expectedPath);
                        Add(new Result($"full synthetic batch {count} vs prepared {what}", Data.MaxAbsDifference(ours, expected.Data), tolerance,
                            $"weights sha256 {(WeightsMatchPrepared ? "equal to" : "different from")} the prepared file"));
                    }
                }
            }
            catch (Exception e)
            {
                Add(Result.Failed("full synthetic model", e));
                return;
            }

            using (model)
            {
                // (c) ReadOutput waits for the device, so Predict's wall time is device-synchronized.
                foreach (int batch in batches)
                {
                    float[] input = Data.RandomImages(batch * Xception.InputLength, 42);
                    float[] result = new float[batch * Xception.OutputLength];
                    for (int i = 0; i < warmup; i++)
                    {
                        model.Predict(input, result);
                    }

                    var times = new double[runs];
                    for (int i = 0; i < runs; i++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        model.Predict(input, result);
                        times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    }

                    var timing = new Timing(batch, times);
                    Timings.Add(timing);
                    Save();
                    Console.WriteLine(FormattableString.Invariant(
                        $"{BackendName} batch {batch}: median {timing.Percentile(0.5):0.000} ms, p10 {timing.Percentile(0.1):0.000}, p90 {timing.Percentile(0.9):0.000}, {batch * 1000 / timing.Percentile(0.5):0.0} images/s"));
                }
            }
        }

        public void Add(Result result)
        {
            Results.Add(result);
            Save();
        }

        public void Save()
        {
            using FileStream stream = File.Create(jsonPath);
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("devices", devices);
            json.WriteString("backend", BackendName);
            json.WriteString("precision", "fp32 (the ILGPU kernels as compiled; see Runtime/Kernels)");
            json.WriteString("weights_path", WeightsPath);
            json.WriteBoolean("weights_sha256_matches_prepared", WeightsMatchPrepared);
            json.WriteString("os", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
            json.WriteString("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
            json.WriteString("utc", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteStartArray("checks");
            foreach (Result result in Results)
            {
                json.WriteStartObject();
                json.WriteString("name", result.Name);
                json.WriteNumber("max_abs_error", double.IsFinite(result.MaxAbsError) ? result.MaxAbsError : -1);
                json.WriteNumber("tolerance", result.Tolerance);
                json.WriteBoolean("passed", result.Passed);
                json.WriteString("detail", result.Detail);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("timings");
            foreach (Timing timing in Timings)
            {
                json.WriteStartObject();
                json.WriteString("backend", "xcs " + BackendName);
                json.WriteNumber("batch", timing.Batch);
                json.WriteNumber("warmup", Warmup);
                json.WriteNumber("runs", Runs);
                json.WriteNumber("median_ms", timing.Percentile(0.5));
                json.WriteNumber("p10_ms", timing.Percentile(0.1));
                json.WriteNumber("p90_ms", timing.Percentile(0.9));
                json.WriteNumber("images_per_s", timing.Batch * 1000 / timing.Percentile(0.5));
                json.WriteString("measures", "Predict(host input -> host output), device-synchronized by ReadOutput");
                json.WriteStartArray("ms");
                foreach (double ms in timing.Milliseconds)
                {
                    json.WriteNumberValue(Math.Round(ms, 4));
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }
    }
}
