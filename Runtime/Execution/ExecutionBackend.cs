using System;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>A weight tensor uploaded to a backend (after BN folding and packing).</summary>
public readonly record struct WeightHandle(int Index)
{
    /// <summary>No tensor (for example: no bias).</summary>
    public static WeightHandle None => new(-1);

    public bool IsNone => Index < 0;
}

/// <summary>
/// What generated code calls to run a model: an activation arena of numbered slots (sized by the
/// generator's buffer plan), uploaded weights, and one method per fused step. Steps are queued in
/// order; <see cref="ReadOutput"/> waits for them. A slot index of -1 means "none" (no residual).
/// Implementations: <c>CpuBackend</c> (managed C#), <c>IlgpuBackend</c> (Cuda, OpenCL, IlgpuCpu).
/// </summary>
public abstract class ExecutionBackend : IDisposable
{
    /// <summary>The backend's name as the command line spells it (cpu, cuda, ilgpu-cpu, opencl).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// How many images generated code runs through the steps at once (a chunk), given the
    /// <see cref="InferenceOptions.MaxBatch"/> it was loaded with: between 1 and <paramref name="maxBatch"/>.
    /// Buffers are allocated for this many images. By default the whole <paramref name="maxBatch"/>.
    /// </summary>
    public virtual int ChunkSize(int maxBatch) => maxBatch;

    /// <summary>Allocates slot i with <paramref name="floatsPerImage"/>[i] × <paramref name="maxBatch"/> floats.</summary>
    public abstract void AllocateBuffers(ReadOnlySpan<long> floatsPerImage, int maxBatch);

    /// <summary>Copies a weight tensor to the backend and returns its handle.</summary>
    public abstract WeightHandle Upload(ReadOnlySpan<float> values);

    /// <summary>
    /// Hands over a rows × columns weight matrix (row-major: a convolution kernel flattened to
    /// (KH·KW·In) × Out, a pointwise or dense kernel In × Out). The backend may keep the array or
    /// repack it right away instead of copying it, so the caller must not use it afterwards; this is
    /// what keeps a single copy of the weights alive during load. By default: <see cref="Upload"/>.
    /// </summary>
    public virtual WeightHandle UploadMatrix(float[] values, int rows, int columns)
    {
        CheckMatrix(values, rows, columns);
        return Upload(values);
    }

    /// <summary>Throws unless <paramref name="values"/> holds a rows × columns matrix with both at least 1.</summary>
    protected static void CheckMatrix(float[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rows < 1 || columns < 1 || (long)rows * columns != values.Length)
        {
            throw new ArgumentException($"Expected a {rows}×{columns} matrix ({(long)rows * columns} floats), but found {values.Length} floats.", nameof(values));
        }
    }

    /// <summary>Writes <paramref name="values"/> (batch × per-image length) to the start of a slot.</summary>
    public abstract void WriteInput(int slot, ReadOnlySpan<float> values);

    /// <summary>Waits for the queued steps and copies the first <c>values.Length</c> floats of a slot.</summary>
    public abstract void ReadOutput(int slot, Span<float> values);

    /// <summary>Waits until the queued steps have finished (a no-op where steps run synchronously).</summary>
    public virtual void Synchronize()
    {
    }

    public abstract void Conv2D(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias);

    public abstract void SeparableConv(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias);

    /// <summary>
    /// <see cref="Conv2D(in Conv2DShape, int, int, int, int, WeightHandle, WeightHandle)"/> with the shape
    /// as a type: generated code declares one struct per step shape, so a backend that overrides this
    /// (the CPU backend) runs code the JIT specialized for it, every dimension a constant.
    /// </summary>
    public virtual void Conv2D<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
        where TStep : struct, IConv2DStep =>
        Conv2D(TStep.Shape, batch, source, destination, residual, kernel, bias);

    /// <summary>
    /// <see cref="SeparableConv(in SeparableConvShape, int, int, int, int, WeightHandle, WeightHandle, WeightHandle)"/>
    /// with the shape as a type (see <see cref="Conv2D{TStep}"/>).
    /// </summary>
    public virtual void SeparableConv<TStep>(int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
        where TStep : struct, ISeparableConvStep =>
        SeparableConv(TStep.Shape, batch, source, destination, residual, depthwise, pointwise, bias);

    public abstract void DepthwiseConv(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias);

    public abstract void MaxPool(in MaxPoolShape shape, int batch, int source, int destination, int residual);

    /// <summary><paramref name="scale"/> and <paramref name="shift"/> are None unless <c>HasScaleShift</c> is 1.</summary>
    public abstract void Elementwise(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift);

    public abstract void GlobalPool(in GlobalPoolShape shape, int batch, int source, int destination);

    public abstract void Dense(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias);

    public abstract void Softmax(in SoftmaxShape shape, int batch, int source, int destination);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
