using System;
using System.Collections.Generic;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Tests.Cpu;
using Xunit.Sdk;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// The head's steps (global average pooling, dense, softmax) sum in float64 and round once, on both backends:
/// each result is the float64 reference rounded to float, within half an ulp (plus the float64 sum's own
/// rounding), which float32 running sums over Xception's 2,048 terms miss by tens of ulps.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class HeadPrecisionStepTests
{
    private const double HalfUlp = 1.0 / (1 << 24);
    private readonly BackendFixture backends;

    public HeadPrecisionStepTests(BackendFixture backends) => this.backends = backends;

    [Theory]
    [InlineData(BackendFixture.Cpu, 1)]
    [InlineData(BackendFixture.Cpu, 3)]
    [InlineData(BackendFixture.IlgpuCpu, 1)]
    public void Dense_2048Terms_IsTheFloat64SumRoundedOnce(string backend, int batch)
    {
        // 75 outputs: two whole packed panels of 32 and a tail of 11.
        var shape = new DenseShape(InFeatures: 2048, OutFeatures: 75, ReluInput: 1, ReluOutput: 0);
        float[] x = KernelTestData.RandomFloats(batch * shape.InFeatures, 71, -1f, 3f);
        float[] kernel = KernelTestData.RandomFloats(shape.InFeatures * shape.OutFeatures, 72);
        float[] bias = KernelTestData.RandomFloats(shape.OutFeatures, 73);

        float[] actual = backends.Run(backend, batch, x, shape.OutFeatures, null, (b, src, dst, _) =>
            b.Dense(shape, batch, src, dst, b.Upload(kernel), b.Upload(bias)));

        AssertRoundedOnce(NaiveReference.Dense(shape, batch, x, kernel, bias), actual, 1e-10, "dense");
    }

    [Theory]
    [InlineData(BackendFixture.Cpu)]
    [InlineData(BackendFixture.IlgpuCpu)]
    public void GlobalAverage_IsTheFloat64MeanRoundedOnce(string backend)
    {
        // 91 channels: Vector512 and Vector256 blocks and a scalar tail.
        const int Batch = 2;
        var shape = new GlobalPoolShape(Height: 10, Width: 10, Channels: 91, IsMax: 0, ReluInput: 1);
        float[] x = KernelTestData.RandomFloats(Batch * 10 * 10 * 91, 74, -1f, 5f);

        float[] actual = backends.Run(backend, Batch, x, shape.Channels, null, (b, src, dst, _) => b.GlobalPool(shape, Batch, src, dst));

        AssertRoundedOnce(NaiveReference.GlobalPool(shape, Batch, x), actual, 1e-13, "global average");
    }

    [Theory]
    [InlineData(BackendFixture.Cpu)]
    [InlineData(BackendFixture.IlgpuCpu)]
    public void Softmax_1000Classes_IsTheFloat64SoftmaxRoundedOnce(string backend)
    {
        var shape = new SoftmaxShape(1000);
        float[] x = KernelTestData.RandomFloats(2 * 1000, 75, -8f, 8f);

        float[] actual = backends.Run(backend, 2, x, shape.Length, null, (b, src, dst, _) => b.Softmax(shape, 2, src, dst));

        AssertRoundedOnce(NaiveReference.Softmax(shape, 2, x), actual, 0, "softmax", relativeSlack: 1e-9);
    }

    public static IEnumerable<object[]> Paths() => CpuStepTests.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void DenseAndGlobalAverage_EveryInstructionSet_SameBitsAsScalar(string isaName, int threads)
    {
        // Every path adds the same exact float64 products in the same order.
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        var dense = new DenseShape(InFeatures: 300, OutFeatures: 75, ReluInput: 1, ReluOutput: 1);
        float[] x = KernelTestData.RandomFloats(2 * 300, 76), kernel = KernelTestData.RandomFloats(300 * 75, 77), bias = KernelTestData.RandomFloats(75, 78);
        var pool = new GlobalPoolShape(Height: 3, Width: 5, Channels: 91, IsMax: 0, ReluInput: 1);
        float[] image = KernelTestData.RandomFloats(2 * 15 * 91, 79);

        float[] Dense(CpuIsa on) => CpuStepTests.RunStep(on, threads, 2, x, 75, null,
            (b, s, d, _) => b.Dense(dense, 2, s, d, b.Upload(kernel), b.Upload(bias)));
        float[] Pool(CpuIsa on) => CpuStepTests.RunStep(on, threads, 2, image, 91, null,
            (b, s, d, _) => b.GlobalPool(pool, 2, s, d));

        Assert.Equal(Dense(CpuIsa.Scalar), Dense(isa));
        Assert.Equal(Pool(CpuIsa.Scalar), Pool(isa));
    }

    /// <summary>|actual − expected| ≤ half an ulp of expected (with <paramref name="relativeSlack"/>) + <paramref name="absoluteSlack"/>.</summary>
    private static void AssertRoundedOnce(double[] expected, float[] actual, double absoluteSlack, string what, double relativeSlack = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double tolerance = Math.Abs(expected[i]) * (HalfUlp + relativeSlack) + absoluteSlack;
            if (!(error <= tolerance))
            {
                throw new XunitException(
                    $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}: error {error:E3} > {tolerance:E3}, more than one rounding to float.");
            }
        }
    }
}
