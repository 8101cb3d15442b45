using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Runtime.Cpu.Int8;

/// <summary>
/// What an int8 run needs beyond the weights: for every separable step (in run order) the range of its pointwise
/// GEMM's input and that input's u8 scale and zero point, with the model's name and a hash of its weight shapes so
/// that a file made for another model, or before the weight table changed, is an error at load rather than wrong numbers.
/// Written by <c>xception calibrate</c> as a small JSON file.
/// </summary>
public sealed class Int8Calibration
{
    /// <summary>The JSON format's version; a file of another version is rejected.</summary>
    public const int FormatVersion = 1;

    public Int8Calibration(string modelName, string weightShapeHash, int images, IReadOnlyList<CalibratedTensor> tensors)
    {
        ModelName = modelName;
        WeightShapeHash = weightShapeHash;
        Images = images;
        Tensors = tensors;
    }

    /// <summary>The generated model's name (its weight table's <see cref="WeightTable.ModelName"/>).</summary>
    public string ModelName { get; }

    /// <summary><see cref="HashOf"/> of the weight table the ranges were measured with.</summary>
    public string WeightShapeHash { get; }

    /// <summary>How many images the ranges were measured on.</summary>
    public int Images { get; }

    /// <summary>One entry per separable step, by <see cref="CalibratedTensor.Step"/>.</summary>
    public IReadOnlyList<CalibratedTensor> Tensors { get; }

    /// <summary>Where the calibration was read from, for messages ("(in memory)" when it was built in code).</summary>
    public string Source { get; private init; } = "(in memory)";

    /// <summary>
    /// SHA-256 (first 16 hex digits) of the model name and every weight dataset's shape in load order: the
    /// calibration's ranges belong to one network structure, and this changes whenever a layer's shape does.
    /// </summary>
    public static string HashOf(WeightTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var text = new StringBuilder(table.ModelName).Append('\n');
        foreach (WeightLayer layer in table.Layers)
        {
            foreach (WeightDataset dataset in layer.Datasets)
            {
                text.Append(dataset.ShapeText).Append(';');
            }

            text.Append('\n');
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexString(hash, 0, 8).ToLowerInvariant();
    }

    /// <summary>Throws <see cref="CalibrationFileException"/> unless this calibration was made for <paramref name="table"/>.</summary>
    public void CheckFor(WeightTable table)
    {
        if (!string.Equals(ModelName, table.ModelName, StringComparison.Ordinal))
        {
            throw new CalibrationFileException(Source, $"it was made for model '{ModelName}', but the model being loaded is '{table.ModelName}'.");
        }

        string expected = HashOf(table);
        if (!string.Equals(WeightShapeHash, expected, StringComparison.Ordinal))
        {
            throw new CalibrationFileException(Source,
                $"its weight-shape hash is {WeightShapeHash}, but model '{table.ModelName}' has {expected}: the model's layers changed since it was calibrated; run xception calibrate again.");
        }
    }

    /// <summary>The entry of separable step <paramref name="step"/>, checked against the shape the step quantizes.</summary>
    internal CalibratedTensor For(int step, string shape)
    {
        if (step >= Tensors.Count)
        {
            throw new CalibrationFileException(Source, $"it has {Tensors.Count} tensors, but the model runs a separable step number {step} ({shape}).");
        }

        CalibratedTensor tensor = Tensors[step];
        if (!string.Equals(tensor.Shape, shape, StringComparison.Ordinal))
        {
            throw new CalibrationFileException(Source, $"tensor {step} has shape {tensor.Shape}, but the model's separable step {step} quantizes {shape}.");
        }

        return tensor;
    }

    public void Save(string path)
    {
        var tensors = new JsonArray();
        foreach (CalibratedTensor t in Tensors)
        {
            tensors.Add(new JsonObject
            {
                ["step"] = t.Step,
                ["shape"] = t.Shape,
                ["min"] = t.Min,
                ["max"] = t.Max,
                ["scale"] = t.Scale,
                ["zeroPoint"] = t.ZeroPoint,
            });
        }

        var root = new JsonObject
        {
            ["format"] = FormatVersion,
            ["model"] = ModelName,
            ["weightShapeHash"] = WeightShapeHash,
            ["images"] = Images,
            ["tensors"] = tensors,
        };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CalibrationFileException">The file is not a calibration of this format.</exception>
    public static Int8Calibration Load(string path)
    {
        string text = File.ReadAllText(path);
        try
        {
            JsonNode root = JsonNode.Parse(text) ?? throw new CalibrationFileException(path, "the file is empty JSON (null).");
            int format = Required(root, "format", path).GetValue<int>();
            if (format != FormatVersion)
            {
                throw new CalibrationFileException(path, $"format {format} is not the supported format {FormatVersion}.");
            }

            var tensors = new List<CalibratedTensor>();
            foreach (JsonNode? node in Required(root, "tensors", path).AsArray())
            {
                if (node is null)
                {
                    throw new CalibrationFileException(path, $"tensor {tensors.Count} is null.");
                }

                var tensor = new CalibratedTensor(
                    Required(node, "step", path).GetValue<int>(),
                    Required(node, "shape", path).GetValue<string>(),
                    Required(node, "min", path).GetValue<float>(),
                    Required(node, "max", path).GetValue<float>(),
                    Required(node, "scale", path).GetValue<float>(),
                    Required(node, "zeroPoint", path).GetValue<int>());
                if (tensor.Step != tensors.Count)
                {
                    throw new CalibrationFileException(path, $"tensor {tensors.Count} says step {tensor.Step}; steps must be listed in order from 0.");
                }

                if (!(tensor.Scale > 0f) || !float.IsFinite(tensor.Scale) || tensor.ZeroPoint is < 0 or > 255)
                {
                    throw new CalibrationFileException(path, string.Create(CultureInfo.InvariantCulture,
                        $"tensor {tensor.Step} has scale {tensor.Scale} and zero point {tensor.ZeroPoint}; expected a positive finite scale and a zero point in [0, 255]."));
                }

                tensors.Add(tensor);
            }

            return new Int8Calibration(
                Required(root, "model", path).GetValue<string>(),
                Required(root, "weightShapeHash", path).GetValue<string>(),
                Required(root, "images", path).GetValue<int>(),
                tensors)
            {
                Source = path,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CalibrationFileException(path, $"not a calibration file ({e.Message}).", e);
        }
    }

    private static JsonNode Required(JsonNode node, string name, string path) =>
        node[name] ?? throw new CalibrationFileException(path, $"the member \"{name}\" is missing.");
}
