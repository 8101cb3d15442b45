using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    /// output[n, j] = reluOut(bias[j] + Σ_k reluIn(input[n, k]) · kernel[k, j]) for the columns of panels
    /// [<paramref name="firstPanel"/>, <paramref name="endPanel"/>) and every row n &lt; <paramref name="rows"/>;
    /// input rows are <c>kernel.K</c> floats apart, output rows <paramref name="outputStride"/>; bias may be null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dense(
        CpuIsa isa, float* input, int rows, PackedPanels kernel, int firstPanel, int endPanel,
        float* output, int outputStride, float* bias, bool reluIn, bool reluOut)
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
                    float value = (float)(sums[j] + (bias != null ? bias[p * Width + j] : 0.0));
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
    /// <paramref name="channels"/> floats apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAverage(CpuIsa isa, float* image, int pixels, int channels, bool reluIn, float* result)
    {
        double count = pixels;
        int c = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; c + 16 <= channels; c += 16)
            {
                Vector512<double> lo = default, hi = default;
                for (int p = 0; p < pixels; p++)
                {
                    Vector512<float> x = Vector512.Load(image + (long)p * channels + c);
                    (Vector512<double> xl, Vector512<double> xh) = Vector512.Widen(reluIn ? Vector512.Max(x, Vector512<float>.Zero) : x);
                    lo += xl;
                    hi += xh;
                }

                Vector512.Narrow(lo / count, hi / count).Store(result + c);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; c + 8 <= channels; c += 8)
            {
                Vector256<double> lo = default, hi = default;
                for (int p = 0; p < pixels; p++)
                {
                    Vector256<float> x = Vector256.Load(image + (long)p * channels + c);
                    (Vector256<double> xl, Vector256<double> xh) = Vector256.Widen(reluIn ? Vector256.Max(x, Vector256<float>.Zero) : x);
                    lo += xl;
                    hi += xh;
                }

                Vector256.Narrow(lo / count, hi / count).Store(result + c);
            }
        }

        for (; c < channels; c++)
        {
            double sum = 0;
            for (int p = 0; p < pixels; p++)
            {
                sum += Input(image[(long)p * channels + c], reluIn);
            }

            result[c] = (float)(sum / count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Input(float x, bool relu) => relu && x < 0f ? 0f : x;
}
