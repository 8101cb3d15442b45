using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Xception.Compiler.Runtime.Import;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Import;

/// <summary>
/// A model the description language cannot express: one line naming the layer, its class and what is
/// supported, and no file written. The cases are edits of the fixture's tf-keras to_json file.
/// </summary>
public sealed class ImportErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("xcs-import-errors-").FullName;

    [Fact]
    public void UnsupportedLayer_OneLineNamingLayerClassAndSupported_WritesNothing()
    {
        string message = ImportFails(model => Outer(model, "global_average_pooling2d")["class_name"] = "Conv3D");

        Assert.StartsWith("Model file '", message, StringComparison.Ordinal);
        Assert.Contains("layer 'global_average_pooling2d' (Conv3D) cannot be compiled. Supported layers: Activation, Add, AveragePooling2D, BatchNormalization,", message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedLayerInsideNestedBase_IsNamed()
    {
        string message = ImportFails(model =>
        {
            JsonObject inner = Inner(model, "block3_pool");
            inner["class_name"] = "UpSampling2D";
        });

        Assert.Contains("layer 'block3_pool' (UpSampling2D) cannot be compiled.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestedBaseCalledWithTrainingTrue_IsReported()
    {
        string message = ImportFails(model => Outer(model, "xception")["inbound_nodes"] = JsonNode.Parse("""[[["input_2", 0, 0, {"training": true}]]]"""));

        Assert.Contains("layer 'xception' (Functional) is called with training=True", message, StringComparison.Ordinal);
    }

    [Fact]
    public void MixedFloat16Policy_IsReported()
    {
        string message = ImportFails(model => ((JsonObject)Outer(model, "dense")["config"]!)["dtype"] =
            JsonNode.Parse("""{"class_name": "Policy", "config": {"name": "mixed_float16"}}"""));

        Assert.Contains("layer 'dense' (Dense) cannot be compiled: compute dtype 'mixed_float16' is not supported (only float32", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DenseCustomActivation_NamesTheLayerTheFunctionAndTheSupportedOnes()
    {
        string message = ImportFails(model => ((JsonObject)Outer(model, "dense")["config"]!)["activation"] = "my_swish");

        Assert.DoesNotContain('\n', message);
        Assert.EndsWith("layer 'dense' (Dense) cannot be compiled: activation 'my_swish' has no description (supported: "
            + "elu, gelu, hard_sigmoid, leaky_relu, linear, relu, relu6, selu, sigmoid, silu, softmax, swish, tanh).", message, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomActivationLayer_Keras3FunctionObject_IsRefusedByItsRegisteredName()
    {
        string message = ImportFails(model => ((JsonObject)Outer(model, "dense")["config"]!)["activation"] =
            JsonNode.Parse("""{"module": null, "class_name": "function", "config": "MyPackage>mish", "registered_name": "function"}"""));

        Assert.Contains("layer 'dense' (Dense) cannot be compiled: activation 'MyPackage>mish' has no description (supported: elu,", message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawTensorFlowOp_IsRefusedByName()
    {
        string message = ImportFails(model =>
        {
            JsonObject gap = Outer(model, "global_average_pooling2d");
            gap["class_name"] = "TFOpLambda";
            ((JsonObject)gap["config"]!)["function"] = "math.reduce_mean";
        });

        Assert.Contains("layer 'global_average_pooling2d' (TFOpLambda) cannot be compiled: the model applies raw TensorFlow ops ('math.reduce_mean')", message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainingOnlySettings_AreIgnoredSilently()
    {
        // The fixture carries regularizers, initializers, trainable flags and a float32 dtype: importing works.
        string path = Path.Combine(_directory, "model.json");
        File.WriteAllText(path, File.ReadAllText(TestPaths.Fixture("import/transfer_tojson.json")));
        ImportResult result = ModelImporter.Import(new ImportRequest(path, _directory, WeightsPath: TestPaths.Fixture("import/transfer_flat_weights.h5")));
        Assert.True(File.Exists(result.DescriptionPath));
        Assert.True(File.Exists(result.ShapeTablePath));
    }

    [Fact]
    public void ToJsonWithoutWeights_AsksForWeights_WritesNothing()
    {
        string output = Path.Combine(_directory, "out");
        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/transfer_tojson.json"), output)));
        Assert.Contains("pass the weight file with --weights", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void WeightsOfAnotherModel_ExplainTheMismatch_WriteNothing()
    {
        string output = Path.Combine(_directory, "out");
        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(new ImportRequest(
            TestPaths.Fixture("import/transfer_tojson.json"), output, WeightsPath: TestPaths.Fixture("import/sequential_keras208.h5"))));
        Assert.Contains("where the flattened model has 81 layers with weights", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    private string ImportFails(Action<JsonObject> edit)
    {
        var model = (JsonObject)JsonNode.Parse(File.ReadAllText(TestPaths.Fixture("import/transfer_tojson.json")))!;
        edit(model);
        string path = Path.Combine(_directory, "edited.json");
        File.WriteAllText(path, model.ToJsonString());
        string output = Path.Combine(_directory, "out");
        Directory.CreateDirectory(output);

        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(new ImportRequest(path, output, WeightsPath: TestPaths.Fixture("import/transfer_flat_weights.h5"))));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
        return e.Message;
    }

    private static JsonObject Outer(JsonObject model, string name) => Find(model["config"]!["layers"]!.AsArray(), name);

    private static JsonObject Inner(JsonObject model, string name) => Find(Outer(model, "xception")["config"]!["layers"]!.AsArray(), name);

    private static JsonObject Find(JsonArray layers, string name) => layers.Cast<JsonObject>().Single(l => (string?)l["name"] == name);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
