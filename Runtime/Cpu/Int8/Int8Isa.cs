using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu.Int8;

/// <summary>
/// The instruction set <see cref="Int8Gemm"/> uses; every path gives the same int32 sums bit for bit (the weights
/// are 7-bit, so nothing saturates), and so the same floats.
/// </summary>
/// <remarks>
/// What .NET 10 exposes for u8·s8 dot products (checked in the 10.0 reference assembly): <c>AvxVnni</c>
/// (VEX VPDPBUSD, Vector128/256 only, needs the AVX-VNNI CPUID bit), <c>AvxVnniInt8</c> (s8·s8/u8·u8 forms,
/// with a V512 class for AVX10.2), and <c>Avx512BW.MultiplyAddAdjacent</c> (VPMADDUBSW, VPMADDWD). There is no
/// <c>Avx512Vnni</c> class, and <c>Avx10v1</c> has no dot-product method, so the 512-bit VPDPBUSD of AVX512-VNNI
/// (which Zen 4 has) cannot be emitted. Zen 4 reports avx512_vnni but not avx_vnni: there <c>AvxVnni</c> is not
/// supported and <see cref="Avx512BW"/> is the best path. <c>AvxVnni</c> is also marked
/// <c>[RequiresPreviewFeatures]</c> in .NET 10 (CA2252), and no machine here can run it, so it has no path
/// yet; the packing (K in groups of 4 per int32 lane) is already the one VPDPBUSD reads (docs/int8.md).
/// </remarks>
internal enum Int8Isa
{
    /// <summary>Plain int32 arithmetic: any machine, and the reference the vector paths are tested against.</summary>
    Scalar,

    /// <summary>VPMADDUBSW (u8·s8 pairs → s16) then VPMADDWD by ones (→ s32), 64 byte products per pair of instructions.</summary>
    Avx512BW,
}

internal static class Int8Isas
{
    /// <summary>Whether this machine can run <paramref name="isa"/>.</summary>
    public static bool IsSupported(Int8Isa isa) => isa switch
    {
        Int8Isa.Scalar => true,
        Int8Isa.Avx512BW => Avx512BW.IsSupported,
        _ => false,
    };

    /// <summary>The widest path this machine runs.</summary>
    public static Int8Isa Best => Avx512BW.IsSupported ? Int8Isa.Avx512BW : Int8Isa.Scalar;
}
