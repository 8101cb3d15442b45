using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;

namespace Xception.Compiler.Tests.Generator;

/// <summary>Concatenate and Multiply through parser, planner (slices, the copy fallback, the buffer plan) and emitter.</summary>
public sealed class ConcatenatePlannerTests
{
    private static PlanResult Plan(string layers, params string[] tableLayers)
    {
        string description = "{ \"model\": \"CatNet\", \"weights\": { \"table\": \"cat.shapes.json\" }, \"layers\": [\n"
            + "{ \"name\": \"in\", \"op\": \"input\", \"shape\": [8, 8, 3] },\n" + layers + "] }";
        string table = "{ \"format\": \"xcs-shapes/1\", \"source\": \"cat.h5\", \"layout\": \"keras2\", \"layer_count\": 20, \"layers\": ["
            + string.Join(", ", tableLayers) + "] }";
        return ModelPlanner.Plan(ModelParser.Parse("/t/cat.xcs.json", description), new[] { WeightTableParser.Parse("/t/cat.shapes.json", table) }, GeneratorOptions.Default);
    }

    private static string Kernel(string layer, int k, int inC, int outC, bool bias = false) =>
        "{ \"name\": \"" + layer + "\", \"weights\": [ { \"path\": \"" + layer + "/kernel:0\", \"shape\": [" + k + ", " + k + ", " + inC + ", " + outC + "], \"dtype\": \"float32\" }"
        + (bias ? ", { \"path\": \"" + layer + "/bias:0\", \"shape\": [" + outC + "], \"dtype\": \"float32\" }" : string.Empty) + " ] }";

    // Inception's shape in small: 1x1; 1x1 -> 3x3 (relu after each); a bare max pool; then a 1x1 reading the concatenation.
    private const string InceptionBlock = """
        { "name": "b1", "op": "conv2d", "filters": 4, "kernel": [1, 1], "use_bias": false, "activation": "relu" },
        { "name": "b2a", "op": "conv2d", "inputs": ["in"], "filters": 2, "kernel": [1, 1], "use_bias": false, "activation": "relu" },
        { "name": "b2b", "op": "conv2d", "filters": 5, "kernel": [3, 3], "padding": "same", "use_bias": false },
        { "name": "b2b_relu", "op": "relu" },
        { "name": "b3", "op": "max_pool2d", "inputs": ["in"], "pool": [3, 3], "strides": [1, 1], "padding": "same" },
        { "name": "mixed", "op": "concatenate", "inputs": ["b1", "b2b_relu", "b3"] },
        { "name": "project", "op": "conv2d", "filters": 6, "kernel": [1, 1], "use_bias": false }

        """;

    private static readonly string[] InceptionTable =
    {
        // Keras order: by depth from the output, so the two-convolution branch loads first.
        Kernel("b2a", 1, 3, 2), Kernel("b2b", 3, 2, 5), Kernel("b1", 1, 3, 4), Kernel("project", 1, 12, 6),
    };

    [Fact]
    public void InceptionBlock_ConvolutionsWriteTheirSlices_ThePoolIsCopied_OneSlotHoldsTheConcatenation()
    {
        PlanResult result = Plan(InceptionBlock, InceptionTable);

        Assert.True(result.Diagnostics.Count == 0, Describe(result));
        ExecutionPlan plan = result.Plan!;
        PlannedStep b1 = plan.Steps.Single(s => s.Anchor == "b1");
        PlannedStep b2b = plan.Steps.Single(s => s.Anchor == "b2b");
        PlannedStep copy = plan.Steps.Single(s => s.Kind == StepKind.ChannelSlice);
        PlannedStep project = plan.Steps.Single(s => s.Anchor == "project");
        var joined = new TensorShape(8, 8, 12, false);
        Assert.Equal(new OutputSlice("mixed", 0, joined), b1.Slice);
        Assert.Equal(new OutputSlice("mixed", 4, joined), b2b.Slice);
        Assert.Equal(new OutputSlice("mixed", 9, joined), copy.Slice);
        Assert.Equal("b3", copy.SourceLayer);
        Assert.Null(plan.Steps.Single(s => s.Anchor == "b2a").Slice);

        // The three writers share the concatenation's slot, which the projection reads and nothing else writes meanwhile.
        int slot = b1.Slots.Destination;
        Assert.Equal(new[] { slot, slot, slot }, new[] { b1, b2b, copy }.Select(s => s.Slots.Destination));
        Assert.Equal(slot, project.Slots.Source);
        List<PlannedStep> steps = plan.Steps.ToList();
        int first = steps.FindIndex(s => s.Slots.Destination == slot);
        int last = steps.IndexOf(project);
        for (int i = first; i < last; i++)
        {
            PlannedStep s = steps[i];
            Assert.True(s.Slots.Destination != slot || s.Slice is not null, "step " + s.Number + " (" + s.Anchor + ") overwrites the concatenation");
        }

        Assert.Equal(8 * 8 * 12, plan.Slots[slot].FloatsPerImage);
        string code = ModelEmitter.Emit(plan);
        Assert.Contains("OutChannelOffset: 4, OutPixelStride: 12", code, StringComparison.Ordinal);
        Assert.Contains("ChannelSliceShape(Pixels: 64, Channels: 3, OutChannels: 12, OutChannelOffset: 9)", code, StringComparison.Ordinal);
        Assert.Contains("b2b: conv 3×3 same (pad top 1 bottom 1, left 1 right 1) 2→5, ReLU (b2b_relu), written into channels 4..8 of mixed (8×8×12)", code, StringComparison.Ordinal);
    }

    [Fact]
    public void ConvolutionReadByMoreThanTheConcatenation_OrWithAnEpilogueStep_IsCopiedIntoItsSlice()
    {
        PlanResult result = Plan("""
            { "name": "a", "op": "conv2d", "filters": 4, "kernel": [1, 1], "use_bias": false },
            { "name": "b", "op": "conv2d", "inputs": ["in"], "filters": 2, "kernel": [1, 1], "use_bias": true, "activation": "swish" },
            { "name": "mixed", "op": "concatenate", "inputs": ["a", "b"] },
            { "name": "sum", "op": "add", "inputs": ["mixed", "mixed2"] },
            { "name": "mixed2", "op": "concatenate", "inputs": ["b", "a"] }

            """, Kernel("a", 1, 3, 4), Kernel("b", 1, 3, 2, bias: true));

        Assert.Empty(result.Diagnostics);
        ExecutionPlan plan = result.Plan!;
        Assert.All(plan.Steps.Where(s => s.Kind == StepKind.Conv2D), s => Assert.Null(s.Slice));
        List<PlannedStep> copies = plan.Steps.Where(s => s.Kind == StepKind.ChannelSlice).ToList();
        Assert.Equal(
            new[] { ("mixed", 0, "a"), ("mixed", 4, "b"), ("mixed2", 0, "b"), ("mixed2", 2, "a") }.OrderBy(c => c),
            copies.Select(c => (c.Slice!.Layer, c.Slice.Offset, c.SourceLayer)).OrderBy(c => c));
    }

    [Fact]
    public void Multiply_ByA1x1xCScale_IsPerChannel_ByTheSameShape_IsElementwise()
    {
        PlanResult result = Plan("""
            { "name": "conv", "op": "conv2d", "filters": 4, "kernel": [3, 3], "padding": "same", "use_bias": false },
            { "name": "squeeze", "op": "global_avg_pool", "keepdims": true },
            { "name": "gate", "op": "activation", "activation": "sigmoid" },
            { "name": "excite", "op": "multiply", "inputs": ["conv", "gate"] },
            { "name": "square", "op": "multiply", "inputs": ["excite", "excite"] }

            """, Kernel("conv", 3, 3, 4));

        Assert.Empty(result.Diagnostics);
        ExecutionPlan plan = result.Plan!;
        PlannedStep excite = plan.Steps.Single(s => s.Anchor == "excite");
        PlannedStep square = plan.Steps.Single(s => s.Anchor == "square");
        Assert.Equal((StepKind.Multiply, true, "gate"), (excite.Kind, excite.BroadcastFactor, excite.Fusion.ResidualLayer));
        Assert.Equal((StepKind.Multiply, false), (square.Kind, square.BroadcastFactor));
        Assert.Equal(square.Slots.Source, square.Slots.Residual);
        string code = ModelEmitter.Emit(plan);
        Assert.Contains(".Multiply(new global::Xception.Compiler.Runtime.CompilerServices.MultiplyShape(Pixels: 64, Channels: 4, PerChannel: 1), batch, source: ", code, StringComparison.Ordinal);
        Assert.Contains("// [" + excite.Number + "] excite: conv × gate (per channel, over every pixel); 8×8×4 → 8×8×4", code, StringComparison.Ordinal);
    }

    private const string Pool = """{ "name": "p", "op": "max_pool2d", "pool": [2, 2] }, """;
    private const string SamePool = """{ "name": "p", "op": "max_pool2d", "pool": [3, 3], "strides": [1, 1], "padding": "same" }, """;

    [Theory]
    [InlineData(Pool + """{ "name": "m", "op": "concatenate", "inputs": ["c", "p"] }""", "XCS0032", "'c' is (8, 8, 4) but 'p' is (4, 4, 4)")]
    [InlineData(SamePool + """{ "name": "m", "op": "concatenate", "inputs": ["c", "p"], "axis": 2 }""", "XCS0032", "axis 2 is not the channel axis")]
    [InlineData(Pool + """{ "name": "m", "op": "multiply", "inputs": ["c", "p"] }""", "XCS0033", "'c' is (8, 8, 4) but 'p' is (4, 4, 4)")]
    [InlineData("""{ "name": "g", "op": "global_avg_pool", "inputs": ["in"], "keepdims": true }, { "name": "m", "op": "multiply", "inputs": ["c", "g"] }""",
        "XCS0033", "'g' is (1, 1, 3)")]
    [InlineData("""{ "name": "m", "op": "multiply", "inputs": ["c", "c", "c"] }""", "XCS0004", "exactly 2 layer names")]
    [InlineData("""{ "name": "m", "op": "concatenate", "inputs": ["c"] }""", "XCS0004", "at least 2 layer names")]
    public void InvalidConcatenateOrMultiply_ReportsItsDiagnostic(string layers, string id, string message)
    {
        PlanResult result = Plan("""
            { "name": "c", "op": "conv2d", "filters": 4, "kernel": [3, 3], "padding": "same", "use_bias": false },

            """ + layers + "\n", Kernel("c", 3, 3, 4));

        Assert.True(result.Diagnostics.Count(d => d.Id == id) == 1, Describe(result));
        Assert.Contains(message, Describe(result), StringComparison.Ordinal);
        Assert.Null(result.Plan);
    }

    private static string Describe(PlanResult result) => string.Join("\n", result.Diagnostics.Select(d => d.Id + ": " + string.Format(
        System.Globalization.CultureInfo.InvariantCulture,
        DiagnosticDescriptors.Get(d.Id).MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Arguments.ToArray<object>())));
}
