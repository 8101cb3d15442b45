using System;
using System.Collections.Generic;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Kernels;
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
    private const double Tolerance = 1e-5;

    /// <summary>Each test model: how to load it, and the fixture input and expected output it is checked on.</summary>
    private static readonly Dictionary<string, (Func<string, InferenceOptions, ICompiledModel> Load, string Input, string Expected)> s_models = new()
    {
        ["299"] = ((p, o) => MiniXception299.Load(p, o), "mini_input_299x299_seed5.npy", "mini_expected_299x299_seed5.npy"),
        ["71 batch 2"] = ((p, o) => MiniXception71.Load(p, o), "mini_input_71x71_seed2.npy", "mini_expected_71x71_seed2.npy"),
        ["75x79"] = ((p, o) => MiniXception75x79.Load(p, o), "mini_input_75x79_seed6.npy", "mini_expected_75x79_seed6.npy"),
        ["90x72"] = ((p, o) => MiniXception90x72.Load(p, o), "mini_input_90x72_seed7.npy", "mini_expected_90x72_seed7.npy"),
        ["notop avg 90x72"] = ((p, o) => MiniXceptionNotopAvg90x72.Load(p, o), "mini_input_90x72_seed7.npy", "mini_expected_notop_avg_90x72_seed7.npy"),
        ["notop max 90x72"] = ((p, o) => MiniXceptionNotopMax90x72.Load(p, o), "mini_input_90x72_seed7.npy", "mini_expected_notop_max_90x72_seed7.npy"),
        ["notop none 90x72"] = ((p, o) => MiniXceptionNotopNone90x72.Load(p, o), "mini_input_90x72_seed7.npy", "mini_expected_notop_none_90x72_seed7.npy"),
    };

    public static TheoryData<string, string, Backend> Cases()
    {
        var cases = new TheoryData<string, string, Backend>();
        foreach (Backend backend in new[] { Backend.IlgpuCpu, Backend.Cpu })
        {
            foreach (string model in s_models.Keys)
            {
                if (model.StartsWith("notop", StringComparison.Ordinal))
                {
                    cases.Add(model, Keras2Notop, backend);
                }
                else
                {
                    cases.Add(model, Keras2Top, backend);
                    cases.Add(model, Keras1Top, backend);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MiniModel_MatchesFloat64ReferenceWithin1e5(string model, string weights, Backend backend)
    {
        var (load, inputFile, expectedFile) = s_models[model];
        NpyArray input = NpyFile.Read(TestPaths.Fixture(inputFile));
        NpyArray expected = NpyFile.Read(TestPaths.Fixture(expectedFile));
        using ICompiledModel compiled = load(TestPaths.Fixture(weights), new InferenceOptions { Backend = backend });

        float[] actual = compiled.Predict(input.Data);

        Assert.Equal(input.Shape[0] * compiled.OutputLength, actual.Length);
        Assert.Equal(expected.Data.Length, actual.Length);
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

        output.WriteLine(FormattableString.Invariant($"{model}, {weights}, {backend}: largest absolute error {worst:E3}"));
        Assert.True(
            worst <= Tolerance,
            $"{expectedFile}: largest error {worst:E3} at {worstIndex} (actual {actual[worstIndex]}, expected {expected.Data[worstIndex]}); tolerance {Tolerance:E0}");
    }

    [Fact]
    public void GpuTiledKernels_OnIlgpuCpu_Mini71Batch2_MatchesFloat64ReferenceWithin1e5()
    {
        // The shared-memory tiled GEMM kernels the GPU runs, end to end through the whole model, on ILGPU's
        // CPU accelerator (slow there: one small model only).
        NpyArray input = NpyFile.Read(TestPaths.Fixture("mini_input_71x71_seed2.npy"));
        NpyArray expected = NpyFile.Read(TestPaths.Fixture("mini_expected_71x71_seed2.npy"));
        using var model = MiniXception71.Load(
            TestPaths.Fixture(Keras2Top), new InferenceOptions { Backend = Backend.IlgpuCpu, IlgpuKernels = KernelFamily.Tiled });

        float[] actual = model.Predict(input.Data);

        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - (double)expected.Data[i]));
        }

        output.WriteLine(FormattableString.Invariant($"tiled kernels on IlgpuCpu, 71x71 batch 2: largest absolute error {worst:E3}"));
        Assert.Equal(expected.Data.Length, actual.Length);
        Assert.True(worst <= Tolerance, FormattableString.Invariant($"largest error {worst:E3}; tolerance {Tolerance:E0}"));
    }

    [Fact]
    public void NotopNone_OutputShape_IsTheFeatureMap()
    {
        Assert.Equal(new[] { 3, 3, 256 }, MiniXceptionNotopNone90x72.OutputShape.ToArray());
        Assert.Equal(3 * 3 * 256, MiniXceptionNotopNone90x72.OutputLength);
    }

    [Theory]
    [InlineData(Backend.IlgpuCpu)]
    [InlineData(Backend.Cpu)]
    public void Keras1AndKeras2Layouts_AgreeBitForBit(Backend backend)
    {
        float[] input = NpyFile.Read(TestPaths.Fixture("mini_input_71x71_seed2.npy")).Data;
        using var keras2 = MiniXception71.Load(TestPaths.Fixture(Keras2Top), new InferenceOptions { Backend = backend });
        using var keras1 = MiniXception71.Load(TestPaths.Fixture(Keras1Top), new InferenceOptions { Backend = backend });
        Assert.Equal(keras2.Predict(input), keras1.Predict(input));
    }

    [Fact]
    public void PredictIntoSpan_Batch2InChunksOfOne_EqualsAllocatingOverload()
    {
        float[] input = NpyFile.Read(TestPaths.Fixture("mini_input_71x71_seed2.npy")).Data;
        using var model = MiniXception71.Load(TestPaths.Fixture(Keras2Top), new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1 });
        var result = new float[2 * MiniXception71.OutputLength];
        model.Predict(input, result);
        Assert.Equal(model.Predict(input), result);
    }
}
