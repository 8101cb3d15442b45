using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// sigmoid(x) = 1 / (1 + e^−x) and swish(x) = x·sigmoid(x) over a run of floats, vectorized. Each float is widened
/// to float64 and rounded once at the end, like <see cref="ActivationMath"/>'s scalar functions: done in float32,
/// the exp, the 1 + e and the division would each add up to an ulp, more than the 2e-7 relative the activation
/// tests allow. e^t is taken only for t = −|x| ≤ 0 (it cannot overflow): t = n·ln2 + r with n = round(t/ln2) and
/// |r| ≤ ln2/2, e^r by its Taylor polynomial to r⁸ (truncation error below 3e-10 relative), 2ⁿ written into the
/// exponent bits. Below t = −708 (2ⁿ would leave the normal range) e^t is taken as 0: sigmoid there is below
/// 1e-307, 0 in float32. NaN stays NaN; sigmoid(±∞) is 1 and 0, swish(+∞) is +∞ and swish(−∞) NaN, as in float64.
/// </summary>
internal static unsafe class SigmoidMath
{
    private const double Log2E = 1.4426950408889634073599246810019;
    private const double Ln2 = 0.69314718055994530941723212145818;
    private const double Underflow = -708.0;

    // 1.5·2^52: adding it rounds a double below 2^51 in magnitude to an integer, which then sits in the low mantissa bits.
    private const double RoundingShift = 6755399441055744.0;
    private const long ExponentBias = 1023L << 52;

    /// <summary>y = sigmoid(x), or swish(x) when <paramref name="swish"/>; y may equal x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(CpuIsa isa, float* x, float* y, int n, bool swish)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            // Two registers at a time, their operations interleaved: each is one chain of ~30 dependent operations,
            // and two independent chains side by side ran the store activations faster than one (RESULTS, third round).
            for (; i + 16 <= n; i += 16)
            {
                Vector512<double> v0 = Avx512F.ConvertToVector512Double(Vector256.Load(x + i));
                Vector512<double> v1 = Avx512F.ConvertToVector512Double(Vector256.Load(x + i + 8));
                Sigmoid512Pair(v0, v1, swish, out Vector512<double> s0, out Vector512<double> s1);
                Avx512F.ConvertToVector256Single(s0).Store(y + i);
                Avx512F.ConvertToVector256Single(s1).Store(y + i + 8);
            }

            for (; i + 8 <= n; i += 8)
            {
                Vector512<double> v = Avx512F.ConvertToVector512Double(Vector256.Load(x + i));
                Avx512F.ConvertToVector256Single(Sigmoid512(v, swish)).Store(y + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 4 <= n; i += 4)
            {
                Vector256<double> v = Avx.ConvertToVector256Double(Vector128.Load(x + i));
                Avx.ConvertToVector128Single(Sigmoid256(v, swish)).Store(y + i);
            }
        }

        for (; i < n; i++)
        {
            double s = ActivationMath.Sigmoid(x[i]);
            y[i] = (float)(swish ? x[i] * s : s);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Sigmoid512(Vector512<double> x, bool swish)
    {
        Vector512<double> t = -Vector512.Abs(x);
        Vector512<double> shifted = Avx512F.FusedMultiplyAdd(t, Vector512.Create(Log2E), Vector512.Create(RoundingShift));
        Vector512<double> whole = shifted - Vector512.Create(RoundingShift);
        Vector512<double> r = Avx512F.FusedMultiplyAdd(whole, Vector512.Create(-Ln2), t);

        Vector512<double> p = Vector512.Create(1.0 / 40320.0);
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 5040.0));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 720.0));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 120.0));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 24.0));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 6.0));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512<double>.One);
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512<double>.One);

        // The low 12 bits of the shift constant are 0, so shifting its sum with n left by 52 leaves n alone in the exponent.
        Vector512<double> scale = (Vector512.ShiftLeft(shifted.AsInt64(), 52) + Vector512.Create(ExponentBias)).AsDouble();
        Vector512<double> e = Vector512.ConditionalSelect(Vector512.LessThan(t, Vector512.Create(Underflow)), Vector512<double>.Zero, p * scale);

        Vector512<double> q = Vector512<double>.One / (Vector512<double>.One + e);
        Vector512<double> s = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<double>.Zero), q, e * q);
        return swish ? x * s : s;
    }

    /// <summary><see cref="Sigmoid512"/> of two registers, the same operations written alternately.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sigmoid512Pair(Vector512<double> x0, Vector512<double> x1, bool swish, out Vector512<double> s0, out Vector512<double> s1)
    {
        Vector512<double> t0 = -Vector512.Abs(x0);
        Vector512<double> t1 = -Vector512.Abs(x1);
        Vector512<double> shifted0 = Avx512F.FusedMultiplyAdd(t0, Vector512.Create(Log2E), Vector512.Create(RoundingShift));
        Vector512<double> shifted1 = Avx512F.FusedMultiplyAdd(t1, Vector512.Create(Log2E), Vector512.Create(RoundingShift));
        Vector512<double> r0 = Avx512F.FusedMultiplyAdd(shifted0 - Vector512.Create(RoundingShift), Vector512.Create(-Ln2), t0);
        Vector512<double> r1 = Avx512F.FusedMultiplyAdd(shifted1 - Vector512.Create(RoundingShift), Vector512.Create(-Ln2), t1);

        Vector512<double> p0 = Avx512F.FusedMultiplyAdd(Vector512.Create(1.0 / 40320.0), r0, Vector512.Create(1.0 / 5040.0));
        Vector512<double> p1 = Avx512F.FusedMultiplyAdd(Vector512.Create(1.0 / 40320.0), r1, Vector512.Create(1.0 / 5040.0));
        p0 = Avx512F.FusedMultiplyAdd(p0, r0, Vector512.Create(1.0 / 720.0));
        p1 = Avx512F.FusedMultiplyAdd(p1, r1, Vector512.Create(1.0 / 720.0));
        p0 = Avx512F.FusedMultiplyAdd(p0, r0, Vector512.Create(1.0 / 120.0));
        p1 = Avx512F.FusedMultiplyAdd(p1, r1, Vector512.Create(1.0 / 120.0));
        p0 = Avx512F.FusedMultiplyAdd(p0, r0, Vector512.Create(1.0 / 24.0));
        p1 = Avx512F.FusedMultiplyAdd(p1, r1, Vector512.Create(1.0 / 24.0));
        p0 = Avx512F.FusedMultiplyAdd(p0, r0, Vector512.Create(1.0 / 6.0));
        p1 = Avx512F.FusedMultiplyAdd(p1, r1, Vector512.Create(1.0 / 6.0));
        p0 = Avx512F.FusedMultiplyAdd(p0, r0, Vector512.Create(0.5));
        p1 = Avx512F.FusedMultiplyAdd(p1, r1, Vector512.Create(0.5));
        p0 = Avx512F.FusedMultiplyAdd(p0, r0, Vector512<double>.One);
        p1 = Avx512F.FusedMultiplyAdd(p1, r1, Vector512<double>.One);
        p0 = Avx512F.FusedMultiplyAdd(p0, r0, Vector512<double>.One);
        p1 = Avx512F.FusedMultiplyAdd(p1, r1, Vector512<double>.One);

        Vector512<double> scale0 = (Vector512.ShiftLeft(shifted0.AsInt64(), 52) + Vector512.Create(ExponentBias)).AsDouble();
        Vector512<double> scale1 = (Vector512.ShiftLeft(shifted1.AsInt64(), 52) + Vector512.Create(ExponentBias)).AsDouble();
        Vector512<double> e0 = Vector512.ConditionalSelect(Vector512.LessThan(t0, Vector512.Create(Underflow)), Vector512<double>.Zero, p0 * scale0);
        Vector512<double> e1 = Vector512.ConditionalSelect(Vector512.LessThan(t1, Vector512.Create(Underflow)), Vector512<double>.Zero, p1 * scale1);

        Vector512<double> q0 = Vector512<double>.One / (Vector512<double>.One + e0);
        Vector512<double> q1 = Vector512<double>.One / (Vector512<double>.One + e1);
        s0 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x0, Vector512<double>.Zero), q0, e0 * q0);
        s1 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x1, Vector512<double>.Zero), q1, e1 * q1);
        s0 = swish ? x0 * s0 : s0;
        s1 = swish ? x1 * s1 : s1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Sigmoid256(Vector256<double> x, bool swish)
    {
        Vector256<double> t = -Vector256.Abs(x);
        Vector256<double> shifted = Fma.MultiplyAdd(t, Vector256.Create(Log2E), Vector256.Create(RoundingShift));
        Vector256<double> whole = shifted - Vector256.Create(RoundingShift);
        Vector256<double> r = Fma.MultiplyAdd(whole, Vector256.Create(-Ln2), t);

        Vector256<double> p = Vector256.Create(1.0 / 40320.0);
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.0 / 5040.0));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.0 / 720.0));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.0 / 120.0));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.0 / 24.0));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.0 / 6.0));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(0.5));
        p = Fma.MultiplyAdd(p, r, Vector256<double>.One);
        p = Fma.MultiplyAdd(p, r, Vector256<double>.One);

        Vector256<double> scale = (Vector256.ShiftLeft(shifted.AsInt64(), 52) + Vector256.Create(ExponentBias)).AsDouble();
        Vector256<double> e = Vector256.ConditionalSelect(Vector256.LessThan(t, Vector256.Create(Underflow)), Vector256<double>.Zero, p * scale);

        Vector256<double> q = Vector256<double>.One / (Vector256<double>.One + e);
        Vector256<double> s = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero), q, e * q);
        return swish ? x * s : s;
    }
}
