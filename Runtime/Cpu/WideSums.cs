using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// The model head's long sums, accumulated in float64 and rounded to float once: the dense layer's dot
/// products over a packed kernel and global average pooling. These few sums decide the logits directly, and a
/// float32 running sum over 2,048 terms was where most of the full model's error entered (Benchmarks/RESULTS.md,
/// "Accuracy"). A float × float product is exact in float64, so mul + add is as exact as FMA here, and every
/// <see cref="CpuIsa"/> path adds the same terms in the same order: all paths give the same bits.
/// </summary>
internal static unsafe class WideSums
{
    /// <summary>
    /// output[n, j] = act(bias[j] + Σ_k reluIn(input[n, k]) · kernel[k, j]) for the columns of panels
    /// [<paramref name="firstPanel"/>, <paramref name="endPanel"/>) and every row n &lt; <paramref name="rows"/>;
    /// input rows are <c>kernel.K</c> floats apart, output rows <paramref name="outputStride"/>; bias may be null.
    /// act is ReLU (<paramref name="reluOut"/>), the sigmoid (<paramref name="sigmoidOut"/>), another activation function
    /// (<paramref name="function"/> not 0, see <see cref="ActivationMath"/>) or the identity; the sigmoid and the functions
    /// are taken on the float64 sum, so that a probability near 0 or 1 keeps its float32 precision.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dense(
        CpuIsa isa, float* input, int rows, PackedPanels kernel, int firstPanel, int endPanel,
        float* output, int outputStride, float* bias, bool reluIn, bool reluOut, bool sigmoidOut,
        int function = 0, double p0 = 0, double p1 = 0, double p2 = 0)
    {
        const int Width = PackedPanels.Width;
        int k = kernel.K;
        double* sums = stackalloc double[Width];
        for (int p = firstPanel; p < endPanel; p++)
        {
            float* panel = kernel.Pointer + (long)p * k * Width;
            int columns = System.Math.Min(Width, kernel.N - p * Width);
            for (int n = 0; n < rows; n++)
            {
                PanelDot(isa, input + (long)n * k, k, panel, sums, reluIn);
                float* y = output + (long)n * outputStride + p * Width;
                for (int j = 0; j < columns; j++)
                {
                    double sum = sums[j] + (bias != null ? bias[p * Width + j] : 0.0);
                    float value = sigmoidOut ? (float)(1.0 / (1.0 + System.Math.Exp(-sum)))
                        : function != 0 ? (float)ActivationMath.Apply(function, sum, p0, p1, p2)
                        : (float)sum;
                    y[j] = reluOut && value < 0f ? 0f : value;
                }
            }
        }
    }

    /// <summary>sums[j] = Σ_i reluIn(x[i]) · panel[i, j] for the <see cref="PackedPanels.Width"/> columns of one panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PanelDot(CpuIsa isa, float* x, int k, float* panel, double* sums, bool reluIn)
    {
        if (isa == CpuIsa.Vector512)
        {
            Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int i = 0; i < k; i++)
            {
                var xi = Vector512.Create((double)Input(x[i], reluIn));
                float* w = panel + (long)i * PackedPanels.Width;
                (Vector512<double> w0, Vector512<double> w1) = Vector512.Widen(Vector512.Load(w));
                (Vector512<double> w2, Vector512<double> w3) = Vector512.Widen(Vector512.Load(w + 16));
                a0 += w0 * xi;
                a1 += w1 * xi;
                a2 += w2 * xi;
                a3 += w3 * xi;
            }

            a0.Store(sums);
            a1.Store(sums + 8);
            a2.Store(sums + 16);
            a3.Store(sums + 24);
            return;
        }

        if (isa == CpuIsa.Vector256)
        {
            Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<double> a4 = default, a5 = default, a6 = default, a7 = default;
            for (int i = 0; i < k; i++)
            {
                var xi = Vector256.Create((double)Input(x[i], reluIn));
                float* w = panel + (long)i * PackedPanels.Width;
                (Vector256<double> w0, Vector256<double> w1) = Vector256.Widen(Vector256.Load(w));
                (Vector256<double> w2, Vector256<double> w3) = Vector256.Widen(Vector256.Load(w + 8));
                (Vector256<double> w4, Vector256<double> w5) = Vector256.Widen(Vector256.Load(w + 16));
                (Vector256<double> w6, Vector256<double> w7) = Vector256.Widen(Vector256.Load(w + 24));
                a0 += w0 * xi;
                a1 += w1 * xi;
                a2 += w2 * xi;
                a3 += w3 * xi;
                a4 += w4 * xi;
                a5 += w5 * xi;
                a6 += w6 * xi;
                a7 += w7 * xi;
            }

            a0.Store(sums);
            a1.Store(sums + 4);
            a2.Store(sums + 8);
            a3.Store(sums + 12);
            a4.Store(sums + 16);
            a5.Store(sums + 20);
            a6.Store(sums + 24);
            a7.Store(sums + 28);
            return;
        }

        for (int j = 0; j < PackedPanels.Width; j++)
        {
            sums[j] = 0;
        }

        for (int i = 0; i < k; i++)
        {
            double xi = Input(x[i], reluIn);
            float* w = panel + (long)i * PackedPanels.Width;
            for (int j = 0; j < PackedPanels.Width; j++)
            {
                sums[j] += w[j] * xi;
            }
        }
    }

    /// <summary>
    /// result[c] = (Σ_p reluIn(image[p, c])) / pixels, the sum over the pixels in float64 (pixels are
    /// <paramref name="channels"/> floats apart). The image is read pixel by pixel, each a contiguous run, into
    /// float64 sums of a block of channels on the stack: walking one channel block down the pixels instead jumps
    /// a whole pixel (8 KB at 2,048 channels) per load, which the hardware prefetcher does not follow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAverage(CpuIsa isa, float* image, int pixels, int channels, bool reluIn, float* result)
    {
        const int Block = 512;
        double* sums = stackalloc double[Block];
        double count = pixels;
        for (int first = 0; first < channels; first += Block)
        {
            int n = System.Math.Min(Block, channels - first);
            new System.Span<double>(sums, n).Clear();
            int p = 0;
            for (; p + 4 <= pixels; p += 4)
            {
                float* x = image + (long)p * channels + first;
                AddWidened4(isa, sums, x, channels, n, reluIn);
            }

            for (; p < pixels; p++)
            {
                AddWidened(isa, sums, image + (long)p * channels + first, n, reluIn);
            }

            for (int c = 0; c < n; c++)
            {
                result[first + c] = (float)(sums[c] / count);
            }
        }
    }

    /// <summary>
    /// sums[i] += reluIn(x[i]), then the same for the next three pixels (<paramref name="stride"/> floats on), in
    /// that order, for i &lt; n: the sums are loaded and stored once per four pixels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddWidened4(CpuIsa isa, double* sums, float* x, int stride, int n, bool reluIn)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<double> lo = Vector512.Load(sums + i), hi = Vector512.Load(sums + i + 8);
                for (int q = 0; q < 4; q++)
                {
                    Vector512<float> v = Vector512.Load(x + (long)q * stride + i);
                    (Vector512<double> l, Vector512<double> h) = Vector512.Widen(reluIn ? Vector512.Max(v, Vector512<float>.Zero) : v);
                    lo += l;
                    hi += h;
                }

                lo.Store(sums + i);
                hi.Store(sums + i + 8);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<double> lo = Vector256.Load(sums + i), hi = Vector256.Load(sums + i + 4);
                for (int q = 0; q < 4; q++)
                {
                    Vector256<float> v = Vector256.Load(x + (long)q * stride + i);
                    (Vector256<double> l, Vector256<double> h) = Vector256.Widen(reluIn ? Vector256.Max(v, Vector256<float>.Zero) : v);
                    lo += l;
                    hi += h;
                }

                lo.Store(sums + i);
                hi.Store(sums + i + 4);
            }
        }

        for (; i < n; i++)
        {
            double sum = sums[i];
            for (int q = 0; q < 4; q++)
            {
                sum += Input(x[(long)q * stride + i], reluIn);
            }

            sums[i] = sum;
        }
    }

    /// <summary>sums[i] += reluIn(x[i]) in float64, for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddWidened(CpuIsa isa, double* sums, float* x, int n, bool reluIn)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> v = Vector512.Load(x + i);
                (Vector512<double> lo, Vector512<double> hi) = Vector512.Widen(reluIn ? Vector512.Max(v, Vector512<float>.Zero) : v);
                (Vector512.Load(sums + i) + lo).Store(sums + i);
                (Vector512.Load(sums + i + 8) + hi).Store(sums + i + 8);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> v = Vector256.Load(x + i);
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(reluIn ? Vector256.Max(v, Vector256<float>.Zero) : v);
                (Vector256.Load(sums + i) + lo).Store(sums + i);
                (Vector256.Load(sums + i + 4) + hi).Store(sums + i + 4);
            }
        }

        for (; i < n; i++)
        {
            sums[i] += Input(x[i], reluIn);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Input(float x, bool relu) => relu && x < 0f ? 0f : x;
}
