using System;
using System.Linq;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>
/// The concatenating applications (models/inception_v3.xcs.json and models/densenet121.xcs.json, which
/// make_application_weights.py wrote from keras/applications) planned against their official shape tables: every convolution feeding a concatenation writes its slice, and only
/// the inputs no convolution produces (InceptionV3's pool branches) are copied; DenseNet's running concatenation shares one buffer per block.
/// </summary>
public sealed class ApplicationDraftPlanTests
{
    private static PlanResult PlanDraft(string draft, string table)
    {
        // The drafts spell AveragePooling2D 'average_pool2d'; the language's name is 'avg_pool2d'.
        string description = RepoFiles.Read("models/" + draft).Replace("\"op\": \"average_pool2d\"", "\"op\": \"avg_pool2d\"", StringComparison.Ordinal);
        return ModelPlanner.Plan(
            ModelParser.Parse("/repo/models/" + draft, description),
            new[] { WeightTableParser.Parse("/repo/models/" + table, RepoFiles.Read("models/" + table)) },
            GeneratorOptions.Default);
    }

    private static string Describe(PlanResult result) => string.Join("\n", result.Diagnostics.Select(d => d.Id + ": " + string.Join(" | ", d.Arguments)));

    [Fact]
    public void InceptionV3_Plans_EveryConcatenatedConvolutionWritesItsSlice_OnlyPoolBranchesAreCopied()
    {
        PlanResult result = PlanDraft("inception_v3.xcs.json", "inception_v3_weights_tf_dim_ordering_tf_kernels.shapes.json");

        Assert.True(result.Diagnostics.Count == 0, Describe(result));
        ExecutionPlan plan = result.Plan!;
        Assert.Equal(1000, plan.OutputLength);
        // The convolutions that end a branch write their slice: 4 in each of mixed0-2 and mixed4-7, 2 in mixed3 and mixed8
        // (their third branch is a max pool), 6 in mixed9 and mixed10 (1×1, the two 1×3/3×1 pairs of the inner
        // concatenations, the pool branch's 1×1): 12 + 2 + 16 + 2 + 12 = 44.
        Assert.Equal(94, plan.Steps.Count(s => s.Kind == StepKind.Conv2D));
        Assert.Equal(44, plan.Steps.Count(s => s.Kind == StepKind.Conv2D && s.Slice is not null));
        // Copied: what no convolution produced, the max pools of mixed3 and mixed8 and the four inner concatenations of mixed9/mixed10.
        var copies = plan.Steps.Where(s => s.Kind == StepKind.ChannelSlice).ToList();
        Assert.Equal(
            new[] { ("mixed3", "max_pooling2d_3"), ("mixed8", "max_pooling2d_4") },
            copies.Where(c => c.SourceLayer.StartsWith("max_pooling2d", StringComparison.Ordinal)).Select(c => (c.Anchor, c.SourceLayer)));
        Assert.Equal(4, copies.Count(c => c.Anchor is "mixed9" or "mixed10" && c.SourceLayer != c.Anchor));
        Assert.Equal(6, copies.Count);
    }

    [Fact]
    public void DenseNet121_Plans_EachDenseBlockInOneBuffer_WithNoCopy()
    {
        PlanResult result = PlanDraft("densenet121.xcs.json", "densenet121_weights_tf_dim_ordering_tf_kernels.shapes.json");

        Assert.True(result.Diagnostics.Count == 0, Describe(result));
        ExecutionPlan plan = result.Plan!;
        Assert.Equal(1000, plan.OutputLength);
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.ChannelSlice);

        // Each of the 58 conv blocks' 3×3 convolution writes its 32 channels into its block's buffer, at the block's
        // running width: conv2_block1_2_conv at 64 of 256, conv5_block16_2_conv at 992 of 1024.
        var newLayers = plan.Steps.Where(s => s.Kind == StepKind.Conv2D && s.Output.Channels == 32).ToList();
        Assert.Equal(58, newLayers.Count);
        Assert.All(newLayers, s => Assert.NotNull(s.Slice));
        Assert.Equal(("conv2_block6_concat", 64, 256), (newLayers[0].Slice!.Layer, newLayers[0].Slice!.Offset, newLayers[0].Slice!.Shape.Channels));
        Assert.Equal(("conv5_block16_concat", 992, 1024), (newLayers[^1].Slice!.Layer, newLayers[^1].Slice!.Offset, newLayers[^1].Slice!.Shape.Channels));

        // Each block's input (the stem's max pool, the transitions' average pools) writes channels [0, C0) of that buffer.
        var blockInputs = plan.Steps.Where(s => s.Kind is StepKind.MaxPool or StepKind.AveragePool).ToList();
        Assert.Equal(
            new[] { ("pool1", "conv2_block6_concat", 256), ("pool2_pool", "conv3_block12_concat", 512), ("pool3_pool", "conv4_block24_concat", 1024), ("pool4_pool", "conv5_block16_concat", 1024) },
            blockInputs.Select(s => (s.OutputLayer, s.Slice!.Layer, s.Slice.Shape.Channels)));
        Assert.All(blockInputs, s => Assert.Equal(0, s.Slice!.Offset));

        // Every conv block's first BN + ReLU reads a channel prefix of the buffer, as the channel prologue of the block's 1×1 conv.
        var prefixReads = plan.Steps.Where(s => s.InputPixelStride != 0).ToList();
        Assert.Equal(58, prefixReads.Count);
        Assert.All(prefixReads, s => Assert.Equal(StepKind.Conv2D, s.Kind));
        PlannedStep third = prefixReads.Single(s => s.Fusion.PrologueBatchNormLayer == "conv2_block3_0_bn");
        Assert.Equal(("conv2_block2_concat", 128, 256), (third.SourceLayer, third.Input.Channels, third.InputPixelStride));
        Assert.Equal("conv2_block3_0_relu", third.Fusion.PrologueReluLayer);

        // The buffer plan holds each block's buffer as one tensor, and the emitted code says so and passes the strides.
        Assert.Contains(plan.Slots, slot => slot.Tensors.Contains("conv3_block12_concat (dense block buffer: pool2_pool and 12 concatenations in place)"));
        string code = ModelEmitter.Emit(plan);
        Assert.Contains("conv3_block12_concat (dense block buffer: pool2_pool and 12 concatenations in place)", code, StringComparison.Ordinal);
        Assert.Contains("ZeroPadRight: 1, OutPixelStride: 256), batch", code, StringComparison.Ordinal);
        Assert.Contains("ChannelPrologue(Factor: -1, Scale: _scale" + third.Number + ", Shift: _shift" + third.Number + ", Relu: 1, InPixelStride: 256))", code, StringComparison.Ordinal);
    }
}
