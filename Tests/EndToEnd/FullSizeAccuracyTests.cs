using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.EndToEnd;

/// <summary>
/// The full-size Xception at 299×299 against a float64 reference from outside the C# code: the synthetic
/// Keras 2 file of seed 3 (<see cref="SyntheticWeights"/>, written by the fixture) and the image
/// <c>SyntheticWeights.RandomInput(268203, 11)</c>, whose float64 logits and probabilities
/// <c>scripts/xception_reference.py</c> computed (Tests/Fixtures/README.md says how to regenerate them).
/// </summary>
public sealed class FullSizeAccuracyTests(FullSizeModelTests.SyntheticWeightsFile weights, ITestOutputHelper output)
    : IClassFixture<FullSizeModelTests.SyntheticWeightsFile>
{
    private const ulong InputSeed = 11;

    // ONNX Runtime 1.31.1 on the same weights and image is off by 3.2e-8 (probabilities) and 2.0e-6 (logits,
    // from log p); Cpu, with the head summed in float64, by 1.2e-8 and 9e-7, and by 2.6e-7 and 6.9e-6 before
    // (Benchmarks/RESULTS.md, "Accuracy"). The bounds sit at ONNX Runtime's errors.
    private const double ProbabilityBound = 3.2e-8;
    private const double LogitBound = 2.0e-6;

    [Fact]
    public void FullSize299_Cpu_ProbabilitiesAndLogitsWithinOnnxRuntimesErrorOfFloat64Reference()
    {
        double[] expectedProbabilities = ReadFloat64Npy(TestPaths.Fixture("fullsize_seed3_input11_expected.npy"));
        double[] expectedLogits = ReadFloat64Npy(TestPaths.Fixture("fullsize_seed3_input11_expected_logits.npy"));
        float[] image = SyntheticWeights.RandomInput(Xception.InputLength, InputSeed);
        float[]? logits = null;

        float[] probabilities;
        using (var model = Xception.Load(weights.Path, new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 1 }))
        {
            probabilities = model.Trace(image, (_, layer, _, values) =>
            {
                if (layer == "predictions (logits)")
                {
                    logits = values.ToArray();
                }
            });
        }

        Assert.NotNull(logits);
        double probabilityError = LargestError(expectedProbabilities, probabilities);
        double logitError = LargestError(expectedLogits, logits!);
        output.WriteLine($"largest error: probabilities {probabilityError:E3}, logits {logitError:E3}");
        Assert.True(probabilityError <= ProbabilityBound, $"probabilities are off by {probabilityError:E3}, more than {ProbabilityBound:E1}");
        Assert.True(logitError <= LogitBound, $"logits are off by {logitError:E3}, more than {LogitBound:E1}");
    }

    private static double LargestError(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            worst = error <= worst ? worst : error;
        }

        return worst;
    }

    /// <summary>A numpy version 1.0 <c>&lt;f8</c> file as written by <c>np.save</c>, without rounding to float.</summary>
    private static double[] ReadFloat64Npy(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2));
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.True(bytes[6] == 1 && header.Contains("'descr': '<f8'", StringComparison.Ordinal), $"{path} is not a version 1.0 float64 .npy: {header}");
        var values = new double[(bytes.Length - 10 - headerLength) / sizeof(double)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(10 + headerLength + i * sizeof(double)));
        }

        return values;
    }
}
