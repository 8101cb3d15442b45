using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// The shape of a convolution step as the CPU kernels read it. Implemented by empty structs whose
/// members return a generated step type's constants (<see cref="SeparableGeometry{TStep}"/>,
/// <see cref="Conv2DGeometry{TStep}"/>), so a kernel generic over the geometry is compiled once per step
/// shape with every dimension and flag folded to a constant; and by <see cref="RuntimeGeometry"/>,
/// which holds the values, for callers that pass a shape value.
/// </summary>
internal interface IConvolutionGeometry
{
    /// <summary>Depthwise then pointwise (A = depthwise outputs) rather than a dense convolution (A = gathered taps).</summary>
    bool Separable { get; }

    int InHeight { get; }

    int InWidth { get; }

    int InChannels { get; }

    int OutHeight { get; }

    int OutWidth { get; }

    int OutChannels { get; }

    int KernelHeight { get; }

    int KernelWidth { get; }

    int StrideHeight { get; }

    int StrideWidth { get; }

    int PadTop { get; }

    int PadLeft { get; }

    bool ReluInput { get; }

    bool ReluOutput { get; }

    bool HasResidual { get; }
}

/// <summary>A generated separable step type's shape, as constants.</summary>
internal readonly struct SeparableGeometry<TStep> : IConvolutionGeometry
    where TStep : struct, ISeparableConvStep
{
    public bool Separable => true;

    public int InHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.InHeight; }

    public int InWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.InWidth; }

    public int InChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.InChannels; }

    public int OutHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.OutHeight; }

    public int OutWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.OutWidth; }

    public int OutChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.OutChannels; }

    public int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.KernelHeight; }

    public int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.KernelWidth; }

    public int StrideHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.StrideHeight; }

    public int StrideWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.StrideWidth; }

    public int PadTop { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.PadTop; }

    public int PadLeft { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.PadLeft; }

    public bool ReluInput { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.ReluInput != 0; }

    public bool ReluOutput { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.ReluOutput != 0; }

    public bool HasResidual { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.HasResidual != 0; }
}

/// <summary>A generated Conv2D step type's shape, as constants.</summary>
internal readonly struct Conv2DGeometry<TStep> : IConvolutionGeometry
    where TStep : struct, IConv2DStep
{
    public bool Separable => false;

    public int InHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.InHeight; }

    public int InWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.InWidth; }

    public int InChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.InChannels; }

    public int OutHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.OutHeight; }

    public int OutWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.OutWidth; }

    public int OutChannels { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.OutChannels; }

    public int KernelHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.KernelHeight; }

    public int KernelWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.KernelWidth; }

    public int StrideHeight { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.StrideHeight; }

    public int StrideWidth { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.StrideWidth; }

    public int PadTop { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.PadTop; }

    public int PadLeft { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.PadLeft; }

    public bool ReluInput { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.ReluInput != 0; }

    public bool ReluOutput { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.ReluOutput != 0; }

    public bool HasResidual { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TStep.Shape.HasResidual != 0; }
}

/// <summary>A shape passed as a value (tests, other callers of the non-generic backend methods).</summary>
internal readonly struct RuntimeGeometry : IConvolutionGeometry
{
    public RuntimeGeometry(in Conv2DShape s)
    {
        Separable = false;
        (InHeight, InWidth, InChannels, OutHeight, OutWidth, OutChannels) = (s.InHeight, s.InWidth, s.InChannels, s.OutHeight, s.OutWidth, s.OutChannels);
        (KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft) = (s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.PadTop, s.PadLeft);
        (ReluInput, ReluOutput, HasResidual) = (s.ReluInput != 0, s.ReluOutput != 0, s.HasResidual != 0);
    }

    public RuntimeGeometry(in SeparableConvShape s)
    {
        Separable = true;
        (InHeight, InWidth, InChannels, OutHeight, OutWidth, OutChannels) = (s.InHeight, s.InWidth, s.InChannels, s.OutHeight, s.OutWidth, s.OutChannels);
        (KernelHeight, KernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft) = (s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.PadTop, s.PadLeft);
        (ReluInput, ReluOutput, HasResidual) = (s.ReluInput != 0, s.ReluOutput != 0, s.HasResidual != 0);
    }

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
}
