using System;
using System.Collections.Concurrent;
using System.Threading;
using Xception.Compiler.Runtime;

namespace Xception.Compiler.Tests.Serving.Support;

/// <summary>
/// A stand-in model whose <c>Predict</c> waits at a gate the test opens, so a test decides what is queued while a
/// batch runs. Each image is 3 floats; its output is 2 floats: the sum of the image and its first value.
/// </summary>
internal sealed class GatedModel : ICompiledModel
{
    private readonly ManualResetEventSlim _gate;

    public GatedModel(bool open = false) => _gate = new ManualResetEventSlim(open);

    /// <summary>The batch size of every Predict, in call order.</summary>
    public ConcurrentQueue<int> Batches { get; } = new();

    /// <summary>Set when a Predict has entered (and waits at the gate).</summary>
    public SemaphoreSlim Entered { get; } = new(0);

    public int InputLength => 3;

    public int OutputLength => 2;

    public string BackendName => "gated";

    public void Open() => _gate.Set();

    /// <summary>The output of one image, computed independently of any batching.</summary>
    public static float[] Expected(ReadOnlySpan<float> image) => [image[0] + image[1] + image[2], image[0]];

    public void Predict(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        Batches.Enqueue(batch);
        Entered.Release();
        if (!_gate.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The test never opened the gate.");
        }

        for (int i = 0; i < batch; i++)
        {
            Expected(input.Slice(i * 3, 3)).CopyTo(output.Slice(i * 2, 2));
        }
    }

    public float[] Predict(ReadOnlySpan<float> input) => Predict(input, input.Length / 3);

    public float[] Predict(ReadOnlySpan<float> input, int batch)
    {
        var output = new float[batch * 2];
        Predict(input, output, batch);
        return output;
    }

    public void Predict(ReadOnlySpan<float> input, Span<float> output) => Predict(input, output, input.Length / 3);

    public float[] Trace(ReadOnlySpan<float> image, StepObserver observer) => throw new NotSupportedException();

    public void Dispose() => _gate.Dispose();
}
