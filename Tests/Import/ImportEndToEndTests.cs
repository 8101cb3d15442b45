using System;
using System.IO;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Import;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Import;

/// <summary>
/// <c>xception import</c> on the fixtures of Tests/Fixtures/tools/make_import_fixtures.py: each imported
/// description compiles with zero diagnostics, and the compiled model matches the fixture's float64
/// reference within 1e-5 on both backends.
/// </summary>
public sealed class ImportEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string FlatWeights = "import/transfer_flat_weights.h5";
    private readonly string _directory = Directory.CreateTempSubdirectory("xcs-import-").FullName;

    public static TheoryData<string, string?, string, string, Backend> Cases()
    {
        var cases = new TheoryData<string, string?, string, string, Backend>();
        foreach (Backend backend in new[] { Backend.Cpu, Backend.IlgpuCpu })
        {
            // (a) tf.keras 2.15 full-model .h5 with the Xception base nested; (b) Keras 3 .keras; (b') to_json.
            // The nested full-model .h5 and the .keras archive give their own table and load their own weights.
            cases.Add("import/transfer_tfkeras215.h5", null, "mini_input_71x71_seed2.npy", "import/transfer_expected.npy", backend);
            cases.Add("import/transfer_keras3.keras", null, "mini_input_71x71_seed2.npy", "import/transfer_expected.npy", backend);
            cases.Add("import/transfer_tojson.json", FlatWeights, "mini_input_71x71_seed2.npy", "import/transfer_expected.npy", backend);

            // (c) Keras 2.0.8 Sequential (bare-list config), weights read from the model file itself.
            cases.Add("import/sequential_keras208.h5", null, "import/sequential_input.npy", "import/sequential_expected.npy", backend);

            // (d) tf.keras 2.15 Sequential (dict config) binary classifier: Dense(1, sigmoid) as the dense epilogue.
            cases.Add("import/binary_tfkeras215.h5", null, "import/binary_input.npy", "import/binary_expected.npy", backend);

            // (c) Keras 2.0.8 Sequential with a Flatten + Dense head: the flatten plans no step.
            cases.Add("import/flatten_keras208.h5", null, "import/flatten_input.npy", "import/flatten_expected.npy", backend);

            // tf.keras 2.15 functional model with every kind of activation: layers, conv/dense attributes, fused and not.
            cases.Add("import/activations_tfkeras215.h5", null, "import/activations_input.npy", "import/activations_expected.npy", backend);
            // (e) tf.keras 2.15 Rescaling(1/127.5, offset=-1) in front, fed raw 0..255 pixels.
            cases.Add("import/rescaling_tfkeras215.h5", null, "import/rescaling_input.npy", "import/rescaling_expected.npy", backend);

            // Grayscale: an adapted Normalization (mean, variance, int64 count weights), GAP keepdims, Reshape((4,)).
            cases.Add("import/grayscale_tfkeras215.h5", null, "import/grayscale_input.npy", "import/grayscale_expected.npy", backend);
            cases.Add("import/grayscale_keras3.keras", null, "import/grayscale_input.npy", "import/grayscale_expected.npy", backend);

            // 4 channels: a Normalization with mean and variance in its config (one channel of variance 0), Reshape((-1,)).
            cases.Add("import/rgba_tfkeras215.h5", null, "import/rgba_input.npy", "import/rgba_expected.npy", backend);

            // ZeroPadding2D folded into a 'valid' 7x7/2 conv and into a 3x3/2 max pool (ResNet50's stem), BN(scale=False),
            // a 1x7/7x1 pair, AveragePooling2D 'same' and a ZeroPadding2D + 'valid' AveragePooling2D (tf.keras 2.15 functional).
            cases.Add("import/padpool_tfkeras215.h5", null, "import/padpool_input.npy", "import/padpool_expected.npy", backend);

            // An Inception block (Concatenate of 1x1, 1x1->3x3, avg pool->1x1 and a bare max pool) and a squeeze-and-excitation Multiply.
            cases.Add("import/concat_se_tfkeras215.h5", null, "import/concat_se_input.npy", "import/concat_se_expected.npy", backend);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ImportedModel_CompilesWithoutDiagnostics_MatchesFloat64ReferenceWithin1e5(string model, string? weights, string input, string expected, Backend backend)
    {
        ImportResult imported = ModelImporter.Import(new ImportRequest(
            TestPaths.Fixture(model), _directory, WeightsPath: weights is null ? null : TestPaths.Fixture(weights)));
        string weightFile = weights is null ? TestPaths.Fixture(model) : TestPaths.Fixture(weights);

        using ImportedModel compiled = ImportedModel.Compile(imported);
        Assert.Empty(compiled.Diagnostics);
        using var instance = (IDisposable)compiled.Load(weightFile, new InferenceOptions { Backend = backend, MaxBatch = 2 });
        var predictor = (ICompiledModel)instance;
        NpyArray x = NpyFile.Read(TestPaths.Fixture(input));
        NpyArray reference = NpyFile.Read(TestPaths.Fixture(expected));
        float[] probabilities = predictor.Predict(x.Data);

        Assert.Equal(reference.Data.Length, probabilities.Length);
        double worst = reference.Data.Zip(probabilities, (e, a) => Math.Abs((double)e - a)).Max();
        output.WriteLine(FormattableString.Invariant($"{model} on {backend}: {imported.LayerCount} layers, largest absolute error {worst:E3}"));
        Assert.True(worst <= 1e-5, FormattableString.Invariant($"largest absolute error {worst:E3} > 1e-5"));
    }

    [Fact]
    public void NestedTransferModel_InAllThreeDialects_FlattensToTheSameLayers()
    {
        string[] Layers(string model) => File.ReadAllLines(ModelImporter.Import(new ImportRequest(
                TestPaths.Fixture(model), _directory, WeightsPath: TestPaths.Fixture(FlatWeights))).DescriptionPath)
            .Where(l => l.StartsWith("    {", StringComparison.Ordinal)).ToArray();

        string[] legacy = Layers("import/transfer_tfkeras215.h5");
        string[] keras3 = Layers("import/transfer_keras3.keras");
        Assert.Equal(legacy, Layers("import/transfer_tojson.json"));

        // Only the outer input's name differs (tf.keras input_2, Keras 3 input_layer); the base's input
        // layer and the Dropout are gone, the base's layers follow the outer input directly.
        Assert.Equal(legacy.Skip(1), keras3.Skip(1));
        Assert.Equal(1 + 131 + 2, legacy.Length);
        Assert.StartsWith("    { \"name\": \"block1_conv1\", \"op\": \"conv2d\", \"filters\": 4,", legacy[1], StringComparison.Ordinal);
        Assert.Equal("    { \"name\": \"global_average_pooling2d\", \"op\": \"global_avg_pool\" },", legacy[^2]);
        Assert.Equal("    { \"name\": \"dense\", \"op\": \"dense\", \"units\": 5, \"use_bias\": true, \"activation\": \"softmax\" }", legacy[^1]);
    }

    [Fact]
    public void SequentialKeras20_ReadsLikeAHandWrittenDescription()
    {
        ImportResult imported = ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/sequential_keras208.h5"), _directory, ClassName: "Flowers", Namespace: "My.App"));
        string text = File.ReadAllText(imported.DescriptionPath);
        Assert.Equal(Path.Combine(_directory, "Flowers.xcs.json"), imported.DescriptionPath);
        Assert.Contains("\"model\": \"Flowers\",\n  \"namespace\": \"My.App\",", text, StringComparison.Ordinal);
        Assert.Contains("\"weights\": { \"table\": \"Flowers.shapes.json\" }", text, StringComparison.Ordinal);
        string[] expected =
        {
            "    { \"name\": \"conv2d_1_input\", \"op\": \"input\", \"shape\": [32, 32, 3] },",
            "    { \"name\": \"conv2d_1\", \"op\": \"conv2d\", \"filters\": 8, \"kernel\": [3, 3], \"strides\": [2, 2], \"padding\": \"valid\", \"use_bias\": true },",
            "    { \"name\": \"conv2d_1_relu\", \"op\": \"relu\" },",
            "    { \"name\": \"batch_normalization_1\", \"op\": \"batch_norm\", \"epsilon\": 0.001 },",
            "    { \"name\": \"separable_conv2d_1\", \"op\": \"separable_conv2d\", \"filters\": 16, \"kernel\": [3, 3], \"strides\": [1, 1], \"padding\": \"same\", \"use_bias\": true },",
            "    { \"name\": \"activation_1\", \"op\": \"relu\" },",
            "    { \"name\": \"max_pooling2d_1\", \"op\": \"max_pool2d\", \"pool\": [3, 3], \"strides\": [2, 2], \"padding\": \"same\" },",
            "    { \"name\": \"global_average_pooling2d_1\", \"op\": \"global_avg_pool\" },",
            "    { \"name\": \"dense_1\", \"op\": \"dense\", \"units\": 5, \"use_bias\": true },",
            "    { \"name\": \"activation_2\", \"op\": \"softmax\" }",
        };
        Assert.Equal(expected, text.Split('\n').Where(l => l.StartsWith("    {", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public void ActivationsModel_MapsEveryActivation_HardSigmoidByKerasVersion()
    {
        ImportResult imported = ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/activations_tfkeras215.h5"), _directory));
        string[] layers = File.ReadAllLines(imported.DescriptionPath).Where(l => l.StartsWith("    {", StringComparison.Ordinal)).ToArray();
        string[] expected =
        {
            "{ \"name\": \"conv2d_swish\", \"op\": \"activation\", \"activation\": \"swish\" },",
            "{ \"name\": \"re_lu\", \"op\": \"relu\", \"max_value\": 6 },",
            "{ \"name\": \"separable_conv2d_elu\", \"op\": \"activation\", \"activation\": \"elu\" },",
            "{ \"name\": \"leaky_re_lu\", \"op\": \"leaky_relu\", \"alpha\": 0.1 },",
            "{ \"name\": \"depthwise_conv2d_tanh\", \"op\": \"activation\", \"activation\": \"tanh\" },",
            "{ \"name\": \"elu\", \"op\": \"elu\", \"alpha\": 0.5 },",
            "{ \"name\": \"activation\", \"op\": \"activation\", \"activation\": \"hard_sigmoid_keras2\" },",
            "{ \"name\": \"activation_1\", \"op\": \"activation\", \"activation\": \"sigmoid\" },",
            "{ \"name\": \"conv2d_2_gelu\", \"op\": \"activation\", \"activation\": \"gelu\" },",
            "{ \"name\": \"dense\", \"op\": \"dense\", \"units\": 10, \"use_bias\": true, \"activation\": \"selu\" },",
            "{ \"name\": \"activation_2\", \"op\": \"activation\", \"activation\": \"relu6\" },",
            "{ \"name\": \"softmax\", \"op\": \"softmax\" }",
        };
        foreach (string line in expected)
        {
            Assert.Contains(layers, l => l.Trim() == line);
        }
    }

    [Fact]
    public void PaddingPoolingModel_ImportsKerasAttributes_AndFoldsEveryZeroPadding()
    {
        ImportResult imported = ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/padpool_tfkeras215.h5"), _directory));
        string[] layers = File.ReadAllLines(imported.DescriptionPath).Where(l => l.StartsWith("    {", StringComparison.Ordinal)).ToArray();
        Assert.Contains("    { \"name\": \"conv1_pad\", \"op\": \"zero_padding2d\", \"padding\": 3 },", layers);
        Assert.Contains("    { \"name\": \"avg_pad\", \"op\": \"zero_padding2d\", \"padding\": [[0, 1], [1, 0]] },", layers);
        Assert.Contains("    { \"name\": \"conv1_bn\", \"op\": \"batch_norm\", \"epsilon\": 1.001E-05, \"scale\": false },", layers);
        Assert.Contains("    { \"name\": \"avg_same\", \"op\": \"avg_pool2d\", \"pool\": [3, 3], \"strides\": [1, 1], \"padding\": \"same\" },", layers);

        using ImportedModel compiled = ImportedModel.Compile(imported);
        Assert.Empty(compiled.Diagnostics);
        string source = compiled.GeneratedSource;
        Assert.Contains("conv1: zero padding (conv1_pad) folded → conv 7×7/2 valid (pad top 3 bottom 3, left 3 right 3)", source, StringComparison.Ordinal);
        Assert.Contains("ZeroPadTop: 1, ZeroPadBottom: 1, ZeroPadLeft: 1, ZeroPadRight: 1", source, StringComparison.Ordinal);
        Assert.DoesNotContain("as a padded copy", source, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcatenateAndMultiply_Imported_ConvolutionsWriteTheirSlices_TheBarePoolIsCopied()
    {
        ImportResult imported = ModelImporter.Import(new ImportRequest(TestPaths.Fixture("import/concat_se_tfkeras215.h5"), _directory));
        string[] layers = File.ReadAllLines(imported.DescriptionPath).Where(l => l.StartsWith("    {", StringComparison.Ordinal)).ToArray();
        Assert.Contains("    { \"name\": \"mixed0\", \"op\": \"concatenate\", \"inputs\": [\"activation_1\", \"activation_3\", \"activation_4\", \"max_pooling2d\"] },", layers);
        Assert.Contains("    { \"name\": \"se_excite\", \"op\": \"multiply\", \"inputs\": [\"mixed0\", \"se_expand_sigmoid\"] },", layers);

        using ImportedModel compiled = ImportedModel.Compile(imported);
        Assert.Empty(compiled.Diagnostics);
        string source = compiled.GeneratedSource;
        // The three convolution branches write channels 0..5, 6..11 and 12..15 of mixed0 (9×9×24) themselves.
        Assert.Contains("OutChannelOffset: 0, OutPixelStride: 24", source, StringComparison.Ordinal);
        Assert.Contains("OutChannelOffset: 6, OutPixelStride: 24", source, StringComparison.Ordinal);
        Assert.Contains("OutChannelOffset: 12, OutPixelStride: 24", source, StringComparison.Ordinal);
        Assert.Contains("written into channels 6..11 of mixed0 (9×9×24)", source, StringComparison.Ordinal);
        // The max pool is no convolution: its output is copied into channels 16..23, the only copy.
        Assert.Single(source.Split('\n'), l => l.Contains(".ChannelSlice(", StringComparison.Ordinal));
        Assert.Contains("mixed0: copy max_pooling2d into channels 16..23 of mixed0 (9×9×24)", source, StringComparison.Ordinal);
        // The SE multiply, read only by a 1×1 conv, is that conv's channel prologue (issue 13): no Multiply step.
        Assert.DoesNotContain(".Multiply(", source, StringComparison.Ordinal);
        Assert.Contains(" per channel (se_excite) in its A rows → conv 1×1", source, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
