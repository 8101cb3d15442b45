using System.Collections.Generic;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// The description's <c>labels</c>: an inline array of class names, or the path of a <c>*.labels.txt</c> /
/// <c>*.labels.json</c> file beside it (read later from the AdditionalFiles, since the generator opens no files).
/// </summary>
internal static class LabelsReader
{
    private const string Owner = "the model description";
    private const string Expected = "an array of non-empty strings, or the path of a *.labels.txt or *.labels.json file";

    public static ModelLabels Read(ParseContext ctx, JsonNode value)
    {
        SourceSpan span = ctx.Document.Span(value);
        if (value.Kind == JsonKind.String)
        {
            string path = value.Text ?? string.Empty;
            if (!LabelFileParser.IsLabelFile(path))
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, value, "labels", Owner, Expected, value.Describe());
                return ModelLabels.None;
            }

            return new ModelLabels { Names = EquatableArray<string>.Empty, Path = path, Span = span };
        }

        if (value.Kind != JsonKind.Array || value.Items.Count == 0)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, value, "labels", Owner, Expected, value.Describe());
            return ModelLabels.None;
        }

        var names = new List<string>(value.Items.Count);
        foreach (JsonNode item in value.Items)
        {
            if (item.Kind != JsonKind.String || string.IsNullOrWhiteSpace(item.Text))
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, item, "labels", Owner, "a non-empty string for each class", item.Describe());
                return ModelLabels.None;
            }

            names.Add(item.Text!);
        }

        return new ModelLabels { Names = names.ToEquatableArray(), Path = null, Span = span };
    }
}
