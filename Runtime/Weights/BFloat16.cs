using System;
using System.Buffers.Binary;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>bfloat16 to float32: a bfloat16 is the top 16 bits of a float32, so widening is exact.</summary>
internal static class BFloat16
{
    /// <summary>Widens little-endian bfloat16 values (two bytes each, as h5py stores ml_dtypes' bfloat16).</summary>
    /// <exception cref="ArgumentException">An odd number of bytes.</exception>
    public static float[] ToSingle(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 2 != 0)
        {
            throw new ArgumentException("bfloat16 data has an odd number of bytes (" + bytes.Length + ").", nameof(bytes));
        }

        var values = new float[bytes.Length / 2];
        for (int i = 0; i < values.Length; i++)
        {
            ushort top = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(2 * i, 2));
            values[i] = BitConverter.Int32BitsToSingle(top << 16);
        }

        return values;
    }
}
