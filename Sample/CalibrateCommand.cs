using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Sample.Images;

namespace Xception.Compiler.Sample;

/// <summary>
/// <c>calibrate --weights W.h5 (--images DIR | --inputs X.npy...) [--output F] [--model M] [--threads N] [--check DIR]</c>:
/// runs the fp32 model on the Cpu backend over the images (preprocessed as <c>classify</c> does) or the .npy batches,
/// records the range of every tensor an int8 run quantizes, and writes the calibration file that
/// <c>--precision int8 --calibration F</c> reads. With <c>--check DIR</c> it then runs fp32 and int8 on those images and
/// prints their top-1 agreement and the largest probability difference.
/// </summary>
internal static class CalibrateCommand
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    public static Command Create()
    {
        var weights = new Option<FileInfo>("--weights") { Description = "Keras .h5 weight file.", Required = true };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of images (jpg, png, webp, ...; searched recursively) to calibrate on." };
        var inputs = new Option<FileInfo[]>("--inputs") { Description = "NHWC float32 .npy batches, already preprocessed, to calibrate on.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo?>("--output") { Description = "Where to write the calibration (default: <model>.calibration.json in the current folder)." };
        var model = new Option<string?>("--model") { Description = "Compiled model to use (default: the one whose weight table the file matches)." };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: all cores)." };
        var check = new Option<DirectoryInfo?>("--check") { Description = "Folder of images to compare int8 with fp32 on afterwards (top-1 agreement, largest probability difference)." };
        var command = new Command("calibrate", "Measure the activation ranges an int8 run needs and write them to a calibration file.")
        {
            weights, images, inputs, output, model, threads, check,
        };
        command.SetAction(result => Run(
            result.GetValue(weights)!.FullName,
            result.GetValue(images)?.FullName,
            result.GetValue(inputs) ?? [],
            result.GetValue(output)?.FullName,
            result.GetValue(model),
            result.GetValue(threads),
            result.GetValue(check)?.FullName));
        return command;
    }

    private static int Run(string weightsPath, string? imageFolder, FileInfo[] inputs, string? outputPath, string? modelName, int? threads, string? checkFolder)
    {
        if ((imageFolder is null) == (inputs.Length == 0))
        {
            throw new UsageException("Pass either --images DIR or --inputs X.npy... (one of the two).");
        }

        CompiledModel model = CompiledModels.Select(modelName, weightsPath);
        IReadOnlyList<string> images = imageFolder is null ? [] : ImagesIn(imageFolder);
        var recorder = new CalibrationRecorder();
        var options = new InferenceOptions { Backend = Backend.Cpu, Threads = threads, MaxBatch = 1, CalibrationRecorder = recorder };
        using (ICompiledModel fp32 = model.Load(weightsPath, options))
        {
            var output = new float[model.OutputLength];
            foreach (string path in images)
            {
                fp32.Predict(LoadImage(model, path), output, 1);
                recorder.CountImages(1);
            }

            foreach (FileInfo file in inputs)
            {
                NpyArray x = NpyFile.Read(file.FullName);
                if (x.Data.Length == 0 || x.Data.Length % model.InputLength != 0)
                {
                    throw new UsageException($"Input '{file.FullName}' holds {x.Data.Length} floats; model {model.Name} takes images of {model.InputLength} (NHWC float32).");
                }

                for (int n = 0; n < x.Data.Length / model.InputLength; n++)
                {
                    fp32.Predict(x.Data.AsSpan(n * model.InputLength, model.InputLength), output, 1);
                    recorder.CountImages(1);
                }
            }
        }

        Int8Calibration calibration = recorder.ToCalibration(model.WeightTable);
        string path1 = outputPath ?? Path.GetFullPath($"{model.Name}.calibration.json");
        calibration.Save(path1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"calibrated {model.Name} on {calibration.Images} images: {calibration.Tensors.Count} tensors, weight-shape hash {calibration.WeightShapeHash}; wrote {path1}"));
        foreach (CalibratedTensor t in calibration.Tensors)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {t.Step,3} {t.Shape,-14} [{t.Min,10:0.0000}, {t.Max,10:0.0000}]  scale {t.Scale:0.000000} zero point {t.ZeroPoint}"));
        }

        if (checkFolder is not null)
        {
            Compare(model, weightsPath, threads, calibration, ImagesIn(checkFolder));
        }

        return 0;
    }

    /// <summary>fp32 against int8 on each image: how often the top class agrees, and the largest probability difference.</summary>
    private static void Compare(CompiledModel model, string weightsPath, int? threads, Int8Calibration calibration, IReadOnlyList<string> images)
    {
        using ICompiledModel fp32 = model.Load(weightsPath, new InferenceOptions { Backend = Backend.Cpu, Threads = threads, MaxBatch = 1 });
        using ICompiledModel int8 = model.Load(weightsPath, new InferenceOptions { Backend = Backend.Cpu, Threads = threads, MaxBatch = 1, Precision = Precision.Int8, Calibration = calibration });
        int agree = 0;
        double largest = 0, sum = 0;
        var a = new float[model.OutputLength];
        var b = new float[model.OutputLength];
        foreach (string path in images)
        {
            float[] x = LoadImage(model, path);
            fp32.Predict(x, a, 1);
            int8.Predict(x, b, 1);
            agree += ArgMax(a) == ArgMax(b) ? 1 : 0;
            double difference = 0;
            for (int i = 0; i < a.Length; i++)
            {
                difference = Math.Max(difference, Math.Abs(a[i] - (double)b[i]));
            }

            (largest, sum) = (Math.Max(largest, difference), sum + difference);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"check: {images.Count} images, top-1 agreement int8/fp32 {agree}/{images.Count}, largest probability difference {largest:0.000000}, mean of the per-image largest {sum / Math.Max(images.Count, 1):0.000000}"));
    }

    private static IReadOnlyList<string> ImagesIn(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Image folder '{folder}' does not exist.");
        }

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new UsageException($"Image folder '{folder}' holds no {string.Join("/", ImageExtensions)} files.");
        }

        return files;
    }

    /// <summary>One image as <c>classify</c> prepares it (Keras's load_img, nearest resize, the model's preprocessing).</summary>
    private static float[] LoadImage(CompiledModel model, string path) =>
        ImageBatch.Load([path], model.InputHeight, model.InputWidth, KerasInterpolation.Nearest, new ImageLayout(model.InputChannels, model.Preprocessing));

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }
}
