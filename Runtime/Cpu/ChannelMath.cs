using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// Loops over a run of channels, in the widest registers the chosen <see cref="CpuIsa"/> allows and
/// scalar for the tail. Used by the epilogues and by the steps that are not GEMMs (pooling, elementwise).
/// </summary>
internal static unsafe class ChannelMath
{
    /// <summary>
    /// dst = reluOut(acc + bias + residual), the ReLU clamped to at most <paramref name="reluMax"/> (ReLU6); bias and
    /// residual may be null; dst may equal acc.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Finish(CpuIsa isa, float* dst, float* acc, float* bias, float* residual, int n, bool relu, float reluMax = float.PositiveInfinity)
    {
        bool clamp = relu && reluMax < float.PositiveInfinity;
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> y = Vector512.Load(acc + i);
                if (bias != null)
                {
                    y += Vector512.Load(bias + i);
                }

                if (residual != null)
                {
                    y += Vector512.Load(residual + i);
                }

                y = relu ? Vector512.Max(y, Vector512<float>.Zero) : y;
                (clamp ? Vector512.Min(y, Vector512.Create(reluMax)) : y).Store(dst + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> y = Vector256.Load(acc + i);
                if (bias != null)
                {
                    y += Vector256.Load(bias + i);
                }

                if (residual != null)
                {
                    y += Vector256.Load(residual + i);
                }

                y = relu ? Vector256.Max(y, Vector256<float>.Zero) : y;
                (clamp ? Vector256.Min(y, Vector256.Create(reluMax)) : y).Store(dst + i);
            }
        }

        for (; i < n; i++)
        {
            float y = acc[i];
            if (bias != null)
            {
                y += bias[i];
            }

            if (residual != null)
            {
                y += residual[i];
            }

            y = relu && y < 0f ? 0f : y;
            dst[i] = clamp && y > reluMax ? reluMax : y;
        }
    }

    /// <summary>dst = reluIn(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Copy(CpuIsa isa, float* dst, float* x, int n, bool relu)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> y = Vector512.Load(x + i);
                (relu ? Vector512.Max(y, Vector512<float>.Zero) : y).Store(dst + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> y = Vector256.Load(x + i);
                (relu ? Vector256.Max(y, Vector256<float>.Zero) : y).Store(dst + i);
            }
        }

        for (; i < n; i++)
        {
            float y = x[i];
            dst[i] = relu && y < 0f ? 0f : y;
        }
    }

    /// <summary>
    /// One pooled pixel in a single pass over the channels: dst = reluOut(reluIn(max over the taps of x) + residual),
    /// the taps being <paramref name="image"/> + <paramref name="tapX"/>[0..<paramref name="taps"/>) (no taps: -∞),
    /// and a zero among them when <paramref name="withZero"/> (the window reaches a folded ZeroPadding2D's frame).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPoolPixel(CpuIsa isa, float* image, int* tapX, int taps, float* residual, float* dst, int n, bool reluIn, bool reluOut, bool withZero = false)
    {
        float floor = withZero ? 0f : float.NegativeInfinity;
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> best = Vector512.Create(floor);
                for (int t = 0; t < taps; t++)
                {
                    best = Vector512.Max(best, Vector512.Load(image + tapX[t] + i));
                }

                best = Relu(reluIn, best);
                if (residual != null)
                {
                    best += Vector512.Load(residual + i);
                }

                Relu(reluOut, best).Store(dst + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> best = Vector256.Create(floor);
                for (int t = 0; t < taps; t++)
                {
                    best = Vector256.Max(best, Vector256.Load(image + tapX[t] + i));
                }

                best = Relu(reluIn, best);
                if (residual != null)
                {
                    best += Vector256.Load(residual + i);
                }

                Relu(reluOut, best).Store(dst + i);
            }
        }

        for (; i < n; i++)
        {
            float best = floor;
            for (int t = 0; t < taps; t++)
            {
                best = System.Math.Max(best, image[tapX[t] + i]);
            }

            if (reluIn && best < 0f)
            {
                best = 0f;
            }

            if (residual != null)
            {
                best += residual[i];
            }

            dst[i] = reluOut && best < 0f ? 0f : best;
        }
    }

    /// <summary>dst = max(dst, x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max(CpuIsa isa, float* dst, float* x, int n)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512.Max(Vector512.Load(dst + i), Vector512.Load(x + i)).Store(dst + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256.Max(Vector256.Load(dst + i), Vector256.Load(x + i)).Store(dst + i);
            }
        }

        for (; i < n; i++)
        {
            dst[i] = System.Math.Max(dst[i], x[i]);
        }
    }

    /// <summary>dst *= factors (per channel), or dst *= factor when <paramref name="factors"/> is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(CpuIsa isa, float* dst, float* factors, float factor, int n)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            var f = Vector512.Create(factor);
            for (; i + 16 <= n; i += 16)
            {
                (Vector512.Load(dst + i) * (factors != null ? Vector512.Load(factors + i) : f)).Store(dst + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            var f = Vector256.Create(factor);
            for (; i + 8 <= n; i += 8)
            {
                (Vector256.Load(dst + i) * (factors != null ? Vector256.Load(factors + i) : f)).Store(dst + i);
            }
        }

        for (; i < n; i++)
        {
            dst[i] *= factors != null ? factors[i] : factor;
        }
    }

    /// <summary>
    /// One output pixel of a depthwise convolution over channels: dst[c] = Σt w[tapW[t] + c] · reluIn(x[tapX[t] + c]),
    /// taps in (ky, kx) order, padded taps left out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DepthwisePixel(CpuIsa isa, float* x, int* tapX, int* tapW, int taps, float* w, float* dst, int n, bool relu)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> acc = Vector512<float>.Zero;
                for (int t = 0; t < taps; t++)
                {
                    Vector512<float> v = Vector512.Load(x + tapX[t] + i);
                    if (relu)
                    {
                        v = Vector512.Max(v, Vector512<float>.Zero);
                    }

                    acc = Avx512F.FusedMultiplyAdd(v, Vector512.Load(w + tapW[t] + i), acc);
                }

                acc.Store(dst + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> acc = Vector256<float>.Zero;
                for (int t = 0; t < taps; t++)
                {
                    Vector256<float> v = Vector256.Load(x + tapX[t] + i);
                    if (relu)
                    {
                        v = Vector256.Max(v, Vector256<float>.Zero);
                    }

                    acc = Fma.MultiplyAdd(v, Vector256.Load(w + tapW[t] + i), acc);
                }

                acc.Store(dst + i);
            }
        }

        for (; i < n; i++)
        {
            float acc = 0f;
            for (int t = 0; t < taps; t++)
            {
                float v = x[tapX[t] + i];
                acc += (relu && v < 0f ? 0f : v) * w[tapW[t] + i];
            }

            dst[i] = acc;
        }
    }

    /// <summary>
    /// A run of <paramref name="count"/> output pixels of a 3×3 depthwise convolution whose taps all lie inside
    /// the input row (no left/right padding): the 9 weight vectors of a channel block stay in registers while
    /// the run passes, and at stride 1 so do the two input columns the next output shares with this one (one
    /// load and ReLU per input vector instead of three; measured in Benchmarks/RESULTS.md). rowK points at input pixel (iy0 + K, ix of the first output) or is null for a padded row;
    /// consecutive outputs are <paramref name="xStep"/> floats apart in the input and <paramref name="lda"/> in dst.
    /// Weights (3, 3, n). Taps are summed in (ky, kx) order, as <see cref="DepthwisePixel"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Depthwise3x3Run(CpuIsa isa, float* row0, float* row1, float* row2, float* w, int n, int count, nint xStep, nint lda, float* dst, bool relu)
    {
        int c = 0;
        if (isa == CpuIsa.Vector512)
        {
        for (; c + 16 <= n; c += 16)
        {
            Vector512<float> w00 = default, w01 = default, w02 = default, w10 = default, w11 = default, w12 = default, w20 = default, w21 = default, w22 = default;
            if (row0 != null)
            {
                w00 = Vector512.Load(w + c);
                w01 = Vector512.Load(w + n + c);
                w02 = Vector512.Load(w + 2 * n + c);
            }

            if (row1 != null)
            {
                w10 = Vector512.Load(w + 3 * n + c);
                w11 = Vector512.Load(w + 4 * n + c);
                w12 = Vector512.Load(w + 5 * n + c);
            }

            if (row2 != null)
            {
                w20 = Vector512.Load(w + 6 * n + c);
                w21 = Vector512.Load(w + 7 * n + c);
                w22 = Vector512.Load(w + 8 * n + c);
            }

            if (xStep == n)
            {
                // Stride 1: output j's taps are input columns j, j+1, j+2 of each row, so two of the three
                // columns were loaded (and ReLU'd) for output j-1: keep them in registers and load one.
                bool has0 = row0 != null, has1 = row1 != null, has2 = row2 != null;
                Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
                if (has0)
                {
                    a0 = Relu(relu, Vector512.Load(row0 + c));
                    b0 = Relu(relu, Vector512.Load(row0 + n + c));
                }

                if (has1)
                {
                    a1 = Relu(relu, Vector512.Load(row1 + c));
                    b1 = Relu(relu, Vector512.Load(row1 + n + c));
                }

                if (has2)
                {
                    a2 = Relu(relu, Vector512.Load(row2 + c));
                    b2 = Relu(relu, Vector512.Load(row2 + n + c));
                }

                float* d = dst + c;
                nint next = 2 * n + c;
                for (int j = 0; j < count; j++, next += n, d += lda)
                {
                    Vector512<float> acc = Vector512<float>.Zero;
                    if (has0)
                    {
                        Vector512<float> c0 = Relu(relu, Vector512.Load(row0 + next));
                        acc = Avx512F.FusedMultiplyAdd(a0, w00, acc);
                        acc = Avx512F.FusedMultiplyAdd(b0, w01, acc);
                        acc = Avx512F.FusedMultiplyAdd(c0, w02, acc);
                        (a0, b0) = (b0, c0);
                    }

                    if (has1)
                    {
                        Vector512<float> c1 = Relu(relu, Vector512.Load(row1 + next));
                        acc = Avx512F.FusedMultiplyAdd(a1, w10, acc);
                        acc = Avx512F.FusedMultiplyAdd(b1, w11, acc);
                        acc = Avx512F.FusedMultiplyAdd(c1, w12, acc);
                        (a1, b1) = (b1, c1);
                    }

                    if (has2)
                    {
                        Vector512<float> c2 = Relu(relu, Vector512.Load(row2 + next));
                        acc = Avx512F.FusedMultiplyAdd(a2, w20, acc);
                        acc = Avx512F.FusedMultiplyAdd(b2, w21, acc);
                        acc = Avx512F.FusedMultiplyAdd(c2, w22, acc);
                        (a2, b2) = (b2, c2);
                    }

                    acc.Store(d);
                }

                continue;
            }

            for (int j = 0; j < count; j++)
            {
                Vector512<float> acc = Vector512<float>.Zero;
                nint at = j * xStep + c;
                if (row0 != null)
                {
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row0 + at)), w00, acc);
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row0 + at + n)), w01, acc);
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row0 + at + 2 * n)), w02, acc);
                }

                if (row1 != null)
                {
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row1 + at)), w10, acc);
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row1 + at + n)), w11, acc);
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row1 + at + 2 * n)), w12, acc);
                }

                if (row2 != null)
                {
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row2 + at)), w20, acc);
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row2 + at + n)), w21, acc);
                    acc = Avx512F.FusedMultiplyAdd(Relu(relu, Vector512.Load(row2 + at + 2 * n)), w22, acc);
                }

                acc.Store(dst + j * lda + c);
            }
        }
        }

        if (isa >= CpuIsa.Vector256)
        {
        for (; c + 8 <= n; c += 8)
        {
            Vector256<float> w00 = default, w01 = default, w02 = default, w10 = default, w11 = default, w12 = default, w20 = default, w21 = default, w22 = default;
            if (row0 != null)
            {
                w00 = Vector256.Load(w + c);
                w01 = Vector256.Load(w + n + c);
                w02 = Vector256.Load(w + 2 * n + c);
            }

            if (row1 != null)
            {
                w10 = Vector256.Load(w + 3 * n + c);
                w11 = Vector256.Load(w + 4 * n + c);
                w12 = Vector256.Load(w + 5 * n + c);
            }

            if (row2 != null)
            {
                w20 = Vector256.Load(w + 6 * n + c);
                w21 = Vector256.Load(w + 7 * n + c);
                w22 = Vector256.Load(w + 8 * n + c);
            }

            if (xStep == n)
            {
                // Stride 1: the sliding window of the Vector512 loop above.
                bool has0 = row0 != null, has1 = row1 != null, has2 = row2 != null;
                Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
                if (has0)
                {
                    a0 = Relu(relu, Vector256.Load(row0 + c));
                    b0 = Relu(relu, Vector256.Load(row0 + n + c));
                }

                if (has1)
                {
                    a1 = Relu(relu, Vector256.Load(row1 + c));
                    b1 = Relu(relu, Vector256.Load(row1 + n + c));
                }

                if (has2)
                {
                    a2 = Relu(relu, Vector256.Load(row2 + c));
                    b2 = Relu(relu, Vector256.Load(row2 + n + c));
                }

                float* d = dst + c;
                nint next = 2 * n + c;
                for (int j = 0; j < count; j++, next += n, d += lda)
                {
                    Vector256<float> acc = Vector256<float>.Zero;
                    if (has0)
                    {
                        Vector256<float> c0 = Relu(relu, Vector256.Load(row0 + next));
                        acc = Fma.MultiplyAdd(a0, w00, acc);
                        acc = Fma.MultiplyAdd(b0, w01, acc);
                        acc = Fma.MultiplyAdd(c0, w02, acc);
                        (a0, b0) = (b0, c0);
                    }

                    if (has1)
                    {
                        Vector256<float> c1 = Relu(relu, Vector256.Load(row1 + next));
                        acc = Fma.MultiplyAdd(a1, w10, acc);
                        acc = Fma.MultiplyAdd(b1, w11, acc);
                        acc = Fma.MultiplyAdd(c1, w12, acc);
                        (a1, b1) = (b1, c1);
                    }

                    if (has2)
                    {
                        Vector256<float> c2 = Relu(relu, Vector256.Load(row2 + next));
                        acc = Fma.MultiplyAdd(a2, w20, acc);
                        acc = Fma.MultiplyAdd(b2, w21, acc);
                        acc = Fma.MultiplyAdd(c2, w22, acc);
                        (a2, b2) = (b2, c2);
                    }

                    acc.Store(d);
                }

                continue;
            }

            for (int j = 0; j < count; j++)
            {
                Vector256<float> acc = Vector256<float>.Zero;
                nint at = j * xStep + c;
                if (row0 != null)
                {
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row0 + at)), w00, acc);
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row0 + at + n)), w01, acc);
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row0 + at + 2 * n)), w02, acc);
                }

                if (row1 != null)
                {
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row1 + at)), w10, acc);
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row1 + at + n)), w11, acc);
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row1 + at + 2 * n)), w12, acc);
                }

                if (row2 != null)
                {
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row2 + at)), w20, acc);
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row2 + at + n)), w21, acc);
                    acc = Fma.MultiplyAdd(Relu(relu, Vector256.Load(row2 + at + 2 * n)), w22, acc);
                }

                acc.Store(dst + j * lda + c);
            }
        }
        }

        for (; c < n; c++)
        {
            for (int j = 0; j < count; j++)
            {
                float acc = 0f;
                for (int ky = 0; ky < 3; ky++)
                {
                    float* row = ky == 0 ? row0 : ky == 1 ? row1 : row2;
                    if (row == null)
                    {
                        continue;
                    }

                    for (int kx = 0; kx < 3; kx++)
                    {
                        float v = row[j * xStep + kx * n + c];
                        acc += (relu && v < 0f ? 0f : v) * w[(ky * 3 + kx) * n + c];
                    }
                }

                dst[j * lda + c] = acc;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Relu(bool relu, Vector512<float> v) => relu ? Avx512F.Max(v, Vector512<float>.Zero) : v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Relu(bool relu, Vector256<float> v) => relu ? Avx.Max(v, Vector256<float>.Zero) : v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
