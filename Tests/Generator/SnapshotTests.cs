using System.Linq;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>The emitted source, pinned as baselines under Tests/Snapshots.</summary>
public sealed class SnapshotTests
{
    private static void VerifyGenerated(string testName, string description)
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(ModelFiles.Files(description), rootNamespace: "Sample");
        Assert.Empty(GeneratorHarness.GeneratorDiagnostics(result));
        Snapshot.Verify(testName, result.GeneratedTrees
            .Select(t => (System.IO.Path.GetFileName(t.FilePath), t.GetText().ToString()))
            .OrderBy(f => f.Item1, System.StringComparer.Ordinal)
            .ToList());
    }

    [Fact]
    public void FullXception_EmitsBaseline() => VerifyGenerated(nameof(FullXception_EmitsBaseline), ModelFiles.Full);

    [Fact]
    public void MiniXception90x72_EmitsBaseline() => VerifyGenerated(nameof(MiniXception90x72_EmitsBaseline), "Tests/Models/MiniXception90x72.xcs.json");

    [Fact]
    public void MiniXceptionNotopNone_EmitsBaseline() => VerifyGenerated(nameof(MiniXceptionNotopNone_EmitsBaseline), "Tests/Models/MiniXceptionNotopNone90x72.xcs.json");

    /// <summary>
    /// The reduced MobileNet: each conv_dw_N (+ BN + ReLU6) and conv_pw_N (+ BN + ReLU6) as one separable step with the
    /// depthwise stage between the two, ReLU6 clamped in every store, and no activation step left.
    /// </summary>
    [Fact]
    public void MiniMobileNet_FusedSeparableSteps_EmitsBaseline() =>
        VerifyGenerated(nameof(MiniMobileNet_FusedSeparableSteps_EmitsBaseline), "Tests/Models/MiniMobileNet.xcs.json");

    /// <summary>The reduced EfficientNetB0: every swish and sigmoid in the store of the convolution before it, no activation step.</summary>
    [Fact]
    public void MiniEfficientNetB0NotopAvg_SwishInTheStore_EmitsBaseline() =>
        VerifyGenerated(nameof(MiniEfficientNetB0NotopAvg_SwishInTheStore_EmitsBaseline), "Tests/Models/MiniEfficientNetB0NotopAvg.xcs.json");

    [Fact]
    public void TinyFlowersWithLabels_EmitsBaseline() => VerifyGenerated(nameof(TinyFlowersWithLabels_EmitsBaseline), "Tests/Models/TinyFlowers.xcs.json");

    /// <summary>An imported model: 1 channel, an adapted normalization as a scale/shift step, a keepdims pool and a reshape that plans no step.</summary>
    [Fact]
    public void ImportedGrayscaleWithNormalization_EmitsBaseline() =>
        VerifyGenerated(nameof(ImportedGrayscaleWithNormalization_EmitsBaseline), "Sample/Models/GrayShapes.xcs.json");
}
