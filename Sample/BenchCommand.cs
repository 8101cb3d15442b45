using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Sample;

/// <summary>
/// <c>bench [--weights W.h5] [--backend cpu] [--batch 1] [--runs 30] [--warmup 3] [--threads N] [--verbose] [--profile] [--precision int8 --calibration F]</c>:
/// times <c>Predict</c> into a preallocated output and ends with one line
/// <c>median_ms=… p10_ms=… p90_ms=… backend=… batch=…</c>. Without <c>--weights</c> it writes deterministic
/// synthetic weights of the full Xception's shapes (<see cref="SyntheticWeights"/>) to a temporary file, and deletes it after.
/// </summary>
internal static class BenchCommand
{
    /// <summary>Seed of the synthetic weights (the Benchmarks project uses the same one).</summary>
    public const int SyntheticSeed = 1;

    /// <summary>Seed of the input images (the Benchmarks project's ONNX Runtime harness uses the same one).</summary>
    public const ulong InputSeed = 42;

    public static Command Create()
    {
        var weights = new Option<FileInfo?>("--weights") { Description = "Keras .h5 weight file (default: synthetic weights of the full Xception's shapes, seed 1)." };
        var backend = new Option<string>("--backend") { Description = "auto | cpu | ilgpu-cpu | cuda | opencl", DefaultValueFactory = _ => "cpu" };
        backend.AcceptOnlyFromAmong(Backends.Names);
        var model = new Option<string?>("--model") { Description = "Compiled model to use (default: the one whose weight table the file matches; xception for synthetic weights)." };
        var batch = new Option<int>("--batch") { Description = "Images per Predict call.", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Timed Predict calls.", DefaultValueFactory = _ => 30 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed Predict calls before the timed ones.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int?>("--threads") { Description = "Worker threads of the CPU backend (default: all cores)." };
        var verbose = new Option<bool>("--verbose") { Description = "Print every run's time." };
        var profile = new Option<bool>("--profile") { Description = "Time every step of the timed runs and print a table (ms, share, GFLOP/s; pointwise GFLOP/s) before the last line." };
        var precision = new PrecisionOptions();
        var command = new Command("bench", "Time Predict on one batch of deterministic random inputs; ends with a median_ms=… line.")
        {
            weights, backend, model, batch, runs, warmup, threads, verbose, profile, precision.Precision, precision.Calibration,
        };
        command.SetAction(result => Run(
            result.GetValue(weights)?.FullName,
            result.GetValue(backend)!,
            result.GetValue(model),
            result.GetValue(batch),
            result.GetValue(runs),
            result.GetValue(warmup),
            result.GetValue(threads),
            result.GetValue(verbose),
            result.GetValue(profile),
            precision.Read(result)));
        return command;
    }

    private static int Run(
        string? weightsPath, string backendName, string? modelName, int batch, int runs, int warmup, int? threads, bool verbose, bool profile,
        (Precision Precision, Int8Calibration? Calibration) arithmetic)
    {
        if (batch < 1 || runs < 1 || warmup < 0 || threads is < 1)
        {
            throw new UsageException(
                $"--batch and --runs must be at least 1, --warmup at least 0 and --threads at least 1; found {batch}, {runs}, {warmup}, {threads}.");
        }

        Backend backend = Backends.Parse(backendName);
        string? temporary = null;
        try
        {
            CompiledModel model;
            if (weightsPath is null)
            {
                model = CompiledModels.Select(modelName ?? "xception", "");
                temporary = Path.Combine(Path.GetTempPath(), $"xcs-bench-{model.Name}-{Environment.ProcessId}-{Guid.NewGuid():N}.h5");
                var write = Stopwatch.StartNew();
                SyntheticWeights.WriteKeras2File(temporary, model.WeightTable, SyntheticSeed);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"synthetic weights: {model.Name}, seed {SyntheticSeed}, {new FileInfo(temporary).Length / 1e6:0.0} MB, {write.Elapsed.TotalSeconds:0.0} s"));
                weightsPath = temporary;
            }
            else
            {
                model = CompiledModels.Select(modelName, weightsPath);
            }

            StepProfiler? profiler = profile ? new StepProfiler() : null;
            var options = new InferenceOptions
            {
                Backend = backend, Threads = threads, MaxBatch = Math.Max(batch, 1), Profiler = profiler,
                Precision = arithmetic.Precision, Calibration = arithmetic.Calibration,
            };
            var load = Stopwatch.StartNew();
            using ICompiledModel loaded = model.Load(weightsPath, options);
            load.Stop();

            float[] input = RandomInput(batch * model.InputLength, InputSeed);
            float[] output = new float[batch * model.OutputLength];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model {model.Name}, backend {loaded.BackendName}, precision {arithmetic.Precision}, batch {batch}, {model.InputHeight}x{model.InputWidth}x{model.InputChannels}, " +
                $"threads {(threads?.ToString(CultureInfo.InvariantCulture) ?? "all")} ({Environment.ProcessorCount} cores), load {load.Elapsed.TotalSeconds:0.00} s"));

            for (int i = 0; i < warmup; i++)
            {
                loaded.Predict(input, output, batch);
            }

            profiler?.Reset();
            var times = new double[runs];
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < runs; i++)
            {
                long start = Stopwatch.GetTimestamp();
                loaded.Predict(input, output, batch);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (verbose)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {i + 1}: {times[i]:0.000} ms"));
                }
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            double checksum = 0;
            foreach (float v in output)
            {
                checksum += v;
            }

            Array.Sort(times);
            if (profiler is not null)
            {
                Console.WriteLine(profiler.Format());
            }

            double median = Percentile(times, 0.5);
            double imagesPerSecond = batch * 1000.0 / median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"min_ms={times[0]:0.000} max_ms={times[^1]:0.000} images_per_s={imagesPerSecond:0.00} " +
                $"allocated_bytes_per_run={allocated / runs} peak_working_set_mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0.0} output_sum={checksum:0.000000}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"median_ms={median:0.000} p10_ms={Percentile(times, 0.1):0.000} p90_ms={Percentile(times, 0.9):0.000} backend={loaded.BackendName} batch={batch}"));
            return 0;
        }
        finally
        {
            if (temporary is not null)
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Linear interpolation between the closest ranks (numpy's default) of sorted values.</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        double rank = q * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    /// <summary>Deterministic inputs, uniform in [-1, 1); the Benchmarks project feeds ONNX Runtime the same values.</summary>
    internal static float[] RandomInput(int length, ulong seed) => SyntheticWeights.RandomInput(length, seed);
}
