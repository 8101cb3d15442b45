using System;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// Straightforward float64 loops for every step, written from the Keras definitions and independent of
/// the backends: out = reluOut(op(reluIn(x)) + bias + residual), NHWC, taps outside the image add 0
/// (convolutions) or are skipped (max pooling).
/// </summary>
internal static class NaiveReference
{
    public static double[] Conv2D(Conv2DShape s, int batch, float[] x, float[] kernel, float[]? bias, float[]? residual)
    {
        var y = new double[batch * s.OutHeight * s.OutWidth * s.OutChannels];
        for (int n = 0; n < batch; n++)
        for (int oy = 0; oy < s.OutHeight; oy++)
        for (int ox = 0; ox < s.OutWidth; ox++)
        for (int co = 0; co < s.OutChannels; co++)
        {
            double sum = 0;
            for (int ky = 0; ky < s.KernelHeight; ky++)
            for (int kx = 0; kx < s.KernelWidth; kx++)
            {
                int iy = oy * s.StrideHeight + ky - s.PadTop, ix = ox * s.StrideWidth + kx - s.PadLeft;
                if (iy < 0 || iy >= s.InHeight || ix < 0 || ix >= s.InWidth)
                {
                    continue;
                }

                for (int ci = 0; ci < s.InChannels; ci++)
                {
                    double v = Relu(x[((n * s.InHeight + iy) * s.InWidth + ix) * s.InChannels + ci], s.ReluInput);
                    sum += v * kernel[((ky * s.KernelWidth + kx) * s.InChannels + ci) * s.OutChannels + co];
                }
            }

            int at = ((n * s.OutHeight + oy) * s.OutWidth + ox) * s.OutChannels + co;
            y[at] = Epilogue(sum, bias, co, residual, at, s.ReluOutput, s.ReluMax, s.Activation);
        }

        return y;
    }

    public static double[] SeparableConv(SeparableConvShape s, int batch, float[] x, float[] depthwise, float[] pointwise, float[]? bias, float[]? residual)
    {
        var dwShape = new DepthwiseConvShape(s.InHeight, s.InWidth, s.InChannels, s.OutHeight, s.OutWidth,
            s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.PadTop, s.PadLeft, s.ReluInput, 0, 0);
        double[] d = DepthwiseConv(dwShape, batch, x, depthwise, null, null);
        if (s.DepthwiseBias != 0 || s.DepthwiseRelu != 0)
        {
            // A fused DepthwiseConv2D + BN + ReLU6: its bias follows the kernel, then the (bounded) ReLU, before the pointwise.
            int taps = s.KernelHeight * s.KernelWidth * s.InChannels;
            for (int i = 0; i < d.Length; i++)
            {
                int c = i % s.InChannels;
                double v = d[i] + (s.DepthwiseBias != 0 ? depthwise[taps + c] : 0);
                d[i] = Epilogue(v, null, c, null, 0, s.DepthwiseRelu, s.DepthwiseReluMax);
            }
        }

        var y = new double[batch * s.OutHeight * s.OutWidth * s.OutChannels];
        int pixels = batch * s.OutHeight * s.OutWidth;
        for (int p = 0; p < pixels; p++)
        for (int co = 0; co < s.OutChannels; co++)
        {
            double sum = 0;
            for (int c = 0; c < s.InChannels; c++)
            {
                sum += d[p * s.InChannels + c] * pointwise[c * s.OutChannels + co];
            }

            int at = p * s.OutChannels + co;
            y[at] = Epilogue(sum, bias, co, residual, at, s.ReluOutput, s.ReluMax, s.Activation);
        }

        return y;
    }

    public static double[] DepthwiseConv(DepthwiseConvShape s, int batch, float[] x, float[] kernel, float[]? bias, float[]? residual)
    {
        var y = new double[batch * s.OutHeight * s.OutWidth * s.Channels];
        for (int n = 0; n < batch; n++)
        for (int oy = 0; oy < s.OutHeight; oy++)
        for (int ox = 0; ox < s.OutWidth; ox++)
        for (int c = 0; c < s.Channels; c++)
        {
            double sum = 0;
            for (int ky = 0; ky < s.KernelHeight; ky++)
            for (int kx = 0; kx < s.KernelWidth; kx++)
            {
                int iy = oy * s.StrideHeight + ky - s.PadTop, ix = ox * s.StrideWidth + kx - s.PadLeft;
                if (iy >= 0 && iy < s.InHeight && ix >= 0 && ix < s.InWidth)
                {
                    sum += Relu(x[((n * s.InHeight + iy) * s.InWidth + ix) * s.Channels + c], s.ReluInput)
                        * (double)kernel[(ky * s.KernelWidth + kx) * s.Channels + c];
                }
            }

            int at = ((n * s.OutHeight + oy) * s.OutWidth + ox) * s.Channels + c;
            y[at] = Epilogue(sum, bias, c, residual, at, s.ReluOutput, s.ReluMax, s.Activation);
        }

        return y;
    }

    public static double[] MaxPool(MaxPoolShape s, int batch, float[] x, float[]? residual)
    {
        var y = new double[batch * s.OutHeight * s.OutWidth * s.Channels];
        for (int n = 0; n < batch; n++)
        for (int oy = 0; oy < s.OutHeight; oy++)
        for (int ox = 0; ox < s.OutWidth; ox++)
        for (int c = 0; c < s.Channels; c++)
        {
            double best = double.NegativeInfinity;
            for (int ky = 0; ky < s.PoolHeight; ky++)
            for (int kx = 0; kx < s.PoolWidth; kx++)
            {
                int iy = oy * s.StrideHeight + ky - s.PadTop, ix = ox * s.StrideWidth + kx - s.PadLeft;
                if (iy >= 0 && iy < s.InHeight && ix >= 0 && ix < s.InWidth)
                {
                    best = Math.Max(best, Relu(x[((n * s.InHeight + iy) * s.InWidth + ix) * s.Channels + c], s.ReluInput));
                }
            }

            int at = ((n * s.OutHeight + oy) * s.OutWidth + ox) * s.Channels + c;
            y[at] = Epilogue(best, null, c, residual, at, s.ReluOutput);
        }

        return y;
    }

    public static double[] Elementwise(ElementwiseShape s, int batch, float[] x, float[]? scale, float[]? shift, float[]? residual)
    {
        var y = new double[batch * s.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int c = i % s.Channels;
            double v = Relu(x[i], s.ReluInput);
            if (s.HasScaleShift != 0)
            {
                v = v * scale![c] + shift![c];
            }

            y[i] = Epilogue(v, null, c, residual, i, s.ReluOutput);
        }

        return y;
    }

    public static double[] GlobalPool(GlobalPoolShape s, int batch, float[] x)
    {
        var y = new double[batch * s.Channels];
        int pixels = s.Height * s.Width;
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < s.Channels; c++)
        {
            double acc = s.IsMax != 0 ? double.NegativeInfinity : 0;
            for (int p = 0; p < pixels; p++)
            {
                double v = Relu(x[(n * pixels + p) * s.Channels + c], s.ReluInput);
                acc = s.IsMax != 0 ? Math.Max(acc, v) : acc + v;
            }

            y[n * s.Channels + c] = s.IsMax != 0 ? acc : acc / pixels;
        }

        return y;
    }

    public static double[] Dense(DenseShape s, int batch, float[] x, float[] kernel, float[]? bias)
    {
        var y = new double[batch * s.OutFeatures];
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < s.OutFeatures; o++)
        {
            double sum = 0;
            for (int i = 0; i < s.InFeatures; i++)
            {
                sum += Relu(x[n * s.InFeatures + i], s.ReluInput) * (double)kernel[i * s.OutFeatures + o];
            }

            y[n * s.OutFeatures + o] = Epilogue(sum, bias, o, null, 0, s.ReluOutput);
        }

        return y;
    }

    public static double[] Softmax(SoftmaxShape s, int batch, float[] x)
    {
        var y = new double[batch * s.Length];
        for (int n = 0; n < batch; n++)
        {
            double max = double.NegativeInfinity;
            for (int i = 0; i < s.Length; i++)
            {
                max = Math.Max(max, x[n * s.Length + i]);
            }

            double sum = 0;
            for (int i = 0; i < s.Length; i++)
            {
                sum += Math.Exp(x[n * s.Length + i] - max);
            }

            for (int i = 0; i < s.Length; i++)
            {
                y[n * s.Length + i] = Math.Exp(x[n * s.Length + i] - max) / sum;
            }
        }

        return y;
    }

    private static double Relu(double v, int enabled) => enabled != 0 ? Math.Max(v, 0) : v;

    private static double Epilogue(double sum, float[]? bias, int channel, float[]? residual, int at, int reluOutput, int reluMaxBits = 0, int activation = 0)
    {
        double v = sum + (bias is null ? 0 : bias[channel]) + (residual is null ? 0 : residual[at]);
        v = Relu(v, reluOutput);

        // Keras ReLU(max_value): min(max(x, 0), max_value); the bound arrives as float bits, 0 for none.
        v = reluOutput != 0 && reluMaxBits != 0 ? Math.Min(v, BitConverter.Int32BitsToSingle(reluMaxBits)) : v;

        // A sigmoid or swish applied last, in the step's store (EfficientNet's activations).
        double sigmoid = 1.0 / (1.0 + Math.Exp(-v));
        return activation switch
        {
            (int)ActivationFunction.Sigmoid => sigmoid,
            (int)ActivationFunction.Swish => v * sigmoid,
            _ => v,
        };
    }
}
