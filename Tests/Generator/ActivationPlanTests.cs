using System;
using System.Linq;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;

namespace Xception.Compiler.Tests.Generator;

/// <summary>How activation functions are parsed, planned (epilogue in place, or a step of their own) and emitted.</summary>
public sealed class ActivationPlanTests
{
    private const string Description = """
        { "model": "ActNet", "weights": { "table": "act.shapes.json" },
          "layers": [
            { "name": "in", "op": "input", "shape": [8, 8, 3] },
            { "name": "conv1", "op": "conv2d", "filters": 4, "kernel": [3, 3], "padding": "same", "use_bias": false, "activation": "swish" },
            { "name": "bn1", "op": "batch_norm" },
            { "name": "lrelu", "op": "leaky_relu", "alpha": 0.1 },
            { "name": "conv2", "op": "conv2d", "filters": 4, "kernel": 1, "use_bias": false },
            { "name": "bn2", "op": "batch_norm" },
            { "name": "relu6", "op": "relu", "max_value": 6 },
            { "name": "conv3", "op": "conv2d", "filters": 4, "kernel": 1, "use_bias": false, "activation": "relu" },
            { "name": "add", "op": "add", "inputs": ["conv3", "relu6"] },
            { "name": "act_gelu", "op": "activation", "activation": "gelu" },
            { "name": "pool", "op": "global_avg_pool" },
            { "name": "dense", "op": "dense", "units": 2, "activation": "selu" } ] }
        """;

    private const string Table = """
        { "format": "xcs-shapes/1", "source": "act.h5", "layout": "keras2", "layer_count": 12, "layers": [
          { "name": "conv1", "weights": [ { "path": "conv1/conv1/kernel:0", "shape": [3, 3, 3, 4], "dtype": "float32" } ] },
          { "name": "bn1", "weights": [ { "path": "bn1/bn1/gamma:0", "shape": [4], "dtype": "float32" }, { "path": "bn1/bn1/beta:0", "shape": [4], "dtype": "float32" },
                                        { "path": "bn1/bn1/moving_mean:0", "shape": [4], "dtype": "float32" }, { "path": "bn1/bn1/moving_variance:0", "shape": [4], "dtype": "float32" } ] },
          { "name": "conv2", "weights": [ { "path": "conv2/conv2/kernel:0", "shape": [1, 1, 4, 4], "dtype": "float32" } ] },
          { "name": "bn2", "weights": [ { "path": "bn2/bn2/gamma:0", "shape": [4], "dtype": "float32" }, { "path": "bn2/bn2/beta:0", "shape": [4], "dtype": "float32" },
                                        { "path": "bn2/bn2/moving_mean:0", "shape": [4], "dtype": "float32" }, { "path": "bn2/bn2/moving_variance:0", "shape": [4], "dtype": "float32" } ] },
          { "name": "conv3", "weights": [ { "path": "conv3/conv3/kernel:0", "shape": [1, 1, 4, 4], "dtype": "float32" } ] },
          { "name": "dense", "weights": [ { "path": "dense/dense/kernel:0", "shape": [4, 2], "dtype": "float32" },
                                          { "path": "dense/dense/bias:0", "shape": [2], "dtype": "float32" } ] } ] }
        """;

    private static ExecutionPlan Plan()
    {
        PlanResult result = ModelPlanner.Plan(ModelParser.Parse("/t/act.xcs.json", Description), new[] { WeightTableParser.Parse("/t/act.shapes.json", Table) }, GeneratorOptions.Default);
        Assert.Empty(result.Diagnostics);
        return result.Plan!;
    }

    [Fact]
    public void Parse_ActivationLayers_AreOneOpWithTheirKerasParameters_PlainReluKeepsItsOp()
    {
        ModelSpec spec = ModelParser.Parse("/t/act.xcs.json", Description).Spec!;
        LayerSpec Layer(string name) => spec.Layers.Single(l => l.Name == name);

        Assert.Equal(new ActivationSpec(ActivationKind.Swish), Layer("conv1").Function);
        Assert.Equal((LayerOp.Activation, ActivationSpec.ReluWith(0.1, double.PositiveInfinity, 0)), (Layer("lrelu").Op, Layer("lrelu").Function));
        Assert.Equal((LayerOp.Activation, ActivationSpec.ReluWith(0, 6, 0)), (Layer("relu6").Op, Layer("relu6").Function));
        Assert.Equal((LayerOp.Activation, new ActivationSpec(ActivationKind.Gelu)), (Layer("act_gelu").Op, Layer("act_gelu").Function));
        Assert.True(Layer("conv3").Function.IsPlainRelu);
        Assert.Equal((DenseActivation.Linear, new ActivationSpec(ActivationKind.Selu)), (Layer("dense").Activation, Layer("dense").Function));
    }

    [Fact]
    public void Plan_SingleConsumerActivations_RunInPlaceAfterTheirStep_ReluWithMaxAndSwishInTheStore_OthersOutOfPlace_DenseTakesItsOwn()
    {
        ExecutionPlan plan = Plan();
        Assert.Equal(
            new[]
            {
                StepKind.Conv2D, StepKind.Elementwise, StepKind.Activation, StepKind.Conv2D,
                StepKind.Conv2D, StepKind.Elementwise, StepKind.Activation, StepKind.GlobalPool, StepKind.Dense,
            },
            plan.Steps.Select(s => s.Kind));
        PlannedStep[] s = plan.Steps.ToArray();

        // conv1's own swish runs in conv1's store: no BN folds past it, bn1 becomes scale/shift, and the leaky ReLU its epilogue.
        Assert.Null(s[0].Fusion.BatchNormLayer);
        Assert.Equal(("conv1", ActivationKind.Swish, (string?)null), (s[0].OutputLayer, s[0].Fusion.StoreFunction.Kind, s[0].Fusion.StoreFunctionLayer));
        Assert.Equal(s[0].Slots.Destination, s[1].Slots.Source);
        Assert.Equal(("bn1", "lrelu", true), (s[1].Fusion.BatchNormLayer, s[2].Anchor, s[2].InPlace));
        Assert.True(s[2].Fusion.StoreFunction.IsLinear);

        // bn2 folds into conv2, and the relu6 after it is clamped in conv2's store (no step of its own) even though it has two readers.
        Assert.Equal(("bn2", "relu6", "relu6", true, 6.0), (s[3].Fusion.BatchNormLayer, s[3].OutputLayer, s[3].Fusion.ReluOutputLayer, s[3].Fusion.ReluOutput, s[3].Fusion.ReluMax));

        // conv3's relu is its ReLU flag (unbounded); the add's producer cannot take the gelu, so it reads the sum out of place.
        Assert.Equal((true, false), (s[4].Fusion.ReluOutput, s[4].Fusion.HasReluMax));
        Assert.Equal(("act_gelu", false), (s[6].Anchor, s[6].InPlace));
        Assert.NotEqual(s[6].Slots.Source, s[6].Slots.Destination);

        // The dense layer's selu is taken on its float64 sums, in the dense step itself.
        Assert.Equal(("dense", ActivationKind.Selu), (s[8].OutputLayer, s[8].Function.Kind));
        Assert.Equal(plan.OutputSlot, s[8].Slots.Destination);
    }

    [Fact]
    public void Emit_ActivationSteps_CallTheBackendWithTheFunctionAndParameterBits()
    {
        string source = ModelEmitter.Emit(Plan());

        Assert.Contains("ReluOutput: 0, HasResidual: 0, Activation: (int)global::Xception.Compiler.Runtime.CompilerServices.ActivationFunction.Swish);", source, StringComparison.Ordinal);
        Assert.DoesNotContain("ActivationFunction.Swish), batch", source, StringComparison.Ordinal);
        Assert.Contains("ReluOutput: 1, HasResidual: 0, ReluMax: global::System.BitConverter.SingleToInt32Bits(6f));", source, StringComparison.Ordinal);
        Assert.Contains("BN bn2 folded, ReLU6 in the store (relu6);", source, StringComparison.Ordinal);
        Assert.DoesNotContain("ActivationFunction.Relu, Parameter1: global::System.BitConverter.SingleToInt32Bits(6f))", source, StringComparison.Ordinal);
        Assert.Contains("ActivationFunction.Relu, Parameter0: global::System.BitConverter.SingleToInt32Bits(0.1f), Parameter1: global::System.BitConverter.SingleToInt32Bits(float.PositiveInfinity))", source, StringComparison.Ordinal);
        Assert.Contains(", + swish in the store; 8×8×3 → 8×8×4", source, StringComparison.Ordinal);
        Assert.Contains("// [7] act_gelu: gelu; 8×8×4 → 8×8×4", source, StringComparison.Ordinal);
        Assert.Contains("ReluInput: 0, ReluOutput: 0, Activation: (int)global::Xception.Compiler.Runtime.CompilerServices.ActivationFunction.Selu), batch,", source, StringComparison.Ordinal);
        Assert.Contains("// [9] dense: dense 4→2, bias, selu;", source, StringComparison.Ordinal);
    }
}
