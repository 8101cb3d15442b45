using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Kernels;

namespace Xception.Compiler.Tests.Cpu.Int8;

/// <summary>
/// One separable step on the Cpu backend in int8 (calibrated on its own input, so nothing is clamped) against the float64
/// reference of the unquantized step, within the error bound of docs/int8.md computed per output from the float64 depthwise
/// outputs and the weights; and the recording mode against plain fp32, bit for bit.
/// </summary>
public sealed class Int8SeparableStepTests
{
    private static readonly WeightTable Table = new("Step", []);

    public static IEnumerable<object[]> Cases() =>
        from isa in new[] { Int8Isa.Scalar, Int8Isa.Avx512BW }.Where(Int8Isas.IsSupported)
        from threads in new[] { 1, 2 }
        from c in new[]
        {
            // H, W, C, Out, stride, batch, reluIn, reluOut, residual
            (7, 9, 91, 13, 1, 2, true, true, true),      // channel tails (K not a multiple of 4, N of 32), ReLU after the residual
            (8, 7, 13, 91, 2, 1, false, false, false),   // stride 2
            (19, 19, 72, 72, 1, 1, true, false, true),   // a middle-flow block, smaller: several tiles, residual
            (10, 10, 200, 330, 1, 1, true, true, false), // few pixels, many panels
        }
        select new object[] { isa.ToString(), threads, c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6, c.Item7, c.Item8, c.Item9 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Int8Step_IsWithinTheQuantizationBoundOfTheFloat64Reference(
        string isaName, int threads, int h, int w, int channels, int outChannels, int stride, int batch, bool reluIn, bool reluOut, bool residual)
    {
        var (outH, padTop) = KernelTestData.Same(h, 3, stride);
        var (outW, padLeft) = KernelTestData.Same(w, 3, stride);
        var shape = new SeparableConvShape(h, w, channels, outH, outW, outChannels, 3, 3, stride, stride, padTop, padLeft,
            reluIn ? 1 : 0, reluOut ? 1 : 0, residual ? 1 : 0);
        float[] x = KernelTestData.RandomFloats(batch * h * w * channels, 11);
        float[] dw = KernelTestData.RandomFloats(9 * channels, 12);
        float[] pw = KernelTestData.RandomFloats(channels * outChannels, 13);
        float[] bias = KernelTestData.RandomFloats(outChannels, 14);
        int outPerImage = outH * outW * outChannels;
        float[]? res = residual ? KernelTestData.RandomFloats(batch * outPerImage, 15) : null;

        var recorder = new CalibrationRecorder();
        float[] recorded = Run(new InferenceOptions { Backend = Backend.Cpu, Threads = threads, CalibrationRecorder = recorder }, null, shape, batch, x, dw, pw, bias, res);
        Int8Calibration calibration = recorder.ToCalibration(Table);
        float[] actual = Run(new InferenceOptions { Backend = Backend.Cpu, Threads = threads, Precision = Precision.Int8, Calibration = calibration },
            Enum.Parse<Int8Isa>(isaName), shape, batch, x, dw, pw, bias, res);

        // The bound: |Σ d·w − Σ d̂·ŵ| ≤ (s_a/2)·Σ|w| + (s[n]/2)·Σ|d̂|, with |d̂| ≤ |d| + s_a/2; plus the float rounding of
        // the fp32 depthwise and epilogue, far below it (1e-5 relative to Σ|d·w|).
        double[] expected = NaiveReference.SeparableConv(shape, batch, x, dw, pw, bias, res);
        double[] d = NaiveReference.DepthwiseConv(new DepthwiseConvShape(h, w, channels, outH, outW, 3, 3, stride, stride, padTop, padLeft, reluIn ? 1 : 0, 0, 0), batch, x, dw, null, null);
        CalibratedTensor tensor = Assert.Single(calibration.Tensors);
        double sa = tensor.Scale;
        double worstRatio = 0;
        for (int p = 0; p < batch * outH * outW; p++)
        {
            for (int n = 0; n < outChannels; n++)
            {
                double sumW = 0, largestW = 0, sumD = 0, sumDW = 0;
                for (int k = 0; k < channels; k++)
                {
                    double wk = Math.Abs(pw[k * outChannels + n]), dk = Math.Abs(d[p * channels + k]);
                    (sumW, largestW, sumD, sumDW) = (sumW + wk, Math.Max(largestW, wk), sumD + dk + sa / 2, sumDW + dk * wk);
                }

                double sn = (float)largestW / 63f;
                double bound = sa / 2 * sumW + sn / 2 * sumD + 1e-5 * (sumDW + 1);
                double error = Math.Abs(actual[p * outChannels + n] - expected[p * outChannels + n]);
                Assert.True(error <= bound, $"pixel {p} channel {n}: error {error:E3} > bound {bound:E3}");
                worstRatio = Math.Max(worstRatio, error / bound);
            }
        }

        // The recording run is the fp32 step: its output is the float64 reference's within fp32 rounding.
        KernelTestData.AssertClose(expected, recorded, "recording");

        // The bound is a worst case; the errors must still be errors of quantization, not zero (int8 really ran).
        Assert.True(worstRatio > 0, "int8 output equals the float64 reference exactly: the int8 path did not run");
    }

    [Fact]
    public void RecordingMode_EqualsPlainFp32BitForBit()
    {
        var shape = new SeparableConvShape(9, 9, 40, 9, 9, 50, 3, 3, 1, 1, 1, 1, 1, 0, 0);
        float[] x = KernelTestData.RandomFloats(9 * 9 * 40, 21);
        float[] dw = KernelTestData.RandomFloats(9 * 40, 22);
        float[] pw = KernelTestData.RandomFloats(40 * 50, 23);
        float[] bias = KernelTestData.RandomFloats(50, 24);

        float[] plain = Run(new InferenceOptions { Backend = Backend.Cpu, Threads = 2 }, null, shape, 1, x, dw, pw, bias, null);
        float[] recorded = Run(new InferenceOptions { Backend = Backend.Cpu, Threads = 2, CalibrationRecorder = new CalibrationRecorder() }, null, shape, 1, x, dw, pw, bias, null);

        Assert.Equal(plain, recorded);
    }

    private static float[] Run(InferenceOptions options, Int8Isa? isa, SeparableConvShape shape, int batch, float[] x, float[] dw, float[] pw, float[] bias, float[]? residual)
    {
        using CpuBackend backend = CpuBackend.Create(options);
        if (isa is { } forced)
        {
            backend.UseInt8Isa(forced);
        }

        int outPerImage = shape.OutHeight * shape.OutWidth * shape.OutChannels;
        backend.AllocateBuffers(new long[] { x.Length / batch, outPerImage, outPerImage }, batch);
        if (residual is not null)
        {
            backend.WriteInput(2, residual);
        }

        backend.WriteInput(0, x);
        backend.SeparableConv(shape, batch, 0, 1, residual is null ? -1 : 2, backend.Upload(dw), backend.UploadMatrix((float[])pw.Clone(), shape.InChannels, shape.OutChannels), backend.Upload(bias));
        var output = new float[batch * outPerImage];
        backend.ReadOutput(1, output);
        return output;
    }
}
