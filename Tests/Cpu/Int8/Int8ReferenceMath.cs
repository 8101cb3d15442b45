using System;

namespace Xception.Compiler.Tests.Cpu.Int8;

/// <summary>
/// The int8 GEMM's arithmetic written out naively, independent of the packing: the quantization formulas of
/// docs/int8.md, int32 sums, and float64 results.
/// </summary>
internal static class Int8ReferenceMath
{
    /// <summary>Per-channel symmetric 7-bit weights of a row-major K×N matrix: q[k, n] and s[n].</summary>
    public static (int[] Q, double[] Scales) QuantizeWeights(float[] kn, int k, int n)
    {
        var q = new int[k * n];
        var scales = new double[n];
        for (int j = 0; j < n; j++)
        {
            float largest = 0f;
            for (int i = 0; i < k; i++)
            {
                largest = Math.Max(largest, Math.Abs(kn[i * n + j]));
            }

            float scale = largest > 0f ? largest / 63f : 1f;
            scales[j] = scale;
            for (int i = 0; i < k; i++)
            {
                q[i * n + j] = (int)MathF.Round(kn[i * n + j] / scale);
            }
        }

        return (q, scales);
    }

    /// <summary>Σ_k (qa[r, k] − z)·qw[k, n] for every row and channel, in int64 (and checked to fit int32).</summary>
    public static long[] Sums(byte[] qa, int lda, int rows, int zeroPoint, int[] qw, int k, int n)
    {
        var sums = new long[rows * n];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < n; j++)
            {
                long sum = 0;
                for (int i = 0; i < k; i++)
                {
                    sum += (long)(qa[r * lda + i] - zeroPoint) * qw[i * n + j];
                }

                sums[r * n + j] = sum;
            }
        }

        return sums;
    }
}
