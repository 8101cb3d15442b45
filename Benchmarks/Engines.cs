using System;
using Microsoft.ML.OnnxRuntime;
using Xception.Compiler.Runtime;

namespace Xception.Compiler.Benchmarks;

/// <summary>One way of running Xception on a fixed batch: input and output buffers allocated once.</summary>
internal interface IEngine : IDisposable
{
    string Name { get; }

    float[] Input { get; }

    float[] Output { get; }

    /// <summary>Runs the batch in <see cref="Input"/> into <see cref="Output"/>; allocates nothing of its own.</summary>
    void Run();
}

/// <summary>This project's generated <c>Xception</c> class.</summary>
internal sealed class GeneratedEngine : IEngine
{
    private readonly Xception model;

    public GeneratedEngine(string weightsPath, Backend backend, int batch, int threads, float[] input)
    {
        model = Xception.Load(weightsPath, new InferenceOptions { Backend = backend, Threads = threads, MaxBatch = batch });
        Input = input;
        Output = new float[batch * Xception.OutputLength];
        Name = model.BackendName;
    }

    public string Name { get; }

    public float[] Input { get; }

    public float[] Output { get; }

    public void Run() => model.Predict(Input, Output);

    public void Dispose() => model.Dispose();
}

/// <summary>
/// ONNX Runtime on the exported model: all graph optimizations, <c>threads</c> intra-op threads, 1 inter-op
/// thread, sequential execution; input and output are OrtValues over pinned managed arrays, bound once
/// through an <see cref="OrtIoBinding"/>, so a run allocates no managed memory.
/// </summary>
internal sealed class OrtEngine : IEngine
{
    private readonly SessionOptions options;
    private readonly InferenceSession session;
    private readonly RunOptions runOptions;
    private readonly OrtValue inputValue;
    private readonly OrtValue outputValue;
    private readonly OrtIoBinding binding;

    public OrtEngine(string onnxPath, int batch, int threads, float[] input)
        : this(onnxPath, threads, input, [batch, Xception.InputHeight, Xception.InputWidth, Xception.InputChannels], batch * Xception.OutputLength)
    {
    }

    /// <summary>
    /// Any exported model with an NHWC input <c>input</c> of <paramref name="inputShape"/> and an output <c>probabilities</c>;
    /// <paramref name="optimizedModelPath"/>, when given, receives the graph ONNX Runtime runs after its optimizations;
    /// <paramref name="profilePrefix"/>, when given, turns on ONNX Runtime's per-node profiling (<see cref="EndProfiling"/>).
    /// </summary>
    public OrtEngine(string onnxPath, int threads, float[] input, long[] inputShape, int outputLength, string? optimizedModelPath = null, string? profilePrefix = null)
    {
        options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (optimizedModelPath is not null)
        {
            options.OptimizedModelFilePath = optimizedModelPath;
        }

        if (profilePrefix is not null)
        {
            // The prefix first: setting EnableProfiling hands ONNX Runtime the prefix it has at that moment.
            options.ProfileOutputPathPrefix = profilePrefix;
            options.EnableProfiling = true;
        }

        session = new InferenceSession(onnxPath, options);
        runOptions = new RunOptions();
        Input = input;
        Output = new float[outputLength];
        inputValue = OrtValue.CreateTensorValueFromMemory(Input, inputShape);
        outputValue = OrtValue.CreateTensorValueFromMemory(Output, [inputShape[0], outputLength / inputShape[0]]);
        binding = session.CreateIoBinding();
        binding.BindInput("input", inputValue);
        binding.BindOutput("probabilities", outputValue);
    }

    public string Name => "onnxruntime";

    public float[] Input { get; }

    public float[] Output { get; }

    public static string Version => OrtEnv.Instance().GetVersionString();

    public void Run() => session.RunWithBinding(runOptions, binding);

    /// <summary>Stops profiling and returns the path of the JSON written (only with a profile prefix).</summary>
    public string EndProfiling() => session.EndProfiling();

    public void Dispose()
    {
        binding.Dispose();
        inputValue.Dispose();
        outputValue.Dispose();
        runOptions.Dispose();
        session.Dispose();
        options.Dispose();
    }
}
