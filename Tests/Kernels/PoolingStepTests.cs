using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>MaxPool and GlobalPool on both backends against the float64 reference.</summary>
[Collection(BackendCollection.Name)]
public sealed class PoolingStepTests
{
    /// <summary>A max-pool case; <paramref name="AllNegative"/> makes every input negative, so a padded cell read as 0 would win.</summary>
    public sealed record PoolCase(
        int Height, int Width, int Channels, int Pool, int Stride, bool Same, int Batch,
        bool ReluIn = false, bool ReluOut = false, bool Residual = false, bool AllNegative = false);

    private static readonly Dictionary<string, PoolCase> Cases = new()
    {
        ["3x3 s2 same (Xception), even input, 5 channels"] = new(8, 8, 5, 3, 2, true, 1),
        ["3x3 s2 same, odd input, 13 channels, batch 2, residual"] = new(7, 9, 13, 3, 2, true, 2, Residual: true),
        ["3x3 s2 same, all-negative input: padding never selected"] = new(6, 7, 3, 3, 2, true, 2, AllNegative: true),
        ["2x2 s2 valid, relu-in + relu-out, 16 channels"] = new(6, 6, 16, 2, 2, false, 1, ReluIn: true, ReluOut: true),
        ["3x3 s1 same, 7 channels, residual + relu-out"] = new(5, 4, 7, 3, 1, true, 1, ReluOut: true, Residual: true),
    };

    private readonly BackendFixture backends;

    public PoolingStepTests(BackendFixture backends) => this.backends = backends;

    public static IEnumerable<object[]> CaseNames() =>
        from backend in new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu }
        from name in Cases.Keys
        select new object[] { backend, name };

    public static IEnumerable<object[]> Backends() =>
        new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu }.Select(b => new object[] { b });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MaxPool_MatchesFloat64Reference(string backend, string caseName)
    {
        PoolCase c = Cases[caseName];
        var (outH, padTop) = c.Same ? KernelTestData.Same(c.Height, c.Pool, c.Stride) : KernelTestData.Valid(c.Height, c.Pool, c.Stride);
        var (outW, padLeft) = c.Same ? KernelTestData.Same(c.Width, c.Pool, c.Stride) : KernelTestData.Valid(c.Width, c.Pool, c.Stride);
        var shape = new MaxPoolShape(c.Height, c.Width, c.Channels, outH, outW, c.Pool, c.Pool, c.Stride, c.Stride,
            padTop, padLeft, c.ReluIn ? 1 : 0, c.ReluOut ? 1 : 0, c.Residual ? 1 : 0);
        float[] x = KernelTestData.RandomFloats(c.Batch * c.Height * c.Width * c.Channels, 31,
            min: -1f, max: c.AllNegative ? -0.1f : 1f);
        int outPerImage = outH * outW * c.Channels;
        float[]? residual = c.Residual ? KernelTestData.RandomFloats(c.Batch * outPerImage, 32) : null;

        float[] actual = backends.Run(backend, c.Batch, x, outPerImage, residual, (b, src, dst, res) =>
            b.MaxPool(shape, c.Batch, src, dst, res));

        KernelTestData.AssertClose(NaiveReference.MaxPool(shape, c.Batch, x, residual), actual, caseName);
        if (c.AllNegative)
        {
            Assert.All(actual, v => Assert.True(v < 0f, $"A padded cell (0) was selected: {v}"));
        }
    }

    [Theory]
    [InlineData(BackendFixture.Cpu, 0, 0)]
    [InlineData(BackendFixture.Cpu, 1, 0)]
    [InlineData(BackendFixture.Cpu, 0, 1)]
    [InlineData(BackendFixture.Cpu, 1, 1)]
    [InlineData(BackendFixture.IlgpuCpu, 0, 0)]
    [InlineData(BackendFixture.IlgpuCpu, 1, 0)]
    [InlineData(BackendFixture.IlgpuCpu, 0, 1)]
    [InlineData(BackendFixture.IlgpuCpu, 1, 1)]
    public void GlobalPool_AverageOrMax_MatchesFloat64Reference(string backend, int isMax, int reluIn)
    {
        const int Batch = 2;
        var shape = new GlobalPoolShape(5, 3, 13, isMax, reluIn);
        float[] x = KernelTestData.RandomFloats(Batch * 5 * 3 * 13, 41);

        float[] actual = backends.Run(backend, Batch, x, 13, null, (b, src, dst, _) => b.GlobalPool(shape, Batch, src, dst));

        KernelTestData.AssertClose(NaiveReference.GlobalPool(shape, Batch, x), actual, $"isMax {isMax}, reluIn {reluIn}");
    }
}
