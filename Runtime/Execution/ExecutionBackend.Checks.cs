using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Execution;

// The bookkeeping behind the argument checks of the public methods: the slot sizes and chunk of the
// last AllocateBuffers, each upload's length, and whether the backend is disposed. A step costs a few
// compares here and allocates nothing; the messages are built only when a check fails.
public abstract partial class ExecutionBackend
{
    private long[] slotFloats = Array.Empty<long>();
    private int chunk;
    private readonly List<long> weightFloats = new();

    /// <summary>Whether <see cref="Dispose()"/> was called.</summary>
    protected bool IsDisposed { get; private set; }

    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    private long[] SlotSizes(ReadOnlySpan<long> floatsPerImage, int maxBatch)
    {
        ThrowIfDisposed();
        if (maxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "maxBatch must be at least 1.");
        }

        var sizes = new long[floatsPerImage.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            if (floatsPerImage[i] < 0 || floatsPerImage[i] > long.MaxValue / maxBatch)
            {
                throw new ArgumentOutOfRangeException(nameof(floatsPerImage), floatsPerImage[i],
                    $"Slot {i} needs {floatsPerImage[i]} floats per image; expected between 0 and {long.MaxValue / maxBatch} for {maxBatch} images.");
            }

            sizes[i] = floatsPerImage[i] * maxBatch;
        }

        return sizes;
    }

    /// <summary>Until the implementation has allocated them, no slot may be used (its old ones may be gone).</summary>
    private void ForgetSlots()
    {
        slotFloats = Array.Empty<long>();
        chunk = 0;
    }

    private void RememberSlots(long[] sizes, int maxBatch)
    {
        slotFloats = sizes;
        chunk = maxBatch;
    }

    private WeightHandle Register(WeightHandle handle, long floats)
    {
        if (handle.Index != weightFloats.Count)
        {
            throw new InvalidOperationException(
                $"Backend '{Name}' returned weight handle {handle.Index}; expected {weightFloats.Count}, the next in upload order.");
        }

        weightFloats.Add(floats);
        return handle;
    }

    private static void CheckMatrix(float[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rows < 1 || columns < 1 || (long)rows * columns != values.Length)
        {
            throw new ArgumentException($"Expected a {rows}×{columns} matrix ({(long)rows * columns} floats), but found {values.Length} floats.", nameof(values));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckTransfer(int slot, int floats, bool reading)
    {
        long holds = SlotFloats(slot, nameof(slot));
        if (floats > holds)
        {
            throw new ArgumentException(reading
                ? $"Slot {slot} holds {holds} floats; {floats} were asked for."
                : $"Slot {slot} holds {holds} floats; got {floats}.", "values");
        }
    }

    /// <summary>
    /// The checks every step makes: not disposed, batch within the chunk, the residual slot given exactly
    /// when the shape says so, each slot allocated and large enough, and (unless the step may run in
    /// place) distinct source and destination.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckStep(int batch, int source, int destination, int hasResidual, int residual, long inputPerImage, long outputPerImage, bool distinct = true)
    {
        ThrowIfDisposed();
        if (batch < 1 || batch > chunk)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch,
                $"batch must be between 1 and {chunk}, the images per chunk that AllocateBuffers sized the slots for.");
        }

        if ((hasResidual != 0) != (residual >= 0))
        {
            throw new ArgumentException(
                $"The step's HasResidual is {hasResidual} but the residual slot is {residual} (-1 means none).",
                nameof(residual));
        }

        CheckSlotLength(source, batch * inputPerImage, nameof(source));
        CheckSlotLength(destination, batch * outputPerImage, nameof(destination));
        if (residual >= 0)
        {
            CheckSlotLength(residual, batch * outputPerImage, nameof(residual));
        }

        if (distinct && source == destination)
        {
            throw new ArgumentException($"Step reads and writes slot {source}; this step needs distinct slots.", nameof(destination));
        }
    }

    // A pool writing, or an elementwise step reading, the first channels of a wider pixel (a dense block's shared buffer).
    private static void CheckPixelStride(int stride, int channels, int hasResidual, string side)
    {
        if (stride != 0 && (stride < channels || hasResidual != 0))
        {
            throw new ArgumentException(
                $"{side} pixels {stride} floats apart hold {channels} channels" + (hasResidual != 0 ? " with a residual: a strided step adds none." : ": they do not fit."),
                "shape");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckConvolution(in ConvolutionFootprint step, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle kernel, WeightHandle bias)
    {
        CheckStep(batch, source, destination, step.HasResidual, residual, step.InputPerImage, step.OutputPerImage);
        if (step.DepthwiseFloats > 0)
        {
            CheckWeight(depthwise, step.DepthwiseFloats);
        }

        CheckMatrixWeight(kernel, step.K, step.OutChannels);
        CheckOptionalWeight(bias, step.OutChannels);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckSlotLength(int slot, long floats, string parameter)
    {
        long holds = SlotFloats(slot, parameter);
        if (holds < floats)
        {
            throw new ArgumentException($"Slot {slot} holds {holds} floats; the step needs {floats}.", parameter);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long SlotFloats(int slot, string parameter)
    {
        ThrowIfDisposed();
        if ((uint)slot >= (uint)slotFloats.Length)
        {
            throw new ArgumentOutOfRangeException(parameter, slot, $"There are {slotFloats.Length} slots (AllocateBuffers allocates them).");
        }

        return slotFloats[slot];
    }

    /// <summary>The handle names an upload of at least <paramref name="floats"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckWeight(WeightHandle handle, long floats)
    {
        long holds = WeightFloats(handle);
        if (holds < floats)
        {
            throw new ArgumentException($"Weight handle {handle.Index} holds {holds} floats; the step needs {floats}.", nameof(handle));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckOptionalWeight(WeightHandle handle, long floats)
    {
        if (!handle.IsNone)
        {
            CheckWeight(handle, floats);
        }
    }

    /// <summary>The handle names an upload of exactly a <paramref name="rows"/> × <paramref name="columns"/> kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckMatrixWeight(WeightHandle handle, int rows, int columns)
    {
        long holds = WeightFloats(handle);
        if (holds != (long)rows * columns)
        {
            throw new ArgumentException($"Weight handle {handle.Index} holds {holds} floats; a {rows}×{columns} kernel needs {(long)rows * columns}.", nameof(handle));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long WeightFloats(WeightHandle handle)
    {
        if ((uint)handle.Index >= (uint)weightFloats.Count)
        {
            throw new ArgumentException($"Weight handle {handle.Index} was not uploaded to this backend ({weightFloats.Count} tensors).", nameof(handle));
        }

        return weightFloats[handle.Index];
    }
}

/// <summary>What the checks need to know of a convolution step (dense or separable).</summary>
internal readonly record struct ConvolutionFootprint(
    long InputPerImage, long OutputPerImage, int HasResidual, long DepthwiseFloats, int K, int OutChannels)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ConvolutionFootprint Of(in Conv2DShape s)
    {
        if (s.OutPixelStride != 0 && (s.OutChannelOffset < 0 || s.OutChannelOffset + s.OutChannels > s.OutPixelStride || s.HasResidual != 0))
        {
            ThrowBadSlice(s);
        }

        CheckStoreActivation(s.Activation);
        return new(
            (long)s.InHeight * s.InWidth * s.InChannels, (long)s.OutHeight * s.OutWidth * s.OutputPixelFloats, s.HasResidual,
            0, s.KernelHeight * s.KernelWidth * s.InChannels, s.OutChannels);
    }

    private static void ThrowBadSlice(in Conv2DShape s) => throw new ArgumentException(
        $"Output channels [{s.OutChannelOffset}, {s.OutChannelOffset + s.OutChannels}) of pixels {s.OutPixelStride} floats apart"
        + (s.HasResidual != 0 ? " with a residual: a step writing a concatenation's slice adds none." : " do not fit in a pixel."), "shape");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ConvolutionFootprint Of(in SeparableConvShape s)
    {
        CheckStoreActivation(s.Activation);
        return new(
            (long)s.InHeight * s.InWidth * s.InChannels, (long)s.OutHeight * s.OutWidth * s.OutChannels, s.HasResidual,
            s.DepthwiseFloats, s.InChannels, s.OutChannels);
    }

    /// <summary>A convolution's store applies no function (0), a sigmoid or a swish: the backends implement no other there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckStoreActivation(int activation)
    {
        if (activation is not (0 or (int)ActivationFunction.Sigmoid or (int)ActivationFunction.Swish))
        {
            ThrowBadStoreActivation(activation);
        }
    }

    private static void ThrowBadStoreActivation(int activation) => throw new ArgumentException(
        $"Activation {activation} cannot run in a convolution's store: expected 0 (none), {(int)ActivationFunction.Sigmoid} (Sigmoid) or {(int)ActivationFunction.Swish} (Swish).", "shape");
}

// Computed once per generated step type, when first used: reading TStep.Shape on every call would
// leave its getter to tiering (re-JITted during the first Predicts) wherever the JIT does not inline it.
internal static class Conv2DFootprint<TStep>
    where TStep : struct, IConv2DStep
{
    public static readonly ConvolutionFootprint Value = ConvolutionFootprint.Of(TStep.Shape);
}

internal static class SeparableFootprint<TStep>
    where TStep : struct, ISeparableConvStep
{
    public static readonly ConvolutionFootprint Value = ConvolutionFootprint.Of(TStep.Shape);
}
