using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// The steps around a dense block's shared buffer on every backend, against float64 references: a max or average pool
/// writing the first channels of each wider pixel (the block's input; the other channels must stay as they were), and a
/// BatchNormalization as scale/shift + ReLU reading the first channels of each wider pixel (a running concatenation).
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class DenseBlockStepTests
{
    /// <summary>What the buffer holds before a pool writes its channels; it must survive in the other channels.</summary>
    private const float Untouched = -3.5f;

    private static readonly string[] AllBackends = { BackendFixture.Cpu, BackendFixture.IlgpuCpu, BackendFixture.IlgpuCpuTiled };

    private readonly BackendFixture backends;

    public DenseBlockStepTests(BackendFixture backends) => this.backends = backends;

    public static IEnumerable<object[]> Backends() => AllBackends.Select(b => new object[] { b });

    [Theory]
    [MemberData(nameof(Backends))]
    public void MaxPool_IntoTheBufferPrefix_MatchesFloat64Reference_AndLeavesTheOtherChannels(string backend)
    {
        // DenseNet's pool1: ZeroPadding2D(1) folded into a 3×3 stride-2 max pool, into channels [0, 5) of 13.
        const int batch = 2, height = 7, width = 6, channels = 5, stride = 13, outHeight = 4, outWidth = 3;
        float[] x = KernelTestData.RandomFloats(batch * height * width * channels, 91);
        var shape = new MaxPoolShape(height, width, channels, outHeight, outWidth, 3, 3, 2, 2, 1, 1, 0, 0, 0,
            ZeroPadTop: 1, ZeroPadBottom: 1, ZeroPadLeft: 1, ZeroPadRight: 1, OutPixelStride: stride);

        float[] buffer = Run(backend, batch, x, outHeight * outWidth * stride, (b, source, destination) => b.MaxPool(shape, batch, source, destination, -1));

        double[] expected = Pool(x, batch, height, width, channels, outHeight, outWidth, 3, 2, 1, (window) => window.Max());
        AssertPrefix(expected, buffer, batch * outHeight * outWidth, channels, stride, "max pool into the buffer");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void AveragePool_IntoTheBufferPrefix_MatchesFloat64Reference_AndLeavesTheOtherChannels(string backend)
    {
        // A transition's 2×2 stride-2 average pool, into channels [0, 6) of 10.
        const int batch = 2, height = 6, width = 4, channels = 6, stride = 10, outHeight = 3, outWidth = 2;
        float[] x = KernelTestData.RandomFloats(batch * height * width * channels, 92);
        var shape = new AveragePoolShape(height, width, channels, outHeight, outWidth, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, OutPixelStride: stride);

        float[] buffer = Run(backend, batch, x, outHeight * outWidth * stride, (b, source, destination) => b.AveragePool(shape, batch, source, destination));

        double[] expected = Pool(x, batch, height, width, channels, outHeight, outWidth, 2, 2, 0, (window) => window.Average());
        AssertPrefix(expected, buffer, batch * outHeight * outWidth, channels, stride, "average pool into the buffer");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Elementwise_ScaleShiftRelu_OfTheBufferPrefix_MatchesFloat64Reference(string backend)
    {
        // conv2_block2_0_bn + relu: the first 9 channels of pixels 16 floats apart, into a tensor of its own.
        const int batch = 2, pixels = 15, channels = 9, stride = 16;
        float[] buffer = KernelTestData.RandomFloats(batch * pixels * stride, 93);
        float[] scale = KernelTestData.RandomFloats(channels, 94, 0.5f, 1.5f);
        float[] shift = KernelTestData.RandomFloats(channels, 95);
        var shape = new ElementwiseShape(pixels * channels, channels, 1, 0, 1, 0, InPixelStride: stride);

        ExecutionBackend b = backends.Get(backend);
        b.AllocateBuffers(new long[] { pixels * stride, pixels * channels }, batch);
        b.WriteInput(0, buffer);
        b.Elementwise(shape, batch, 0, 1, -1, b.Upload(scale), b.Upload(shift));
        var actual = new float[batch * pixels * channels];
        b.ReadOutput(1, actual);

        double[] expected = new double[actual.Length];
        for (int p = 0; p < batch * pixels; p++)
        {
            for (int c = 0; c < channels; c++)
            {
                expected[p * channels + c] = Math.Max(0, (double)buffer[p * stride + c] * scale[c] + shift[c]);
            }
        }

        KernelTestData.AssertClose(expected, actual, "scale/shift + relu of the buffer prefix");
    }

    [Fact]
    public void StridedArguments_NarrowerThanThePixelOrWithAResidual_AreRejected()
    {
        ExecutionBackend cpu = backends.Get(BackendFixture.Cpu);
        cpu.AllocateBuffers(new long[] { 4 * 4 * 8, 4 * 4 * 8, 4 * 4 * 8 }, 1);
        var narrow = new ElementwiseShape(16 * 8, 8, 0, 0, 1, 0, InPixelStride: 6);
        var withResidual = new MaxPoolShape(4, 4, 4, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, OutPixelStride: 8);

        Assert.Contains("do not fit", Assert.Throws<ArgumentException>(() => cpu.Elementwise(narrow, 1, 0, 1, -1, WeightHandle.None, WeightHandle.None)).Message, StringComparison.Ordinal);
        Assert.Contains("residual", Assert.Throws<ArgumentException>(() => cpu.MaxPool(withResidual, 1, 0, 1, 2)).Message, StringComparison.Ordinal);
    }

    // A square pool with 'valid' windows over a zero frame of `pad` cells (a folded ZeroPadding2D: the zeros count).
    private static double[] Pool(float[] x, int batch, int height, int width, int channels, int outHeight, int outWidth, int pool, int stride, int pad, Func<List<double>, double> reduce)
    {
        var result = new double[batch * outHeight * outWidth * channels];
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < outHeight; oy++)
            {
                for (int ox = 0; ox < outWidth; ox++)
                {
                    for (int c = 0; c < channels; c++)
                    {
                        var window = new List<double>();
                        for (int ky = 0; ky < pool; ky++)
                        {
                            for (int kx = 0; kx < pool; kx++)
                            {
                                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                bool inside = iy >= 0 && iy < height && ix >= 0 && ix < width;
                                window.Add(inside ? x[((n * height + iy) * width + ix) * channels + c] : 0.0);
                            }
                        }

                        result[((n * outHeight + oy) * outWidth + ox) * channels + c] = reduce(window);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Runs one step with slot 0 = input, 1 = the buffer, filled with <see cref="Untouched"/> first.</summary>
    private float[] Run(string backendName, int batch, float[] input, int bufferPerImage, Action<ExecutionBackend, int, int> step)
    {
        ExecutionBackend backend = backends.Get(backendName);
        backend.AllocateBuffers(new long[] { input.Length / batch, bufferPerImage }, batch);
        backend.WriteInput(0, input);
        backend.WriteInput(1, Enumerable.Repeat(Untouched, batch * bufferPerImage).ToArray());
        step(backend, 0, 1);
        var output = new float[batch * bufferPerImage];
        backend.ReadOutput(1, output);
        return output;
    }

    private static void AssertPrefix(double[] expected, float[] buffer, int pixels, int channels, int stride, string what)
    {
        var prefix = new float[pixels * channels];
        for (int p = 0; p < pixels; p++)
        {
            for (int c = 0; c < stride; c++)
            {
                float value = buffer[p * stride + c];
                if (c < channels)
                {
                    prefix[p * channels + c] = value;
                }
                else
                {
                    Assert.True(value == Untouched, $"{what}: pixel {p} channel {c} past the prefix is {value:R}, written over");
                }
            }
        }

        KernelTestData.AssertClose(expected, prefix, what);
    }
}
