using System;
using System.Collections.Generic;
using System.Reflection;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>One kernel with one shape: what ILGPU compiles (the shape becomes constants).</summary>
/// <param name="Name">A readable name, for example "SeparableConv 37x37x728->728 k3 s1".</param>
/// <param name="Kernel">A static kernel method whose second parameter is SpecializedValue&lt;shape&gt;.</param>
/// <param name="Shape">The shape value (a step shape record struct).</param>
internal sealed record KernelInstance(string Name, MethodInfo Kernel, object Shape);

/// <summary>A Conv2D step with a channel prologue, as a recording backend sees it: it launches <see cref="PointwiseConvKernels.ConvWithPrologue"/>.</summary>
internal sealed record PrologueConv2DStep(Conv2DShape Shape, ChannelPrologue Prologue);

/// <summary>Which kernels an <see cref="IlgpuBackend"/> launches for the convolutions.</summary>
internal enum KernelFamily
{
    /// <summary>
    /// Separable blocks and Conv2D as shared-memory tiled GEMMs (<see cref="PointwiseConvKernels"/>):
    /// explicitly grouped, with group barriers. The default on GPUs.
    /// </summary>
    Tiled,

    /// <summary>
    /// One thread per (pixel, 8 output channels), no shared memory or barriers
    /// (<see cref="SeparableConvKernels"/>, <see cref="Conv2DKernels"/>): much faster on ILGPU's CPU
    /// accelerator, where every group barrier is a thread rendezvous.
    /// </summary>
    Simple,
}

/// <summary>Every ILGPU kernel of the runtime, and the steps of Keras Xception at 299×299 as representative shapes.</summary>
internal static class KernelCatalog
{
    public static MethodInfo Conv2D => Method(typeof(Conv2DKernels), nameof(Conv2DKernels.Conv2D));

    public static MethodInfo SeparableConv => Method(typeof(SeparableConvKernels), nameof(SeparableConvKernels.Fused));

    public static MethodInfo TiledSeparableConv => Method(typeof(PointwiseConvKernels), nameof(PointwiseConvKernels.Separable));

    public static MethodInfo TiledConv2D => Method(typeof(PointwiseConvKernels), nameof(PointwiseConvKernels.Conv));

    public static MethodInfo DepthwiseConv => Method(typeof(DepthwiseConvKernels), nameof(DepthwiseConvKernels.Depthwise));

    public static MethodInfo MaxPool => Method(typeof(PoolKernels), nameof(PoolKernels.MaxPool));

    public static MethodInfo GlobalPool => Method(typeof(PoolKernels), nameof(PoolKernels.GlobalPool));

    public static MethodInfo Elementwise => Method(typeof(ElementwiseKernels), nameof(ElementwiseKernels.Elementwise));

    public static MethodInfo Dense => Method(typeof(DenseKernels), nameof(DenseKernels.Dense));

    public static MethodInfo Softmax => Method(typeof(SoftmaxKernels), nameof(SoftmaxKernels.Softmax));

    public static MethodInfo Activation => Method(typeof(ActivationKernels), nameof(ActivationKernels.Activation));
    public static MethodInfo AveragePool => Method(typeof(AveragePoolKernels), nameof(AveragePoolKernels.AveragePool));
    public static MethodInfo ChannelSlice => Method(typeof(ConcatenateKernels), nameof(ConcatenateKernels.ChannelSlice));
    public static MethodInfo Multiply => Method(typeof(MultiplyKernels), nameof(MultiplyKernels.Multiply));
    public static MethodInfo TiledPrologueConv2D => Method(typeof(PointwiseConvKernels), nameof(PointwiseConvKernels.ConvWithPrologue));
    public static MethodInfo PrologueConv2D => Method(typeof(PointwiseConvKernels), nameof(PointwiseConvKernels.SimpleConvWithPrologue));

    /// <summary>The kernel a backend of this family launches for a Conv2D step with a channel prologue (the backend asks here).</summary>
    public static MethodInfo ForPrologueConv2D(KernelFamily family) => family == KernelFamily.Tiled ? TiledPrologueConv2D : PrologueConv2D;

    /// <summary>
    /// One instance per kernel (several for the separable conv: 3×3 fast path, tail block, general
    /// taps), with Xception's shapes where Xception uses the kernel.
    /// </summary>
    public static IReadOnlyList<KernelInstance> Representative() => new KernelInstance[]
    {
        new("Conv2D block1_conv1 299x299x3->32 k3 s2 valid", Conv2D,
            new Conv2DShape(299, 299, 3, 149, 149, 32, 3, 3, 2, 2, 0, 0, 0, 1, 0)),
        new("Conv2D shortcut 147x147x64->128 k1 s2 same", Conv2D,
            new Conv2DShape(147, 147, 64, 74, 74, 128, 1, 1, 2, 2, 0, 0, 0, 0, 0)),
        new("TiledConv2D block1_conv1 299x299x3->32 k3 s2 valid", TiledConv2D,
            new Conv2DShape(299, 299, 3, 149, 149, 32, 3, 3, 2, 2, 0, 0, 0, 1, 0)),
        new("TiledConv2D block1_conv2 149x149x32->64 k3 s1 valid", TiledConv2D,
            new Conv2DShape(149, 149, 32, 147, 147, 64, 3, 3, 1, 1, 0, 0, 0, 1, 0)),
        new("TiledConv2D shortcut 147x147x64->128 k1 s2 same", TiledConv2D,
            new Conv2DShape(147, 147, 64, 74, 74, 128, 1, 1, 2, 2, 0, 0, 0, 0, 0)),
        new("TiledSeparableConv block5 19x19x728->728 k3 relu-in residual", TiledSeparableConv,
            new SeparableConvShape(19, 19, 728, 19, 19, 728, 3, 3, 1, 1, 1, 1, 1, 0, 1)),
        new("TiledSeparableConv block14 10x10x1536->2048 k3 relu-out", TiledSeparableConv,
            new SeparableConvShape(10, 10, 1536, 10, 10, 2048, 3, 3, 1, 1, 1, 1, 0, 1, 0)),
        new("TiledSeparableConv tail 37x37x64->91 k3", TiledSeparableConv,
            new SeparableConvShape(37, 37, 64, 37, 37, 91, 3, 3, 1, 1, 1, 1, 0, 1, 0)),
        new("TiledSeparableConv general 15x15x16->24 k5 s2", TiledSeparableConv,
            new SeparableConvShape(15, 15, 16, 8, 8, 24, 5, 5, 2, 2, 2, 2, 1, 0, 0)),
        new("SeparableConv block5 19x19x728->728 k3 relu-in residual", SeparableConv,
            new SeparableConvShape(19, 19, 728, 19, 19, 728, 3, 3, 1, 1, 1, 1, 1, 0, 1)),
        new("SeparableConv tail 37x37x64->91 k3", SeparableConv,
            new SeparableConvShape(37, 37, 64, 37, 37, 91, 3, 3, 1, 1, 1, 1, 0, 1, 0)),
        new("SeparableConv general 15x15x16->24 k5 s2", SeparableConv,
            new SeparableConvShape(15, 15, 16, 8, 8, 24, 5, 5, 2, 2, 2, 2, 1, 0, 0)),
        new("DepthwiseConv 19x19x728 k3", DepthwiseConv,
            new DepthwiseConvShape(19, 19, 728, 19, 19, 3, 3, 1, 1, 1, 1, 1, 0, 0)),
        new("MaxPool block2_pool 147x147x128 p3 s2 same + residual", MaxPool,
            new MaxPoolShape(147, 147, 128, 74, 74, 3, 3, 2, 2, 0, 0, 0, 0, 1)),
        new("GlobalPool avg 10x10x2048", GlobalPool, new GlobalPoolShape(10, 10, 2048, 0, 0)),
        new("GlobalPool max 10x10x2048", GlobalPool, new GlobalPoolShape(10, 10, 2048, 1, 0)),
        new("Elementwise 19x19x728 scale-shift relu residual", Elementwise,
            new ElementwiseShape(19 * 19 * 728, 728, 1, 1, 1, 1)),
        new("Dense predictions 2048->1000", Dense, new DenseShape(2048, 1000, 0, 0)),
        new("Dense binary head 2048->1 sigmoid", Dense, new DenseShape(2048, 1, 0, 0, SigmoidOutput: 1)),
        new("Dense 2048->10 gelu", Dense, new DenseShape(2048, 10, 0, 0, Activation: (int)ActivationFunction.Gelu)),
        new("Softmax 1000", Softmax, new SoftmaxShape(1000)),
        new("Activation relu6 / leaky / threshold", Activation, ActivationShape.Of(1024, ActivationFunction.Relu, 0.1f, 6f, 0.5f)),
        new("Activation sigmoid", Activation, ActivationShape.Of(1024, ActivationFunction.Sigmoid)),
        new("Activation tanh", Activation, ActivationShape.Of(1024, ActivationFunction.Tanh)),
        new("Activation elu", Activation, ActivationShape.Of(1024, ActivationFunction.Elu, 1f)),
        new("Activation selu", Activation, ActivationShape.Of(1024, ActivationFunction.Selu)),
        new("Activation swish", Activation, ActivationShape.Of(1024, ActivationFunction.Swish)),
        new("Activation hard_sigmoid", Activation, ActivationShape.Of(1024, ActivationFunction.HardSigmoid, 1f / 6f, 0.5f)),
        new("Activation gelu", Activation, ActivationShape.Of(1024, ActivationFunction.Gelu)),
        new("Activation gelu tanh", Activation, ActivationShape.Of(1024, ActivationFunction.GeluTanh)),
        new("MaxPool ResNet50 pool1 ZeroPadding2D(1) folded 112x112x64 p3 s2", MaxPool,
            new MaxPoolShape(112, 112, 64, 56, 56, 3, 3, 2, 2, 1, 1, 0, 0, 0, ZeroPadTop: 1, ZeroPadBottom: 1, ZeroPadLeft: 1, ZeroPadRight: 1)),
        new("AveragePool InceptionV3 3x3 s1 same 35x35x192", AveragePool,
            new AveragePoolShape(35, 35, 192, 35, 35, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0)),
        new("ChannelSlice InceptionV3 mixed0 pool branch 35x35x32 -> channels 224.. of 256", ChannelSlice,
            new ChannelSliceShape(35 * 35, 32, 256, 224)),
        new("Multiply EfficientNetB0 block2a_se_excite 56x56x96 by channel", Multiply,
            new MultiplyShape(56 * 56, 96, 1)),
        new("Multiply same shapes 19x19x728", Multiply, new MultiplyShape(19 * 19, 728, 0)),
        new("Conv2D InceptionV3 mixed0 branch5x5_2 35x35x48->64 k5 into channels 64.. of 256", Conv2D,
            new Conv2DShape(35, 35, 48, 35, 35, 64, 5, 5, 1, 1, 2, 2, 0, 1, 0, OutChannelOffset: 64, OutPixelStride: 256)),
        new("TiledConv2D InceptionV3 mixed0 branch1x1 35x35x192->64 into channels 0.. of 256", TiledConv2D,
            new Conv2DShape(35, 35, 192, 35, 35, 64, 1, 1, 1, 1, 0, 0, 0, 1, 0, OutChannelOffset: 0, OutPixelStride: 256)),
        new("TiledConv2D MobileNet conv_pw_2 56x56x64->128 k1 relu6 in the store", TiledConv2D,
            new Conv2DShape(56, 56, 64, 56, 56, 128, 1, 1, 1, 1, 0, 0, 0, 1, 0, ReluMax: Relu6Bits)),
        new("Conv2D MobileNet conv1 224x224x3->32 k3 s2 relu6 in the store", Conv2D,
            new Conv2DShape(224, 224, 3, 112, 112, 32, 3, 3, 2, 2, 0, 0, 0, 1, 0, ReluMax: Relu6Bits)),
        new("DepthwiseConv MobileNet conv_dw_2 ZeroPadding2D folded 112x112x64 k3 s2 relu6 in the store", DepthwiseConv,
            new DepthwiseConvShape(112, 112, 64, 56, 56, 3, 3, 2, 2, 0, 0, 0, 1, 0, ReluMax: Relu6Bits)),
        new("TiledSeparableConv MobileNet conv_dw_2 + conv_pw_2 112x112x64->56x56x128 k3 s2 relu6 between and in the store", TiledSeparableConv,
            new SeparableConvShape(112, 112, 64, 56, 56, 128, 3, 3, 2, 2, 0, 0, 0, 1, 0, ReluMax: Relu6Bits, DepthwiseBias: 1, DepthwiseRelu: 1, DepthwiseReluMax: Relu6Bits)),
        new("SeparableConv MobileNetV2 block_16 depthwise + project 7x7x960->320 k3 relu6 between", SeparableConv,
            new SeparableConvShape(7, 7, 960, 7, 7, 320, 3, 3, 1, 1, 1, 1, 0, 0, 0, DepthwiseBias: 1, DepthwiseRelu: 1, DepthwiseReluMax: Relu6Bits)),
        new("TiledSeparableConv general 15x15x16->24 k5 s2 depthwise bias + relu between", TiledSeparableConv,
            new SeparableConvShape(15, 15, 16, 8, 8, 24, 5, 5, 2, 2, 2, 2, 0, 0, 0, DepthwiseBias: 1, DepthwiseRelu: 1)),
        new("TiledConv2D EfficientNetB0 block2a_expand_conv 112x112x16->96 k1 swish in the store", TiledConv2D,
            new Conv2DShape(112, 112, 16, 112, 112, 96, 1, 1, 1, 1, 0, 0, 0, 0, 0, Activation: (int)ActivationFunction.Swish)),
        new("Conv2D EfficientNetB0 block2a_se_expand 1x1x4->96 k1 sigmoid in the store", Conv2D,
            new Conv2DShape(1, 1, 4, 1, 1, 96, 1, 1, 1, 1, 0, 0, 0, 0, 0, Activation: (int)ActivationFunction.Sigmoid)),
        new("DepthwiseConv EfficientNetB0 block2a_dwconv 112x112x96 k3 s2 swish in the store", DepthwiseConv,
            new DepthwiseConvShape(113, 113, 96, 56, 56, 3, 3, 2, 2, 0, 0, 0, 0, 0, Activation: (int)ActivationFunction.Swish)),
        new("TiledSeparableConv 15x15x16->24 k3 swish in the store after the residual", TiledSeparableConv,
            new SeparableConvShape(15, 15, 16, 15, 15, 24, 3, 3, 1, 1, 1, 1, 0, 0, 1, Activation: (int)ActivationFunction.Swish)),
        new("SeparableConv 15x15x16->24 k3 sigmoid in the store", SeparableConv,
            new SeparableConvShape(15, 15, 16, 15, 15, 24, 3, 3, 1, 1, 1, 1, 0, 0, 0, Activation: (int)ActivationFunction.Sigmoid)),
        new("TiledPrologueConv2D EfficientNetB0 block2a_project_conv 112x112x96->24 k1, the SE scale in the prologue", TiledPrologueConv2D,
            new Conv2DShape(112, 112, 96, 112, 112, 24, 1, 1, 1, 1, 0, 0, 0, 0, 0)),
        new("PrologueConv2D DenseNet121 conv2_block2_1_conv 56x56x96->128 k1, BN + ReLU in the prologue", PrologueConv2D,
            new Conv2DShape(56, 56, 96, 56, 56, 128, 1, 1, 1, 1, 0, 0, 0, 1, 0)),
    };

    /// <summary>The bits of 6f: ReLU6's bound as the shapes carry it.</summary>
    private const int Relu6Bits = 0x40C00000;

    /// <summary>
    /// The kernel instances <see cref="IlgpuBackend"/> launches for one step with this shape, in launch
    /// order (the backend selects its kernels through the same code, so the two cannot drift).
    /// </summary>
    /// <param name="shape">A step shape: Conv2DShape, SeparableConvShape, DepthwiseConvShape, MaxPoolShape,
    /// ElementwiseShape, GlobalPoolShape, DenseShape, SoftmaxShape or ActivationShape.</param>
    /// <param name="family">The backend's kernel family (GPUs use <see cref="KernelFamily.Tiled"/>).</param>
    public static IReadOnlyList<KernelInstance> ForStep(object shape, KernelFamily family = KernelFamily.Tiled) => shape switch
    {
        Conv2DShape s => One($"{Prefix(ForConv2D(family))}Conv2D {s.InHeight}x{s.InWidth}x{s.InChannels}->{s.OutHeight}x{s.OutWidth}x{s.OutChannels} k{s.KernelHeight}x{s.KernelWidth} s{s.StrideHeight}x{s.StrideWidth}", ForConv2D(family), s),
        SeparableConvShape s => One($"{Prefix(ForSeparableConv(family))}SeparableConv {s.InHeight}x{s.InWidth}x{s.InChannels}->{s.OutHeight}x{s.OutWidth}x{s.OutChannels} k{s.KernelHeight}x{s.KernelWidth} s{s.StrideHeight}x{s.StrideWidth}", ForSeparableConv(family), s),
        DepthwiseConvShape s => One($"DepthwiseConv {s.InHeight}x{s.InWidth}x{s.Channels}->{s.OutHeight}x{s.OutWidth} k{s.KernelHeight}x{s.KernelWidth} s{s.StrideHeight}x{s.StrideWidth}", DepthwiseConv, s),
        MaxPoolShape s => One($"MaxPool {s.InHeight}x{s.InWidth}x{s.Channels}->{s.OutHeight}x{s.OutWidth} p{s.PoolHeight}x{s.PoolWidth} s{s.StrideHeight}x{s.StrideWidth}", MaxPool, s),
        ElementwiseShape s => One($"Elementwise {s.Length}/{s.Channels}", Elementwise, s),
        GlobalPoolShape s => One($"GlobalPool {(s.IsMax != 0 ? "max" : "avg")} {s.Height}x{s.Width}x{s.Channels}", GlobalPool, s),
        DenseShape s => One($"Dense {s.InFeatures}->{s.OutFeatures}", Dense, s),
        SoftmaxShape s => One($"Softmax {s.Length}", Softmax, s),
        ActivationShape s => One($"Activation {(ActivationFunction)s.Function} {s.Length}", Activation, s),
        AveragePoolShape s => One($"AveragePool {s.InHeight}x{s.InWidth}x{s.Channels}->{s.OutHeight}x{s.OutWidth} p{s.PoolHeight}x{s.PoolWidth} s{s.StrideHeight}x{s.StrideWidth}", AveragePool, s),
        ChannelSliceShape s => One($"ChannelSlice {s.Pixels}x{s.Channels} -> {s.OutChannelOffset}/{s.OutChannels}", ChannelSlice, s),
        MultiplyShape s => One($"Multiply {s.Pixels}x{s.Channels}{(s.PerChannel != 0 ? " by channel" : string.Empty)}", Multiply, s),
        PrologueConv2DStep p => One($"{Prefix(ForPrologueConv2D(family))}PrologueConv2D {p.Shape.InHeight}x{p.Shape.InWidth}x{p.Shape.InChannels}->{p.Shape.OutChannels} k1", ForPrologueConv2D(family), p.Shape),
        null => throw new ArgumentNullException(nameof(shape)),
        _ => throw new ArgumentException($"{shape.GetType().Name} is not a step shape.", nameof(shape)),
    };

    /// <summary>The kernel a backend of this family launches for a Conv2D step (the backend asks here).</summary>
    public static MethodInfo ForConv2D(KernelFamily family) => family == KernelFamily.Tiled ? TiledConv2D : Conv2D;

    /// <summary>The kernel a backend of this family launches for a SeparableConv step (the backend asks here).</summary>
    public static MethodInfo ForSeparableConv(KernelFamily family) => family == KernelFamily.Tiled ? TiledSeparableConv : SeparableConv;

    private static string Prefix(MethodInfo kernel) => kernel.DeclaringType == typeof(PointwiseConvKernels) ? "Tiled" : "";

    private static KernelInstance[] One(string name, MethodInfo kernel, object shape) => new[] { new KernelInstance(name, kernel, shape) };

    private static MethodInfo Method(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)
        ?? throw new InvalidOperationException($"Kernel {type.Name}.{name} not found.");
}
