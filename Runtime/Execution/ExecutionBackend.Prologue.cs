using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Execution;

// A 1×1 convolution whose input goes through a per-channel prologue first (issue 13: a squeeze-and-excitation scale, a
// BatchNormalization + ReLU), so the transformed tensor is never written to a buffer of its own.
public abstract partial class ExecutionBackend
{
    /// <summary><see cref="Conv2D(in Conv2DShape, int, int, int, int, WeightHandle, WeightHandle)"/> reading its A rows through <paramref name="prologue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Conv2D(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue)
    {
        CheckConvolution(ConvolutionFootprint.Of(shape), batch, source, destination, residual, WeightHandle.None, kernel, bias);
        CheckPrologue(shape, batch, source, destination, residual, prologue);
        Conv2DCore(shape, batch, source, destination, residual, kernel, bias, prologue);
    }

    /// <summary>The same with the shape as a type (see <see cref="Conv2D{TStep}(int, int, int, int, WeightHandle, WeightHandle)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Conv2D<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue)
        where TStep : struct, IConv2DStep
    {
        CheckConvolution(Conv2DFootprint<TStep>.Value, batch, source, destination, residual, WeightHandle.None, kernel, bias);
        CheckPrologue(TStep.Shape, batch, source, destination, residual, prologue);
        Conv2DCore<TStep>(batch, source, destination, residual, kernel, bias, prologue);
    }

    /// <summary>By default the shape as a value.</summary>
    protected virtual void Conv2DCore<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue)
        where TStep : struct, IConv2DStep =>
        Conv2DCore(TStep.Shape, batch, source, destination, residual, kernel, bias, prologue);

    protected abstract void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue);

    private void CheckPrologue(in Conv2DShape shape, int batch, int source, int destination, int residual, in ChannelPrologue prologue)
    {
        Conv2DShape s = shape;
        if (s.KernelHeight != 1 || s.KernelWidth != 1 || s.StrideHeight != 1 || s.StrideWidth != 1 || s.PadTop != 0 || s.PadLeft != 0 || s.ReluInput != 0)
        {
            throw new ArgumentException(
                $"A channel prologue needs a 1×1 convolution with stride 1, no padding and no input ReLU; the shape has kernel {s.KernelHeight}×{s.KernelWidth}, "
                + $"strides {s.StrideHeight}×{s.StrideWidth}, pads ({s.PadTop}, {s.PadLeft}) and ReluInput {s.ReluInput}.", nameof(shape));
        }

        if (prologue.InPixelStride != 0)
        {
            if (prologue.InPixelStride < s.InChannels)
            {
                throw new ArgumentException(
                    $"The prologue reads {s.InChannels} channels of input pixels {prologue.InPixelStride} floats apart: they do not fit in a pixel.", nameof(prologue));
            }

            CheckSlotLength(source, (long)batch * s.InHeight * s.InWidth * prologue.InPixelStride, nameof(source));
        }

        if (prologue.HasFactor)
        {
            CheckSlotLength(prologue.Factor, (long)batch * s.InChannels, "prologue.Factor");
            if (prologue.Factor == destination || prologue.Factor == residual && residual >= 0)
            {
                throw new ArgumentException(
                    $"The prologue's factor slot {prologue.Factor} is also the step's destination ({destination}) or residual ({residual}).", nameof(prologue));
            }
        }

        CheckOptionalWeight(prologue.Scale, s.InChannels);
        CheckOptionalWeight(prologue.Shift, s.InChannels);
    }
}
