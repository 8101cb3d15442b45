using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.Cpu;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Cpu;

/// <summary>
/// The vector sigmoid and swish on every instruction set this machine runs, against 1 / (1 + e^−x) and x / (1 + e^−x)
/// in float64. They round a float64 value once, so each result must be the float64 value correctly rounded up to the
/// polynomial's 3e-10: within 6.0e-8 relative (half a float32 ulp is at most 5.96e-8), or 1.5e-45 absolute where the
/// value is a float32 subnormal or below.
/// </summary>
public sealed unsafe class SigmoidMathTests(ITestOutputHelper output)
{
    private const double RelativeBound = 6.0e-8;
    private const double SubnormalBound = 1.5e-45;
    private const double SmallestNormalFloat = 1.1754944e-38;

    public static IEnumerable<object[]> Cases() =>
        from isa in Enum.GetValues<CpuIsa>().Where(CpuIsas.IsSupported)
        from swish in new[] { false, true }
        select new object[] { isa.ToString(), swish };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_MinusThirtyToThirty_IsTheFloat64ValueRounded(string isaName, bool swish)
    {
        // 600 001 values 1e-4 apart: an odd count, so the vector loops end in every tail.
        float[] x = Enumerable.Range(0, 600_001).Select(i => (float)(-30.0 + i * 1e-4)).ToArray();
        double worst = Check(Enum.Parse<CpuIsa>(isaName), swish, x, out float worstAt);
        output.WriteLine($"{isaName} {(swish ? "swish" : "sigmoid")}: max relative error {worst:G3} at x = {worstAt:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_Extremes_SaturateUnderflowAndKeepNaN(string isaName, bool swish)
    {
        float[] x =
        {
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 15f, -15f, 17f, 40f, -40f,
            87f, -87f, 88.7f, -88.7f, 100f, -100f, -103.9f, -104f, -200f, 700f, -700f, -720f, -745.2f, -1e4f, 1e4f,
            float.MaxValue, -float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        };

        double worst = Check(Enum.Parse<CpuIsa>(isaName), swish, x, out float worstAt);
        output.WriteLine($"{isaName} {(swish ? "swish" : "sigmoid")} at the extremes: max relative error {worst:G3} at x = {worstAt:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_InPlace_GivesWhatItGivesIntoAnotherArray(string isaName, bool swish)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        float[] x = Enumerable.Range(0, 1001).Select(i => (float)(-12.0 + i * 0.0237)).ToArray();
        float[] apart = new float[x.Length];
        float[] inPlace = (float[])x.Clone();
        fixed (float* px = x, pa = apart, pi = inPlace)
        {
            SigmoidMath.Apply(isa, px, pa, x.Length, swish);
            SigmoidMath.Apply(isa, pi, pi, x.Length, swish);
        }

        Assert.Equal(apart, inPlace);
    }

    /// <summary>Runs the function over x and checks every value; returns the largest relative error among normal results.</summary>
    private static double Check(CpuIsa isa, bool swish, float[] x, out float worstAt)
    {
        float[] y = new float[x.Length];
        fixed (float* px = x, py = y)
        {
            SigmoidMath.Apply(isa, px, py, x.Length, swish);
        }

        double worst = 0;
        worstAt = float.NaN;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double expected = swish ? v / (1 + Math.Exp(-v)) : 1 / (1 + Math.Exp(-v));
            if (double.IsNaN(expected))
            {
                Assert.True(float.IsNaN(y[i]), $"f({x[i]:R}) = {y[i]:R}, expected NaN");
                continue;
            }

            if (double.IsInfinity(expected))
            {
                Assert.Equal(expected, (double)y[i]);
                continue;
            }

            double error = Math.Abs(y[i] - expected);
            Assert.True(error <= RelativeBound * Math.Abs(expected) || error <= SubnormalBound,
                $"{(swish ? "swish" : "sigmoid")}({x[i]:R}) = {y[i]:R}, expected {expected:R} (error {error:G3})");
            if (Math.Abs(expected) >= SmallestNormalFloat && error / Math.Abs(expected) > worst)
            {
                worst = error / Math.Abs(expected);
                worstAt = x[i];
            }
        }

        return worst;
    }
}
