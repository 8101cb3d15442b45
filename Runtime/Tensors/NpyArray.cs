using System;

namespace Xception.Compiler.Runtime.Tensors;

/// <summary>A float32 array read from a <c>.npy</c> file: its shape and its values in C (row-major) order.</summary>
public sealed class NpyArray
{
    public NpyArray(int[] shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException("Shape dimensions must not be negative: " + ShapeFormat.Tuple(shape) + ".", nameof(shape));
            }

            count *= d;
        }

        if (count != data.LongLength)
        {
            throw new ArgumentException(
                "Shape " + ShapeFormat.Tuple(shape) + " has " + count + " elements, data has " + data.LongLength + ".", nameof(data));
        }

        Shape = shape;
        Data = data;
    }

    public int[] Shape { get; }

    public float[] Data { get; }
}
