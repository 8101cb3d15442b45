using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>
/// The channel prologue of the 1×1 convolution (issue 13, ChannelPrologueFusion): EfficientNetB0's SE Multiply and
/// DenseNet121's BN + ReLU before each bottleneck and transition conv plan no step of their own, and a small description
/// with both is pinned as a snapshot.
/// </summary>
public sealed class ChannelProloguePlanTests
{
    private static ExecutionPlan Plan(string description, string table)
    {
        PlanResult result = ModelPlanner.Plan(
            ModelParser.Parse("/repo/models/" + description, RepoFiles.Read("models/" + description)),
            new[] { WeightTableParser.Parse("/repo/models/" + table, RepoFiles.Read("models/" + table)) },
            GeneratorOptions.Default);
        Assert.True(result.Diagnostics.Count == 0, string.Join("\n", result.Diagnostics.Select(d => d.Id + ": " + string.Join(" | ", d.Arguments))));
        return result.Plan!;
    }

    [Fact]
    public void EfficientNetB0_SeMultiply_IsTheProjectionsPrologue_NoMultiplyStep()
    {
        ExecutionPlan plan = Plan("efficientnetb0.xcs.json", "efficientnetb0.shapes.json");

        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Multiply);
        var projections = plan.Steps.Where(s => s.Fusion.PrologueMultiplyLayer is not null).ToList();
        Assert.Equal(16, projections.Count);
        Assert.All(projections, s => Assert.True(s.Kind == StepKind.Conv2D && s.Anchor.EndsWith("_project_conv", StringComparison.Ordinal), s.Anchor));
        PlannedStep block2a = projections.Single(s => s.Anchor == "block2a_project_conv");
        Assert.Equal(("block2a_se_excite", "block2a_se_expand", "block2a_activation"), (block2a.Fusion.PrologueMultiplyLayer, block2a.Fusion.PrologueFactorLayer, block2a.SourceLayer));

        // The factor's slot is read by the projection, so nothing the projection writes may share it.
        Assert.All(projections, s => Assert.True(s.Slots.Factor >= 0 && s.Slots.Factor != s.Slots.Destination && s.Slots.Factor != s.Slots.Source, s.Anchor));
        string code = ModelEmitter.Emit(plan);
        Assert.Contains("block2a_project_conv: prologue × block2a_se_expand per channel (block2a_se_excite) in its A rows → conv 1×1 same 96→24", code, StringComparison.Ordinal);
        Assert.Contains("ChannelPrologue.ScaledBy(factor: " + block2a.Slots.Factor + "));", code, StringComparison.Ordinal);
    }

    [Fact]
    public void DenseNet121_BnRelu_IsTheConvsPrologue_OnlyTheLastBnIsAStep()
    {
        ExecutionPlan plan = Plan("densenet121.xcs.json", "densenet121_weights_tf_dim_ordering_tf_kernels.shapes.json");

        // 58 conv blocks' first BN + ReLU and 3 transitions' BN + ReLU; the final BN + ReLU feeds the pool, not a convolution.
        Assert.Equal(61, plan.Steps.Count(s => s.Kind == StepKind.Conv2D && s.Fusion.PrologueBatchNormLayer is not null));
        Assert.Equal(new[] { "bn" }, plan.Steps.Where(s => s.Kind == StepKind.Elementwise).Select(s => s.Anchor));
        PlannedStep transition = plan.Steps.Single(s => s.Anchor == "pool2_conv");
        Assert.Equal(("pool2_bn", "pool2_relu", 0), (transition.Fusion.PrologueBatchNormLayer, transition.Fusion.PrologueReluLayer, transition.InputPixelStride));
        Assert.NotNull(transition.Weights.ScaleField);
    }

    [Fact]
    public void ChannelPrologues_EmitsBaseline()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(ModelFiles.Files("Tests/Models/ChannelPrologues.xcs.json"), rootNamespace: "Sample");
        Assert.Empty(GeneratorHarness.GeneratorDiagnostics(result));
        Snapshot.Verify(nameof(ChannelPrologues_EmitsBaseline), result.GeneratedTrees
            .Select(t => (System.IO.Path.GetFileName(t.FilePath), t.GetText().ToString()))
            .OrderBy(f => f.Item1, StringComparer.Ordinal)
            .ToList());
    }
}
