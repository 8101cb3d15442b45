using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>Elementwise, Dense and Softmax on both backends against the float64 reference.</summary>
[Collection(BackendCollection.Name)]
public sealed class DenseAndElementwiseStepTests
{
    private readonly BackendFixture backends;

    public DenseAndElementwiseStepTests(BackendFixture backends) => this.backends = backends;

    [Theory]
    [InlineData(BackendFixture.Cpu, 1, 0, 0, 0, 1)]
    [InlineData(BackendFixture.Cpu, 1, 1, 1, 1, 2)]
    [InlineData(BackendFixture.Cpu, 0, 1, 0, 0, 2)]
    [InlineData(BackendFixture.Cpu, 0, 0, 0, 1, 1)]
    [InlineData(BackendFixture.IlgpuCpu, 1, 0, 0, 0, 1)]
    [InlineData(BackendFixture.IlgpuCpu, 1, 1, 1, 1, 2)]
    [InlineData(BackendFixture.IlgpuCpu, 0, 1, 0, 0, 2)]
    [InlineData(BackendFixture.IlgpuCpu, 0, 0, 0, 1, 1)]
    public void Elementwise_ScaleShiftReluResidual_MatchesFloat64Reference(
        string backend, int hasScaleShift, int reluIn, int reluOut, int hasResidual, int batch)
    {
        var shape = new ElementwiseShape(Length: 4 * 5 * 7, Channels: 7, hasScaleShift, reluIn, reluOut, hasResidual);
        float[] x = KernelTestData.RandomFloats(batch * shape.Length, 51);
        float[]? scale = hasScaleShift != 0 ? KernelTestData.RandomFloats(7, 52, 0.5f, 2f) : null;
        float[]? shift = hasScaleShift != 0 ? KernelTestData.RandomFloats(7, 53) : null;
        float[]? residual = hasResidual != 0 ? KernelTestData.RandomFloats(batch * shape.Length, 54) : null;

        float[] actual = backends.Run(backend, batch, x, shape.Length, residual, (b, src, dst, res) =>
            b.Elementwise(shape, batch, src, dst, res,
                ConvolutionStepTests.UploadOrNone(b, scale), ConvolutionStepTests.UploadOrNone(b, shift)));

        KernelTestData.AssertClose(NaiveReference.Elementwise(shape, batch, x, scale, shift, residual), actual, "elementwise");
    }

    [Theory]
    [InlineData(BackendFixture.Cpu, 13, 7, 0, 0, 1)]
    [InlineData(BackendFixture.Cpu, 32, 11, 1, 1, 2)]
    [InlineData(BackendFixture.Cpu, 300, 260, 0, 0, 2)]
    [InlineData(BackendFixture.IlgpuCpu, 13, 7, 0, 0, 1)]
    [InlineData(BackendFixture.IlgpuCpu, 32, 11, 1, 1, 2)]
    public void Dense_MatchesFloat64Reference(string backend, int inFeatures, int outFeatures, int reluIn, int reluOut, int batch)
    {
        var shape = new DenseShape(inFeatures, outFeatures, reluIn, reluOut);
        float[] x = KernelTestData.RandomFloats(batch * inFeatures, 61);
        float[] kernel = KernelTestData.RandomFloats(inFeatures * outFeatures, 62);
        float[] bias = KernelTestData.RandomFloats(outFeatures, 63);

        float[] actual = backends.Run(backend, batch, x, outFeatures, null, (b, src, dst, _) =>
            b.Dense(shape, batch, src, dst, b.Upload(kernel), b.Upload(bias)));

        KernelTestData.AssertClose(NaiveReference.Dense(shape, batch, x, kernel, bias), actual, "dense");
    }

    [Theory]
    [InlineData(BackendFixture.Cpu)]
    [InlineData(BackendFixture.IlgpuCpu)]
    public void Softmax_LargeLogits_SubtractsMaxAndMatchesFloat64Reference(string backend)
    {
        const int Batch = 2;
        var shape = new SoftmaxShape(10);
        float[] x = KernelTestData.RandomFloats(Batch * 10, 71, -5f, 5f);
        x[3] = 120f; // exp(120) overflows float: only max-subtraction keeps this finite
        x[14] = 95f;

        float[] actual = backends.Run(backend, Batch, x, 10, null, (b, src, dst, _) => b.Softmax(shape, Batch, src, dst));

        KernelTestData.AssertClose(NaiveReference.Softmax(shape, Batch, x), actual, "softmax");
    }
}
