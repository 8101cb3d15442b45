using System;

namespace Xception.Compiler.Runtime;

/// <summary>
/// What every generated model class implements (through <see cref="CompiledModel"/>), so code can hold any
/// compiled model: its static shape is also available as <c>const</c> members of the class itself
/// (<c>InputHeight</c>, <c>InputLength</c>, <c>OutputLength</c>, ...), which these lengths equal.
/// </summary>
public interface ICompiledModel : IDisposable
{
    /// <summary>Floats per input image (height × width × channels, NHWC).</summary>
    int InputLength { get; }

    /// <summary>Floats per output image.</summary>
    int OutputLength { get; }

    /// <summary>The backend this instance runs on (cpu, cuda, ilgpu-cpu, opencl).</summary>
    string BackendName { get; }

    /// <summary>Runs a batch (NHWC, preprocessed; batch = length / <see cref="InputLength"/>) and returns the outputs.</summary>
    float[] Predict(ReadOnlySpan<float> input);

    /// <summary>Runs <paramref name="batch"/> images (exactly batch × <see cref="InputLength"/> floats) and returns the outputs.</summary>
    float[] Predict(ReadOnlySpan<float> input, int batch);

    /// <summary>Runs a batch into <paramref name="output"/> (batch × <see cref="OutputLength"/> floats).</summary>
    void Predict(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Runs <paramref name="batch"/> images into <paramref name="output"/> (batch × <see cref="OutputLength"/> floats).</summary>
    void Predict(ReadOnlySpan<float> input, Span<float> output, int batch);

    /// <summary>Runs one image step by step, passing each fused step's output to <paramref name="observer"/>.</summary>
    float[] Trace(ReadOnlySpan<float> image, StepObserver observer);
}
