using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Runtime.Tensors;

namespace Xception.Compiler.Sample;

/// <summary>
/// <c>predict --weights W.h5 --input X.npy [--output Y.npy] [--backend ...] [--model ...] [--precision int8 --calibration F]</c>:
/// X is NHWC float32, already preprocessed; Y receives the (N, outputs) float32 results.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var weights = new Option<FileInfo>("--weights") { Description = "Keras .h5 weight file.", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "NHWC float32 .npy input, preprocessed as the model expects (x/127.5 - 1 for Xception; raw pixels for a model with its own Rescaling or Normalization).", Required = true };
        var output = new Option<FileInfo?>("--output") { Description = "Where to write the (N, outputs) float32 .npy results." };
        var backend = new Option<string>("--backend") { Description = "auto | cpu | ilgpu-cpu | cuda | opencl", DefaultValueFactory = _ => "auto" };
        backend.AcceptOnlyFromAmong(Backends.Names);
        var model = new Option<string?>("--model") { Description = "Compiled model to use (default: the one whose weight table the file matches)." };
        var top = new Option<int>("--top") { Description = "How many classes to print per image.", DefaultValueFactory = _ => 5 };
        var precision = new PrecisionOptions();
        var command = new Command("predict", "Run a compiled model on a .npy batch and print the top classes.")
        {
            weights, input, output, backend, model, top, precision.Precision, precision.Calibration,
        };
        command.SetAction(result => Run(
            result.GetValue(weights)!.FullName,
            result.GetValue(input)!.FullName,
            result.GetValue(output)?.FullName,
            Backends.Parse(result.GetValue(backend)!),
            result.GetValue(model),
            result.GetValue(top),
            precision.Read(result)));
        return command;
    }

    private static int Run(
        string weightsPath, string inputPath, string? outputPath, Backend backend, string? modelName, int top, (Precision Precision, Int8Calibration? Calibration) arithmetic)
    {
        if (top < 1)
        {
            throw new UsageException($"--top must be at least 1, found {top}.");
        }

        CompiledModel model = CompiledModels.Select(modelName, weightsPath);
        NpyArray x = NpyFile.Read(inputPath);
        int batch = BatchOf(x, model, inputPath);

        using ICompiledModel loaded = model.Load(weightsPath, new InferenceOptions { Backend = backend, Precision = arithmetic.Precision, Calibration = arithmetic.Calibration });
        var y = new float[batch * model.OutputLength];
        loaded.Predict(x.Data, y, batch);

        if (outputPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
            NpyFile.Write(outputPath, y, [batch, model.OutputLength]);
        }

        Console.WriteLine($"model {model.Name} ({model.Description}), backend {loaded.BackendName}, precision {arithmetic.Precision}, batch {batch}");
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> probabilities = y.AsSpan(n * model.OutputLength, model.OutputLength);
            Console.WriteLine($"item {n}:");
            foreach (int index in ImageNetLabels.TopIndices(probabilities, top))
            {
                string label = model.Labels.Count > 0 ? model.Labels[index]
                    : model.IsImageNet ? $"{ImageNetLabels.Classes[index].WordNetId} {ImageNetLabels.Classes[index].Label}"
                    : $"class {index}";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label} {probabilities[index]:0.000000}"));
            }
        }

        if (outputPath is not null)
        {
            Console.WriteLine($"wrote {outputPath} ({batch}, {model.OutputLength}) float32");
        }

        return 0;
    }

    private static int BatchOf(NpyArray x, CompiledModel model, string path)
    {
        int[] expected = [model.InputHeight, model.InputWidth, model.InputChannels];
        int[] shape = x.Shape;
        bool single = shape.Length == 3 && shape.SequenceEqual(expected);
        bool batched = shape.Length == 4 && shape[0] > 0 && shape.AsSpan(1).SequenceEqual(expected);
        if (!single && !batched)
        {
            throw new UsageException(
                $"Input '{path}' has shape ({string.Join(", ", shape)}); model {model.Name} expects (N, {string.Join(", ", expected)}) NHWC float32.");
        }

        return single ? 1 : shape[0];
    }
}
