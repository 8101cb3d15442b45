using System.Collections.Generic;
using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// Reads a weight shape table (<c>*.shapes.json</c>, format <c>xcs-shapes/1</c>, written by the Runtime
/// from a Keras <c>.h5</c>). Layers whose <c>weights</c> list is empty are dropped: only layers with
/// weights take part in Keras's load-by-order. Problems are reported as XCS0011, located in the table.
/// </summary>
internal static class WeightTableParser
{
    public const string Format = "xcs-shapes/1";

    public static ParsedWeightTable Parse(string filePath, string text)
    {
        JsonDocument doc = JsonDocument.Parse(text);
        var ctx = new ParseContext(filePath, doc);
        string fileName = FileName(filePath);
        if (doc.Root is null)
        {
            ctx.Report(DiagnosticDescriptors.MalformedWeightTable, doc.Span(doc.ErrorStart, doc.ErrorEnd), fileName, "not valid JSON: " + doc.Error);
            return new ParsedWeightTable(filePath, null, ctx.Items.ToEquatableArray());
        }

        WeightTableSpec? spec = Read(ctx, doc.Root, fileName);
        return new ParsedWeightTable(filePath, ctx.HasErrors ? null : spec, ctx.Items.ToEquatableArray());
    }

    private static WeightTableSpec? Read(ParseContext ctx, JsonNode root, string fileName)
    {
        if (root.Kind != JsonKind.Object)
        {
            Malformed(ctx, root, fileName, "expected an object at the top level, found " + root.Describe());
            return null;
        }

        JsonMember? format = root.Member("format");
        if (format is null || format.Value.Kind != JsonKind.String || format.Value.Text != Format)
        {
            Malformed(ctx, format?.Value ?? root, fileName, "expected \"format\": \"" + Format + "\", found " + (format?.Value.Describe() ?? "none"));
            return null;
        }

        JsonMember? layout = root.Member("layout");
        JsonMember? layers = root.Member("layers");
        if (layers is null || layers.Value.Kind != JsonKind.Array)
        {
            Malformed(ctx, layers?.Value ?? root, fileName, "expected \"layers\" to be an array, found " + (layers?.Value.Describe() ?? "none"));
            return null;
        }

        var result = new List<WeightFileLayer>();
        for (int i = 0; i < layers.Value.Items.Count; i++)
        {
            JsonNode layer = layers.Value.Items[i];
            string where = "layers[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            if (layer.Kind != JsonKind.Object)
            {
                Malformed(ctx, layer, fileName, where + " should be an object, found " + layer.Describe());
                continue;
            }

            JsonMember? name = layer.Member("name");
            JsonMember? weights = layer.Member("weights");
            if (name is null || name.Value.Kind != JsonKind.String)
            {
                Malformed(ctx, name?.Value ?? layer, fileName, where + " needs a string \"name\"");
                continue;
            }

            if (weights is null || weights.Value.Kind != JsonKind.Array)
            {
                Malformed(ctx, weights?.Value ?? layer, fileName, where + " ('" + name.Value.Text + "') needs a \"weights\" array");
                continue;
            }

            var datasets = new List<WeightFileDataset>();
            foreach (JsonNode w in weights.Value.Items)
            {
                if (ReadDataset(ctx, w, fileName, name.Value.Text ?? string.Empty) is { } dataset)
                {
                    datasets.Add(dataset);
                }
            }

            if (weights.Value.Items.Count > 0)
            {
                result.Add(new WeightFileLayer(name.Value.Text ?? string.Empty, datasets.ToEquatableArray(), ctx.Document.Span(name.Value)));
            }
        }

        string? layoutText = layout?.Value.Kind == JsonKind.String ? layout.Value.Text : null;
        return new WeightTableSpec(ctx.FilePath, layoutText, result.ToEquatableArray());
    }

    private static WeightFileDataset? ReadDataset(ParseContext ctx, JsonNode node, string fileName, string layerName)
    {
        if (node.Kind != JsonKind.Object)
        {
            Malformed(ctx, node, fileName, "a dataset of layer '" + layerName + "' should be an object, found " + node.Describe());
            return null;
        }

        JsonMember? path = node.Member("path");
        JsonMember? shape = node.Member("shape");
        JsonMember? dtype = node.Member("dtype");
        if (path is null || path.Value.Kind != JsonKind.String)
        {
            Malformed(ctx, path?.Value ?? node, fileName, "a dataset of layer '" + layerName + "' needs a string \"path\"");
            return null;
        }

        if (shape is null || shape.Value.Kind != JsonKind.Array)
        {
            Malformed(ctx, shape?.Value ?? node, fileName, "dataset '" + path.Value.Text + "' needs a \"shape\" array");
            return null;
        }

        var dims = new List<int>();
        foreach (JsonNode d in shape.Value.Items)
        {
            if (!d.TryGetInt64(out long v) || v < 0 || v > int.MaxValue)
            {
                Malformed(ctx, d, fileName, "dataset '" + path.Value.Text + "' has a shape entry that is not a non-negative integer: " + d.Describe());
                return null;
            }

            dims.Add((int)v);
        }

        string? dtypeText = dtype?.Value.Kind == JsonKind.String ? dtype.Value.Text : null;
        return new WeightFileDataset(path.Value.Text ?? string.Empty, dims.ToEquatableArray(), dtypeText);
    }

    private static void Malformed(ParseContext ctx, JsonNode node, string fileName, string message) =>
        ctx.Report(DiagnosticDescriptors.MalformedWeightTable, node, fileName, message);

    internal static string FileName(string path)
    {
        int slash = System.Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return slash < 0 ? path : path.Substring(slash + 1);
    }
}
