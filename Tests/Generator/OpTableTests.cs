using System;
using System.Linq;
using System.Text.Json;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>The one op table, against the schema users' editors check with and the Keras classes of the official weight file.</summary>
public sealed class OpTableTests
{
    [Fact]
    public void OpNames_AreTheSchemaOpEnum_OneRowPerOp()
    {
        using JsonDocument schema = JsonDocument.Parse(RepoFiles.Read("model.xcs.schema.json"));
        string[] schemaOps = schema.RootElement.GetProperty("definitions").GetProperty("layer").GetProperty("properties")
            .GetProperty("op").GetProperty("enum").EnumerateArray().Select(v => v.GetString()!).ToArray();

        Assert.Equal(schemaOps, OpTable.All.Select(o => o.Name));
        Assert.Equal(
            Enum.GetValues<LayerOp>().Where(o => o != LayerOp.Unknown).OrderBy(o => o),
            OpTable.All.Select(o => o.Op).OrderBy(o => o));
    }

    [Fact]
    public void TryFind_EveryName_GivesItsOp_AndOtherNamesGiveUnknown()
    {
        foreach (OpInfo info in OpTable.All)
        {
            Assert.True(OpTable.TryFind(info.Name, out LayerOp op));
            Assert.Equal(info.Op, op);
            Assert.Same(info, OpTable.Get(op));
        }

        Assert.False(OpTable.TryFind("SeparableConv2D", out LayerOp unknown));
        Assert.Equal(LayerOp.Unknown, unknown);
        Assert.Equal("unknown", OpTable.Get(LayerOp.Unknown).Name);
    }

    [Fact]
    public void WeightedLayers_KerasClasses_AreTheClassesTheOfficialFileStoresInOrder()
    {
        string tableText = RepoFiles.Read("xception_weights_tf_dim_ordering_tf_kernels.shapes.json");
        ParsedModel parsed = ModelParser.Parse(RepoFiles.PathOf(ModelFiles.Full), RepoFiles.Read(ModelFiles.Full));
        ParsedWeightTable table = WeightTableParser.Parse(RepoFiles.PathOf("xception_weights_tf_dim_ordering_tf_kernels.shapes.json"), tableText);
        PlanResult result = ModelPlanner.Plan(parsed, new[] { table }, GeneratorOptions.Default);

        // The runtime names each file layer's class from its dataset names alone (Keras-1 '_W', '_running_std', ...).
        string[] fromFile = ShapeTable.Parse(tableText).Layers.Select(l => l.KerasClass ?? "(no class)").ToArray();
        Assert.Empty(result.Diagnostics);
        Assert.Equal(fromFile, result.Plan!.Weights.Select(w => w.KerasClass));
        Assert.Equal(81, parsed.Spec!.Layers.Count(l => l.HasWeights));
    }

    [Fact]
    public void UnknownOp_MessageListsEveryOpSorted()
    {
        const string text = """
            { "model": "Tiny", "weights": { "table": "t.shapes.json" },
              "layers": [ { "name": "in", "op": "input", "shape": [8, 8, 3] }, { "name": "g", "op": "gelu" } ] }
            """;
        DiagnosticInfo d = ModelParser.Parse("/t.xcs.json", text).Diagnostics.Single(d => d.Id == DiagnosticDescriptors.UnknownOp.Id);

        Assert.Equal(
            new[] { "g", "gelu", "activation, add, avg_pool2d, batch_norm, concatenate, conv2d, dense, depthwise_conv2d, elu, flatten, global_avg_pool, global_max_pool, input, leaky_relu, max_pool2d, multiply, normalization, relu, rescaling, reshape, separable_conv2d, softmax, zero_padding2d" },
            d.Arguments);
    }
}
