using System;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// The check every reduced application makes: one fixture input through a compiled model, compared element by
/// element with the float64 reference that Tests/Fixtures/tools/make_application_weights.py computed for it.
/// One place, so each test names only its model, its weights and its two files.
/// </summary>
internal static class Float64ReferenceCheck
{
    /// <summary>The bound on probabilities (and on the notop features, which are of order 1).</summary>
    public const double Tolerance = 1e-5;

    public static void AssertWithinTolerance(
        ICompiledModel model, string inputFixture, string expectedFixture, string label, ITestOutputHelper output)
    {
        NpyArray input = NpyFile.Read(TestPaths.Fixture(inputFixture));
        NpyArray expected = NpyFile.Read(TestPaths.Fixture(expectedFixture));

        float[] actual = model.Predict(input.Data);

        Assert.Equal(expected.Data.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - (double)expected.Data[i]));
        }

        output.WriteLine(FormattableString.Invariant($"{label}: largest absolute error {worst:E3} against {expectedFixture}"));
        Assert.True(worst <= Tolerance, FormattableString.Invariant($"{label}: largest absolute error {worst:E3} against {expectedFixture}; tolerance {Tolerance:E0}"));
    }
}
