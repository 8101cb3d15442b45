using System.Runtime.CompilerServices;
using ILGPU.Algorithms;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>
/// The activation functions of <see cref="ActivationFunction"/>, one device function per kind, shared by the ILGPU
/// kernels and the Cpu backend's jobs so the two cannot drift. Each works in float64 on a float input and is rounded
/// once by the caller: float64 exp (XMath, the one the softmax kernel already uses) keeps them within a few float
/// ulps of Keras's float64 reference where float32 exp would not (sigmoid and tanh saturate, elu cancels near 0).
/// Everything here runs inside kernels: no classes, branches on constants, plain loops.
/// </summary>
internal static class ActivationMath
{
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;
    private const double TwoOverSqrtPi = 1.1283791670955125738961589031215;
    private const double InverseSqrtPi = 0.56418958354775628694807945156077;
    private const double InverseSqrt2 = 0.70710678118654752440084436210485;
    private const double SqrtTwoOverPi = 0.79788456080286535587989211986876;

    /// <summary>f(x) for a function and its three parameters (see <see cref="ActivationShape"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Apply(int function, double x, double p0, double p1, double p2) => function switch
    {
        (int)ActivationFunction.Relu => Relu(x, p0, p1, p2),
        (int)ActivationFunction.Sigmoid => Sigmoid(x),
        (int)ActivationFunction.Tanh => Tanh(x),
        (int)ActivationFunction.Elu => Elu(x, p0),
        (int)ActivationFunction.Selu => SeluScale * Elu(x, SeluAlpha),
        (int)ActivationFunction.Swish => x * Sigmoid(x),
        (int)ActivationFunction.HardSigmoid => HardSigmoid(x, p0, p1),
        (int)ActivationFunction.Gelu => Gelu(x),
        (int)ActivationFunction.GeluTanh => GeluTanh(x),
        _ => x,
    };

    /// <summary>Keras's relu with negative_slope, max_value (+∞: none) and threshold, in the order its static_call computes them.</summary>
    public static double Relu(double x, double negativeSlope, double maxValue, double threshold)
    {
        double y = threshold != 0.0 ? (x > threshold ? x : 0.0) : (x > 0.0 ? x : 0.0);
        if (maxValue < double.PositiveInfinity)
        {
            y = y < 0.0 ? 0.0 : y > maxValue ? maxValue : y;
        }

        if (negativeSlope != 0.0)
        {
            double below = threshold - x;
            y -= negativeSlope * (below > 0.0 ? below : 0.0);
        }

        return y;
    }

    public static double Sigmoid(double x) => 1.0 / (1.0 + XMath.Exp(-x));

    /// <summary>tanh from one exp of −2|x| (no overflow); a short series near 0, where 1 − e^(−2|x|) would cancel.</summary>
    public static double Tanh(double x)
    {
        double a = x < 0.0 ? -x : x;
        double t;
        if (a < 1e-3)
        {
            double a2 = a * a;
            t = a * (1.0 - a2 * (1.0 / 3.0 - a2 * (2.0 / 15.0)));
        }
        else
        {
            double e = XMath.Exp(-2.0 * a);
            t = (1.0 - e) / (1.0 + e);
        }

        return x < 0.0 ? -t : t;
    }

    public static double Elu(double x, double alpha) => x > 0.0 ? x : alpha * ExpMinusOne(x);

    public static double HardSigmoid(double x, double slope, double offset)
    {
        double y = slope * x + offset;
        return y < 0.0 ? 0.0 : y > 1.0 ? 1.0 : y;
    }

    /// <summary>0.5·x·erfc(−x/√2): the complement keeps its precision for large negative x, where 1 + erf cancels.</summary>
    public static double Gelu(double x) => 0.5 * x * Erfc(-x * InverseSqrt2);

    /// <summary>0.5·x·(1 + tanh u) written as x·sigmoid(2u), which is the same value without 1 + tanh u cancelling for negative x.</summary>
    public static double GeluTanh(double x) => x * Sigmoid(2.0 * SqrtTwoOverPi * (x + 0.044715 * x * x * x));

    /// <summary>e^x − 1, by its series near 0 where exp(x) − 1 would lose the digits elu needs.</summary>
    public static double ExpMinusOne(double x)
    {
        if (x > -1e-3 && x < 1e-3)
        {
            return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0))));
        }

        return XMath.Exp(x) - 1.0;
    }

    /// <summary>
    /// erfc to about 1e-12 relative: 1 − erf by erf's positive-term series e^(−z²)·Σ 2ⁿz^(2n+1)/(2n+1)!! for |z| &lt; 2 (stopped
    /// once a term no longer counts: 7 terms at 0.1, 31 near 2), and Laplace's continued fraction
    /// e^(−z²)/√π / (z + ½/(z + 1/(z + 3/2/(z + …)))) beyond, with fewer levels the larger z is (32 from 2, 8 from 6).
    /// </summary>
    public static double Erfc(double z)
    {
        if (z >= 2.0)
        {
            return ErfcContinuedFraction(z);
        }

        if (z <= -2.0)
        {
            return 2.0 - ErfcContinuedFraction(-z);
        }

        double term = z;
        double sum = z;
        double twoZ2 = 2.0 * z * z;
        double magnitude = z < 0.0 ? -z : z;
        for (int n = 1; n < 60; n++)
        {
            term *= twoZ2 / (2 * n + 1);
            sum += term;
            if ((term < 0.0 ? -term : term) < 1e-17 * magnitude)
            {
                break;
            }
        }

        return 1.0 - TwoOverSqrtPi * XMath.Exp(-z * z) * sum;
    }

    /// <summary>
    /// The continued fraction evaluated from its tail as one ratio, f = num/den with f ← z + a/f written as
    /// (num, den) ← (z·num + a·den, num): multiplies only, and one division at the end instead of one per level.
    /// Past z = 27 e^(−z²) is below the smallest double, and z^levels could overflow the ratio.
    /// </summary>
    private static double ErfcContinuedFraction(double z)
    {
        if (z > 27.0)
        {
            return 0.0;
        }

        int levels = z < 3.0 ? 32 : z < 4.0 ? 20 : z < 6.0 ? 12 : 8;
        double numerator = z;
        double denominator = 1.0;
        for (int k = levels; k > 0; k--)
        {
            double next = z * numerator + 0.5 * k * denominator;
            denominator = numerator;
            numerator = next;
        }

        return XMath.Exp(-z * z) * InverseSqrtPi * denominator / numerator;
    }
}
