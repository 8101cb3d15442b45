using System;
using System.ComponentModel;

namespace Xception.Compiler.Runtime.CompilerServices;

// Step descriptions passed from generated code to a backend. Every field is a compile-time
// constant in the generated file; the ILGPU backend turns each shape into a specialized kernel
// (SpecializedValue<T>), so these are unmanaged, equatable value types with int fields only
// (flags are 0/1 ints: ILGPU kernels take blittable parameters).
//
// Layout: activations are NHWC float32, one image after another; a step runs over `batch` images.
// Fusion order of every step: out = reluOut( op(reluIn(x)) + bias + residual ).
// ReluMax (convolutions): the float bits of an upper bound the output ReLU clamps to (Keras ReLU(max_value=6),
// MobileNet's ReLU6) in the same store; 0 means none, so the shapes of steps without one are emitted as before.
// Activation (convolutions): an ActivationFunction, Sigmoid or Swish, applied last in the same store, after the ReLU:
// out = f(reluOut(...)); 0 (Linear) means none, again with a default so that other steps emit what they did.

/// <summary>
/// A dense 2-D convolution (Keras Conv2D), kernel HWIO, BN folded into weights and bias. A step feeding a channel
/// concatenation writes straight into its slice: channels [OutChannelOffset, OutChannelOffset + OutChannels) of
/// pixels OutPixelStride floats apart (0: OutChannels, an output of its own), with no residual. The two fields
/// have defaults so that the descriptions without a concatenation emit the same code as before.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct Conv2DShape(
    int InHeight, int InWidth, int InChannels,
    int OutHeight, int OutWidth, int OutChannels,
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int ReluInput, int ReluOutput, int HasResidual,
    int OutChannelOffset = 0, int OutPixelStride = 0, int ReluMax = 0, int Activation = 0)
{
    /// <summary>Floats from one output pixel to the next: OutPixelStride, or OutChannels when it is 0.</summary>
    public int OutputPixelFloats => OutPixelStride == 0 ? OutChannels : OutPixelStride;
}

/// <summary>
/// A separable convolution block: depthwise KH×KW (multiplier 1) then pointwise 1×1, computed in one
/// pass so the depthwise result never leaves registers. BN after it is folded into the pointwise
/// weights and bias. Depthwise kernel layout (KH, KW, C); pointwise (C, OutChannels).
/// A DepthwiseConv2D (+ BN + ReLU6) followed by a 1×1 Conv2D (MobileNet's conv_dw_N / conv_pw_N, MobileNetV2's
/// depthwise / project) runs as one such step with a stage between the two: DepthwiseBias = 1 means the depthwise
/// handle holds the KH·KW·C kernel floats and then C bias floats (the depthwise's BN folded in), and the depthwise
/// result becomes DepthwiseRelu(d + bias), bounded by the float whose bits are DepthwiseReluMax (0: none), before
/// the pointwise reads it. The fields have defaults so that Xception's separable steps emit the same code as before.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct SeparableConvShape(
    int InHeight, int InWidth, int InChannels,
    int OutHeight, int OutWidth, int OutChannels,
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int ReluInput, int ReluOutput, int HasResidual, int ReluMax = 0,
    int DepthwiseBias = 0, int DepthwiseRelu = 0, int DepthwiseReluMax = 0, int Activation = 0)
{
    /// <summary>Floats of the depthwise handle: the kernel, and the bias after it when there is one.</summary>
    public long DepthwiseFloats => (long)(KernelHeight * KernelWidth + (DepthwiseBias != 0 ? 1 : 0)) * InChannels;
}

/// <summary>
/// A Conv2D step's shape as a type. Generated code declares one struct per distinct step shape whose
/// <see cref="Shape"/> returns constants; generic backend methods (<see cref="ExecutionBackend.Conv2D{TStep}"/>)
/// are compiled by the JIT once per such struct, with every dimension folded to a constant.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IConv2DStep
{
    static abstract Conv2DShape Shape { get; }
}

/// <summary>A separable step's shape as a type (see <see cref="IConv2DStep"/>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISeparableConvStep
{
    static abstract SeparableConvShape Shape { get; }
}

/// <summary>A depthwise convolution alone (Keras DepthwiseConv2D, multiplier 1), kernel (KH, KW, C), with bias.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct DepthwiseConvShape(
    int InHeight, int InWidth, int Channels,
    int OutHeight, int OutWidth,
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int ReluInput, int ReluOutput, int HasResidual, int ReluMax = 0, int Activation = 0);

/// <summary>
/// Max pooling. The pads of TF 'same' are never selected; the ZeroPad* frame (a ZeroPadding2D folded in, the
/// window's cells in rows [-ZeroPadTop, InHeight + ZeroPadBottom) and columns [-ZeroPadLeft, InWidth + ZeroPadRight))
/// holds zeros, which are. A 1×1 pool with only such pads is a padded copy. The ZeroPad* fields have defaults so
/// that the descriptions without them emit the same code as before. A pool whose output is the first channels of a
/// dense block's shared buffer writes pixels OutPixelStride floats apart (0: Channels, an output of its own), with no
/// residual.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct MaxPoolShape(
    int InHeight, int InWidth, int Channels,
    int OutHeight, int OutWidth,
    int PoolHeight, int PoolWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int ReluInput, int ReluOutput, int HasResidual,
    int ZeroPadTop = 0, int ZeroPadBottom = 0, int ZeroPadLeft = 0, int ZeroPadRight = 0,
    int OutPixelStride = 0)
{
    /// <summary>Floats from one output pixel to the next: OutPixelStride, or Channels when it is 0.</summary>
    public int OutputPixelFloats => OutPixelStride == 0 ? Channels : OutPixelStride;
}

/// <summary>
/// Average pooling (Keras AveragePooling2D). The divisor counts the window's cells inside the input and the
/// ZeroPad* frame of a folded ZeroPadding2D (those zeros count, as in Keras), never the pads of TF 'same'
/// (Keras/TF exclude them from the average: tensorflow/tensorflow issues 45579 and 60509 show
/// AveragePooling2D(padding='same') differing from an explicitly zero-padded 'valid' pool for that reason).
/// OutPixelStride as for <see cref="MaxPoolShape"/> (a transition's pool writing the next dense block's buffer).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct AveragePoolShape(
    int InHeight, int InWidth, int Channels,
    int OutHeight, int OutWidth,
    int PoolHeight, int PoolWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int ZeroPadTop, int ZeroPadBottom, int ZeroPadLeft, int ZeroPadRight,
    int OutPixelStride = 0)
{
    /// <summary>Floats from one output pixel to the next: OutPixelStride, or Channels when it is 0.</summary>
    public int OutputPixelFloats => OutPixelStride == 0 ? Channels : OutPixelStride;
}

/// <summary>
/// Per-channel affine map y = x·scale + shift over Length values per image with Channels innermost:
/// a BatchNormalization that could not be folded into a convolution (scale and shift computed at load),
/// or, with no scale/shift, a plain ReLU or residual add (Scale = 0: identity). A step reading the first Channels
/// of a wider tensor (a dense block's running concatenation, a prefix of its shared buffer) reads pixels
/// InPixelStride floats apart (0: Channels); it writes a tensor of its own, with no residual.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct ElementwiseShape(
    int Length, int Channels, int HasScaleShift,
    int ReluInput, int ReluOutput, int HasResidual,
    int InPixelStride = 0)
{
    /// <summary>Floats from one input pixel to the next: InPixelStride, or Channels when it is 0.</summary>
    public int InputPixelFloats => InPixelStride == 0 ? Channels : InPixelStride;
}

/// <summary>Global average or max pooling over Height×Width, per channel.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct GlobalPoolShape(int Height, int Width, int Channels, int IsMax, int ReluInput);

/// <summary>
/// A fully connected layer, kernel (In, Out), with bias; ReluOutput, SigmoidOutput (1/(1+e^-x)) or Activation (an
/// <see cref="ActivationFunction"/> with its parameters as float bits, as in <see cref="ActivationShape"/>) is the
/// activation, taken on the float64 sum before it is rounded, as Keras's float64 reference does. The fields after
/// ReluOutput have defaults so that the descriptions without them emit the same code as before.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct DenseShape(
    int InFeatures, int OutFeatures, int ReluInput, int ReluOutput, int SigmoidOutput = 0,
    int Activation = 0, int ActivationParameter0 = 0, int ActivationParameter1 = 0, int ActivationParameter2 = 0);

/// <summary>Softmax over each image's Length values.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct SoftmaxShape(int Length);

/// <summary>
/// An activation function over Length values per image (one value at a time). The parameters are floats passed
/// as their bits (<see cref="System.BitConverter.SingleToInt32Bits"/>), because ILGPU specializes kernels on
/// int-only shapes; what each one means depends on <see cref="Function"/> (<see cref="ActivationFunction"/>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct ActivationShape(int Length, int Function, int Parameter0 = 0, int Parameter1 = 0, int Parameter2 = 0)
{
    /// <summary>A shape with float parameters (stored as their bits).</summary>
    public static ActivationShape Of(int length, ActivationFunction function, float parameter0 = 0f, float parameter1 = 0f, float parameter2 = 0f) =>
        new(length, (int)function, BitConverter.SingleToInt32Bits(parameter0), BitConverter.SingleToInt32Bits(parameter1), BitConverter.SingleToInt32Bits(parameter2));
}

/// <summary>
/// One input of a Keras Concatenate (channel axis) copied into its slice: each of Pixels pixels' Channels values go
/// to channels [OutChannelOffset, OutChannelOffset + Channels) of a tensor with OutChannels per pixel. Only for a
/// branch whose producing step could not write its slice itself.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct ChannelSliceShape(int Pixels, int Channels, int OutChannels, int OutChannelOffset);

/// <summary>
/// Keras Multiply of two tensors: out = x · factor over Pixels × Channels values per image. The factor has the
/// same shape, or (PerChannel = 1) one value per channel and image, broadcast over the pixels (a (1, 1, C)
/// squeeze-and-excitation scale).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct MultiplyShape(int Pixels, int Channels, int PerChannel);
