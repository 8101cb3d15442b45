using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// Pinned float arrays whose used part starts on a 64-byte cache line. The GC aligns arrays to 8 bytes
/// only: a 64-byte Vector512 load or store from an unaligned base straddles two cache lines, which halves
/// the bandwidth of the GEMM's panel loads and turns the epilogue's stores into split stores.
/// </summary>
internal static unsafe class CacheAligned
{
    private const int LineFloats = 64 / sizeof(float);

    /// <summary>A zeroed pinned array with room for <paramref name="floats"/> floats from <paramref name="offset"/>, which is 64-byte aligned.</summary>
    public static float[] Allocate(long floats, out int offset)
    {
        long length = floats + LineFloats - 1;
        if (length > Array.MaxLength)
        {
            throw new NotSupportedException($"{floats} floats do not fit one managed array (at most {Array.MaxLength - LineFloats + 1}).");
        }

        float[] array = GC.AllocateArray<float>((int)length, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        offset = (int)((64 - (address & 63)) & 63) / sizeof(float);
        return array;
    }
}
