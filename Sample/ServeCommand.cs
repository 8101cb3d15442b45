using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Sample.Images;
using Xception.Compiler.Serving;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Serving.Http;

namespace Xception.Compiler.Sample;

/// <summary>
/// <c>serve --weights W.h5 [--weights W2.h5] [--model NAME ...] [--urls http://127.0.0.1:8080] [--max-batch 8]
/// [--max-delay-ms 2] [--max-queue 256] [--max-body-mb 32] [--handler-nice 0] [--profile] [--backend ...]</c>: the compiled models behind the Open
/// Inference Protocol v2 (REST), with dynamic batching, <c>classify</c>, <c>/metrics</c> and a page at <c>/</c>.
/// The k-th <c>--model</c> names the compiled model of the k-th <c>--weights</c> (by default the one whose weight
/// table the file matches). Kestrel listens at once; <c>/v2/health/ready</c> turns true after each model ran one
/// warm-up batch of --max-batch images (<see cref="BatchingOptions.WarmUp"/>). SIGTERM or Ctrl-C: stop accepting, finish what is queued, exit 0.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var weights = new Option<FileInfo[]>("--weights")
        {
            Description = "Keras .h5 weight file of a model to serve (repeat for more models).",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var models = new Option<string[]>("--model") { Description = "Compiled model for the --weights at the same position (default: matched by the file's shapes)." };
        var urls = new Option<string>("--urls") { Description = "Listen addresses, ';'-separated.", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most images per Predict.", DefaultValueFactory = _ => 8 };
        var maxDelay = new Option<double>("--max-delay-ms") { Description = "How long a batch's first request waits for others.", DefaultValueFactory = _ => 2 };
        var maxQueue = new Option<int>("--max-queue") { Description = "Most requests waiting per model; more are answered 503.", DefaultValueFactory = _ => 256 };
        var maxBody = new Option<int>("--max-body-mb") { Description = "Largest request body, in MiB; larger ones are answered 413.", DefaultValueFactory = _ => 32 };
        var handlerNice = new Option<int>("--handler-nice")
        {
            Description = "Nice value (0..19) of the request handlers' threads, below the compute threads (Linux; 0: unchanged).",
            DefaultValueFactory = _ => 0,
        };
        var profile = new Option<bool>("--profile")
        {
            Description = "Time every step of the batches served after the warm-up and print the table (as bench --profile) on exit.",
        };
        var backend = new Option<string>("--backend") { Description = "auto | cpu | ilgpu-cpu | cuda | opencl", DefaultValueFactory = _ => "auto" };
        backend.AcceptOnlyFromAmong(Backends.Names);
        var command = new Command("serve", "Serve compiled models over the Open Inference Protocol v2 (KServe) with dynamic batching.")
        {
            weights, models, urls, maxBatch, maxDelay, maxQueue, maxBody, handlerNice, profile, backend,
        };
        command.SetAction(result => Run(
            result.GetValue(weights)!.Select(f => f.FullName).ToArray(),
            result.GetValue(models) ?? [],
            result.GetValue(urls)!,
            new BatchingOptions
            {
                MaxBatch = result.GetValue(maxBatch),
                MaxDelay = TimeSpan.FromMilliseconds(result.GetValue(maxDelay)),
                MaxQueue = result.GetValue(maxQueue),
                WarmUp = true,
            },
            result.GetValue(maxBody),
            result.GetValue(handlerNice),
            result.GetValue(profile),
            Backends.Parse(result.GetValue(backend)!)));
        return command;
    }

    private static int Run(string[] weightPaths, string[] modelNames, string urls, BatchingOptions batching, int maxBodyMiB, int handlerNice, bool profile, Backend backend)
    {
        if (modelNames.Length != 0 && modelNames.Length != weightPaths.Length)
        {
            throw new UsageException($"Give one --model per --weights or none; found {modelNames.Length} --model and {weightPaths.Length} --weights.");
        }

        if (maxBodyMiB < 1)
        {
            throw new UsageException($"--max-body-mb must be at least 1, found {maxBodyMiB}.");
        }

        if (handlerNice is < 0 or > 19)
        {
            throw new UsageException($"--handler-nice must be 0..19, found {handlerNice}.");
        }

        try
        {
            batching.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UsageException(e.Message.Split(Environment.NewLine)[0]);
        }

        var served = new List<ServedModel>();
        // One per model: a profiler is not thread-safe, and each model has its own batcher thread.
        var profilers = new List<(string Model, StepProfiler Profiler)>();
        try
        {
            for (int i = 0; i < weightPaths.Length; i++)
            {
                StepProfiler? profiler = profile ? new StepProfiler() : null;
                served.Add(Load(CompiledModels.Select(modelNames.Length == 0 ? null : modelNames[i], weightPaths[i]), weightPaths[i], batching.MaxBatch, backend, profiler));
                if (profiler is not null)
                {
                    profilers.Add((served[^1].Name, profiler));
                }
            }

            var options = new ServerOptions { Urls = urls, Batching = batching, MaxRequestBodyBytes = maxBodyMiB * 1024L * 1024, HandlerNice = handlerNice };
            // The warm-up starts with the batchers, inside Create, beside Kestrel's own start.
            long starting = Stopwatch.GetTimestamp();
            InferenceServer server = InferenceServer.Create(options, served);
            server.WhenReady.ContinueWith(
                warmUp =>
                {
                    // The table is of clients' batches only (one raced in beside the warm-up is the exception).
                    foreach ((_, StepProfiler profiler) in profilers)
                    {
                        profiler.Reset();
                    }

                    Console.Error.WriteLine(warmUp.IsCompletedSuccessfully
                        ? $"Ready {Stopwatch.GetElapsedTime(starting).TotalMilliseconds:F0} ms after the server's start, the warm-up batch of {batching.MaxBatch} image(s) included."
                        : $"Not ready: the warm-up batch failed: {warmUp.Exception!.InnerException!.Message}");
                },
                TaskScheduler.Default);
            server.RunAsync().GetAwaiter().GetResult();
            Console.Error.WriteLine("Stopped: every queued request was answered.");
            foreach ((string model, StepProfiler profiler) in profilers)
            {
                Console.Error.WriteLine($"{model}: steps of the batches served after the warm-up:");
                Console.Error.WriteLine(profiler.Format());
            }

            return 0;
        }
        finally
        {
            foreach (ServedModel model in served)
            {
                model.Model.Dispose();
            }
        }
    }

    private static ServedModel Load(CompiledModel compiled, string weightsPath, int maxBatch, Backend backend, StepProfiler? profiler)
    {
        ICompiledModel model = compiled.Load(weightsPath, new InferenceOptions { Backend = backend, MaxBatch = maxBatch, Profiler = profiler });
        Console.Error.WriteLine($"{compiled.Name}: {compiled.InputHeight}×{compiled.InputWidth}×{compiled.InputChannels} → {compiled.OutputLength} on {model.BackendName}, from {weightsPath}");
        IReadOnlyList<string>? labels = compiled.IsImageNet ? ImageNetLabels.Classes.Select(c => c.Label).ToArray() : null;
        return new ServedModel(compiled.Name, model, compiled.InputHeight, compiled.InputWidth, compiled.InputChannels,
            labels, compiled.InputChannels == 3 ? UploadedImage.Preprocess : null);
    }
}
