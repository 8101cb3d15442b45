using System;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.EndToEnd;

/// <summary>
/// The mini Xception compiled from Tests/Models/*.xcs.json against the fixtures' float64 reference outputs.
/// The fixtures' weights and expected values come from outside the project (Tests/Fixtures/README.md).
/// </summary>
public sealed class FixtureModelTests(ITestOutputHelper output)
{
    private const string Keras2Top = "mini_xception_w0125_top10.h5";
    private const string Keras1Top = "mini_xception_w0125_top10_keras1.h5";
    private const string Keras2Notop = "mini_xception_w0125_notop.h5";
    private const double ProbabilityTolerance = 1e-5;

    private static readonly InferenceOptions IlgpuCpu = new() { Backend = Backend.IlgpuCpu };
    private static readonly InferenceOptions Cpu = new() { Backend = Backend.Cpu };

    public static TheoryData<string, string> Layouts => new()
    {
        { "keras2", Keras2Top },
        { "keras1", Keras1Top },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Mini299_IlgpuCpu_MatchesReferenceProbabilities(string layout, string weights)
    {
        _ = layout;
        using var model = MiniXception299.Load(TestPaths.Fixture(weights), IlgpuCpu);
        AssertMatches(model.Predict, "mini_input_299x299_seed5.npy", "mini_expected_299x299_seed5.npy", MiniXception299.OutputLength);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Mini71Batch2_IlgpuCpu_MatchesReferenceProbabilities(string layout, string weights)
    {
        _ = layout;
        using var model = MiniXception71.Load(TestPaths.Fixture(weights), IlgpuCpu);
        AssertMatches(model.Predict, "mini_input_71x71_seed2.npy", "mini_expected_71x71_seed2.npy", MiniXception71.OutputLength);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Mini75x79_IlgpuCpu_MatchesReferenceProbabilities(string layout, string weights)
    {
        _ = layout;
        using var model = MiniXception75x79.Load(TestPaths.Fixture(weights), IlgpuCpu);
        AssertMatches(model.Predict, "mini_input_75x79_seed6.npy", "mini_expected_75x79_seed6.npy", MiniXception75x79.OutputLength);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Mini90x72_IlgpuCpu_MatchesReferenceProbabilities(string layout, string weights)
    {
        _ = layout;
        using var model = MiniXception90x72.Load(TestPaths.Fixture(weights), IlgpuCpu);
        AssertMatches(model.Predict, "mini_input_90x72_seed7.npy", "mini_expected_90x72_seed7.npy", MiniXception90x72.OutputLength);
    }

    [Fact]
    public void MiniNotopAvg_IlgpuCpu_MatchesReferenceFeatures()
    {
        using var model = MiniXceptionNotopAvg90x72.Load(TestPaths.Fixture(Keras2Notop), IlgpuCpu);
        AssertMatches(model.Predict, "mini_input_90x72_seed7.npy", "mini_expected_notop_avg_90x72_seed7.npy", MiniXceptionNotopAvg90x72.OutputLength);
    }

    [Fact]
    public void MiniNotopMax_IlgpuCpu_MatchesReferenceFeatures()
    {
        using var model = MiniXceptionNotopMax90x72.Load(TestPaths.Fixture(Keras2Notop), IlgpuCpu);
        AssertMatches(model.Predict, "mini_input_90x72_seed7.npy", "mini_expected_notop_max_90x72_seed7.npy", MiniXceptionNotopMax90x72.OutputLength);
    }

    [Fact]
    public void MiniNotopNone_IlgpuCpu_MatchesReferenceFeatureMap()
    {
        Assert.Equal(new[] { 3, 3, 256 }, MiniXceptionNotopNone90x72.OutputShape.ToArray());
        using var model = MiniXceptionNotopNone90x72.Load(TestPaths.Fixture(Keras2Notop), IlgpuCpu);
        AssertMatches(model.Predict, "mini_input_90x72_seed7.npy", "mini_expected_notop_none_90x72_seed7.npy", MiniXceptionNotopNone90x72.OutputLength);
    }

    [Fact]
    public void Keras1AndKeras2Layouts_IlgpuCpu_AgreeBitForBit()
    {
        float[] input = NpyFile.Read(TestPaths.Fixture("mini_input_71x71_seed2.npy")).Data;
        using var keras2 = MiniXception71.Load(TestPaths.Fixture(Keras2Top), IlgpuCpu);
        using var keras1 = MiniXception71.Load(TestPaths.Fixture(Keras1Top), IlgpuCpu);
        Assert.Equal(keras2.Predict(input), keras1.Predict(input));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Mini71Batch2_Cpu_MatchesReferenceProbabilities(string layout, string weights)
    {
        _ = layout;
        using var model = MiniXception71.Load(TestPaths.Fixture(weights), Cpu);
        AssertMatches(model.Predict, "mini_input_71x71_seed2.npy", "mini_expected_71x71_seed2.npy", MiniXception71.OutputLength);
    }

    [Fact]
    public void Mini299_Cpu_MatchesReferenceProbabilities()
    {
        using var model = MiniXception299.Load(TestPaths.Fixture(Keras2Top), Cpu);
        AssertMatches(model.Predict, "mini_input_299x299_seed5.npy", "mini_expected_299x299_seed5.npy", MiniXception299.OutputLength);
    }

    [Fact]
    public void Mini75x79_Cpu_MatchesReferenceProbabilities()
    {
        using var model = MiniXception75x79.Load(TestPaths.Fixture(Keras1Top), Cpu);
        AssertMatches(model.Predict, "mini_input_75x79_seed6.npy", "mini_expected_75x79_seed6.npy", MiniXception75x79.OutputLength);
    }

    [Fact]
    public void Mini90x72Notop_Cpu_MatchesReferenceFeatureMap()
    {
        using var model = MiniXceptionNotopNone90x72.Load(TestPaths.Fixture(Keras2Notop), Cpu);
        AssertMatches(model.Predict, "mini_input_90x72_seed7.npy", "mini_expected_notop_none_90x72_seed7.npy", MiniXceptionNotopNone90x72.OutputLength);
    }

    [Fact]
    public void PredictIntoSpan_Batch2_EqualsAllocatingOverload()
    {
        float[] input = NpyFile.Read(TestPaths.Fixture("mini_input_71x71_seed2.npy")).Data;
        using var model = MiniXception71.Load(TestPaths.Fixture(Keras2Top), new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1 });
        var output = new float[2 * MiniXception71.OutputLength];
        model.Predict(input, output);
        Assert.Equal(model.Predict(input), output);
    }

    private delegate float[] Predictor(ReadOnlySpan<float> input);

    private void AssertMatches(Predictor predict, string inputFile, string expectedFile, int outputLength)
    {
        NpyArray input = NpyFile.Read(TestPaths.Fixture(inputFile));
        NpyArray expected = NpyFile.Read(TestPaths.Fixture(expectedFile));
        float[] actual = predict(input.Data);

        Assert.Equal(expected.Data.Length, actual.Length);
        Assert.Equal(input.Shape[0] * outputLength, actual.Length);
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - (double)expected.Data[i]);
            if (!(error <= worst))
            {
                worst = error;
                worstIndex = i;
            }
        }

        output.WriteLine(FormattableString.Invariant($"{expectedFile}: largest absolute error {worst:E3}"));
        Assert.True(
            worst <= ProbabilityTolerance,
            $"{expectedFile}: largest error {worst:E3} at {worstIndex} (actual {actual[worstIndex]}, expected {expected.Data[worstIndex]}); tolerance {ProbabilityTolerance:E0}");
    }
}
