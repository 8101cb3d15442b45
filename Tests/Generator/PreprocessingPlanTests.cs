using System;
using System.Linq;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;

namespace Xception.Compiler.Tests.Generator;

/// <summary>Rescaling, normalization, reshape and keepdims pools through the parser, the planner and the emitter.</summary>
public sealed class PreprocessingPlanTests
{
    private const string ConvTable = """
        { "name": "conv1", "weights": [ { "path": "conv1/conv1/kernel:0", "shape": [3, 3, CIN, 4], "dtype": "float32" } ] }
        """;

    private static PlanResult Plan(string layers, string tableLayers)
    {
        string description = """{ "model": "PreNet", "weights": { "table": "pre.shapes.json" }, "layers": [ """ + layers + " ] }";
        string table = """{ "format": "xcs-shapes/1", "source": "pre.h5", "layout": "keras2", "layer_count": 9, "layers": [ """ + tableLayers + " ] }";
        return ModelPlanner.Plan(ModelParser.Parse("/t/pre.xcs.json", description), new[] { WeightTableParser.Parse("/t/pre.shapes.json", table) }, GeneratorOptions.Default);
    }

    [Fact]
    public void Rescaling_IsAnElementwiseScaleShiftStep_WithItsConstantsEmittedAsDoubles()
    {
        PlanResult result = Plan("""
            { "name": "in", "op": "input", "shape": [8, 8, 3] },
            { "name": "rescale", "op": "rescaling", "scale": 0.00784313725490196, "offset": -1 },
            { "name": "conv1", "op": "conv2d", "filters": 4, "kernel": [3, 3], "padding": "same", "use_bias": false }
            """, ConvTable.Replace("CIN", "3", StringComparison.Ordinal));

        Assert.Empty(result.Diagnostics);
        PlannedStep step = result.Plan!.Steps[0];
        Assert.Equal(StepKind.Elementwise, step.Kind);
        Assert.False(step.Weights.Preprocessing!.IsNormalization);
        Assert.Equal(3, step.Weights.Preprocessing.Channels);
        Assert.Equal(StepKind.Conv2D, result.Plan.Steps[1].Kind);
        string code = ModelEmitter.Emit(result.Plan);
        Assert.Contains("PreprocessingFolding.Rescaling(new double[] { 0.00784313725490196d }, new double[] { -1d }, 3);", code, StringComparison.Ordinal);
        Assert.Contains("HasScaleShift: 1", code, StringComparison.Ordinal);
        Assert.Contains("// [1] rescale: rescaling ×0.00784314 + -1; 8×8×3 → 8×8×3", code, StringComparison.Ordinal);
    }

    [Fact]
    public void AdaptedNormalization_TakesMeanVarianceCountFromTheTable_InlineOneHasNoWeights()
    {
        const string adapted = """
            { "name": "norm", "weights": [ { "path": "norm/mean:0", "shape": [1], "dtype": "float32" },
                                           { "path": "norm/variance:0", "shape": [1], "dtype": "float32" },
                                           { "path": "norm/count:0", "shape": [], "dtype": "int64" } ] },
            """;
        string conv = ConvTable.Replace("CIN", "1", StringComparison.Ordinal);
        PlanResult fromWeights = Plan("""
            { "name": "in", "op": "input", "shape": [6, 6, 1] },
            { "name": "norm", "op": "normalization" },
            { "name": "conv1", "op": "conv2d", "filters": 4, "kernel": [3, 3], "use_bias": false }
            """, adapted + conv);
        PlanResult inline = Plan("""
            { "name": "in", "op": "input", "shape": [6, 6, 1] },
            { "name": "norm", "op": "normalization", "mean": 118.25, "variance": 4321.5 },
            { "name": "conv1", "op": "conv2d", "filters": 4, "kernel": [3, 3], "use_bias": false }
            """, conv);

        Assert.Empty(fromWeights.Diagnostics);
        Assert.Empty(inline.Diagnostics);
        Assert.Equal(new[] { "mean", "variance", "count" }, fromWeights.Plan!.Weights[0].Datasets.Select(d => d.Variable));
        Assert.Equal(0, fromWeights.Plan.Steps[0].Weights.Preprocessing!.WeightLayer);
        Assert.Contains("PreprocessingFolding.Normalization(weights[0, 0], weights[0, 1]);", ModelEmitter.Emit(fromWeights.Plan), StringComparison.Ordinal);
        Assert.Single(inline.Plan!.Weights);
        Assert.Contains("PreprocessingFolding.Normalization(new double[] { 118.25d }, new double[] { 4321.5d }, 1);", ModelEmitter.Emit(inline.Plan), StringComparison.Ordinal);
    }

    [Fact]
    public void KeepDimsPoolThenReshape_PlanNoReshapeStep_DenseReadsThePooledChannels()
    {
        PlanResult result = Plan("""
            { "name": "in", "op": "input", "shape": [8, 8, 3] },
            { "name": "conv1", "op": "conv2d", "filters": 4, "kernel": [3, 3], "use_bias": false },
            { "name": "pool", "op": "global_avg_pool", "keepdims": true },
            { "name": "squeeze", "op": "reshape", "target_shape": [-1] },
            { "name": "dense", "op": "dense", "units": 2, "use_bias": false }
            """, ConvTable.Replace("CIN", "3", StringComparison.Ordinal) + """
            , { "name": "dense", "weights": [ { "path": "dense/kernel:0", "shape": [4, 2], "dtype": "float32" } ] }
            """);

        Assert.Empty(result.Diagnostics);
        ExecutionPlan plan = result.Plan!;
        Assert.Equal(new[] { StepKind.Conv2D, StepKind.GlobalPool, StepKind.Dense }, plan.Steps.Select(s => s.Kind));
        Assert.Equal(new TensorShape(1, 1, 4, false), plan.Steps[1].Output);
        Assert.Equal(TensorShape.Flat(4), plan.Steps[2].Input);
        Assert.Equal(plan.Steps[1].Slots.Destination, plan.Steps[2].Slots.Source);
    }

    [Fact]
    public void ReshapeToSpatial_FeedsAConvolution_AsAViewOfTheSameMemory()
    {
        PlanResult result = Plan("""
            { "name": "in", "op": "input", "shape": [4, 6, 2] },
            { "name": "fold", "op": "reshape", "target_shape": [6, 4, 2] },
            { "name": "conv1", "op": "conv2d", "filters": 4, "kernel": [3, 3], "use_bias": false }
            """, ConvTable.Replace("CIN", "2", StringComparison.Ordinal));

        Assert.Empty(result.Diagnostics);
        PlannedStep conv = Assert.Single(result.Plan!.Steps);
        Assert.Equal(new TensorShape(6, 4, 2, false), conv.Input);
        Assert.Equal(new TensorShape(4, 2, 4, false), conv.Output);
        Assert.Equal(result.Plan.InputSlot, conv.Slots.Source);
    }

    [Theory]
    [InlineData("""{ "name": "r", "op": "rescaling", "scale": 2, "offset": [1, 2] }""", "XCS0030")]
    [InlineData("""{ "name": "r", "op": "normalization", "mean": [1, 2, 3, 4], "variance": 1 }""", "XCS0030")]
    [InlineData("""{ "name": "r", "op": "normalization", "mean": 1 }""", "XCS0003")]
    [InlineData("""{ "name": "r", "op": "normalization", "mean": 1, "variance": -1 }""", "XCS0004")]
    [InlineData("""{ "name": "r", "op": "rescaling", "scale": [] }""", "XCS0004")]
    [InlineData("""{ "name": "r", "op": "reshape", "target_shape": [8, 8] }""", "XCS0031")]
    [InlineData("""{ "name": "r", "op": "reshape", "target_shape": [5, -1] }""", "XCS0031")]
    [InlineData("""{ "name": "r", "op": "reshape", "target_shape": [-1, -1, 3] }""", "XCS0004")]
    [InlineData("""{ "name": "r", "op": "reshape", "target_shape": [0, 64, 3] }""", "XCS0004")]
    public void InvalidConstantsOrTargets_AreReported(string layer, string id)
    {
        PlanResult result = Plan("""{ "name": "in", "op": "input", "shape": [8, 8, 3] }, """ + layer, string.Empty);

        Assert.Contains(result.Diagnostics, d => d.Id == id);
        Assert.Null(result.Plan);
    }
}
