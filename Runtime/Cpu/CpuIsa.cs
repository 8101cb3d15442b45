using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>The instruction set the CPU kernels use; every path gives the same results within float rounding.</summary>
internal enum CpuIsa
{
    /// <summary>Plain float arithmetic: any machine, and the reference the vector paths are tested against.</summary>
    Scalar,

    /// <summary>AVX2 + FMA, 8 floats per register.</summary>
    Vector256,

    /// <summary>AVX-512F, 16 floats per register (32 registers: the 8×32 GEMM tile keeps 16 accumulators).</summary>
    Vector512,
}

internal static class CpuIsas
{
    /// <summary>The widest path this machine runs.</summary>
    public static CpuIsa Best =>
        Avx512F.IsSupported ? CpuIsa.Vector512
        : Avx2.IsSupported && Fma.IsSupported ? CpuIsa.Vector256
        : CpuIsa.Scalar;

    /// <summary>Whether this machine can run <paramref name="isa"/>.</summary>
    public static bool IsSupported(CpuIsa isa) => isa <= Best;
}
