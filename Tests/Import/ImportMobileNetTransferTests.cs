using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json.Nodes;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Import;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Import;

/// <summary>
/// Transfer-learning models built on MobileNet V1/V2 as users bring them (Tests/Fixtures/tools/make_import_fixtures.py
/// --only mobilenet_apps): a Teachable-Machine-shaped export (a Functional MobileNet inside a Sequential inside a
/// Sequential, beside a Sequential head) and a MobileNetV2 base in a Functional model, saved by tf.keras 2.x and Keras 3.
/// Each imports, compiles with zero diagnostics and matches its float64 reference within 1e-5 on both CPU backends.
/// </summary>
public sealed class ImportMobileNetTransferTests(ITestOutputHelper output) : IDisposable
{
    private const string TeachableMachine = "import/tm_mobilenet_v1_tfkeras.h5";
    private readonly string _directory = Directory.CreateTempSubdirectory("xcs-import-mobilenet-").FullName;

    public static TheoryData<string, string, string, Backend> Cases()
    {
        var cases = new TheoryData<string, string, string, Backend>();
        foreach (Backend backend in new[] { Backend.Cpu, Backend.IlgpuCpu })
        {
            cases.Add(TeachableMachine, "import/tm_input.npy", "import/tm_expected.npy", backend);
            cases.Add("import/tm2_mobilenet_v2_tfkeras.h5", "import/tm2_input.npy", "import/tm2_expected.npy", backend);
            cases.Add("import/mnv2_transfer_tfkeras215.h5", "import/mnv2_input.npy", "import/mnv2_expected.npy", backend);
            cases.Add("import/mnv2_transfer_keras3.keras", "import/mnv2_input.npy", "import/mnv2_expected.npy", backend);

            // The same export shape with the base in Keras 2.1's layout (ZeroPadding2D(1) before every 'valid' depthwise conv, Activation('relu6')).
            cases.Add("import/tm_keras21_mobilenet_v1_tfkeras.h5", "import/tm_keras21_input.npy", "import/tm_keras21_expected.npy", backend);

            // MobileNet V1 with its own top saved alone: GAP keepdims, Dropout, conv_preds, Reshape((classes,)), softmax.
            cases.Add("import/mobilenet_v1_top_tfkeras215.h5", "import/mobilenet_v1_top_input.npy", "import/mobilenet_v1_top_expected.npy", backend);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MobileNetTransferModel_CompilesWithoutDiagnostics_MatchesFloat64ReferenceWithin1e5(string model, string input, string expected, Backend backend)
    {
        ImportResult imported = ModelImporter.Import(new ImportRequest(TestPaths.Fixture(model), _directory));

        using ImportedModel compiled = ImportedModel.Compile(imported);
        Assert.Empty(compiled.Diagnostics);
        using var instance = (IDisposable)compiled.Load(TestPaths.Fixture(model), new InferenceOptions { Backend = backend, MaxBatch = 2 });
        NpyArray x = NpyFile.Read(TestPaths.Fixture(input));
        NpyArray reference = NpyFile.Read(TestPaths.Fixture(expected));
        float[] probabilities = ((ICompiledModel)instance).Predict(x.Data);

        Assert.Equal(reference.Data.Length, probabilities.Length);
        double worst = reference.Data.Zip(probabilities, (e, a) => Math.Abs((double)e - a)).Max();
        output.WriteLine(FormattableString.Invariant($"{model} on {backend}: {imported.LayerCount} layers, {imported.WeightedLayerCount} with weights, largest absolute error {worst:E3}"));
        Assert.True(worst <= 1e-5, FormattableString.Invariant($"largest absolute error {worst:E3} > 1e-5"));
    }

    [Fact]
    public void TeachableMachineExport_FlattensBothNestedSequentials_AndReadsTheIndexedLabels()
    {
        ImportResult imported = ModelImporter.Import(new ImportRequest(TestPaths.Fixture(TeachableMachine), _directory, LabelsPath: TestPaths.Fixture("import/tm_labels.txt")));
        string[] layers = Layers(imported);

        // The outer Sequential's input, then model1's layers (its own input bound to it), Flatten, the head's two Dense.
        Assert.Equal("{ \"name\": \"sequential_1_input\", \"op\": \"input\", \"shape\": [96, 96, 3] },", layers[0]);
        Assert.Equal("{ \"name\": \"conv1\", \"op\": \"conv2d\", \"filters\": 8, \"kernel\": [3, 3], \"strides\": [2, 2], \"padding\": \"same\", \"use_bias\": false },", layers[1]);
        Assert.Contains("{ \"name\": \"conv1_relu\", \"op\": \"relu\", \"max_value\": 6 },", layers);
        Assert.Contains("{ \"name\": \"conv_pad_2\", \"op\": \"zero_padding2d\", \"padding\": [[0, 1], [0, 1]] },", layers);
        Assert.Contains("{ \"name\": \"conv_dw_2\", \"op\": \"depthwise_conv2d\", \"kernel\": [3, 3], \"strides\": [2, 2], \"padding\": \"valid\", \"use_bias\": false },", layers);
        Assert.Equal(
            new[]
            {
                "{ \"name\": \"conv_pw_13_relu\", \"op\": \"relu\", \"max_value\": 6 },",
                "{ \"name\": \"flatten_Flatten1\", \"op\": \"flatten\" },",
                "{ \"name\": \"dense_Dense1\", \"op\": \"dense\", \"units\": 100, \"use_bias\": true, \"activation\": \"relu\" },",
                "{ \"name\": \"dense_Dense2\", \"op\": \"dense\", \"units\": 3, \"use_bias\": false, \"activation\": \"softmax\" }",
            },
            layers[^4..]);
        Assert.DoesNotContain(layers, l => l.Contains("\"input_1\"", StringComparison.Ordinal) || l.Contains("model1_input", StringComparison.Ordinal));

        // 27 convolutions, 27 batch norms (MobileNet V1 to conv_pw_13) and the head's two Dense.
        Assert.Equal(27 + 27 + 2, imported.WeightedLayerCount);
        Assert.Contains("  \"labels\": [\"Class 1\", \"Class 2\", \"Class 3\"],\n", File.ReadAllText(imported.DescriptionPath), StringComparison.Ordinal);
        using ImportedModel compiled = ImportedModel.Compile(imported);
        Assert.Equal(new[] { "Class 1", "Class 2", "Class 3" }, (IReadOnlyList<string>)compiled.Type.GetProperty("Labels", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!);
    }

    [Fact]
    public void MobileNetV2Transfer_TfKerasAndKeras3_FlattenToTheSameLayers()
    {
        string[] legacy = Layers(ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/mnv2_transfer_tfkeras215.h5"), Path.Combine(_directory, "legacy"))));
        string[] keras3 = Layers(ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/mnv2_transfer_keras3.keras"), Path.Combine(_directory, "keras3"))));

        // Only the outer input's name differs (tf.keras input_2, Keras 3 input_layer_1); the Dropout is gone.
        Assert.Equal(legacy.Skip(1), keras3.Skip(1));
        Assert.Contains("{ \"name\": \"block_1_pad\", \"op\": \"zero_padding2d\", \"padding\": [[0, 1], [0, 1]] },", legacy);
        Assert.Contains("{ \"name\": \"block_2_add\", \"op\": \"add\", \"inputs\": [\"block_1_project_BN\", \"block_2_project_BN\"] },", legacy);
        Assert.Contains("{ \"name\": \"out_relu\", \"op\": \"relu\", \"max_value\": 6 },", legacy);
        Assert.Equal("{ \"name\": \"global_average_pooling2d\", \"op\": \"global_avg_pool\" },", legacy[^2]);
        Assert.Equal("{ \"name\": \"dense\", \"op\": \"dense\", \"units\": 5, \"use_bias\": true, \"activation\": \"softmax\" }", legacy[^1]);
    }

    [Fact]
    public void MobileNetV1Top_DropoutVanishes_ReshapeAndSoftmaxFollowTheClassifierConvolution()
    {
        string[] layers = Layers(ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/mobilenet_v1_top_tfkeras215.h5"), _directory)));

        Assert.Equal(
            new[]
            {
                "{ \"name\": \"global_average_pooling2d\", \"op\": \"global_avg_pool\", \"keepdims\": true },",
                "{ \"name\": \"conv_preds\", \"op\": \"conv2d\", \"filters\": 4, \"kernel\": [1, 1], \"strides\": [1, 1], \"padding\": \"same\", \"use_bias\": true },",
                "{ \"name\": \"reshape_2\", \"op\": \"reshape\", \"target_shape\": [4] },",
                "{ \"name\": \"predictions\", \"op\": \"softmax\" }",
            },
            layers[^4..]);
    }

    [Fact]
    public void AnotherExportLoadedIntoTheCompiledClass_IsRefusedNamingWhatWasExpectedAndFound()
    {
        // A user who re-exports from Teachable Machine on the other MobileNet and keeps the old generated class.
        ImportResult imported = ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/tm2_mobilenet_v2_tfkeras.h5"), _directory));
        using ImportedModel compiled = ImportedModel.Compile(imported);

        var e = Assert.Throws<TargetInvocationException>(() => compiled.Load(TestPaths.Fixture(TeachableMachine), new InferenceOptions { Backend = Backend.Cpu }));
        output.WriteLine(e.InnerException!.Message);
        Assert.IsType<WeightFileException>(e.InnerException);
        Assert.Contains(Path.GetFileName(TeachableMachine), e.InnerException.Message, StringComparison.Ordinal);
        Assert.Contains("expected 106 layers with weights", e.InnerException.Message, StringComparison.Ordinal);
        Assert.Contains("found 56", e.InnerException.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 Class 1\n1 Class 2\n2 Class 3\n", new[] { "Class 1", "Class 2", "Class 3" })]
    [InlineData("0 cat\r\n1  dog with spaces\r\n", new[] { "cat", "dog with spaces" })]
    [InlineData("1 cat\n2 dog\n", new[] { "1 cat", "2 dog" })]
    [InlineData("0 cat\ndog\n", new[] { "0 cat", "dog" })]
    [InlineData("3 musketeers\n", new[] { "3 musketeers" })]
    public void LabelLines_LoseTheirIndexPrefix_OnlyWhenEveryLineStartsWithItsOwnIndex(string text, string[] expected)
    {
        string path = Path.Combine(_directory, "labels.txt");
        File.WriteAllText(path, text);

        Assert.Equal(expected, LabelFileReader.Read(path));
    }

    [Fact]
    public void DepthMultiplierInTheNestedBase_IsRefusedNamingTheLayer()
    {
        string message = ImportFails(model => Layer(model, "sequential_1", "model1", "conv_dw_1")["config"]!["depth_multiplier"] = 2);

        Assert.EndsWith("layer 'conv_dw_1' (DepthwiseConv2D) has depth_multiplier 2; only depth_multiplier 1 can be compiled.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DilatedDepthwiseConvolution_IsRefusedNamingTheLayer()
    {
        string message = ImportFails(model => Layer(model, "sequential_1", "model1", "conv_dw_3")["config"]!["dilation_rate"] = new JsonArray(2, 2));

        Assert.EndsWith("layer 'conv_dw_3' (DepthwiseConv2D) has dilation_rate [2,2]; only dilation_rate 1 can be compiled.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelWithoutAStaticInputSize_IsRefusedNamingTheInput()
    {
        // MobileNetV2(include_top=False) used without input_shape leaves [null, null, null, 3].
        string message = ImportFails(model => Layer(model, "sequential_1_input")["config"]!["batch_input_shape"] = new JsonArray(null, null, null, 3));

        Assert.EndsWith("layer 'sequential_1_input' (InputLayer) has input shape [null,null,null,3]; a description needs a static [batch, height, width, channels] input.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownLayerInTheHeadSequential_IsRefusedNamingTheLayerAndTheSupportedOnes()
    {
        string message = ImportFails(model => Layer(model, "sequential_2", "dense_Dense1")["class_name"] = "EinsumDense");

        Assert.Contains("layer 'dense_Dense1' (EinsumDense) cannot be compiled. Supported layers: Activation, Add,", message, StringComparison.Ordinal);
    }

    /// <summary>The Teachable Machine fixture's config edited and written as a to_json file, its weights read from the .h5.</summary>
    private string ImportFails(Action<JsonObject> edit)
    {
        JsonObject model = KerasModelSource.Read(TestPaths.Fixture(TeachableMachine)).ModelConfig;
        edit(model);
        string path = Path.Combine(_directory, "edited.json");
        File.WriteAllText(path, model.ToJsonString());
        string output = Path.Combine(_directory, "out");
        Directory.CreateDirectory(output);

        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(new ImportRequest(path, output, WeightsPath: TestPaths.Fixture(TeachableMachine))));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("Model file '" + path + "': ", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
        return e.Message;
    }

    /// <summary>A layer entry found by the path of model names that lead to it from the outer model.</summary>
    private static JsonObject Layer(JsonObject model, params string[] path)
    {
        JsonObject current = model;
        foreach (string name in path)
        {
            current = current["config"]!["layers"]!.AsArray().Cast<JsonObject>().Single(l => (string?)(l["name"] ?? l["config"]!["name"]) == name);
        }

        return current;
    }

    private static string[] Layers(ImportResult imported)
        => File.ReadAllLines(imported.DescriptionPath).Where(l => l.StartsWith("    {", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
