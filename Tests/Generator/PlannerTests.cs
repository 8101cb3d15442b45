using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>Parser and planner on the repository's descriptions, without Roslyn.</summary>
public sealed class PlannerTests
{
    private static ModelSpec ParseFull(string? replaceShape = null)
    {
        string text = RepoFiles.Read(ModelFiles.Full);
        if (replaceShape is not null)
        {
            text = text.Replace("\"shape\": [299, 299, 3]", "\"shape\": " + replaceShape, StringComparison.Ordinal);
        }

        ParsedModel parsed = ModelParser.Parse("/repo/model.xcs.json", text);
        Assert.Empty(parsed.Diagnostics);
        return parsed.Spec!;
    }

    private static ModelGraph Graph(ModelSpec spec)
    {
        var sink = new DiagnosticBag(spec.FilePath);
        ModelGraph? graph = ModelGraph.Build(spec, sink);
        Assert.Empty(sink.Items);
        return graph!;
    }

    private static PlanResult PlanFull(string? replaceShape = null)
    {
        string text = RepoFiles.Read(ModelFiles.Full);
        if (replaceShape is not null)
        {
            text = text.Replace("\"shape\": [299, 299, 3]", "\"shape\": " + replaceShape, StringComparison.Ordinal);
        }

        (string tablePath, string tableText) = RepoFiles.ShapeTable(ModelFiles.Full, "xception_weights_tf_dim_ordering_tf_kernels.shapes.json");
        ParsedModel parsed = ModelParser.Parse(RepoFiles.PathOf(ModelFiles.Full), text);
        ParsedWeightTable table = WeightTableParser.Parse(tablePath, tableText);
        return ModelPlanner.Plan(parsed, new[] { table }, GeneratorOptions.Default);
    }

    [Fact]
    public void FullDescription_Expands_134LayersWith81Weighted()
    {
        ModelSpec spec = ParseFull();
        Assert.Equal(134, spec.Layers.Count);
        Assert.Equal(81, spec.Layers.Count(l => l.HasWeights));
        Assert.Contains(spec.Layers, l => l.Name == "block12_sepconv3" && l.Inputs.Single() == "block12_sepconv3_act");
        Assert.Equal(new[] { "block12_sepconv3_bn", "add_10" }, spec.Layers.Single(l => l.Name == "add_11").Inputs);
    }

    [Fact]
    public void FullDescription_KerasOrder_MatchesKeras208ContainerOrder()
    {
        ModelSpec spec = ParseFull();
        ModelGraph graph = Graph(spec);
        string[] actual = graph.KerasOrder.Select(i => graph.Layers[i].Name).ToArray();
        string[] expected = File.ReadAllLines(RepoFiles.PathOf(RepoFiles.TestData("xception_keras_order.txt")));
        Assert.Equal(expected, actual);

        int Index(string name) => Array.IndexOf(actual, name);
        Assert.Equal(Index("block2_sepconv2_bn") + 1, Index("conv2d_1"));
        Assert.Equal(Index("conv2d_1") + 1, Index("block2_pool"));
    }

    [Fact]
    public void FullDescription_WeightedLayers_MatchKerasH5LayoutTable()
    {
        PlanResult result = PlanFull();
        Assert.Empty(result.Diagnostics);
        var weights = result.Plan!.Weights;
        Assert.Equal(81, weights.Count);
        Assert.Equal(("conv2d_1", "convolution2d_3"), (weights[8].LayerName, weights[8].FileLayerName));
        Assert.Equal(new[] { 1, 1, 64, 128 }, weights[8].Datasets[0].Shape);
        Assert.Equal(("batch_normalization_1", "batchnormalization_3"), (weights[9].LayerName, weights[9].FileLayerName));
        Assert.Equal(("conv2d_4", "convolution2d_6"), (weights[74].LayerName, weights[74].FileLayerName));
        Assert.Equal(("batch_normalization_4", "batchnormalization_36"), (weights[75].LayerName, weights[75].FileLayerName));
        Assert.Equal(("predictions", "dense_2", "Dense"), (weights[80].LayerName, weights[80].FileLayerName, weights[80].KerasClass));
        Assert.Equal(new[] { "kernel", "bias" }, weights[80].Datasets.Select(d => d.Variable));
        Assert.Equal(Enumerable.Range(1, 81), weights.Select(w => w.Number));
    }

    [Theory]
    [InlineData("[299, 299, 3]", new[] { 149, 147, 74, 37, 19, 10 })]
    [InlineData("[71, 71, 3]", new[] { 35, 33, 17, 9, 5, 3 })]
    public void SpatialChain_FollowsKerasRules(string shape, int[] chain)
    {
        ModelSpec spec = ParseFull(shape);
        ModelGraph graph = Graph(spec);
        var sink = new DiagnosticBag(spec.FilePath);
        LayerGeometry[] geometry = ShapeInference.Infer(graph, sink)!;
        Assert.Empty(sink.Items);
        int Side(string name) => geometry[Array.FindIndex(graph.Layers, l => l.Name == name)].Output.Height;
        Assert.Equal(chain, new[] { Side("block1_conv1"), Side("block1_conv2"), Side("block2_pool"), Side("block3_pool"), Side("block4_pool"), Side("block13_pool") });
    }

    [Theory]
    [InlineData("299x299", "[299, 299, 3]")]
    [InlineData("71x71", "[71, 71, 3]")]
    [InlineData("75x79", "[75, 79, 3]")]
    [InlineData("90x72", "[90, 72, 3]")]
    [InlineData("150x200", "[150, 200, 3]")]
    public void WindowedLayers_OutputsAndPads_MatchTfSamePaddingReference(string key, string shape)
    {
        using JsonDocument reference = JsonDocument.Parse(File.ReadAllText(RepoFiles.PathOf(RepoFiles.TestData("xception_spatial_plans.json"))));
        ModelSpec spec = ParseFull(shape);
        ModelGraph graph = Graph(spec);
        var sink = new DiagnosticBag(spec.FilePath);
        LayerGeometry[] geometry = ShapeInference.Infer(graph, sink)!;
        int checkedLayers = 0;
        foreach (JsonProperty layer in reference.RootElement.GetProperty(key).EnumerateObject())
        {
            int[] e = layer.Value.EnumerateArray().Select(v => v.GetInt32()).ToArray();
            LayerGeometry g = geometry[Array.FindIndex(graph.Layers, l => l.Name == layer.Name)];
            Assert.True(
                e.SequenceEqual(new[] { g.Output.Height, g.Output.Width, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight }),
                layer.Name + ": expected " + string.Join(",", e) + " got " + g);
            checkedLayers++;
        }

        Assert.Equal(44, checkedLayers); // 6 convs + 34 separable + 4 pools
    }

    [Fact]
    public void Block3Pool_At299_PadsTop0Bottom1()
    {
        PlanResult result = PlanFull();
        PlannedStep pool = result.Plan!.Steps.Single(s => s.Anchor == "block3_pool");
        Assert.Equal((74, 37, 0, 1, 0, 1), (pool.Input.Height, pool.Output.Height, pool.Window.PadTop, pool.Window.PadBottom, pool.Window.PadLeft, pool.Window.PadRight));
    }

    [Fact]
    public void FullModel_Fuses_47StepsWithNoElementwiseSteps()
    {
        ExecutionPlan plan = PlanFull().Plan!;
        Assert.Equal(47, plan.Steps.Count);
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Elementwise);
        Assert.Equal(34, plan.Steps.Count(s => s.Kind == StepKind.SeparableConv));
        Assert.Equal(6, plan.Steps.Count(s => s.Kind == StepKind.Conv2D));
        Assert.Equal(4, plan.Steps.Count(s => s.Kind == StepKind.MaxPool && s.HasResidual));
        Assert.Equal(new[] { StepKind.GlobalPool, StepKind.Dense, StepKind.Softmax }, plan.Steps.Skip(44).Select(s => s.Kind));
        Assert.Equal(new[] { 1000 }, plan.OutputShape);
        Assert.Equal((71, 71), (plan.MinHeight, plan.MinWidth));
    }

    [Fact]
    public void DenseSigmoid_IsTheDenseStepsEpilogue_NoStepFollows()
    {
        string text = RepoFiles.Read(ModelFiles.Full).Replace("\"activation\": \"softmax\"", "\"activation\": \"sigmoid\"", StringComparison.Ordinal);
        (string tablePath, string tableText) = RepoFiles.ShapeTable(ModelFiles.Full, "xception_weights_tf_dim_ordering_tf_kernels.shapes.json");
        PlanResult result = ModelPlanner.Plan(ModelParser.Parse(RepoFiles.PathOf(ModelFiles.Full), text), new[] { WeightTableParser.Parse(tablePath, tableText) }, GeneratorOptions.Default);

        Assert.Empty(result.Diagnostics);
        ExecutionPlan plan = result.Plan!;
        Assert.Equal(46, plan.Steps.Count);
        PlannedStep dense = plan.Steps[^1];
        Assert.Equal(StepKind.Dense, dense.Kind);
        Assert.True(dense.Fusion.SigmoidOutput);
        Assert.False(dense.Fusion.ReluOutput);
        Assert.Equal("predictions", dense.OutputLayer);
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Softmax || (s.Kind != StepKind.Dense && s.Fusion.SigmoidOutput));

        string source = ModelEmitter.Emit(plan);
        Assert.Contains("DenseShape(InFeatures: 2048, OutFeatures: 1000, ReluInput: 0, ReluOutput: 0, SigmoidOutput: 1)", source, StringComparison.Ordinal);
        Assert.Contains("dense 2048→1000, bias, sigmoid", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Flatten_PlansNoStep_DenseReadsTheConvOutputAsHxWxCFeatures()
    {
        const string description = """
            { "model": "FlatNet", "weights": { "table": "flat.shapes.json" },
              "layers": [
                { "name": "in", "op": "input", "shape": [8, 8, 3] },
                { "name": "conv1", "op": "conv2d", "filters": 4, "kernel": [3, 3], "padding": "same", "use_bias": false },
                { "name": "act1", "op": "relu" },
                { "name": "flat", "op": "flatten" },
                { "name": "dense", "op": "dense", "units": 2, "activation": "softmax" } ] }
            """;
        const string table = """
            { "format": "xcs-shapes/1", "source": "flat.h5", "layout": "keras2", "layer_count": 5, "layers": [
              { "name": "conv1", "weights": [ { "path": "conv1/conv1/kernel:0", "shape": [3, 3, 3, 4], "dtype": "float32" } ] },
              { "name": "dense", "weights": [ { "path": "dense/dense/kernel:0", "shape": [256, 2], "dtype": "float32" },
                                              { "path": "dense/dense/bias:0", "shape": [2], "dtype": "float32" } ] } ] }
            """;
        PlanResult result = ModelPlanner.Plan(ModelParser.Parse("/t/flat.xcs.json", description), new[] { WeightTableParser.Parse("/t/flat.shapes.json", table) }, GeneratorOptions.Default);

        Assert.Empty(result.Diagnostics);
        ExecutionPlan plan = result.Plan!;
        Assert.Equal(new[] { StepKind.Conv2D, StepKind.Dense, StepKind.Softmax }, plan.Steps.Select(s => s.Kind));
        Assert.True(plan.Steps[0].Fusion.ReluOutput);
        Assert.Equal(TensorShape.Flat(8 * 8 * 4), plan.Steps[1].Input);
        Assert.Equal(plan.Steps[0].Slots.Destination, plan.Steps[1].Slots.Source);
        Assert.Contains("DenseShape(InFeatures: 256, OutFeatures: 2,", ModelEmitter.Emit(plan), StringComparison.Ordinal);
    }

    [Fact]
    public void MiddleFlow_OneStepPerSeparableConv_AddFusedIntoThird()
    {
        ExecutionPlan plan = PlanFull().Plan!;
        for (int b = 5; b <= 12; b++)
        {
            PlannedStep[] block = plan.Steps.Where(s => s.Anchor.StartsWith("block" + b + "_", StringComparison.Ordinal)).ToArray();
            Assert.Equal(3, block.Length);
            Assert.All(block, s => Assert.Equal(StepKind.SeparableConv, s.Kind));
            Assert.Equal("block" + b + "_sepconv1_act", block[0].Fusion.ReluInputLayer);
            Assert.True(block[0].Fusion.ReluOutput && block[1].Fusion.ReluOutput && !block[2].Fusion.ReluOutput);
            Assert.Equal("add_" + (b - 1), block[2].Fusion.AddLayer);
            Assert.Equal(b == 5 ? "add_3" : "add_" + (b - 2), block[2].Fusion.ResidualLayer);
            Assert.All(block, s => Assert.NotNull(s.Fusion.BatchNormLayer));
        }
    }

    [Fact]
    public void EntryFlow_ResidualConvBeforePool_AddFusedIntoPool()
    {
        ExecutionPlan plan = PlanFull().Plan!;
        var names = plan.Steps.Select(s => s.Anchor).ToList();
        Assert.Equal(names.IndexOf("block2_sepconv2") + 1, names.IndexOf("conv2d_1"));
        PlannedStep conv = plan.Steps.Single(s => s.Anchor == "conv2d_1");
        PlannedStep pool = plan.Steps.Single(s => s.Anchor == "block2_pool");
        Assert.Equal(("batch_normalization_1", "add_1"), (pool.Fusion.ResidualLayer, pool.Fusion.AddLayer));
        Assert.Equal(conv.Slots.Destination, pool.Slots.Residual);
        Assert.Equal("batch_normalization_1", conv.Fusion.BatchNormLayer);
        Assert.Null(plan.Steps.Single(s => s.Anchor == "block2_sepconv1").Fusion.ReluInputLayer);
        Assert.Equal("block3_sepconv1_act", plan.Steps.Single(s => s.Anchor == "block3_sepconv1").Fusion.ReluInputLayer);
    }

    [Fact]
    public void StepWeights_LocateKerasDatasetsOnce_AndNameTheHandleFields()
    {
        ExecutionPlan plan = PlanFull().Plan!;

        // Keras order: block1_conv1 (0), its BN (1), block1_conv2 (2), its BN (3), block2_sepconv1 (4), its BN (5).
        StepWeights conv = plan.Steps.Single(s => s.Anchor == "block1_conv1").Weights;
        Assert.Equal((new WeightRef(0, 0), (WeightRef?)null, 1), (conv.Kernel!.Value, conv.Bias, conv.BatchNorm));
        Assert.Equal(new[] { "_w1", "_b1" }, conv.Fields);

        PlannedStep separable = plan.Steps.Single(s => s.Anchor == "block2_sepconv1");
        StepWeights sep = separable.Weights;
        Assert.Equal((new WeightRef(4, 0), new WeightRef(4, 1), 5), (sep.Depthwise!.Value, sep.Kernel!.Value, sep.BatchNorm));
        Assert.Null(sep.Bias);
        Assert.Equal(new[] { "_dw3", "_pw3", "_b3" }, sep.Fields);

        // The classifier keeps its own bias: kernel and bias are the two datasets of the last weighted layer.
        StepWeights dense = plan.Steps.Single(s => s.Kind == StepKind.Dense).Weights;
        int last = plan.Weights.Count - 1;
        Assert.Equal((new WeightRef(last, 0), new WeightRef(last, 1), -1), (dense.Kernel!.Value, dense.Bias!.Value, dense.BatchNorm));
        Assert.All(plan.Steps.Where(s => s.Kind is StepKind.MaxPool or StepKind.GlobalPool or StepKind.Softmax), s => Assert.Empty(s.Weights.Fields));
    }

    [Fact]
    public void BufferPlan_NoStepWritesASlotItReads_AndInputSlotIsDedicated()
    {
        ExecutionPlan plan = PlanFull().Plan!;
        foreach (PlannedStep s in plan.Steps)
        {
            Assert.NotEqual(s.Slots.Source, s.Slots.Destination);
            Assert.NotEqual(s.Slots.Residual, s.Slots.Destination);
            Assert.NotEqual(plan.InputSlot, s.Slots.Destination);
        }

        Assert.Equal(299L * 299 * 3, plan.Slots[plan.InputSlot].FloatsPerImage);
        Assert.Equal(plan.Slots.Sum(s => s.FloatsPerImage) * 4, plan.ArenaBytesPerImage);
        Assert.True(plan.Slots.Count <= 5, "slots: " + plan.Slots.Count);
    }

    [Fact]
    public void BufferPlan_EveryReadSeesTheTensorItsProducerWrote()
    {
        // Simulate the slots: each step's source/residual slot must still hold what the plan says it reads.
        ExecutionPlan plan = PlanFull().Plan!;
        var holder = new Dictionary<int, string> { [plan.InputSlot] = plan.InputLayer };
        foreach (PlannedStep s in plan.Steps)
        {
            Assert.Equal(s.SourceLayer, holder[s.Slots.Source]);
            if (s.HasResidual)
            {
                Assert.Equal(s.Fusion.ResidualLayer, holder[s.Slots.Residual]);
            }

            holder[s.Slots.Destination] = s.Kind == StepKind.Dense && plan.Steps.Any(x => x.Kind == StepKind.Softmax && x.Number == s.Number + 1)
                ? s.Anchor + " (logits)"
                : s.OutputLayer;
        }

        Assert.Equal(plan.OutputLayer, holder[plan.OutputSlot]);
    }

    [Theory]
    [InlineData(2, 71)]
    [InlineData(3, 71)]
    public void MinimumSize_OfFullModel_Is71(int _, int expected)
    {
        ModelGraph graph = Graph(ParseFull());
        Assert.Equal((expected, expected), ShapeInference.MinimumSize(graph));
    }

    [Fact]
    public void MinimumSize_WithoutMinSize_IsSmallestValidInput()
    {
        ModelGraph graph = Graph(ParseFull().WithoutMinSize());
        (int h, int w) = ShapeInference.MinimumSize(graph);
        Assert.Equal((7, 7), (h, w)); // stem needs 3 then 3: 7 → 3 → 1
    }
}

internal static class SpecExtensions
{
    public static ModelSpec WithoutMinSize(this ModelSpec spec) =>
        spec with { Layers = spec.Layers.Select(l => l with { Shape = l.Shape with { MinSize = 0 } }).ToEquatableArray() };
}
