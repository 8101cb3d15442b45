using System;
using System.Linq;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Tests.Generator.Infrastructure;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Generator;

/// <summary>
/// models/efficientnetb0.xcs.json planned against its official shape table: what each step of the MBConv blocks
/// fuses (BN folded, correct_pad's ZeroPadding2D folded into the stride-2 depthwise windows, the residual add in the
/// projection's epilogue) and what still runs as a step of its own.
/// </summary>
public sealed class EfficientNetB0PlanTests(ITestOutputHelper output)
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
    public void EfficientNetB0_Plans_BnFolded_PadsFolded_ResidualAddsInTheProjectionEpilogue()
    {
        ExecutionPlan plan = Plan("efficientnetb0.xcs.json", "efficientnetb0.shapes.json");
        foreach (PlannedStep step in plan.Steps)
        {
            output.WriteLine(step.Kind + " | " + StepDescriptions.Describe(step));
        }

        Assert.Equal(1000, plan.OutputLength);
        // 16 MBConv blocks: 15 expand convs, 16 projections, 32 SE convs, stem and top: 65 convolutions, 16 depthwise.
        Assert.Equal(65, plan.Steps.Count(s => s.Kind == StepKind.Conv2D));
        Assert.Equal(16, plan.Steps.Count(s => s.Kind == StepKind.DepthwiseConv));
        // Every BatchNormalization folds into the convolution before it: no standalone BN step.
        Assert.Equal(49, plan.Steps.Count(s => s.Fusion.BatchNormLayer is not null && s.Kind is StepKind.Conv2D or StepKind.DepthwiseConv));
        // correct_pad's ZeroPadding2D before the four stride-2 depthwise convs, and the stem's, are windows' pads, not copies.
        Assert.Equal(5, plan.Steps.Count(s => s.Fusion.ZeroPaddingLayer is not null));
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.ZeroPad);
        // The 9 residual adds (blocks with stride 1 and as many filters out as in) are the projections' epilogues.
        var adds = plan.Steps.Where(s => s.Fusion.AddLayer is not null).ToList();
        Assert.Equal(9, adds.Count);
        Assert.All(adds, s => Assert.True(s.Kind == StepKind.Conv2D && s.Anchor.EndsWith("_project_conv", StringComparison.Ordinal), s.Anchor));
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Elementwise && s.HasResidual);
    }

    [Fact]
    public void EfficientNetB0_SwishAndSigmoid_RunInTheStoreOfTheConvolutionBeforeThem_NoActivationStepLeft()
    {
        ExecutionPlan plan = Plan("efficientnetb0.xcs.json", "efficientnetb0.shapes.json");

        // 49 swish: the stem, 15 expansions, 16 depthwise, 16 SE reductions and the top; 16 sigmoid: the SE expansions.
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Activation);
        Assert.Equal(49, plan.Steps.Count(s => s.Fusion.StoreFunction.Kind == ActivationKind.Swish));
        Assert.Equal(16, plan.Steps.Count(s => s.Fusion.StoreFunction.Kind == ActivationKind.Sigmoid));
        Assert.Equal(16, plan.Steps.Count(s => s.Kind == StepKind.DepthwiseConv && s.Fusion.StoreFunction.Kind == ActivationKind.Swish));
        Assert.All(plan.Steps.Where(s => s.Anchor.EndsWith("_se_expand", StringComparison.Ordinal)),
            s => Assert.Equal((StepKind.Conv2D, ActivationKind.Sigmoid), (s.Kind, s.Fusion.StoreFunction.Kind)));

        // The activation layer is the step's output: the SE squeeze and the excite multiply read block1a_activation.
        PlannedStep dw = plan.Steps.Single(s => s.Anchor == "block1a_dwconv");
        Assert.Equal(("block1a_activation", "block1a_activation"), (dw.OutputLayer, dw.Fusion.StoreFunctionLayer));
        string code = ModelEmitter.Emit(plan);
        Assert.Contains("BN block1a_bn folded, + swish in the store (block1a_activation);", code, StringComparison.Ordinal);
    }
}
