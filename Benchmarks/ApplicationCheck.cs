using System;
using System.Globalization;
using Xception.Compiler.Runtime.Tensors;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// <c>check --model NAME</c>: ONNX Runtime on an application's exported ONNX file against the fixture tool's
/// float64 interpreter (<c>run_graph</c>) on the same weights and the same image, so that the timings of
/// <c>bench --engine ort --model NAME</c> are of the same network the compiled class runs.
/// </summary>
internal static class ApplicationCheck
{
    /// <summary>The issue's bound on probabilities.</summary>
    public const double Tolerance = 1e-5;

    /// <param name="optimizedModelPath">Where ONNX Runtime writes the graph it runs (which fusions it made), or null.</param>
    public static int Run(ApplicationArtifacts a, int threads, string? optimizedModelPath = null)
    {
        if (a.CheckExpectedPath is null)
        {
            Console.Error.WriteLine(
                $"error: {a.Name}: no float64 reference (the fixture tool's run_graph could not run this network; see the exporter's output), so nothing to check against.");
            return 1;
        }

        NpyArray input = NpyFile.Read(a.CheckInputPath);
        NpyArray expected = NpyFile.Read(a.CheckExpectedPath);
        int batch = input.Shape[0];
        if (input.Data.Length != batch * a.InputLength || expected.Data.Length != batch * a.Classes)
        {
            throw new InvalidOperationException(
                $"{a.Name}: expected an input of {batch}x{a.Height}x{a.Width}x{a.Channels} and {batch}x{a.Classes} outputs, " +
                $"found [{string.Join(", ", input.Shape)}] and [{string.Join(", ", expected.Shape)}].");
        }

        using var ort = new OrtEngine(a.OnnxPath, threads, input.Data, a.InputShape(batch), batch * a.Classes, optimizedModelPath);
        ort.Run();
        // Synthetic weights leave some applications' probabilities nearly flat (ResNet50's largest is about 0.002),
        // where an absolute error says little; the relative one is about the error of the logits.
        double max = 0, maxRelative = 0, largest = 0;
        int top1Agree = 0;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> x = ort.Output.AsSpan(n * a.Classes, a.Classes);
            ReadOnlySpan<float> y = expected.Data.AsSpan(n * a.Classes, a.Classes);
            for (int i = 0; i < x.Length; i++)
            {
                max = Math.Max(max, Math.Abs((double)x[i] - y[i]));
                largest = Math.Max(largest, y[i]);
                maxRelative = Math.Max(maxRelative, Math.Abs((double)x[i] - y[i]) / Math.Max(Math.Abs((double)y[i]), 1e-30));
            }

            top1Agree += ArgMax(x) == ArgMax(y) ? 1 : 0;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"check {a.Name}: {batch} image(s) {a.Height}x{a.Width}x{a.Channels}, max |onnxruntime - float64 reference| = {max:0.000e+00} " +
            $"over {batch * a.Classes} probabilities (largest expected {largest:0.0000}; max relative error {maxRelative:0.0e+00}), top-1 agrees on {top1Agree}/{batch} " +
            $"(ONNX Runtime {OrtEngine.Version}; bound {Tolerance:0e+00})"));
        return max <= Tolerance ? 0 : 1;
    }

    private static int ArgMax(ReadOnlySpan<float> v)
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
}
