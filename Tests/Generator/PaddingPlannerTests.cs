using System;
using System.Linq;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;

namespace Xception.Compiler.Tests.Generator;

/// <summary>ZeroPadding2D, AveragePooling2D and BatchNormalization(center/scale false) through parser, planner and emitter.</summary>
public sealed class PaddingPlannerTests
{
    private static PlanResult Plan(string layers, string tableLayers)
    {
        string description = "{ \"model\": \"PadNet\", \"weights\": { \"table\": \"pad.shapes.json\" }, \"layers\": [\n"
            + "{ \"name\": \"in\", \"op\": \"input\", \"shape\": [8, 7, 3] },\n" + layers + "] }";
        string table = "{ \"format\": \"xcs-shapes/1\", \"source\": \"pad.h5\", \"layout\": \"keras2\", \"layer_count\": 9, \"layers\": [" + tableLayers + "] }";
        return ModelPlanner.Plan(ModelParser.Parse("/t/pad.xcs.json", description), new[] { WeightTableParser.Parse("/t/pad.shapes.json", table) }, GeneratorOptions.Default);
    }

    private static string Kernel(string layer, int kh, int kw, int inC, int outC) =>
        "{ \"name\": \"" + layer + "\", \"weights\": [ { \"path\": \"" + layer + "/kernel:0\", \"shape\": [" + kh + ", " + kw + ", " + inC + ", " + outC + "], \"dtype\": \"float32\" } ] }";

    [Fact]
    public void ZeroPaddingBeforeConvAndPools_FoldsIntoTheirWindows_NoPaddedCopy()
    {
        PlanResult result = Plan("""
            { "name": "pad1", "op": "zero_padding2d", "padding": 3 },
            { "name": "conv", "op": "conv2d", "filters": 4, "kernel": [7, 7], "strides": [2, 2], "use_bias": false },
            { "name": "pad2", "op": "zero_padding2d", "padding": [[1, 1], [1, 1]] },
            { "name": "pool", "op": "max_pool2d", "pool": [3, 3], "strides": [2, 2] },
            { "name": "pad3", "op": "zero_padding2d", "padding": [[0, 1], [1, 0]] },
            { "name": "avg", "op": "avg_pool2d", "pool": [2, 2], "padding": "same" }
            """, Kernel("conv", 7, 7, 3, 4));

        Assert.Empty(result.Diagnostics);
        ExecutionPlan plan = result.Plan!;
        Assert.Equal(new[] { StepKind.Conv2D, StepKind.MaxPool, StepKind.AveragePool }, plan.Steps.Select(s => s.Kind));
        PlannedStep conv = plan.Steps[0], pool = plan.Steps[1], avg = plan.Steps[2];

        // (8 + 6 − 7)/2 + 1 = 4 rows, (7 + 6 − 7)/2 + 1 = 4 columns, read from the unpadded input.
        Assert.Equal(new TensorShape(8, 7, 3, false), conv.Input);
        Assert.Equal(new TensorShape(4, 4, 4, false), conv.Output);
        Assert.Equal((3, 3, 3, 3), (conv.Window.PadTop, conv.Window.PadBottom, conv.Window.PadLeft, conv.Window.PadRight));
        Assert.Equal("pad1", conv.Fusion.ZeroPaddingLayer);
        Assert.Equal((1, 1, 1, 1), (pool.Window.ZeroPadTop, pool.Window.ZeroPadBottom, pool.Window.ZeroPadLeft, pool.Window.ZeroPadRight));
        Assert.Equal(new TensorShape(2, 2, 4, false), pool.Output);

        // 'same' 2×2/2 over the padded 3×3: out 2, its own pad after (bottom/right) on top of the ZeroPadding2D's.
        Assert.Equal(new TensorShape(2, 2, 4, false), avg.Output);
        Assert.Equal((0, 2, 1, 1), (avg.Window.PadTop, avg.Window.PadBottom, avg.Window.PadLeft, avg.Window.PadRight));

        string source = ModelEmitter.Emit(plan);
        Assert.Contains("conv: zero padding (pad1) folded → conv 7×7/2 valid (pad top 3 bottom 3, left 3 right 3) 3→4", source, StringComparison.Ordinal);
        Assert.Contains("PadTop: 1, PadLeft: 1, ReluInput: 0, ReluOutput: 0, HasResidual: 0, ZeroPadTop: 1, ZeroPadBottom: 1, ZeroPadLeft: 1, ZeroPadRight: 1)", source, StringComparison.Ordinal);
        Assert.Contains(".AveragePool(new global::Xception.Compiler.Runtime.CompilerServices.AveragePoolShape(InHeight: 2, InWidth: 2, Channels: 4, OutHeight: 2, OutWidth: 2, PoolHeight: 2, PoolWidth: 2, StrideHeight: 2, StrideWidth: 2, PadTop: 0, PadLeft: 1, ZeroPadTop: 0, ZeroPadBottom: 1, ZeroPadLeft: 1, ZeroPadRight: 0)", source, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroPaddingWithTwoConsumers_IsAPaddedCopy_AsA1x1MaxPoolWithAZeroFrame()
    {
        PlanResult result = Plan("""
            { "name": "pad", "op": "zero_padding2d", "padding": [[1, 2], [0, 1]] },
            { "name": "a", "op": "conv2d", "filters": 2, "kernel": [1, 1], "use_bias": false },
            { "name": "b", "op": "conv2d", "filters": 2, "kernel": [1, 1], "use_bias": false, "inputs": ["pad"] },
            { "name": "sum", "op": "add", "inputs": ["a", "b"] }
            """, Kernel("a", 1, 1, 3, 2) + ", " + Kernel("b", 1, 1, 3, 2));

        Assert.Empty(result.Diagnostics);
        ExecutionPlan plan = result.Plan!;
        PlannedStep pad = plan.Steps[0];
        Assert.Equal(StepKind.ZeroPad, pad.Kind);
        Assert.Equal(new TensorShape(11, 8, 3, false), pad.Output);
        Assert.All(plan.Steps.Skip(1).Where(s => s.Kind == StepKind.Conv2D), s =>
        {
            Assert.Equal(pad.Slots.Destination, s.Slots.Source);
            Assert.Null(s.Fusion.ZeroPaddingLayer);
        });

        string source = ModelEmitter.Emit(plan);
        Assert.Contains("pad: zero padding (top 1 bottom 2, left 0 right 1) as a padded copy; 8×7×3 → 11×8×3", source, StringComparison.Ordinal);
        Assert.Contains("MaxPoolShape(InHeight: 8, InWidth: 7, Channels: 3, OutHeight: 11, OutWidth: 8, PoolHeight: 1, PoolWidth: 1, StrideHeight: 1, StrideWidth: 1, PadTop: 1, PadLeft: 0, "
            + "ReluInput: 0, ReluOutput: 0, HasResidual: 0, ZeroPadTop: 1, ZeroPadBottom: 2, ZeroPadLeft: 0, ZeroPadRight: 1)", source, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchNormWithoutScaleOrCenter_ExpectsOnlyItsSavedVariables_FoldsOnesAndZeros()
    {
        string Stats(string layer, bool gamma, bool beta)
        {
            var names = new[] { gamma ? "gamma" : null, beta ? "beta" : null, "moving_mean", "moving_variance" }.Where(n => n is not null);
            return "{ \"name\": \"" + layer + "\", \"weights\": [" + string.Join(", ", names.Select(n => "{ \"path\": \"" + layer + "/" + n + ":0\", \"shape\": [2], \"dtype\": \"float32\" }")) + "] }";
        }

        const string layers = """
            { "name": "conv", "op": "conv2d", "filters": 2, "kernel": [3, 3], "use_bias": false },
            { "name": "bn1", "op": "batch_norm", "scale": false },
            { "name": "act", "op": "relu" },
            { "name": "bn2", "op": "batch_norm", "center": false, "scale": false }
            """;
        PlanResult result = Plan(layers, Kernel("conv", 3, 3, 3, 2) + ", " + Stats("bn1", false, true) + ", " + Stats("bn2", false, false));

        Assert.Empty(result.Diagnostics);
        ExecutionPlan plan = result.Plan!;
        Assert.Equal(new[] { "beta", "moving_mean", "moving_variance" }, plan.Weights[1].Datasets.Select(d => d.Variable));
        Assert.Equal(new[] { "moving_mean", "moving_variance" }, plan.Weights[2].Datasets.Select(d => d.Variable));
        string source = ModelEmitter.Emit(plan);
        Assert.Contains("FoldBatchNormInPlace(kernel, 2, null, global::Xception.Compiler.Runtime.CompilerServices.WeightFolding.UnitScale(2), weights[1, 0], weights[1, 1], weights[1, 2], ", source, StringComparison.Ordinal);
        Assert.Contains("BatchNormScaleShift(global::Xception.Compiler.Runtime.CompilerServices.WeightFolding.UnitScale(2), new float[2], weights[2, 0], weights[2, 1], ", source, StringComparison.Ordinal);

        // A table that still holds gamma for the scale=False layer is a dataset-count mismatch naming the layer.
        PlanResult mismatch = Plan(layers, Kernel("conv", 3, 3, 3, 2) + ", " + Stats("bn1", true, true) + ", " + Stats("bn2", false, false));
        DiagnosticInfo error = Assert.Single(mismatch.Diagnostics);
        Assert.Equal(DiagnosticDescriptors.WeightDatasetCountMismatch.Id, error.Id);
        Assert.Equal("bn1", error.Arguments[0]);
    }

    [Theory]
    [InlineData("2", 2, 2, 2, 2)]
    [InlineData("[1, 3]", 1, 1, 3, 3)]
    [InlineData("[[0, 1], [2, 3]]", 0, 1, 2, 3)]
    public void ZeroPaddingForms_ParseToTopBottomLeftRight(string padding, int top, int bottom, int left, int right)
    {
        ParsedModel parsed = ModelParser.Parse("/t/p.xcs.json", "{ \"model\": \"P\", \"weights\": { \"table\": \"p.shapes.json\" }, \"layers\": ["
            + "{ \"name\": \"in\", \"op\": \"input\", \"shape\": [4, 4, 1] }, { \"name\": \"pad\", \"op\": \"zero_padding2d\", \"padding\": " + padding + " } ] }");

        Assert.Empty(parsed.Diagnostics);
        LayerPads pads = parsed.Spec!.Layers[1].Pads;
        Assert.Equal((top, bottom, left, right), (pads.Top, pads.Bottom, pads.Left, pads.Right));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("[1, 2, 3]")]
    [InlineData("[[1], [2, 3]]")]
    [InlineData("\"same\"")]
    public void ZeroPaddingInvalid_ReportsInvalidAttributeValue(string padding)
    {
        ParsedModel parsed = ModelParser.Parse("/t/p.xcs.json", "{ \"model\": \"P\", \"weights\": { \"table\": \"p.shapes.json\" }, \"layers\": ["
            + "{ \"name\": \"in\", \"op\": \"input\", \"shape\": [4, 4, 1] }, { \"name\": \"pad\", \"op\": \"zero_padding2d\", \"padding\": " + padding + " } ] }");

        DiagnosticInfo error = Assert.Single(parsed.Diagnostics);
        Assert.Equal(DiagnosticDescriptors.InvalidAttributeValue.Id, error.Id);
        Assert.Null(parsed.Spec);
    }
}
