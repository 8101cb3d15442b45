using System;
using System.Collections.Generic;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// Every activation function on both backends against float64 definitions written here from Keras's own
/// (keras/src/activations/activations.py, keras/src/layers/activations/relu.py; tf.keras 2.x keras/backend.py),
/// over values from −30 to 30 (saturation, overflow of e^−x), tiny ones (cancellation near 0), and the kinks.
/// Each value must be within 2e-7 relative (a float32 rounding of the float64 value is 6e-8) or 1e-30 absolute.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ActivationStepTests
{
    private readonly BackendFixture backends;

    public ActivationStepTests(BackendFixture backends) => this.backends = backends;

    public static TheoryData<string, ActivationFunction, float, float, float> Cases()
    {
        var data = new TheoryData<string, ActivationFunction, float, float, float>();
        foreach (string backend in new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu })
        {
            data.Add(backend, ActivationFunction.Linear, 0f, 0f, 0f);
            data.Add(backend, ActivationFunction.Relu, 0f, float.PositiveInfinity, 0f);   // relu
            data.Add(backend, ActivationFunction.Relu, 0f, 6f, 0f);                        // relu6
            data.Add(backend, ActivationFunction.Relu, 0.3f, float.PositiveInfinity, 0f); // LeakyReLU
            data.Add(backend, ActivationFunction.Relu, 0.1f, 4.5f, 0.75f);                // ReLU(max_value, negative_slope, threshold)
            data.Add(backend, ActivationFunction.Relu, 0f, float.PositiveInfinity, -0.5f);
            data.Add(backend, ActivationFunction.Sigmoid, 0f, 0f, 0f);
            data.Add(backend, ActivationFunction.Tanh, 0f, 0f, 0f);
            data.Add(backend, ActivationFunction.Elu, 1f, 0f, 0f);
            data.Add(backend, ActivationFunction.Elu, 0.4f, 0f, 0f);
            data.Add(backend, ActivationFunction.Selu, 0f, 0f, 0f);
            data.Add(backend, ActivationFunction.Swish, 0f, 0f, 0f);
            data.Add(backend, ActivationFunction.HardSigmoid, 1f / 6f, 0.5f, 0f);
            data.Add(backend, ActivationFunction.HardSigmoid, 0.2f, 0.5f, 0f);
            data.Add(backend, ActivationFunction.Gelu, 0f, 0f, 0f);
            data.Add(backend, ActivationFunction.GeluTanh, 0f, 0f, 0f);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Activation_OverWideRange_MatchesFloat64Definition(string backend, ActivationFunction function, float p0, float p1, float p2)
    {
        const int Batch = 2;
        float[] x = Inputs();
        int length = x.Length / Batch;
        ActivationShape shape = ActivationShape.Of(length, function, p0, p1, p2);

        float[] actual = backends.Run(backend, Batch, x, length, null, (b, src, dst, _) => b.Activation(shape, Batch, src, dst));

        for (int i = 0; i < x.Length; i++)
        {
            double expected = Reference(function, x[i], p0, p1, p2);
            double error = Math.Abs(actual[i] - expected);
            Assert.True(error <= 2e-7 * Math.Abs(expected) || error <= 1e-30,
                $"{function}({x[i]:R}) = {actual[i]:R}, expected {expected:R} (error {error:G3})");
        }
    }

    [Theory]
    [InlineData(BackendFixture.Cpu, ActivationFunction.Gelu, 0f, 0f, 0f)]
    [InlineData(BackendFixture.Cpu, ActivationFunction.Selu, 0f, 0f, 0f)]
    [InlineData(BackendFixture.Cpu, ActivationFunction.Relu, 0.1f, 4.5f, 0.75f)]
    [InlineData(BackendFixture.Cpu, ActivationFunction.HardSigmoid, 0.2f, 0.5f, 0f)]
    [InlineData(BackendFixture.IlgpuCpu, ActivationFunction.Gelu, 0f, 0f, 0f)]
    [InlineData(BackendFixture.IlgpuCpu, ActivationFunction.Tanh, 0f, 0f, 0f)]
    [InlineData(BackendFixture.IlgpuCpu, ActivationFunction.Elu, 0.4f, 0f, 0f)]
    [InlineData(BackendFixture.IlgpuCpu, ActivationFunction.Swish, 0f, 0f, 0f)]
    public void Dense_WithActivation_AppliesItToTheFloat64Sum(string backend, ActivationFunction function, float p0, float p1, float p2)
    {
        const int Batch = 2, In = 37, Out = 11;
        float[] x = KernelTestData.RandomFloats(Batch * In, 81);
        float[] kernel = KernelTestData.RandomFloats(In * Out, 82, -1.5f, 1.5f);
        float[] bias = KernelTestData.RandomFloats(Out, 83);
        ActivationShape bits = ActivationShape.Of(1, function, p0, p1, p2);
        var shape = new DenseShape(In, Out, 0, 0, Activation: (int)function,
            ActivationParameter0: bits.Parameter0, ActivationParameter1: bits.Parameter1, ActivationParameter2: bits.Parameter2);

        float[] actual = backends.Run(backend, Batch, x, Out, null, (b, src, dst, _) => b.Dense(shape, Batch, src, dst, b.Upload(kernel), b.Upload(bias)));

        for (int n = 0; n < Batch; n++)
        {
            for (int o = 0; o < Out; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < In; i++)
                {
                    sum += (double)x[n * In + i] * kernel[i * Out + o];
                }

                double expected = Reference(function, sum, p0, p1, p2);
                double error = Math.Abs(actual[n * Out + o] - expected);
                Assert.True(error <= 2e-7 * Math.Abs(expected) || error <= 1e-30, $"{function}({sum:R}) = {actual[n * Out + o]:R}, expected {expected:R}");
            }
        }
    }

    [Theory]
    [InlineData(BackendFixture.Cpu)]
    [InlineData(BackendFixture.IlgpuCpu)]
    public void Activation_InPlace_OverwritesItsInput(string backend)
    {
        float[] x = { -2f, -0.5f, 0f, 0.5f, 2f, 7f };
        ExecutionBackend b = backends.Get(backend);
        b.AllocateBuffers(new long[] { x.Length }, 1);
        b.WriteInput(0, x);
        b.Activation(ActivationShape.Of(x.Length, ActivationFunction.Relu, 0f, 6f, 0f), 1, 0, 0);
        var y = new float[x.Length];
        b.ReadOutput(0, y);
        Assert.Equal(new[] { 0f, 0f, 0f, 0.5f, 2f, 6f }, y);
    }

    [Fact]
    public void Activation_UnknownFunction_IsRejectedWithItsNumber()
    {
        ExecutionBackend b = backends.Get(BackendFixture.Cpu);
        b.AllocateBuffers(new long[] { 4, 4 }, 1);
        var e = Assert.Throws<ArgumentException>(() => b.Activation(new ActivationShape(4, 42), 1, 0, 1));
        Assert.Contains("Function 42", e.Message);
    }

    /// <summary>−30…30 in steps of 0.37 (two images), plus tiny values, the kinks and the hard-sigmoid corners.</summary>
    private static float[] Inputs()
    {
        var values = new List<float>();
        for (double v = -30; v <= 30; v += 0.37)
        {
            values.Add((float)v);
        }

        values.AddRange(new[] { 0f, 1e-9f, -1e-9f, 1e-5f, -1e-5f, 3e-4f, -3e-4f, 2e-3f, -2e-3f, 0.75f, -0.5f, 4.5f, 6f, -3f, 3f, 2.5f, -2.5f, 88f, -88f, -104f });
        if (values.Count % 2 == 1)
        {
            values.Add(0.25f);
        }

        return values.ToArray();
    }

    // ---- float64 definitions, independent of the runtime's ----------------------------------------------

    private static double Reference(ActivationFunction function, double x, double p0, double p1, double p2) => function switch
    {
        ActivationFunction.Linear => x,
        ActivationFunction.Relu => KerasRelu(x, p0, p1, p2),
        ActivationFunction.Sigmoid => 1 / (1 + Math.Exp(-x)),
        ActivationFunction.Tanh => Math.Tanh(x),
        ActivationFunction.Elu => x > 0 ? x : p0 * ExpM1(x),
        ActivationFunction.Selu => 1.0507009873554804934193349852946 * (x > 0 ? x : 1.6732632423543772848170429916717 * ExpM1(x)),
        ActivationFunction.Swish => x / (1 + Math.Exp(-x)),
        ActivationFunction.HardSigmoid => Math.Clamp(p0 * x + p1, 0, 1),
        ActivationFunction.Gelu => x * NormalCdf(x),
        ActivationFunction.GeluTanh => x / (1 + Math.Exp(-2 * Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), // 1 + tanh u = 2 / (1 + e^−2u), without the cancellation
        _ => throw new ArgumentOutOfRangeException(nameof(function)),
    };

    /// <summary>Keras 3 ReLU.static_call: threshold, then clip when a max is given, then the negative part.</summary>
    private static double KerasRelu(double x, double negativeSlope, double maxValue, double threshold)
    {
        double y = threshold != 0 ? x * (x > threshold ? 1 : 0) : Math.Max(x, 0);
        if (!double.IsPositiveInfinity(maxValue))
        {
            y = Math.Clamp(y, 0, maxValue);
        }

        return negativeSlope != 0 ? y - negativeSlope * Math.Max(threshold - x, 0) : y;
    }

    /// <summary>e^x − 1 by its Taylor series where it converges fast, else directly.</summary>
    private static double ExpM1(double x)
    {
        if (Math.Abs(x) > 0.5)
        {
            return Math.Exp(x) - 1;
        }

        double term = x, sum = x;
        for (int n = 2; n < 30; n++)
        {
            term *= x / n;
            sum += term;
        }

        return sum;
    }

    /// <summary>Φ(x) by Simpson's rule on the normal density: from x − 40 to x at or below 0 (no cancellation in the tail), else 1 − Φ(−x).</summary>
    private static double NormalCdf(double x)
    {
        if (x > 0)
        {
            return 1 - NormalCdf(-x);
        }

        const int Steps = 200_000;
        double a = x - 40, b = x, h = (b - a) / Steps, sum = Density(a) + Density(b);
        for (int i = 1; i < Steps; i++)
        {
            sum += Density(a + i * h) * (i % 2 == 1 ? 4 : 2);
        }

        return sum * h / 3;

        static double Density(double t) => Math.Exp(-0.5 * t * t) / Math.Sqrt(2 * Math.PI);
    }
}
