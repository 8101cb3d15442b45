using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// The 1×1 convolution with a channel prologue (issue 13) on every backend and every CPU instruction set, against naive
/// float64 code: EfficientNet's projection reading x scaled by the SE factor of its own image, and DenseNet's bottleneck
/// conv reading relu(x · scale + shift) from the first channels of a dense block's wider pixels. Channel counts hit the
/// vector tails; two images make the factor's per-image indexing matter.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ChannelPrologueStepTests
{
    private const int Batch = 2, Height = 5, Width = 7, Pixels = Height * Width;

    private readonly BackendFixture backends;

    public ChannelPrologueStepTests(BackendFixture backends) => this.backends = backends;

    public static IEnumerable<object[]> Cases() =>
        from backend in new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu, BackendFixture.IlgpuCpuTiled }
            .Concat(Enum.GetValues<CpuIsa>().Where(CpuIsas.IsSupported).Select(isa => "Cpu/" + isa))
        from prologue in new[] { "se", "bn-relu" }
        select new object[] { backend, prologue };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PointwiseConv_WithChannelPrologue_MatchesFloat64Reference(string backend, string prologue)
    {
        bool se = prologue == "se";
        int channels = se ? 37 : 19, outChannels = se ? 11 : 21, stride = se ? 0 : 29;
        int pixelFloats = stride == 0 ? channels : stride;
        float[] x = KernelTestData.RandomFloats(Batch * Pixels * pixelFloats, 301);
        float[] factor = KernelTestData.RandomFloats(Batch * channels, 302, 0f, 1f);
        float[] scale = KernelTestData.RandomFloats(channels, 303, 0.5f, 1.5f);
        float[] shift = KernelTestData.RandomFloats(channels, 304);
        float[] kernel = KernelTestData.RandomFloats(channels * outChannels, 305);
        float[] bias = KernelTestData.RandomFloats(outChannels, 306);
        float[] residual = KernelTestData.RandomFloats(Batch * Pixels * outChannels, 307);
        var shape = new Conv2DShape(Height, Width, channels, Height, Width, outChannels, 1, 1, 1, 1, 0, 0, 0, se ? 0 : 1, se ? 1 : 0);

        using var owned = backend.StartsWith("Cpu/", StringComparison.Ordinal) ? new CpuBackend(2, Enum.Parse<CpuIsa>(backend[4..])) : null;
        ExecutionBackend b = owned ?? backends.Get(backend);
        b.AllocateBuffers(new long[] { Pixels * pixelFloats, Pixels * outChannels, Pixels * outChannels, channels }, Batch);
        b.WriteInput(0, x);
        b.WriteInput(2, residual);
        b.WriteInput(3, factor);
        ChannelPrologue channelPrologue = se
            ? ChannelPrologue.ScaledBy(3)
            : new ChannelPrologue(-1, b.Upload(scale), b.Upload(shift), 1, InPixelStride: stride);
        b.Conv2D(shape, Batch, 0, 1, se ? 2 : -1, b.UploadMatrix(kernel, channels, outChannels), b.Upload(bias), channelPrologue);
        var actual = new float[Batch * Pixels * outChannels];
        b.ReadOutput(1, actual);

        var expected = new double[actual.Length];
        for (int n = 0; n < Batch; n++)
        {
            for (int p = 0; p < Pixels; p++)
            {
                int q = n * Pixels + p;
                for (int o = 0; o < outChannels; o++)
                {
                    double sum = bias[o];
                    for (int c = 0; c < channels; c++)
                    {
                        double a = x[(long)q * pixelFloats + c];
                        a = se ? a * factor[n * channels + c] : Math.Max(a * scale[c] + shift[c], 0);
                        sum += a * kernel[c * outChannels + o];
                    }

                    expected[q * outChannels + o] = se ? sum + residual[q * outChannels + o] : Math.Max(sum, 0);
                }
            }
        }

        KernelTestData.AssertClose(expected, actual, backend + " " + prologue);
    }

    [Fact]
    public void ChannelPrologue_OnA3x3Convolution_Throws_NamingTheKernel()
    {
        using var b = new CpuBackend(1);
        b.AllocateBuffers(new long[] { 5 * 5 * 4, 5 * 5 * 4, 4 }, 1);
        var shape = new Conv2DShape(5, 5, 4, 5, 5, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0);
        WeightHandle kernel = b.UploadMatrix(new float[9 * 4 * 4], 9 * 4, 4);
        var error = Assert.Throws<ArgumentException>(() => b.Conv2D(shape, 1, 0, 1, -1, kernel, b.Upload(new float[4]), ChannelPrologue.ScaledBy(2)));
        Assert.Contains("kernel 3×3", error.Message);
    }
}
