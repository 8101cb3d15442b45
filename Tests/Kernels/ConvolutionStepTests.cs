using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>Conv2D, SeparableConv and DepthwiseConv on both backends against the float64 reference.</summary>
[Collection(BackendCollection.Name)]
public sealed class ConvolutionStepTests
{
    /// <summary>A convolution case: input H×W×C → Out channels, square kernel and stride, TF padding, fused extras.</summary>
    public sealed record ConvCase(
        int Height, int Width, int Channels, int OutChannels, int Kernel, int Stride, bool Same,
        int Batch, bool ReluIn = false, bool ReluOut = false, bool Residual = false, bool Bias = true, float ReluMax = 0f,
        bool DepthwiseStage = false, float DepthwiseReluMax = 0f, ActivationFunction Store = ActivationFunction.Linear);

    private static readonly Dictionary<string, ConvCase> Cases = new()
    {
        ["3x3 s1 same, 5→13, batch 2"] = new(6, 5, 5, 13, 3, 1, true, 2),
        ["3x3 s2 same (pad after only), 3→13, relu-in"] = new(8, 7, 3, 13, 3, 2, true, 1, ReluIn: true),
        ["3x3 s1 same, 7→3, relu-in + residual + relu-out"] = new(5, 6, 7, 3, 3, 1, true, 2, true, true, true),
        ["3x3 s1 valid, 16→16, relu-out"] = new(7, 7, 16, 16, 3, 1, false, 1, ReluOut: true),
        ["1x1 s2 same (Xception shortcut), 4→9, batch 2"] = new(7, 8, 4, 9, 1, 2, true, 2),
        ["1x1 s1 valid, 13→8, residual, no bias"] = new(4, 3, 13, 8, 1, 1, false, 1, Residual: true, Bias: false),
        ["5x5 s2 same (general taps), 6→11, relu-in"] = new(9, 9, 6, 11, 5, 2, true, 1, ReluIn: true),
        ["3x3 s2 valid, 8→17, batch 2, relu-out"] = new(9, 8, 8, 17, 3, 2, false, 2, ReluOut: true),
        ["3x3 s1 same, 13→40 (vector tiles + tail), relu-in + residual"] = new(5, 9, 13, 40, 3, 1, true, 1, ReluIn: true, Residual: true),
        // Tiled GEMM tails: M = 2·9·8 = 144 (2 full 64-pixel tiles + 16), N = 91 (64 + 27), K = 37 (2·16 + 5).
        ["3x3 s1 same, 37→91 (GEMM tails in M, N, K), batch 2, relu-in + residual + relu-out"] = new(9, 8, 37, 91, 3, 1, true, 2, true, true, true),
        ["1x1 s2 same, 70→67 (GEMM tails), batch 2, residual"] = new(15, 13, 70, 67, 1, 2, true, 2, Residual: true),
        // Many tiles: M = 722 (11 tiles + 18), N = 130 (2 tiles + 2), K = 13 (one partial slice).
        ["3x3 s1 same, 13→130 (many tiles), batch 2, relu-in + residual"] = new(19, 19, 13, 130, 3, 1, true, 2, ReluIn: true, Residual: true),
        // A bounded ReLU clamped in the store (ReLU6, with bounds the random sums cross): GEMM tiles and tails, and the residual before the clamp.
        ["3x3 s1 same, 37→91, batch 2, relu-out clamped to 0.5"] = new(9, 8, 37, 91, 3, 1, true, 2, ReluOut: true, ReluMax: 0.5f),
        ["3x3 s2 valid, 8→17, residual + relu-out clamped to 1.25"] = new(9, 8, 8, 17, 3, 2, false, 1, ReluOut: true, Residual: true, ReluMax: 1.25f),
        ["1x1 s1 same, 70→40, relu-out clamped to 0.75"] = new(5, 6, 70, 40, 1, 1, true, 1, ReluOut: true, ReluMax: 0.75f),
        // Separable steps fused from a DepthwiseConv2D (+ BN + ReLU6) and a 1×1 Conv2D: depthwise bias and bounded ReLU between the two.
        ["3x3 s2 same, 37→91, batch 2, depthwise bias + relu clamped to 0.5, relu-out clamped to 1.5"] =
            new(9, 8, 37, 91, 3, 2, true, 2, ReluOut: true, ReluMax: 1.5f, DepthwiseStage: true, DepthwiseReluMax: 0.5f),
        ["5x5 s1 same (general taps), 6→11, depthwise bias + relu, residual"] = new(7, 6, 6, 11, 5, 1, true, 1, Residual: true, DepthwiseStage: true),
        // A sigmoid or swish in the store (EfficientNet): after the residual, on GEMM tiles and tails and partial panels.
        ["3x3 s1 same, 37→91 (GEMM tails), batch 2, residual + swish in the store"] = new(9, 8, 37, 91, 3, 1, true, 2, Residual: true, Store: ActivationFunction.Swish),
        ["1x1 s1 valid, 70→40, batch 2, sigmoid in the store"] = new(5, 6, 70, 40, 1, 1, false, 2, Store: ActivationFunction.Sigmoid),
        ["3x3 s2 same, 13→130 (many tiles), relu-in + swish in the store"] = new(19, 19, 13, 130, 3, 2, true, 1, ReluIn: true, Store: ActivationFunction.Swish),
        ["3x3 s2 same, 37→91, depthwise bias + relu clamped to 0.5, sigmoid in the store"] =
            new(9, 8, 37, 91, 3, 2, true, 1, DepthwiseStage: true, DepthwiseReluMax: 0.5f, Store: ActivationFunction.Sigmoid),
    };

    private readonly BackendFixture backends;

    public ConvolutionStepTests(BackendFixture backends) => this.backends = backends;

    public static IEnumerable<object[]> CaseNames() =>
        from backend in new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu, BackendFixture.IlgpuCpuTiled }
        from name in Cases.Keys
        select new object[] { backend, name };

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void SeparableConv_MatchesFloat64Reference(string backend, string caseName)
    {
        ConvCase c = Cases[caseName];
        var (outH, padTop) = Pad(c, c.Height);
        var (outW, padLeft) = Pad(c, c.Width);
        var shape = new SeparableConvShape(c.Height, c.Width, c.Channels, outH, outW, c.OutChannels,
            c.Kernel, c.Kernel, c.Stride, c.Stride, padTop, padLeft, Flag(c.ReluIn), Flag(c.ReluOut), Flag(c.Residual), ReluMax: Bits(c.ReluMax),
            DepthwiseBias: Flag(c.DepthwiseStage), DepthwiseRelu: Flag(c.DepthwiseStage), DepthwiseReluMax: Bits(c.DepthwiseReluMax), Activation: (int)c.Store);
        float[] x = KernelTestData.RandomFloats(c.Batch * c.Height * c.Width * c.Channels, 1);

        // With a depthwise stage the depthwise handle holds the kernel and then one bias per channel.
        float[] dw = KernelTestData.RandomFloats((c.Kernel * c.Kernel + (c.DepthwiseStage ? 1 : 0)) * c.Channels, 2);
        float[] pw = KernelTestData.RandomFloats(c.Channels * c.OutChannels, 3);
        float[]? bias = c.Bias ? KernelTestData.RandomFloats(c.OutChannels, 4) : null;
        int outPerImage = outH * outW * c.OutChannels;
        float[]? residual = c.Residual ? KernelTestData.RandomFloats(c.Batch * outPerImage, 5) : null;

        float[] actual = backends.Run(backend, c.Batch, x, outPerImage, residual, (b, src, dst, res) =>
            b.SeparableConv(shape, c.Batch, src, dst, res, b.Upload(dw), b.Upload(pw), UploadOrNone(b, bias)));

        KernelTestData.AssertClose(NaiveReference.SeparableConv(shape, c.Batch, x, dw, pw, bias, residual), actual, caseName);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Conv2D_MatchesFloat64Reference(string backend, string caseName)
    {
        ConvCase c = Cases[caseName];
        var (outH, padTop) = Pad(c, c.Height);
        var (outW, padLeft) = Pad(c, c.Width);
        var shape = new Conv2DShape(c.Height, c.Width, c.Channels, outH, outW, c.OutChannels,
            c.Kernel, c.Kernel, c.Stride, c.Stride, padTop, padLeft, Flag(c.ReluIn), Flag(c.ReluOut), Flag(c.Residual), ReluMax: Bits(c.ReluMax), Activation: (int)c.Store);
        float[] x = KernelTestData.RandomFloats(c.Batch * c.Height * c.Width * c.Channels, 11);
        float[] kernel = KernelTestData.RandomFloats(c.Kernel * c.Kernel * c.Channels * c.OutChannels, 12);
        float[]? bias = c.Bias ? KernelTestData.RandomFloats(c.OutChannels, 13) : null;
        int outPerImage = outH * outW * c.OutChannels;
        float[]? residual = c.Residual ? KernelTestData.RandomFloats(c.Batch * outPerImage, 14) : null;

        float[] actual = backends.Run(backend, c.Batch, x, outPerImage, residual, (b, src, dst, res) =>
            b.Conv2D(shape, c.Batch, src, dst, res, b.Upload(kernel), UploadOrNone(b, bias)));

        KernelTestData.AssertClose(NaiveReference.Conv2D(shape, c.Batch, x, kernel, bias, residual), actual, caseName);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void DepthwiseConv_MatchesFloat64Reference(string backend, string caseName)
    {
        ConvCase c = Cases[caseName];
        var (outH, padTop) = Pad(c, c.Height);
        var (outW, padLeft) = Pad(c, c.Width);
        var shape = new DepthwiseConvShape(c.Height, c.Width, c.Channels, outH, outW,
            c.Kernel, c.Kernel, c.Stride, c.Stride, padTop, padLeft, Flag(c.ReluIn), Flag(c.ReluOut), Flag(c.Residual), ReluMax: Bits(c.ReluMax), Activation: (int)c.Store);
        float[] x = KernelTestData.RandomFloats(c.Batch * c.Height * c.Width * c.Channels, 21);
        float[] kernel = KernelTestData.RandomFloats(c.Kernel * c.Kernel * c.Channels, 22);
        float[]? bias = c.Bias ? KernelTestData.RandomFloats(c.Channels, 23) : null;
        int outPerImage = outH * outW * c.Channels;
        float[]? residual = c.Residual ? KernelTestData.RandomFloats(c.Batch * outPerImage, 24) : null;

        float[] actual = backends.Run(backend, c.Batch, x, outPerImage, residual, (b, src, dst, res) =>
            b.DepthwiseConv(shape, c.Batch, src, dst, res, b.Upload(kernel), UploadOrNone(b, bias)));

        KernelTestData.AssertClose(NaiveReference.DepthwiseConv(shape, c.Batch, x, kernel, bias, residual), actual, caseName);
    }

    [Theory]
    [InlineData(BackendFixture.Cpu)]
    [InlineData(BackendFixture.IlgpuCpu)]
    public void SeparableConv_ResidualFlagWithoutSlot_Throws(string backend)
    {
        var shape = new SeparableConvShape(4, 4, 3, 4, 4, 5, 3, 3, 1, 1, 1, 1, 0, 0, HasResidual: 1);
        ExecutionBackend b = backends.Get(backend);
        b.AllocateBuffers(new long[] { 48, 80 }, 1);
        WeightHandle dw = b.Upload(new float[27]), pw = b.Upload(new float[15]);

        var error = Assert.Throws<System.ArgumentException>(() => b.SeparableConv(shape, 1, 0, 1, -1, dw, pw, WeightHandle.None));
        Assert.Contains("HasResidual", error.Message);
    }

    internal static WeightHandle UploadOrNone(ExecutionBackend backend, float[]? values) =>
        values is null ? WeightHandle.None : backend.Upload(values);

    private static (int Out, int PadBefore) Pad(ConvCase c, int input) =>
        c.Same ? KernelTestData.Same(input, c.Kernel, c.Stride) : KernelTestData.Valid(input, c.Kernel, c.Stride);

    private static int Flag(bool value) => value ? 1 : 0;

    private static int Bits(float bound) => bound == 0f ? 0 : System.BitConverter.SingleToInt32Bits(bound);
}
