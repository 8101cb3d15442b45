using System;
using Xception.Compiler.Runtime.Execution;
using Xunit.Sdk;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>Seeded random tensors, TF padding geometry and the tolerance check shared by the kernel tests.</summary>
internal static class KernelTestData
{
    /// <summary>Uniform values in [min, max), reproducible from the seed.</summary>
    public static float[] RandomFloats(int count, int seed, float min = -1f, float max = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = min + (float)random.NextDouble() * (max - min);
        }

        return values;
    }

    /// <summary>TF 'same': out = ceil(in/s), pad_total = max((out-1)·s + k − in, 0), the smaller half before.</summary>
    public static (int Out, int PadBefore) Same(int input, int kernel, int stride)
    {
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + kernel - input, 0);
        return (output, total / 2);
    }

    /// <summary>TF 'valid': no padding.</summary>
    public static (int Out, int PadBefore) Valid(int input, int kernel, int stride) => ((input - kernel) / stride + 1, 0);

    /// <summary>Asserts |actual − expected| ≤ 1e-5 · max(1, max |expected|) element by element.</summary>
    public static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (double e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }

        double tolerance = 1e-5 * scale;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance))
            {
                throw new XunitException(
                    $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E3} > tolerance {tolerance:E3}).");
            }
        }
    }
}
