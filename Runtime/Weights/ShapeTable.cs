using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>One dataset of a weighted layer: full path from the file's root, shape, stored type (numpy name).</summary>
public sealed record ShapeTableDataset(string Path, int[] Shape, string DType)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (int d in Shape)
            {
                n *= d;
            }

            return n;
        }
    }

    public string ShapeText => ShapeFormat.Tuple(Shape);

    /// <summary>
    /// The Keras 2 short variable name of this dataset (kernel, bias, depthwise_kernel, pointwise_kernel,
    /// gamma, beta, moving_mean, moving_variance), from a Keras 2 name (<c>block1_conv1/kernel:0</c>) or a
    /// Keras 1 name (<c>convolution2d_1_W:0</c>, <c>batchnormalization_1_running_std:0</c>, which holds the variance;
    /// <c>block1_conv1_W_1:0</c> as the official VGG16 file has it).
    /// Null when the name is neither.
    /// </summary>
    public string? KerasVariable
    {
        get
        {
            string name = Path.Substring(Path.LastIndexOf('/') + 1);
            int colon = name.LastIndexOf(':');
            if (colon >= 0)
            {
                name = name.Substring(0, colon);
            }

            foreach (string v in Keras2Variables)
            {
                if (name == v)
                {
                    return v;
                }
            }

            foreach ((string suffix, string variable) in Keras1Suffixes)
            {
                if (name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    return variable;
                }
            }

            return null;
        }
    }

    private static readonly string[] Keras2Variables =
        { "kernel", "bias", "depthwise_kernel", "pointwise_kernel", "gamma", "beta", "moving_mean", "moving_variance" };

    // Longest first, so that "_depthwise_kernel" wins over shorter endings.
    private static readonly (string Suffix, string Variable)[] Keras1Suffixes =
    {
        ("_depthwise_kernel", "depthwise_kernel"), ("_pointwise_kernel", "pointwise_kernel"),
        ("_running_mean", "moving_mean"), ("_running_std", "moving_variance"),
        ("_gamma", "gamma"), ("_beta", "beta"),

        // The official VGG16/VGG19 files carry Keras 1 names with a session suffix: block1_conv1_W_1:0.
        ("_W_1", "kernel"), ("_b_1", "bias"),
        ("_W", "kernel"), ("_b", "bias"),
    };
}

/// <summary>A layer group that holds weights, with its datasets in <c>weight_names</c> order.</summary>
public sealed record ShapeTableLayer(string Name, IReadOnlyList<ShapeTableDataset> Weights)
{
    /// <summary>
    /// The Keras class this layer's datasets identify (Conv2D, SeparableConv2D, DepthwiseConv2D,
    /// BatchNormalization, Dense), or null when they fit none of them.
    /// </summary>
    public string? KerasClass
    {
        get
        {
            string?[] v = Weights.Select(w => w.KerasVariable).ToArray();
            int rank0 = Weights.Count > 0 ? Weights[0].Shape.Length : -1;
            // Keras saves gamma only with scale=True and beta only with center=True (InceptionV3 has no gamma).
            if (Is(v, "gamma", "beta", "moving_mean", "moving_variance") || Is(v, "beta", "moving_mean", "moving_variance")
                || Is(v, "gamma", "moving_mean", "moving_variance") || Is(v, "moving_mean", "moving_variance"))
            {
                return "BatchNormalization";
            }

            if (Is(v, "depthwise_kernel", "pointwise_kernel") || Is(v, "depthwise_kernel", "pointwise_kernel", "bias"))
            {
                return "SeparableConv2D";
            }

            if (Is(v, "depthwise_kernel") || Is(v, "depthwise_kernel", "bias"))
            {
                return "DepthwiseConv2D";
            }

            if (Is(v, "kernel") || Is(v, "kernel", "bias"))
            {
                return rank0 == 4 ? "Conv2D" : rank0 == 2 ? "Dense" : null;
            }

            return null;
        }
    }

    private static bool Is(string?[] actual, params string[] expected) => actual.SequenceEqual(expected);
}

/// <summary>
/// The shape table of a Keras weight file (<c>*.shapes.json</c>, format <c>xcs-shapes/1</c>): the layers
/// with weights in file order (the order Keras loads them in), their dataset paths, shapes and types.
/// The generator matches the k-th weighted layer of a model description to the k-th entry.
/// </summary>
/// <param name="Source">The file name (no folder) of the weight file the table was read from.</param>
/// <param name="Layout">"keras3" (a Keras 3 <c>.weights.h5</c> or <c>.keras</c>: datasets <c>layers/…/vars/&lt;i&gt;</c>), "keras2" (datasets named <c>&lt;layer&gt;/&lt;var&gt;:0</c>, or a <c>keras_version</c> attribute), else "keras1".</param>
/// <param name="KerasVersion">The file's <c>keras_version</c> attribute, if any.</param>
/// <param name="Backend">The file's <c>backend</c> attribute, if any.</param>
/// <param name="LayerCount">All layers in <c>layer_names</c> (Keras 3: in the config, nested models by their layers), with or without weights.</param>
/// <param name="Layers">The layers with weights, in file order.</param>
public sealed record ShapeTable(string Source, string Layout, string? KerasVersion, string? Backend, int LayerCount, IReadOnlyList<ShapeTableLayer> Layers)
{
    public const string FormatName = "xcs-shapes/1";

    /// <summary>
    /// Reads the shape table of the Keras weight file at <paramref name="h5Path"/> (no dataset data is read):
    /// a legacy .h5 (weights only or full model; a nested model's inner layers appear as <c>outer/inner</c>),
    /// or a .keras archive. A Keras 3 <c>.weights.h5</c> needs its model's config: use the other overload.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightFileException">The file is not HDF5 nor a .keras archive, not a Keras weight file, or damaged.</exception>
    public static ShapeTable Extract(string h5Path) => Extract(h5Path, null);

    /// <summary>
    /// Reads the shape table of a weights file with the model config that goes with it (<c>model.to_json()</c>),
    /// which gives a Keras 3 <c>.weights.h5</c> its layer order; a legacy file uses it, when it has none of its
    /// own, to order the inner layers of a nested model. Null: the same as <see cref="Extract(string)"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightFileException">The file is not a Keras weight file or is damaged, or the config does not fit it.</exception>
    public static ShapeTable Extract(string h5Path, string? modelConfigJson)
    {
        using KerasH5Structure file = KerasH5Structure.Open(h5Path, modelConfigJson);
        var layers = new List<ShapeTableLayer>(file.WeightedLayers.Count);
        bool slashNames = false;
        foreach (KerasH5Layer layer in file.WeightedLayers)
        {
            var datasets = new List<ShapeTableDataset>(layer.WeightNames.Count);
            foreach (KerasH5Dataset dataset in file.ResolveDatasets(layer))
            {
                slashNames |= dataset.WeightName.Contains('/');
                datasets.Add(new ShapeTableDataset(dataset.FullPath, dataset.Shape, dataset.DTypeName));
            }

            layers.Add(new ShapeTableLayer(layer.Name, datasets));
        }

        string layout = file.Format is KerasWeightFormat.Keras3Weights or KerasWeightFormat.KerasArchive ? "keras3"
            : slashNames || file.KerasVersion is not null ? "keras2" : "keras1";
        return new ShapeTable(Path.GetFileName(h5Path), layout, file.KerasVersion, file.Backend, file.LayerCount, layers);
    }

    /// <summary>The total number of weight values (parameters) in the table.</summary>
    public long ParameterCount => Layers.Sum(l => l.Weights.Sum(w => w.ElementCount));

    /// <summary>
    /// A <see cref="WeightTable"/> for this file's layers, with the file's layer names as both names and
    /// Keras 2 short variable names. For tests and tools; the generator emits its own.
    /// </summary>
    /// <exception cref="InvalidOperationException">A layer's datasets identify no supported Keras class.</exception>
    public WeightTable ToWeightTable(string modelName)
    {
        var layers = new List<WeightLayer>(Layers.Count);
        foreach (ShapeTableLayer layer in Layers)
        {
            string kerasClass = layer.KerasClass
                ?? throw new InvalidOperationException("Shape table '" + Source + "': layer '" + layer.Name + "' has datasets ("
                    + string.Join(", ", layer.Weights.Select(w => w.Path)) + ") that fit no supported Keras class.");
            var datasets = layer.Weights
                .Select(w => new WeightDataset(w.KerasVariable!, w.Path, (int[])w.Shape.Clone()))
                .ToArray();
            layers.Add(new WeightLayer(layer.Name, kerasClass, layer.Name, datasets));
        }

        return new WeightTable(modelName, layers);
    }

    /// <summary>
    /// The table as deterministic, human-readable JSON: 2-space indent, one dataset per line, shapes on
    /// one line, "\n" line ends, invariant culture.
    /// </summary>
    public string ToJson()
    {
        var sb = new StringBuilder();
        sb.Append("{\n");
        sb.Append("  \"format\": ").Append(Quote(FormatName)).Append(",\n");
        sb.Append("  \"source\": ").Append(Quote(Source)).Append(",\n");
        sb.Append("  \"layout\": ").Append(Quote(Layout)).Append(",\n");
        sb.Append("  \"keras_version\": ").Append(QuoteOrNull(KerasVersion)).Append(",\n");
        sb.Append("  \"backend\": ").Append(QuoteOrNull(Backend)).Append(",\n");
        sb.Append("  \"layer_count\": ").Append(LayerCount.ToString(CultureInfo.InvariantCulture)).Append(",\n");
        sb.Append("  \"layers\": [");
        for (int i = 0; i < Layers.Count; i++)
        {
            ShapeTableLayer layer = Layers[i];
            sb.Append(i == 0 ? "\n" : ",\n");
            sb.Append("    { \"name\": ").Append(Quote(layer.Name)).Append(", \"weights\": [");
            for (int j = 0; j < layer.Weights.Count; j++)
            {
                ShapeTableDataset w = layer.Weights[j];
                sb.Append(j == 0 ? "\n" : ",\n");
                sb.Append("      { \"path\": ").Append(Quote(w.Path)).Append(", \"shape\": [");
                sb.Append(string.Join(", ", w.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))));
                sb.Append("], \"dtype\": ").Append(Quote(w.DType)).Append(" }");
            }

            sb.Append(layer.Weights.Count == 0 ? "] }" : "\n    ] }");
        }

        sb.Append(Layers.Count == 0 ? "]\n" : "\n  ]\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>Parses the JSON written by <see cref="ToJson"/> (any plain JSON with the same members).</summary>
    /// <exception cref="FormatException">The text is not JSON or not a <c>xcs-shapes/1</c> table.</exception>
    public static ShapeTable Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            string format = RequiredString(root, "format");
            if (format != FormatName)
            {
                throw new FormatException("Shape table: expected format '" + FormatName + "', found '" + format + "'.");
            }

            var layers = new List<ShapeTableLayer>();
            foreach (JsonElement layer in Required(root, "layers", JsonValueKind.Array).EnumerateArray())
            {
                var weights = new List<ShapeTableDataset>();
                foreach (JsonElement w in Required(layer, "weights", JsonValueKind.Array).EnumerateArray())
                {
                    int[] shape = Required(w, "shape", JsonValueKind.Array).EnumerateArray().Select(d => d.GetInt32()).ToArray();
                    weights.Add(new ShapeTableDataset(RequiredString(w, "path"), shape, RequiredString(w, "dtype")));
                }

                layers.Add(new ShapeTableLayer(RequiredString(layer, "name"), weights));
            }

            return new ShapeTable(
                RequiredString(root, "source"),
                RequiredString(root, "layout"),
                OptionalString(root, "keras_version"),
                OptionalString(root, "backend"),
                Required(root, "layer_count", JsonValueKind.Number).GetInt32(),
                layers);
        }
        catch (JsonException ex)
        {
            throw new FormatException("Shape table: not valid JSON: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException("Shape table: " + ex.Message, ex);
        }
    }

    private static JsonElement Required(JsonElement parent, string name, JsonValueKind kind)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out JsonElement value) || value.ValueKind != kind)
        {
            throw new FormatException("Shape table: expected member '" + name + "' of kind " + kind + ".");
        }

        return value;
    }

    private static string RequiredString(JsonElement parent, string name) => Required(parent, name, JsonValueKind.String).GetString()!;

    private static string? OptionalString(JsonElement parent, string name)
        => parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string QuoteOrNull(string? value) => value is null ? "null" : Quote(value);

    private static string Quote(string value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStringValue(value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
