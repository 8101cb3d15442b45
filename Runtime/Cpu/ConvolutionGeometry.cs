using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>The shape of a convolution step (dense or separable) as the CPU kernels read it.</summary>
internal readonly struct ConvolutionGeometry
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ConvolutionGeometry(in Conv2DShape s)
    {
        Separable = false;
        (InHeight, InWidth, InChannels, OutHeight, OutWidth, OutChannels) = (s.InHeight, s.InWidth, s.InChannels, s.OutHeight, s.OutWidth, s.OutChannels);
        (KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft) = (s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.PadTop, s.PadLeft);
        (ReluInput, ReluOutput, HasResidual) = (s.ReluInput != 0, s.ReluOutput != 0, s.HasResidual != 0);
        (OutChannelOffset, OutPixelFloats) = (s.OutChannelOffset, s.OutputPixelFloats);
        ReluMax = ReluBound(s.ReluMax);
        Activation = s.Activation;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ConvolutionGeometry(in SeparableConvShape s)
    {
        Separable = true;
        (InHeight, InWidth, InChannels, OutHeight, OutWidth, OutChannels) = (s.InHeight, s.InWidth, s.InChannels, s.OutHeight, s.OutWidth, s.OutChannels);
        (KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft) = (s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.PadTop, s.PadLeft);
        (ReluInput, ReluOutput, HasResidual) = (s.ReluInput != 0, s.ReluOutput != 0, s.HasResidual != 0);
        (OutChannelOffset, OutPixelFloats) = (0, s.OutChannels);
        ReluMax = ReluBound(s.ReluMax);
        Activation = s.Activation;
        (DepthwiseBias, DepthwiseRelu, DepthwiseReluMax) = (s.DepthwiseBias != 0, s.DepthwiseRelu != 0, ReluBound(s.DepthwiseReluMax));
    }

    /// <summary>Depthwise then pointwise (A = depthwise outputs) rather than a dense convolution (A = gathered taps).</summary>
    public bool Separable { get; }

    public int InHeight { get; }

    public int InWidth { get; }

    public int InChannels { get; }

    public int OutHeight { get; }

    public int OutWidth { get; }

    public int OutChannels { get; }

    public int KernelHeight { get; }

    public int KernelWidth { get; }

    public int StrideHeight { get; }

    public int StrideWidth { get; }

    public int PadTop { get; }

    public int PadLeft { get; }

    public bool ReluInput { get; }

    public bool ReluOutput { get; }

    public bool HasResidual { get; }

    /// <summary>The output ReLU's upper bound (ReLU6: 6); +∞ when it has none.</summary>
    public float ReluMax { get; }

    /// <summary>Separable: a bias (after the depthwise kernel) and a ReLU, bounded by <see cref="DepthwiseReluMax"/>, on the depthwise result.</summary>
    public bool DepthwiseBias { get; }

    public bool DepthwiseRelu { get; }

    public float DepthwiseReluMax { get; }

    /// <summary>Where the step's channels start in an output pixel (a concatenation's slice), and the floats per output pixel.</summary>
    public int OutChannelOffset { get; }

    public int OutPixelFloats { get; }

    /// <summary>The function applied last in the store (an ActivationFunction: Sigmoid or Swish; 0 none).</summary>
    public int Activation { get; }

    /// <summary>A shape's ReluMax bits as the bound: 0 bits mean none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReluBound(int bits) => bits == 0 ? float.PositiveInfinity : System.BitConverter.Int32BitsToSingle(bits);
}

/// <summary>
/// Where a convolution job takes its geometry from. For a generated step type the geometry is built
/// from the type's constant <c>Shape</c>, so a job generic over the source is compiled once per step
/// shape with every dimension and flag folded to a constant (checked with DOTNET_JitDisasm: the
/// 16-field struct is promoted and folded like the shape itself). The two step interfaces carry two
/// shape types, hence one one-line source each.
/// </summary>
internal interface IGeometrySource
{
    /// <summary>Whether <see cref="Geometry"/> holds the step's shape; false: the job reads the shape set per call.</summary>
    static abstract bool IsConstant { get; }

    static abstract ConvolutionGeometry Geometry { get; }
}

/// <summary>A generated Conv2D step type's shape, as constants.</summary>
internal readonly struct Conv2DGeometry<TStep> : IGeometrySource
    where TStep : struct, IConv2DStep
{
    public static bool IsConstant => true;

    public static ConvolutionGeometry Geometry { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(TStep.Shape); }
}

/// <summary>A generated separable step type's shape, as constants.</summary>
internal readonly struct SeparableGeometry<TStep> : IGeometrySource
    where TStep : struct, ISeparableConvStep
{
    public static bool IsConstant => true;

    public static ConvolutionGeometry Geometry { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(TStep.Shape); }
}

/// <summary>A shape passed as a value (tests, other callers of the non-generic backend methods): set on the job per call.</summary>
internal readonly struct RuntimeGeometry : IGeometrySource
{
    public static bool IsConstant => false;

    public static ConvolutionGeometry Geometry => default;
}
