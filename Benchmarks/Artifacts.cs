using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// The weight file and the ONNX model every engine runs: made once, kept under <c>out/bench/</c> (ignored by git).
/// Without <c>--weights</c>, deterministic synthetic weights of the full Xception's shapes (seed 1, the seed
/// <c>Sample bench</c> uses); the ONNX file is exported from that same <c>.h5</c> by <c>Benchmarks/onnx/export_onnx.py</c>.
/// </summary>
internal sealed record Artifacts(string WeightsPath, string OnnxPath)
{
    public const int SyntheticSeed = 1;
    public const int Height = Xception.InputHeight, Width = Xception.InputWidth;

    /// <summary>Whole model: 8.357 GMAC per 299×299 image (90.6% in the separable convolutions' pointwise 1×1).</summary>
    public const double FlopPerImage = 2 * 8_357_403_496.0;

    /// <summary>Of that, the pointwise 1×1 convolutions of the separable convolutions (7.574 GMAC).</summary>
    public const double PointwiseFlopPerImage = 2 * 7_574_141_568.0;

    public static string RepositoryRoot { get; } = FindRoot();

    public static string Python { get; } = Environment.GetEnvironmentVariable("XCS_PYTHON") ?? "/usr/bin/python3";

    /// <summary>Makes whatever is missing: the synthetic weights (when no file is given) and the ONNX export.</summary>
    public static Artifacts Prepare(string? weights = null, bool force = false)
    {
        string folder = Path.Combine(RepositoryRoot, "out", "bench");
        Directory.CreateDirectory(folder);
        if (weights is null)
        {
            weights = Path.Combine(folder, $"xception_synthetic_seed{SyntheticSeed}.h5");
            if (force || !File.Exists(weights))
            {
                var sw = Stopwatch.StartNew();
                SyntheticWeights.WriteKeras2File(weights, Xception.WeightTable, SyntheticSeed);
                Log($"wrote {weights} ({new FileInfo(weights).Length / 1e6:0.0} MB, {sw.Elapsed.TotalSeconds:0.0} s)");
            }
        }
        else
        {
            weights = Path.GetFullPath(weights);
            if (!File.Exists(weights))
            {
                throw new FileNotFoundException($"Weight file '{weights}' does not exist.", weights);
            }
        }

        string onnx = Path.Combine(folder, Path.GetFileNameWithoutExtension(weights) + $"_{Height}x{Width}_nhwc.onnx");
        if (force || !File.Exists(onnx) || File.GetLastWriteTimeUtc(onnx) < File.GetLastWriteTimeUtc(weights))
        {
            Export(weights, onnx);
        }

        return new Artifacts(weights, onnx);
    }

    private static void Export(string weights, string onnx)
    {
        string script = Path.Combine(RepositoryRoot, "Benchmarks", "onnx", "export_onnx.py");
        var start = new ProcessStartInfo(Python)
        {
            ArgumentList = { script, weights, onnx, "--height", Height.ToString(CultureInfo.InvariantCulture), "--width", Width.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var sw = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Exporting the ONNX model needs {Python} with torch, onnx, h5py and numpy " +
                "(Debian: apt-get install -y python3-torch python3-onnx python3-h5py python3-numpy): " + e.Message, e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{script} failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
            }

            Log(stdout.TrimEnd() + $" ({sw.Elapsed.TotalSeconds:0.0} s)");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Xception.Compiler.sln")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Xception.Compiler.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (Xception.Compiler.sln) above " + AppContext.BaseDirectory);
    }

    public static void Log(string message) => Console.WriteLine("// " + message.Replace("\n", "\n// ", StringComparison.Ordinal));

    /// <summary>Deterministic inputs, uniform in [-1, 1): the same values <c>Sample bench</c> feeds (its seed is 42).</summary>
    public static float[] RandomInput(int length, ulong seed = 42) => SyntheticWeights.RandomInput(length, seed);
}
