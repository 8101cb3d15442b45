using System;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// A float64 reference that does what Keras does, step by step and independent of the step shapes: the input is
/// first copied into an explicitly zero-padded tensor (ZeroPadding2D, and the pads of a 'same' convolution), then a
/// window slides over that copy. Pools take TF's 'same' pads as cells that are not there (max never selects them,
/// the average does not count them), and a ZeroPadding2D's zeros as cells that are.
/// </summary>
internal static class PaddedReference
{
    /// <summary>An NHWC float64 tensor.</summary>
    public sealed record Tensor(int Batch, int Height, int Width, int Channels, double[] Data)
    {
        public double this[int n, int y, int x, int c] => Data[((n * Height + y) * Width + x) * Channels + c];
    }

    /// <summary>One side of a window under TF's rules: output size and the pads before and after ('valid': none).</summary>
    public static (int Out, int Before, int After) Side(int input, int kernel, int stride, bool same)
    {
        if (!same)
        {
            return ((input - kernel) / stride + 1, 0, 0);
        }

        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + kernel - input, 0);
        return (output, total / 2, total - total / 2);
    }

    public static Tensor FromFloats(float[] x, int batch, int height, int width, int channels) =>
        new(batch, height, width, channels, Array.ConvertAll(x, v => (double)v));

    /// <summary>Keras ZeroPadding2D: a bigger tensor with zeros around.</summary>
    public static Tensor ZeroPad(Tensor x, int top, int bottom, int left, int right)
    {
        int h = x.Height + top + bottom, w = x.Width + left + right;
        var data = new double[x.Batch * h * w * x.Channels];
        for (int n = 0; n < x.Batch; n++)
        {
            for (int y = 0; y < x.Height; y++)
            {
                for (int xx = 0; xx < x.Width; xx++)
                {
                    for (int c = 0; c < x.Channels; c++)
                    {
                        data[((n * h + y + top) * w + xx + left) * x.Channels + c] = x[n, y, xx, c];
                    }
                }
            }
        }

        return new Tensor(x.Batch, h, w, x.Channels, data);
    }

    /// <summary>Max or average pooling with TF padding; a 'same' pad is a cell that is not there.</summary>
    public static Tensor Pool(Tensor x, int pool, int stride, bool same, bool average)
    {
        var (outH, top, _) = Side(x.Height, pool, stride, same);
        var (outW, left, _) = Side(x.Width, pool, stride, same);
        var data = new double[x.Batch * outH * outW * x.Channels];
        int at = 0;
        for (int n = 0; n < x.Batch; n++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    for (int c = 0; c < x.Channels; c++)
                    {
                        double best = double.NegativeInfinity, sum = 0;
                        int count = 0;
                        for (int ky = 0; ky < pool; ky++)
                        {
                            for (int kx = 0; kx < pool; kx++)
                            {
                                int iy = oy * stride - top + ky, ix = ox * stride - left + kx;
                                if (iy < 0 || iy >= x.Height || ix < 0 || ix >= x.Width)
                                {
                                    continue;
                                }

                                double v = x[n, iy, ix, c];
                                best = Math.Max(best, v);
                                sum += v;
                                count++;
                            }
                        }

                        data[at++] = average ? sum / count : best;
                    }
                }
            }
        }

        return new Tensor(x.Batch, outH, outW, x.Channels, data);
    }

    /// <summary>
    /// A convolution over the already padded <paramref name="x"/> ('valid' from here on): dense with kernel HWIO
    /// (kh, kw, in, out), or depthwise with kernel (kh, kw, C) when <paramref name="outChannels"/> is 0.
    /// </summary>
    public static Tensor Convolve(Tensor x, double[] kernel, int kh, int kw, int stride, int outChannels, double[]? bias)
    {
        bool depthwise = outChannels == 0;
        int outC = depthwise ? x.Channels : outChannels;
        int outH = (x.Height - kh) / stride + 1, outW = (x.Width - kw) / stride + 1;
        var data = new double[x.Batch * outH * outW * outC];
        int at = 0;
        for (int n = 0; n < x.Batch; n++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    for (int o = 0; o < outC; o++)
                    {
                        double sum = bias is null ? 0 : bias[o];
                        for (int ky = 0; ky < kh; ky++)
                        {
                            for (int kx = 0; kx < kw; kx++)
                            {
                                if (depthwise)
                                {
                                    sum += x[n, oy * stride + ky, ox * stride + kx, o] * kernel[(ky * kw + kx) * outC + o];
                                    continue;
                                }

                                for (int i = 0; i < x.Channels; i++)
                                {
                                    sum += x[n, oy * stride + ky, ox * stride + kx, i] * kernel[((ky * kw + kx) * x.Channels + i) * outC + o];
                                }
                            }
                        }

                        data[at++] = sum;
                    }
                }
            }
        }

        return new Tensor(x.Batch, outH, outW, outC, data);
    }

    /// <summary>Pointwise (1×1) convolution, kernel (in, out).</summary>
    public static Tensor Pointwise(Tensor x, double[] kernel, int outChannels, double[]? bias) =>
        Convolve(x, kernel, 1, 1, 1, outChannels, bias);
}
