using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Threading;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Sample.Images;
using Xception.Compiler.Sample.Progress;

namespace Xception.Compiler.Sample;

/// <summary>
/// <c>classify photo.jpg [more.png ...] [--model xception|vgg16|...] [--top 5] [--weights W.h5] [--backend ...] [--json] [--interpolation nearest|bilinear] [--verbose]</c>:
/// Keras's <c>Xception(weights='imagenet')</c> (or another compiled ImageNet application) + <c>load_img</c> at the
/// model's input size + that application's <c>preprocess_input</c> + <c>decode_predictions</c> in one command. All
/// images run as one batch. Without <c>--weights</c> the weights come from Keras's cache (<c>$KERAS_HOME/models</c>,
/// by default <c>~/.keras/models</c>), downloaded there first when missing; the URL and MD5 are those of the model
/// description (<c>weights.url</c>, <c>weights.md5</c>), compiled into the model's class.
/// </summary>
internal static class ClassifyCommand
{
    /// <summary>The exit code of a run stopped with Ctrl-C (128 + SIGINT, as shells report it).</summary>
    private const int CancelledExitCode = 130;

    public static Command Create()
    {
        var images = new Argument<string[]>("images") { Description = "JPEG, PNG or WebP files.", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top") { Description = "How many classes to print per image.", DefaultValueFactory = _ => 5 };
        var weights = new Option<FileInfo?>("--weights")
        {
            Description = "Keras .h5 weight file (default: Keras's cache, downloaded there when missing).",
        };
        var backend = new Option<string>("--backend") { Description = "auto | cpu | ilgpu-cpu | cuda | opencl", DefaultValueFactory = _ => "auto" };
        backend.AcceptOnlyFromAmong(Backends.Names);
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var interpolation = new Option<string>("--interpolation")
        {
            Description = "Resize filter, as Keras's load_img: nearest (Keras's default) | bilinear",
            DefaultValueFactory = _ => "nearest",
        };
        interpolation.AcceptOnlyFromAmong("nearest", "bilinear");
        var verbose = new Option<bool>("--verbose") { Description = "Print the time of every stage on stderr." };
        var model = new Option<string>("--model")
        {
            Description = "Compiled model: an ImageNet application (its input size, preprocessing and weights URL are used), "
                + "or another compiled model with --weights (its own labels are printed; 1 or 3 input channels).",
            DefaultValueFactory = _ => "xception",
        };
        var pixels = new Option<string?>("--pixels")
        {
            Description = "Input values for a non-ImageNet --model: scaled (its description's preprocessing, x/127.5 - 1 by default) "
                + "| raw (0..255, for a model with its own Rescaling or Normalization)",
        };
        pixels.AcceptOnlyFromAmong("scaled", "raw");
        var command = new Command("classify", "Classify images with Xception or another compiled ImageNet application, as Keras's decode_predictions prints them, or with another compiled model and its labels.")
        {
            images, model, top, weights, backend, json, interpolation, verbose, pixels,
        };
        command.SetAction(result =>
        {
            KerasInterpolation filter = result.GetValue(interpolation) == "bilinear" ? KerasInterpolation.Bilinear : KerasInterpolation.Nearest;
            string modelName = result.GetValue(model)!;
            CompiledModel compiled = CompiledModels.Select(modelName, result.GetValue(weights)?.FullName ?? string.Empty);
            if (compiled.IsImageNet && result.GetValue(pixels) is not null)
            {
                throw new UsageException($"--pixels applies to models other than the ImageNet applications; '{compiled.Name}' takes its own preprocessing.");
            }

            return compiled.IsImageNet
                ? Run(result.GetValue(images)!, compiled, result.GetValue(top), result.GetValue(weights)?.FullName,
                    Backends.Parse(result.GetValue(backend)!), result.GetValue(json), filter, result.GetValue(verbose))
                : ModelClassification.Run(new ModelClassificationRequest(result.GetValue(images)!, modelName, result.GetValue(weights)?.FullName)
                {
                    Top = result.GetValue(top),
                    Backend = Backends.Parse(result.GetValue(backend)!),
                    Json = result.GetValue(json),
                    Interpolation = filter,
                    RawPixels = result.GetValue(pixels) == "raw",
                });
        });
        return command;
    }

    /// <summary>An ImageNet application (the action sends other models to <see cref="ModelClassification"/>).</summary>
    private static int Run(string[] paths, CompiledModel model, int top, string? weightsPath, Backend backend, bool json, KerasInterpolation interpolation, bool verbose)
    {
        if (top < 1 || top > model.OutputLength)
        {
            throw new UsageException($"--top must be between 1 and {model.OutputLength}, found {top}.");
        }

        var stages = new StageReporter(Console.Error, verbose);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The first Ctrl-C cancels cleanly (a download deletes its partial file); a second one kills.
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return Classify(model, paths, top, weightsPath, backend, json, interpolation, stages, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("Cancelled; nothing was added to the weight cache.");
            return CancelledExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static int Classify(
        CompiledModel compiled,
        string[] paths,
        int top,
        string? weightsPath,
        Backend backend,
        bool json,
        KerasInterpolation interpolation,
        StageReporter stages,
        CancellationToken cancellationToken)
    {
        string imageWord = paths.Length == 1 ? "image" : "images";
        string preprocessing = KerasPreprocessing.Name(compiled.Preprocessing);
        float[] input = stages.Run(
            $"decode + resize ({paths.Length} {imageWord}, {compiled.InputHeight}x{compiled.InputWidth}, {interpolation.ToString().ToLowerInvariant()}, preprocessing {preprocessing})",
            null,
            () => ImageBatch.Load(paths, compiled.InputHeight, compiled.InputWidth, interpolation, new ImageLayout(3, compiled.Preprocessing)));
        cancellationToken.ThrowIfCancellationRequested();

        string weights = weightsPath ?? stages.Run("weights (cache check or download)", null, () => CachedWeights(compiled, stages, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();

        var options = new InferenceOptions { Backend = backend, MaxBatch = Math.Min(paths.Length, new InferenceOptions().MaxBatch) };
        using ICompiledModel model = stages.Run("load weights", $"Loading {compiled.Name} weights from {weights} ({Size(weights)})...",
            () => compiled.Load(weights, options));
        stages.Detail($"backend: {model.BackendName}");
        cancellationToken.ThrowIfCancellationRequested();

        float[] probabilities = stages.Run("first predict (incl. kernel compilation)",
            $"Classifying {paths.Length} {imageWord} on {model.BackendName} (the first run compiles kernels)...",
            () => model.Predict(input, paths.Length));
        if (stages.Verbose)
        {
            // A second, warm run shows the steady-state time (what a long-running service would see).
            probabilities = stages.Run($"predict (warm, batch {paths.Length})", null, () => model.Predict(input, paths.Length));
        }

        var results = new ImageClassification[paths.Length];
        for (int i = 0; i < paths.Length; i++)
        {
            ReadOnlySpan<float> image = probabilities.AsSpan(i * compiled.OutputLength, compiled.OutputLength);
            results[i] = new ImageClassification(paths[i], ImageNetLabels.Decode(image, top));
        }

        if (json)
        {
            ClassificationReport.WriteJson(Console.Out, results);
        }
        else
        {
            ClassificationReport.WriteText(Console.Out, results);
        }

        return 0;
    }

    /// <summary>Keras's cached copy of the description's weights, downloaded first when missing.</summary>
    private static string CachedWeights(CompiledModel compiled, StageReporter stages, CancellationToken cancellationToken)
    {
        string url = compiled.WeightsUrl
            ?? throw new UsageException($"Model '{compiled.Name}' has no weights URL in its description; pass --weights PATH.");
        var options = new WeightCacheOptions
        {
            Progress = DownloadProgressBar.ForConsole(),
            Status = stages.Status,
            ManualHint = $"Or pass --weights PATH to use a copy of {WeightCache.FileNameOf(url)} you already have.",
        };
        // Keras publishes no hash for some files (MobileNet, MobileNetV2); get_file then takes the file unchecked, and so does this.
        string path = WeightCache.GetAsync(url, compiled.WeightsMd5, options, cancellationToken).GetAwaiter().GetResult();
        stages.Detail($"weights: {path}");
        return path;
    }

    private static string Size(string path)
    {
        var file = new FileInfo(path);
        return file.Exists
            ? DownloadProgressBar.Bytes(file.Length)
            : throw new FileNotFoundException($"The weight file '{path}' does not exist.", path);
    }
}
