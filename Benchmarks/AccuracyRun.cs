using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Benchmarks;

/// <summary>
/// <c>accuracy</c>: one 299×299 image through ONNX Runtime and the generated class on the same weights, every
/// output written as <c>.npy</c> under <c>--out</c> for <c>scripts/accuracy_report.py</c>, which compares them
/// with the float64 reference of <c>scripts/xception_reference.py</c>. <c>Cpu</c> runs through <c>Trace</c>, so
/// every fused step's output is kept (<c>cpu_step{NN}_{layer}.npy</c>) for finding where an error enters.
/// </summary>
internal static class AccuracyRun
{
    /// <summary>Options: <c>--weights W.h5</c> (else synthetic weights of <c>--seed</c>, default 3), <c>--input-seed</c>
    /// (default 11), <c>--out</c> (default <c>out/accuracy</c>), <c>--backends</c> (default <c>ort,cpu</c>; add <c>ilgpucpu</c>,
    /// several minutes).</summary>
    public static int Run(Options o)
    {
        string folder = Path.GetFullPath(o.Get("--out") ?? Path.Combine(Artifacts.RepositoryRoot, "out", "accuracy"));
        Directory.CreateDirectory(folder);
        string? weights = o.Get("--weights");
        if (weights is null)
        {
            int seed = o.GetInt("--seed", 3);
            weights = Path.Combine(Artifacts.RepositoryRoot, "out", "bench", $"xception_synthetic_seed{seed}.h5");
            if (!File.Exists(weights))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
                SyntheticWeights.WriteKeras2File(weights, Xception.WeightTable, seed);
                Artifacts.Log($"wrote {weights}");
            }
        }

        float[] input = SyntheticWeights.RandomInput(Xception.InputLength, (ulong)o.GetInt("--input-seed", 11));
        int[] imageShape = [1, Xception.InputHeight, Xception.InputWidth, Xception.InputChannels];
        NpyFile.Write(Path.Combine(folder, "input.npy"), input, imageShape);
        int[] outputShape = [1, Xception.OutputLength];
        foreach (string backend in (o.Get("--backends") ?? "ort,cpu").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var clock = Stopwatch.StartNew();
            float[] output;
            switch (backend)
            {
                case "ort":
                {
                    Artifacts a = Artifacts.Prepare(weights);
                    using var ort = new OrtEngine(a.OnnxPath, 1, 2, input);
                    ort.Run();
                    output = ort.Output;
                    break;
                }

                case "cpu":
                {
                    using var model = Xception.Load(weights, new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1 });
                    output = model.Trace(input, (step, layer, shape, values) =>
                    {
                        string name = layer.Replace(" (logits)", "_logits", StringComparison.Ordinal);
                        NpyFile.Write(Path.Combine(folder, $"cpu_step{step:D2}_{name}.npy"), values, shape.ToArray());
                    });
                    break;
                }

                case "ilgpucpu":
                {
                    using var model = Xception.Load(weights, new InferenceOptions { Backend = Backend.IlgpuCpu, MaxBatch = 1 });
                    output = model.Predict(input);
                    break;
                }

                default:
                    throw new ArgumentException($"--backends takes ort, cpu and ilgpucpu, found '{backend}'.");
            }

            NpyFile.Write(Path.Combine(folder, backend + "_probabilities.npy"), output, outputShape);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{backend}: {clock.Elapsed.TotalSeconds:0.0} s"));
        }

        Console.WriteLine($"wrote {folder}; compare: /usr/bin/python3 scripts/accuracy_report.py {weights} {folder}");
        return 0;
    }
}
