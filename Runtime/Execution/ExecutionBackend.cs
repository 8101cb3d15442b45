using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>
/// What generated code calls to run a model: an activation arena of numbered slots (sized by the
/// generator's buffer plan), uploaded weights, and one method per fused step. Steps are queued in
/// order; <see cref="ReadOutput"/> waits for them. A slot index of -1 means "none" (no residual).
/// Implementations: <c>CpuBackend</c> (managed C#), <c>IlgpuBackend</c> (Cuda, OpenCL, IlgpuCpu).
/// </summary>
/// <remarks>
/// The public methods check their arguments here, against the slot sizes and the chunk given to
/// <see cref="AllocateBuffers"/> and the uploads seen so far, then call the implementation's
/// <c>…Core</c> method; so every backend rejects the same bad call with the same message, and an
/// implementation can index its slots and weights without checking again.
/// </remarks>
public abstract partial class ExecutionBackend : IDisposable
{
    /// <summary>The backend's name as the command line spells it (cpu, cuda, ilgpu-cpu, opencl).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// How many images generated code runs through the steps at once (a chunk), given the
    /// <see cref="InferenceOptions.MaxBatch"/> it was loaded with: between 1 and <paramref name="maxBatch"/>.
    /// Buffers are allocated for this many images. By default the whole <paramref name="maxBatch"/>.
    /// </summary>
    public virtual int ChunkSize(int maxBatch) => maxBatch;

    /// <summary>
    /// Allocates slot i with <paramref name="floatsPerImage"/>[i] × <paramref name="maxBatch"/> floats;
    /// steps then run on 1 to <paramref name="maxBatch"/> images (the chunk).
    /// </summary>
    public void AllocateBuffers(ReadOnlySpan<long> floatsPerImage, int maxBatch)
    {
        long[] sizes = SlotSizes(floatsPerImage, maxBatch);
        ForgetSlots();
        AllocateBuffersCore(floatsPerImage, maxBatch);
        RememberSlots(sizes, maxBatch);
    }

    /// <summary>Copies a weight tensor to the backend and returns its handle.</summary>
    public WeightHandle Upload(ReadOnlySpan<float> values)
    {
        ThrowIfDisposed();
        return Register(UploadCore(values), values.Length);
    }

    /// <summary>
    /// Hands over a rows × columns weight matrix (row-major: a convolution kernel flattened to
    /// (KH·KW·In) × Out, a pointwise or dense kernel In × Out). The backend may keep the array or
    /// repack it right away instead of copying it, so the caller must not use it afterwards; this is
    /// what keeps a single copy of the weights alive during load.
    /// </summary>
    public WeightHandle UploadMatrix(float[] values, int rows, int columns)
    {
        ThrowIfDisposed();
        CheckMatrix(values, rows, columns);
        return Register(UploadMatrixCore(values, rows, columns), values.Length);
    }

    /// <summary>Writes <paramref name="values"/> (batch × per-image length) to the start of a slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteInput(int slot, ReadOnlySpan<float> values)
    {
        CheckTransfer(slot, values.Length, reading: false);
        WriteInputCore(slot, values);
    }

    /// <summary>Waits for the queued steps and copies the first <c>values.Length</c> floats of a slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ReadOutput(int slot, Span<float> values)
    {
        CheckTransfer(slot, values.Length, reading: true);
        ReadOutputCore(slot, values);
    }

    /// <summary>Waits until the queued steps have finished (a no-op where steps run synchronously).</summary>
    public virtual void Synchronize()
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Conv2D(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        CheckConvolution(ConvolutionFootprint.Of(shape), batch, source, destination, residual, WeightHandle.None, kernel, bias);
        Conv2DCore(shape, batch, source, destination, residual, kernel, bias);
    }

    /// <summary>
    /// <see cref="Conv2D(in Conv2DShape, int, int, int, int, WeightHandle, WeightHandle)"/> with the shape
    /// as a type: generated code declares one struct per step shape, so a backend that overrides
    /// <see cref="Conv2DCore{TStep}"/> (the CPU backend) runs code the JIT specialized for it, every dimension a constant.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Conv2D<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
        where TStep : struct, IConv2DStep
    {
        CheckConvolution(Conv2DFootprint<TStep>.Value, batch, source, destination, residual, WeightHandle.None, kernel, bias);
        Conv2DCore<TStep>(batch, source, destination, residual, kernel, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SeparableConv(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        CheckConvolution(ConvolutionFootprint.Of(shape), batch, source, destination, residual, depthwise, pointwise, bias);
        SeparableConvCore(shape, batch, source, destination, residual, depthwise, pointwise, bias);
    }

    /// <summary>
    /// <see cref="SeparableConv(in SeparableConvShape, int, int, int, int, WeightHandle, WeightHandle, WeightHandle)"/>
    /// with the shape as a type (see <see cref="Conv2D{TStep}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SeparableConv<TStep>(int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
        where TStep : struct, ISeparableConvStep
    {
        CheckConvolution(SeparableFootprint<TStep>.Value, batch, source, destination, residual, depthwise, pointwise, bias);
        SeparableConvCore<TStep>(batch, source, destination, residual, depthwise, pointwise, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DepthwiseConv(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        DepthwiseConvShape s = shape;
        ConvolutionFootprint.CheckStoreActivation(s.Activation);
        CheckStep(batch, source, destination, s.HasResidual, residual,
            (long)s.InHeight * s.InWidth * s.Channels, (long)s.OutHeight * s.OutWidth * s.Channels);
        CheckWeight(kernel, (long)s.KernelHeight * s.KernelWidth * s.Channels);
        CheckOptionalWeight(bias, s.Channels);
        DepthwiseConvCore(shape, batch, source, destination, residual, kernel, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MaxPool(in MaxPoolShape shape, int batch, int source, int destination, int residual)
    {
        MaxPoolShape s = shape;
        CheckPixelStride(s.OutPixelStride, s.Channels, s.HasResidual, "Output");
        CheckStep(batch, source, destination, s.HasResidual, residual,
            (long)s.InHeight * s.InWidth * s.Channels, (long)s.OutHeight * s.OutWidth * s.OutputPixelFloats);
        MaxPoolCore(shape, batch, source, destination, residual);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AveragePool(in AveragePoolShape shape, int batch, int source, int destination)
    {
        AveragePoolShape s = shape;
        CheckPixelStride(s.OutPixelStride, s.Channels, 0, "Output");
        CheckStep(batch, source, destination, 0, -1,
            (long)s.InHeight * s.InWidth * s.Channels, (long)s.OutHeight * s.OutWidth * s.OutputPixelFloats);
        AveragePoolCore(shape, batch, source, destination);
    }

    /// <summary>
    /// <paramref name="scale"/> and <paramref name="shift"/> are None unless <c>HasScaleShift</c> is 1.
    /// The only step that may run in place (<paramref name="source"/> = <paramref name="destination"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Elementwise(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift)
    {
        ElementwiseShape s = shape;
        if (s.Channels < 1 || s.Length % s.Channels != 0)
        {
            throw new ArgumentException($"Length {s.Length} is not a multiple of Channels {s.Channels}.", nameof(shape));
        }

        CheckPixelStride(s.InPixelStride, s.Channels, s.HasResidual, "Input");
        CheckStep(batch, source, destination, s.HasResidual, residual, s.Length / s.Channels * s.InputPixelFloats, s.Length, distinct: s.InPixelStride != 0);
        if (s.HasScaleShift != 0)
        {
            CheckWeight(scale, s.Channels);
            CheckWeight(shift, s.Channels);
        }

        ElementwiseCore(shape, batch, source, destination, residual, scale, shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void GlobalPool(in GlobalPoolShape shape, int batch, int source, int destination)
    {
        GlobalPoolShape s = shape;
        CheckStep(batch, source, destination, 0, -1, (long)s.Height * s.Width * s.Channels, s.Channels);
        GlobalPoolCore(shape, batch, source, destination);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Dense(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias)
    {
        DenseShape s = shape;
        if (s.Activation is < (int)ActivationFunction.Linear or > (int)ActivationFunction.GeluTanh)
        {
            throw new ArgumentException($"Activation {s.Activation} is not an ActivationFunction.", nameof(shape));
        }

        CheckStep(batch, source, destination, 0, -1, s.InFeatures, s.OutFeatures);
        CheckMatrixWeight(kernel, s.InFeatures, s.OutFeatures);
        CheckOptionalWeight(bias, s.OutFeatures);
        DenseCore(shape, batch, source, destination, kernel, bias);
    }

    /// <summary>May run in place (<paramref name="source"/> = <paramref name="destination"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Softmax(in SoftmaxShape shape, int batch, int source, int destination)
    {
        CheckStep(batch, source, destination, 0, -1, shape.Length, shape.Length, distinct: false);
        SoftmaxCore(shape, batch, source, destination);
    }

    /// <summary>An activation function on every value; may run in place (<paramref name="source"/> = <paramref name="destination"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Activation(in ActivationShape shape, int batch, int source, int destination)
    {
        if (shape.Function is < (int)ActivationFunction.Linear or > (int)ActivationFunction.GeluTanh)
        {
            throw new ArgumentException($"Function {shape.Function} is not an ActivationFunction.", nameof(shape));
        }

        CheckStep(batch, source, destination, 0, -1, shape.Length, shape.Length, distinct: false);
        ActivationCore(shape, batch, source, destination);
    }

    /// <summary>Copies a concatenation's input into its channel slice of <paramref name="destination"/>, leaving the other channels as they are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ChannelSlice(in ChannelSliceShape shape, int batch, int source, int destination)
    {
        ChannelSliceShape s = shape;
        if (s.Channels < 1 || s.OutChannelOffset < 0 || s.OutChannelOffset + s.Channels > s.OutChannels)
        {
            throw new ArgumentException(
                $"Channels [{s.OutChannelOffset}, {s.OutChannelOffset + s.Channels}) do not fit in the {s.OutChannels} output channels.", nameof(shape));
        }

        CheckStep(batch, source, destination, 0, -1, (long)s.Pixels * s.Channels, (long)s.Pixels * s.OutChannels);
        ChannelSliceCore(shape, batch, source, destination);
    }

    /// <summary>out = x · factor, the factor of the same shape or one value per channel (<c>PerChannel</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Multiply(in MultiplyShape shape, int batch, int source, int factor, int destination)
    {
        MultiplyShape s = shape;
        long length = (long)s.Pixels * s.Channels;
        CheckStep(batch, source, destination, 0, -1, length, length);
        CheckSlotLength(factor, batch * (s.PerChannel != 0 ? s.Channels : length), nameof(factor));
        if (factor == destination)
        {
            throw new ArgumentException($"Step reads its factor from slot {factor}, which it writes; this step needs distinct slots.", nameof(factor));
        }

        MultiplyCore(shape, batch, source, factor, destination);
    }

    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }

        IsDisposed = true;
        ForgetSlots();
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    // ---- what an implementation provides (arguments already checked) ----------------------------

    /// <summary>Allocates the slots (sizes checked: none negative, <paramref name="maxBatch"/> at least 1).</summary>
    protected abstract void AllocateBuffersCore(ReadOnlySpan<long> floatsPerImage, int maxBatch);

    /// <summary>Stores a tensor; the handle must be the next in upload order (0, 1, 2, ...).</summary>
    protected abstract WeightHandle UploadCore(ReadOnlySpan<float> values);

    /// <summary>Stores a rows × columns matrix (checked); by default <see cref="UploadCore"/>.</summary>
    protected virtual WeightHandle UploadMatrixCore(float[] values, int rows, int columns) => UploadCore(values);

    protected abstract void WriteInputCore(int slot, ReadOnlySpan<float> values);

    protected abstract void ReadOutputCore(int slot, Span<float> values);

    protected abstract void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias);

    /// <summary>By default the shape as a value (<see cref="Conv2DCore(in Conv2DShape, int, int, int, int, WeightHandle, WeightHandle)"/>).</summary>
    protected virtual void Conv2DCore<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
        where TStep : struct, IConv2DStep =>
        Conv2DCore(TStep.Shape, batch, source, destination, residual, kernel, bias);

    protected abstract void SeparableConvCore(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias);

    /// <summary>By default the shape as a value (<see cref="SeparableConvCore(in SeparableConvShape, int, int, int, int, WeightHandle, WeightHandle, WeightHandle)"/>).</summary>
    protected virtual void SeparableConvCore<TStep>(int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
        where TStep : struct, ISeparableConvStep =>
        SeparableConvCore(TStep.Shape, batch, source, destination, residual, depthwise, pointwise, bias);

    protected abstract void DepthwiseConvCore(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias);

    protected abstract void MaxPoolCore(in MaxPoolShape shape, int batch, int source, int destination, int residual);

    protected abstract void ElementwiseCore(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift);

    protected abstract void GlobalPoolCore(in GlobalPoolShape shape, int batch, int source, int destination);

    protected abstract void DenseCore(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias);

    protected abstract void SoftmaxCore(in SoftmaxShape shape, int batch, int source, int destination);

    protected abstract void ActivationCore(in ActivationShape shape, int batch, int source, int destination);
    protected abstract void AveragePoolCore(in AveragePoolShape shape, int batch, int source, int destination);
    protected abstract void ChannelSliceCore(in ChannelSliceShape shape, int batch, int source, int destination);
    protected abstract void MultiplyCore(in MultiplyShape shape, int batch, int source, int factor, int destination);

    /// <summary>Frees what the backend holds; called once, by <see cref="Dispose()"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
