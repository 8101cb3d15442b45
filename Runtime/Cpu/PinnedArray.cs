using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>Raw pointers into the CPU backend's arrays, which are all allocated pinned (slots, weights, scratch).</summary>
internal static unsafe class PinnedArray
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float* Pointer(float[]? array) =>
        array is null ? null : (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
}
