using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// One Keras application's benchmark files under <c>out/bench/&lt;name&gt;/</c>, made by
/// <c>Benchmarks/onnx/export_application.py</c>: synthetic weights in the official layout (the fixture tool's,
/// seed 7), the ONNX export of the same weights, one check image and the tool's float64 output for it, and
/// <c>&lt;name&gt;.json</c>, which this record is read from.
/// </summary>
internal sealed record ApplicationArtifacts(
    string Name,
    string WeightsPath,
    string OnnxPath,
    int Height,
    int Width,
    int Channels,
    int Classes,
    long Params,
    long Macs,
    string CheckInputPath,
    string? CheckExpectedPath)
{
    public int InputLength => Height * Width * Channels;

    /// <summary>2 × the multiply-accumulates of the convolutions and dense layers, per image.</summary>
    public double FlopPerImage => 2.0 * Macs;

    public long[] InputShape(int batch) => [batch, Height, Width, Channels];

    /// <summary>Reads <c>out/bench/&lt;name&gt;/&lt;name&gt;.json</c>, running the exporter first when it is missing or <paramref name="force"/>.</summary>
    public static ApplicationArtifacts Prepare(string name, bool force = false)
    {
        if (name.Length == 0 || name.IndexOfAny(['/', '\\', '.']) >= 0)
        {
            throw new ArgumentException($"--model must be an application's name (vgg16, resnet50, ...), found '{name}'.");
        }

        string folder = Path.Combine(Artifacts.RepositoryRoot, "out", "bench", name);
        string json = Path.Combine(folder, name + ".json");
        if (force || !File.Exists(json))
        {
            Export(name, force);
        }

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = doc.RootElement;
        JsonElement input = root.GetProperty("input");
        JsonElement expected = root.GetProperty("check_expected");
        return new ApplicationArtifacts(
            name,
            root.GetProperty("weights").GetString()!,
            root.GetProperty("onnx").GetString()!,
            input[0].GetInt32(),
            input[1].GetInt32(),
            input[2].GetInt32(),
            root.GetProperty("classes").GetInt32(),
            root.GetProperty("params").GetInt64(),
            root.GetProperty("macs").GetInt64(),
            root.GetProperty("check_input").GetString()!,
            expected.ValueKind == JsonValueKind.Null ? null : expected.GetString());
    }

    private static void Export(string name, bool force)
    {
        string script = Path.Combine(Artifacts.RepositoryRoot, "Benchmarks", "onnx", "export_application.py");
        var start = new ProcessStartInfo(Artifacts.Python)
        {
            ArgumentList = { script, name },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (force)
        {
            start.ArgumentList.Add("--force");
        }

        var sw = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Artifacts.Python}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Exporting {name} needs {Artifacts.Python} with onnx, h5py and numpy (Debian: apt-get install -y python3-onnx python3-h5py python3-numpy): " + e.Message, e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{script} {name} failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
            }

            Artifacts.Log(stdout.TrimEnd() + $" ({sw.Elapsed.TotalSeconds:0.0} s)");
        }
    }
}
