using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// A run of output pixels of one output row of a depthwise convolution (any kernel size and stride) whose taps all
/// lie inside the input horizontally, the padded rows above and below left out. Per channel block, four output
/// pixels are accumulated at once, so that each weight vector is loaded once for four FMAs instead of once per FMA
/// (with its tap offsets read from a table) as <see cref="ChannelMath.DepthwisePixel"/> does; bias, residual and the
/// (bounded) ReLU are applied in the same store. The taps are summed in (ky, kx) order from zero and the epilogue is
/// <see cref="ChannelMath.Finish"/>'s, so every output has the bits the per-pixel path gives it.
/// </summary>
internal static unsafe class DepthwiseRun
{
    private const int Pixels = 4;

    /// <summary>
    /// <paramref name="count"/> outputs; <paramref name="x"/> is the first valid input row's pixel under the first
    /// output's leftmost tap, the valid rows are <paramref name="rowFloats"/> apart and the outputs' windows
    /// <paramref name="xStep"/> floats; <paramref name="w"/> is the kernel (KH, KW, n) at the first valid row;
    /// residual (at the first output) and bias may be null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Interior(CpuIsa isa, in DepthwiseRunLayout layout, float* x, float* w, float* bias, float* residual, float* dst, int count)
    {
        int n = layout.Channels;
        int c = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; c + 16 <= n; c += 16)
            {
                Block512(layout, x + c, w + c, bias == null ? null : bias + c, residual == null ? null : residual + c, dst + c, count);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; c + 8 <= n; c += 8)
            {
                Block256(layout, x + c, w + c, bias == null ? null : bias + c, residual == null ? null : residual + c, dst + c, count);
            }
        }

        for (; c < n; c++)
        {
            Scalar(layout, x + c, w + c, bias == null ? null : bias + c, residual == null ? null : residual + c, dst + c, count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(in DepthwiseRunLayout l, float* x, float* w, float* bias, float* residual, float* dst, int count)
    {
        nint n = l.Channels, xStep = l.XStep;
        bool reluIn = l.ReluInput, relu = l.Relu, clamp = relu && l.ReluMax < float.PositiveInfinity;
        Vector512<float> b = bias != null ? Vector512.Load(bias) : Vector512<float>.Zero;
        var bound = Vector512.Create(l.ReluMax);
        int p = 0;
        for (; p + Pixels <= count; p += Pixels)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            float* row = x + p * xStep;
            float* wr = w;
            for (int ky = 0; ky < l.Rows; ky++, row += l.RowFloats, wr += l.KernelWidth * n)
            {
                for (int kx = 0; kx < l.KernelWidth; kx++)
                {
                    Vector512<float> wv = Vector512.Load(wr + kx * n);
                    float* at = row + kx * n;
                    a0 = Avx512F.FusedMultiplyAdd(Relu(reluIn, Vector512.Load(at)), wv, a0);
                    a1 = Avx512F.FusedMultiplyAdd(Relu(reluIn, Vector512.Load(at + xStep)), wv, a1);
                    a2 = Avx512F.FusedMultiplyAdd(Relu(reluIn, Vector512.Load(at + 2 * xStep)), wv, a2);
                    a3 = Avx512F.FusedMultiplyAdd(Relu(reluIn, Vector512.Load(at + 3 * xStep)), wv, a3);
                }
            }

            float* d = dst + p * n;
            float* r = residual == null ? null : residual + p * n;
            Store(a0, b, r, d, relu, clamp, bound);
            Store(a1, b, r == null ? null : r + n, d + n, relu, clamp, bound);
            Store(a2, b, r == null ? null : r + 2 * n, d + 2 * n, relu, clamp, bound);
            Store(a3, b, r == null ? null : r + 3 * n, d + 3 * n, relu, clamp, bound);
        }

        for (; p < count; p++)
        {
            Vector512<float> a0 = Vector512<float>.Zero;
            float* row = x + p * xStep;
            float* wr = w;
            for (int ky = 0; ky < l.Rows; ky++, row += l.RowFloats, wr += l.KernelWidth * n)
            {
                for (int kx = 0; kx < l.KernelWidth; kx++)
                {
                    a0 = Avx512F.FusedMultiplyAdd(Relu(reluIn, Vector512.Load(row + kx * n)), Vector512.Load(wr + kx * n), a0);
                }
            }

            Store(a0, b, residual == null ? null : residual + p * n, dst + p * n, relu, clamp, bound);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block256(in DepthwiseRunLayout l, float* x, float* w, float* bias, float* residual, float* dst, int count)
    {
        nint n = l.Channels, xStep = l.XStep;
        bool reluIn = l.ReluInput, relu = l.Relu, clamp = relu && l.ReluMax < float.PositiveInfinity;
        Vector256<float> b = bias != null ? Vector256.Load(bias) : Vector256<float>.Zero;
        var bound = Vector256.Create(l.ReluMax);
        int p = 0;
        for (; p + Pixels <= count; p += Pixels)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            float* row = x + p * xStep;
            float* wr = w;
            for (int ky = 0; ky < l.Rows; ky++, row += l.RowFloats, wr += l.KernelWidth * n)
            {
                for (int kx = 0; kx < l.KernelWidth; kx++)
                {
                    Vector256<float> wv = Vector256.Load(wr + kx * n);
                    float* at = row + kx * n;
                    a0 = Fma.MultiplyAdd(Relu(reluIn, Vector256.Load(at)), wv, a0);
                    a1 = Fma.MultiplyAdd(Relu(reluIn, Vector256.Load(at + xStep)), wv, a1);
                    a2 = Fma.MultiplyAdd(Relu(reluIn, Vector256.Load(at + 2 * xStep)), wv, a2);
                    a3 = Fma.MultiplyAdd(Relu(reluIn, Vector256.Load(at + 3 * xStep)), wv, a3);
                }
            }

            float* d = dst + p * n;
            float* r = residual == null ? null : residual + p * n;
            Store(a0, b, r, d, relu, clamp, bound);
            Store(a1, b, r == null ? null : r + n, d + n, relu, clamp, bound);
            Store(a2, b, r == null ? null : r + 2 * n, d + 2 * n, relu, clamp, bound);
            Store(a3, b, r == null ? null : r + 3 * n, d + 3 * n, relu, clamp, bound);
        }

        for (; p < count; p++)
        {
            Vector256<float> a0 = Vector256<float>.Zero;
            float* row = x + p * xStep;
            float* wr = w;
            for (int ky = 0; ky < l.Rows; ky++, row += l.RowFloats, wr += l.KernelWidth * n)
            {
                for (int kx = 0; kx < l.KernelWidth; kx++)
                {
                    a0 = Fma.MultiplyAdd(Relu(reluIn, Vector256.Load(row + kx * n)), Vector256.Load(wr + kx * n), a0);
                }
            }

            Store(a0, b, residual == null ? null : residual + p * n, dst + p * n, relu, clamp, bound);
        }
    }

    /// <summary>One channel of the run, with the per-pixel path's scalar arithmetic (a product, then a sum: no FMA).</summary>
    private static void Scalar(in DepthwiseRunLayout l, float* x, float* w, float* bias, float* residual, float* dst, int count)
    {
        nint n = l.Channels;
        for (int p = 0; p < count; p++)
        {
            float acc = 0f;
            float* row = x + p * l.XStep;
            float* wr = w;
            for (int ky = 0; ky < l.Rows; ky++, row += l.RowFloats, wr += l.KernelWidth * n)
            {
                for (int kx = 0; kx < l.KernelWidth; kx++)
                {
                    float v = row[kx * n];
                    acc += (l.ReluInput && v < 0f ? 0f : v) * wr[kx * n];
                }
            }

            float y = acc;
            if (bias != null)
            {
                y += *bias;
            }

            if (residual != null)
            {
                y += residual[p * n];
            }

            y = l.Relu && y < 0f ? 0f : y;
            dst[p * n] = l.Relu && y > l.ReluMax ? l.ReluMax : y;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> acc, Vector512<float> bias, float* residual, float* dst, bool relu, bool clamp, Vector512<float> bound)
    {
        Vector512<float> y = acc + bias;
        if (residual != null)
        {
            y += Vector512.Load(residual);
        }

        y = relu ? Vector512.Max(y, Vector512<float>.Zero) : y;
        (clamp ? Vector512.Min(y, bound) : y).Store(dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> acc, Vector256<float> bias, float* residual, float* dst, bool relu, bool clamp, Vector256<float> bound)
    {
        Vector256<float> y = acc + bias;
        if (residual != null)
        {
            y += Vector256.Load(residual);
        }

        y = relu ? Vector256.Max(y, Vector256<float>.Zero) : y;
        (clamp ? Vector256.Min(y, bound) : y).Store(dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Relu(bool relu, Vector512<float> v) => relu ? Vector512.Max(v, Vector512<float>.Zero) : v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Relu(bool relu, Vector256<float> v) => relu ? Vector256.Max(v, Vector256<float>.Zero) : v;
}

/// <summary>
/// What stays fixed over a <see cref="DepthwiseRun"/>: the channels, the kernel width, the valid kernel rows of the
/// output row and the strides between them in the input, the window step between outputs, and the epilogue's flags.
/// </summary>
internal readonly record struct DepthwiseRunLayout(
    int Channels, int KernelWidth, int Rows, nint RowFloats, nint XStep, bool ReluInput, bool Relu, float ReluMax);
