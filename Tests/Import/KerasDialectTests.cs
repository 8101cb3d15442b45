using System;
using System.Linq;
using System.Text.Json.Nodes;
using Xception.Compiler.Runtime.Import;

namespace Xception.Compiler.Tests.Import;

/// <summary>
/// The config dialects of fixtures/KERAS_FORMATS.md that the file fixtures do not cover, read and flattened
/// without weights: each case is written as the named Keras version serializes it.
/// </summary>
public sealed class KerasDialectTests
{
    private const string Conv = """{"filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "use_bias": false, "activation": "linear", "data_format": "channels_last"}""";

    [Fact]
    public void TfKerasSequentialDict_WithInputLayerEntry_ReluAndLinearLayers()
    {
        // tf.keras 2.x Sequential.get_config: a dict whose layers start with the InputLayer.
        string model = """
            {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 16, 12, 1], "dtype": "float32", "sparse": false, "ragged": false, "name": "gray"}},
              {"class_name": "Conv2D", "config": {"name": "c", "trainable": true, "dtype": "float32", "filters": 4, "kernel_size": [3, 3], "strides": [2, 2], "padding": "valid", "activation": "relu", "use_bias": true}},
              {"class_name": "ReLU", "config": {"name": "r", "max_value": null, "negative_slope": 0.0, "threshold": 0.0}},
              {"class_name": "Activation", "config": {"name": "lin", "activation": "linear"}},
              {"class_name": "GaussianNoise", "config": {"name": "noise", "stddev": 0.1}},
              {"class_name": "GlobalMaxPooling2D", "config": {"name": "gmp", "data_format": "channels_last", "keepdims": false}},
              {"class_name": "Dense", "config": {"name": "d", "units": 3, "activation": "relu", "use_bias": false}}]}}
            """;

        Assert.Equal(
            new[] { "gray:input:", "c:conv2d:gray", "c_relu:relu:c", "r:relu:c_relu", "gmp:global_max_pool:r", "d:dense:gmp" },
            Flatten(model));
    }

    [Fact]
    public void Keras3Sequential_WithNestedFunctionalBase_InlinesTheBase()
    {
        // Keras 3: Sequential([Input, base, GlobalAveragePooling2D(), Dense]) with the base a Functional.
        string model = """
            {"module": "keras", "class_name": "Sequential", "registered_name": null, "config": {"name": "sequential", "trainable": true,
              "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
              "layers": [
                {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null, "config": {"batch_shape": [null, 8, 8, 3], "dtype": "float32", "sparse": false, "name": "input_layer"}},
                {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional", "config": {"name": "base", "trainable": false,
                  "layers": [
                    {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null, "config": {"batch_shape": [null, null, null, 3], "dtype": "float32", "name": "base_in"}, "name": "base_in", "inbound_nodes": []},
                    {"module": "keras.layers", "class_name": "Conv2D", "registered_name": null, "config": CONV, "name": "base_conv",
                     "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 8, 8, 3], "dtype": "float32", "keras_history": ["base_in", 0, 0]}}], "kwargs": {}}]},
                    {"module": "keras.layers", "class_name": "Add", "registered_name": null, "config": {"name": "base_add", "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}}, "name": "base_add",
                     "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"keras_history": ["base_conv", 0, 0]}}, {"class_name": "__keras_tensor__", "config": {"keras_history": ["base_conv", 0, 0]}}]], "kwargs": {}}]}],
                  "input_layers": ["base_in", 0, 0], "output_layers": ["base_add", 0, 0]}},
                {"module": "keras.layers", "class_name": "GlobalAveragePooling2D", "registered_name": null, "config": {"name": "gap", "keepdims": false}},
                {"module": "keras.layers", "class_name": "Dense", "registered_name": null, "config": {"name": "head", "units": 2, "activation": "softmax", "use_bias": true}}]}}
            """.Replace("CONV", Conv.Replace("{", "{\"name\": \"base_conv\", ", StringComparison.Ordinal), StringComparison.Ordinal);

        Assert.Equal(
            new[] { "input_layer:input:", "base_conv:conv2d:input_layer", "base_add:add:base_conv,base_conv", "gap:global_avg_pool:base_add", "head:dense:gap" },
            Flatten(model));
    }

    [Fact]
    public void Keras2ReferencesWithoutKwargs_AndNestedSequential_AreRead()
    {
        // Three-element node references (accepted by Keras 3's deserialize_node); a Sequential used as a layer.
        string model = """
            {"class_name": "Model", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 3], "dtype": "float32", "name": "in"}, "name": "in", "inbound_nodes": []},
              {"class_name": "Sequential", "name": "stack", "config": [
                {"class_name": "Conv2D", "config": CONV},
                {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.5}},
                {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3], "epsilon": 0.002, "center": true, "scale": true}}],
               "inbound_nodes": [[["in", 0, 0]]]},
              {"class_name": "MaxPooling2D", "config": {"name": "pool", "pool_size": [2, 2], "strides": null, "padding": "valid"}, "name": "pool", "inbound_nodes": [[["stack", 1, 0]]]}],
             "input_layers": [["in", 0, 0]], "output_layers": [["pool", 0, 0]]}}
            """.Replace("CONV", Conv.Replace("{", "{\"name\": \"conv\", ", StringComparison.Ordinal), StringComparison.Ordinal);

        Assert.Equal(new[] { "in:input:", "conv:conv2d:in", "bn:batch_norm:conv", "pool:max_pool2d:bn" }, Flatten(model));
    }

    [Fact]
    public void PreprocessingInsideTheModel_AugmentationDropped_RescalingNormalizationReshapeKeepdimsMapped()
    {
        // Keras 3 Sequential as the flower tutorials build it: a nested augmentation block, then the preprocessing layers.
        string model = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 8, 8, 3], "name": "in"}},
              {"class_name": "Sequential", "config": {"name": "data_augmentation", "layers": [
                {"class_name": "RandomFlip", "config": {"name": "flip", "mode": "horizontal"}},
                {"class_name": "RandomRotation", "config": {"name": "rotate", "factor": 0.1}}]}},
              {"class_name": "Rescaling", "config": {"name": "scale", "scale": 0.00392156862745098, "offset": 0.0}},
              {"class_name": "Normalization", "config": {"name": "norm", "axis": [-1], "invert": false, "mean": [0.485, 0.456, 0.406], "variance": [0.052, 0.05, 0.051]}},
              {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap", "keepdims": true}},
              {"class_name": "Reshape", "config": {"name": "squeeze", "target_shape": [3]}}]}}
            """;

        Assert.Equal(new[] { "in:input:", "scale:rescaling:in", "norm:normalization:scale", "gap:global_avg_pool:norm", "squeeze:reshape:gap" }, Flatten(model));
    }

    [Fact]
    public void InvertedNormalization_IsRefused()
    {
        string model = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 8, 8, 3], "name": "in"}},
              {"class_name": "Normalization", "config": {"name": "norm", "axis": [-1], "invert": true, "mean": null, "variance": null}}]}}
            """;

        var e = Assert.Throws<ModelImportException>(() => Flatten(model));
        Assert.Equal("Model file 'test.json': layer 'norm' (Normalization) has invert true; only invert false can be compiled.", e.Message);
    }

    [Fact]
    public void SharedLayer_IsRefused()
    {
        string model = """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 3], "name": "in"}, "name": "in", "inbound_nodes": []},
              {"class_name": "ReLU", "config": {"name": "twice"}, "name": "twice", "inbound_nodes": [[["in", 0, 0, {}]], [["twice", 0, 0, {}]]]}],
             "input_layers": [["in", 0, 0]], "output_layers": [["twice", 1, 0]]}}
            """;

        var e = Assert.Throws<ModelImportException>(() => Flatten(model));
        Assert.Equal("Model file 'test.json': layer 'twice' (ReLU) is called 2 times (a shared layer); each layer of a description computes once.", e.Message);
    }

    [Fact]
    public void DynamicInputSize_IsRefused()
    {
        string model = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, null, null, 3], "name": "in"}},
              {"class_name": "ReLU", "config": {"name": "r"}}]}}
            """;

        var e = Assert.Throws<ModelImportException>(() => Flatten(model));
        Assert.Contains("layer 'in' (InputLayer) has input shape [null,null,null,3]; a description needs a static [batch, height, width, channels] input", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClippedRelu_KeepsMaxValueSlopeAndThreshold_AsReluAttributes()
    {
        string model = """
            {"class_name": "Sequential", "config": [
              {"class_name": "ReLU", "config": {"name": "relu6", "batch_input_shape": [null, 4, 4, 3], "max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}}]}
            """;

        KerasGraph graph = KerasConfigReader.Read((JsonObject)JsonNode.Parse(model)!, "test.json");
        DescriptionLayer relu = GraphFlattener.Flatten(graph, "test.json").Single(l => l.Name == "relu6");
        Assert.Equal("relu", relu.Op);
        Assert.Equal(new[] { "max_value=6", "negative_slope=0.1", "threshold=0.5" }, relu.Attributes.Select(a => a.Name + "=" + a.Value));
    }

    [Fact]
    public void SubclassedModel_IsRefused()
    {
        var e = Assert.Throws<ModelImportException>(() => Flatten("""{"class_name": "MyNet", "config": {}}"""));
        Assert.Contains("only Functional (Model) and Sequential models can be imported", e.Message, StringComparison.Ordinal);
    }

    private static string[] Flatten(string modelJson)
    {
        KerasGraph graph = KerasConfigReader.Read((JsonObject)JsonNode.Parse(modelJson)!, "test.json");
        return GraphFlattener.Flatten(graph, "test.json").Select(l => l.Name + ":" + l.Op + ":" + string.Join(",", l.Inputs)).ToArray();
    }
}
