using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Xception.Compiler.Runtime.Import;

/// <summary>The header of a written description: the class name, namespace, a one-line description and the shape table's file name.</summary>
internal sealed record DescriptionHeader(string ClassName, string? Namespace, string Description, string ShapeTableFileName)
{
    /// <summary>The class names to write inline as <c>labels</c>; null: none.</summary>
    public IReadOnlyList<string>? Labels { get; init; }
}

/// <summary>
/// Writes a <c>*.xcs.json</c> the way the hand-written ones read: one layer per line, name and op first,
/// <c>inputs</c> only where a layer does not read the layer before it (and always on an add), "\n" line ends.
/// </summary>
internal static class DescriptionWriter
{
    public static string Write(DescriptionHeader header, IReadOnlyList<DescriptionLayer> layers)
    {
        var sb = new StringBuilder();
        sb.Append("{\n");
        sb.Append("  \"$schema\": \"./model.xcs.schema.json\",\n");
        sb.Append("  \"model\": ").Append(Quote(header.ClassName)).Append(",\n");
        if (header.Namespace is not null)
        {
            sb.Append("  \"namespace\": ").Append(Quote(header.Namespace)).Append(",\n");
        }

        sb.Append("  \"description\": ").Append(Quote(header.Description)).Append(",\n");
        sb.Append("  \"weights\": { \"table\": ").Append(Quote(header.ShapeTableFileName)).Append(" },\n");
        if (header.Labels is not null)
        {
            sb.Append("  \"labels\": [").Append(string.Join(", ", header.Labels.Select(Quote))).Append("],\n");
        }

        sb.Append("  \"layers\": [\n");
        for (int i = 0; i < layers.Count; i++)
        {
            DescriptionLayer layer = layers[i];
            sb.Append("    { \"name\": ").Append(Quote(layer.Name)).Append(", \"op\": ").Append(Quote(layer.Op));
            bool sequential = i > 0 && layer.Op != "add" && layer.Inputs.Count == 1 && layer.Inputs[0] == layers[i - 1].Name;
            if (layer.Op != "input" && !sequential)
            {
                sb.Append(", \"inputs\": [").Append(string.Join(", ", layer.Inputs.Select(Quote))).Append(']');
            }

            foreach (DescriptionAttribute attribute in layer.Attributes)
            {
                sb.Append(", ").Append(Quote(attribute.Name)).Append(": ").Append(Value(attribute.Value));
            }

            sb.Append(i == layers.Count - 1 ? " }\n" : " },\n");
        }

        sb.Append("  ]\n}\n");
        return sb.ToString();
    }

    private static string Value(object value) => value switch
    {
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        string s => Quote(s),
        int[] a => "[" + string.Join(", ", a.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]",
        double[] a => "[" + string.Join(", ", a.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]",
        int[][] rows => "[" + string.Join(", ", rows.Select(Value)) + "]",
        _ => throw new ArgumentException("Description attribute value of type " + value.GetType().Name + " has no JSON form.", nameof(value)),
    };

    // Relaxed escaping keeps names and the description readable (no \u0060 for a backquote).
    private static readonly JsonSerializerOptions s_relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Quote(string s) => JsonSerializer.Serialize(s, s_relaxed);
}
