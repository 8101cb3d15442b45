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
/// <c>classify photo.jpg [more.png ...] [--top 5] [--weights W.h5] [--backend ...] [--json] [--interpolation nearest|bilinear] [--verbose]</c>:
/// Keras's <c>Xception(weights='imagenet')</c> + <c>load_img</c> + <c>preprocess_input</c> + <c>decode_predictions</c>
/// in one command. All images run as one batch. Without <c>--weights</c> the weights come from Keras's cache
/// (<c>$KERAS_HOME/models</c>, by default <c>~/.keras/models</c>), downloaded there first when missing; the URL and
/// MD5 are those of the model description (<c>weights.url</c>, <c>weights.md5</c>), compiled into <see cref="Xception"/>.
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
        var model = new Option<string?>("--model")
        {
            Description = "Another compiled model (with --weights): its own labels are printed, its input size and channels (1 or 3) are used.",
        };
        var pixels = new Option<string>("--pixels")
        {
            Description = "Input values for --model: scaled (x/127.5 - 1, Xception's preprocess_input) | raw (0..255, for a model with its own Rescaling or Normalization)",
            DefaultValueFactory = _ => "scaled",
        };
        pixels.AcceptOnlyFromAmong("scaled", "raw");
        var command = new Command("classify", "Classify images with Xception (ImageNet), as Keras's decode_predictions prints them, or with another compiled model and its labels.")
        {
            images, top, weights, backend, json, interpolation, verbose, model, pixels,
        };
        command.SetAction(result =>
        {
            KerasInterpolation filter = result.GetValue(interpolation) == "bilinear" ? KerasInterpolation.Bilinear : KerasInterpolation.Nearest;
            string? modelName = result.GetValue(model);
            return modelName is null || string.Equals(modelName, "xception", StringComparison.OrdinalIgnoreCase)
                ? Run(result.GetValue(images)!, result.GetValue(top), result.GetValue(weights)?.FullName, Backends.Parse(result.GetValue(backend)!),
                    result.GetValue(json), filter, result.GetValue(verbose))
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

    private static int Run(string[] paths, int top, string? weightsPath, Backend backend, bool json, KerasInterpolation interpolation, bool verbose)
    {
        if (top < 1 || top > Xception.OutputLength)
        {
            throw new UsageException($"--top must be between 1 and {Xception.OutputLength}, found {top}.");
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
            return Classify(paths, top, weightsPath, backend, json, interpolation, stages, cancel.Token);
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
        float[] input = stages.Run($"decode + resize ({paths.Length} {imageWord}, {interpolation.ToString().ToLowerInvariant()})", null,
            () => ImageBatch.Load(paths, Xception.InputHeight, Xception.InputWidth, interpolation));
        cancellationToken.ThrowIfCancellationRequested();

        string weights = weightsPath ?? stages.Run("weights (cache check or download)", null, () => CachedWeights(stages, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();

        var options = new InferenceOptions { Backend = backend, MaxBatch = Math.Min(paths.Length, new InferenceOptions().MaxBatch) };
        using Xception model = stages.Run("load weights", $"Loading weights from {weights} ({Size(weights)})...",
            () => Xception.Load(weights, options));
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
            ReadOnlySpan<float> image = probabilities.AsSpan(i * Xception.OutputLength, Xception.OutputLength);
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
    private static string CachedWeights(StageReporter stages, CancellationToken cancellationToken)
    {
        var options = new WeightCacheOptions
        {
            Progress = DownloadProgressBar.ForConsole(),
            Status = stages.Status,
            ManualHint = $"Or pass --weights PATH to use a copy of {WeightCache.FileNameOf(Xception.WeightsUrl)} you already have.",
        };
        string path = WeightCache.GetAsync(Xception.WeightsUrl, Xception.WeightsMd5, options, cancellationToken).GetAwaiter().GetResult();
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
