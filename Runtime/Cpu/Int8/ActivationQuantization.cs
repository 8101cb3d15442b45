using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu.Int8;

/// <summary>
/// Per-tensor asymmetric u8 quantization of activations with a static scale and zero point (from a calibration
/// step): q = clamp(round(x / Scale) + ZeroPoint, 0, 255), x ≈ Scale · (q − ZeroPoint). Asymmetric because the
/// inputs of most of Xception's pointwise convolutions follow a ReLU or a depthwise convolution with a bias, so
/// their range is far from symmetric around zero; u8 because VPDPBUSD and VPMADDUBSW multiply unsigned by signed bytes.
/// </summary>
internal readonly record struct ActivationQuantization
{
    public ActivationQuantization(float scale, int zeroPoint)
    {
        if (!(scale > 0f) || float.IsInfinity(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "An activation scale must be a positive finite number.");
        }

        if (zeroPoint is < 0 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(zeroPoint), zeroPoint, "A u8 zero point must lie in [0, 255].");
        }

        Scale = scale;
        ZeroPoint = zeroPoint;
    }

    public float Scale { get; }

    public int ZeroPoint { get; }

    /// <summary>The float range [Min, Max] that maps onto [0, 255] without clamping.</summary>
    public float Min => Scale * (0 - ZeroPoint);

    public float Max => Scale * (255 - ZeroPoint);

    /// <summary>
    /// The scale and zero point that cover [<paramref name="min"/>, <paramref name="max"/>] (widened to include 0, so
    /// that zero, the value of ReLU's cut and of padding, is represented exactly by the zero point).
    /// </summary>
    public static ActivationQuantization FromRange(float min, float max)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || min > max)
        {
            throw new ArgumentException($"A calibration range needs finite min ≤ max; it was [{min}, {max}].");
        }

        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        float scale = max > min ? (max - min) / 255f : 1f;
        int zeroPoint = Math.Clamp((int)MathF.Round(-min / scale), 0, 255);
        return new ActivationQuantization(scale, zeroPoint);
    }

    /// <summary>
    /// |x / Scale| is clamped to this before the conversion to int, so that values far outside the range (and the
    /// int overflow of their conversion) still land on 0 or 255.
    /// </summary>
    public const float StepLimit = 512f;

    /// <summary>q for one value (rounding half to even).</summary>
    public byte Quantize(float x) => (byte)Math.Clamp((int)MathF.Round(Math.Clamp(x / Scale, -StepLimit, StepLimit)) + ZeroPoint, 0, 255);

    /// <summary>
    /// 16 values at once, bit for bit as <see cref="Quantize(float)"/> for finite values: the same IEEE division,
    /// VCVTPS2DQ rounds half to even as MathF.Round does, the low clamp by max and the high one by VPMOVUSDB.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Quantize16(Vector512<float> x, byte* dst)
    {
        Vector512<float> steps = Vector512.Min(Vector512.Max(x / Vector512.Create(Scale), Vector512.Create(-StepLimit)), Vector512.Create(StepLimit));
        Vector512<int> q = Avx512F.ConvertToVector512Int32(steps) + Vector512.Create(ZeroPoint);
        Avx512F.ConvertToVector128ByteWithSaturation(Vector512.Max(q, Vector512<int>.Zero).AsUInt32()).Store(dst);
    }

    /// <summary>
    /// Quantizes <paramref name="rows"/> rows of <paramref name="k"/> floats (stride <paramref name="ldx"/>) into rows of
    /// <paramref name="lda"/> bytes; the bytes from k to lda are set to the zero point (they meet zero weights).
    /// </summary>
    public void Quantize(ReadOnlySpan<float> x, int ldx, int rows, int k, Span<byte> a, int lda)
    {
        if (lda < k || ldx < k)
        {
            throw new ArgumentException($"Row strides must be at least K = {k}; they were {ldx} (floats) and {lda} (bytes).");
        }

        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> source = x.Slice(r * ldx, k);
            Span<byte> target = a.Slice(r * lda, lda);
            int i = 0;
            if (Avx512F.IsSupported)
            {
                unsafe
                {
                    fixed (float* ps = source)
                    fixed (byte* pt = target)
                    {
                        for (; i + 16 <= k; i += 16)
                        {
                            Quantize16(Vector512.Load(ps + i), pt + i);
                        }
                    }
                }
            }

            for (; i < k; i++)
            {
                target[i] = Quantize(source[i]);
            }

            target[k..].Fill((byte)ZeroPoint);
        }
    }
}
