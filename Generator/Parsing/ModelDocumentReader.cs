using System;
using System.Collections.Generic;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;
using static Xception.Compiler.Generator.Parsing.MemberReader;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// The top level of a description: the model's name and namespace, its weights, its class names, and its layer list
/// (read, unrolled and given default inputs) into a <see cref="ModelSpec"/>.
/// </summary>
internal static class ModelDocumentReader
{
    private static readonly string[] s_topLevelMembers = { "$schema", "model", "namespace", "description", "weights", "layers", "labels", "preprocessing" };
    private static readonly string[] s_weightsMembers = { "table", "url", "md5" };

    public static ModelSpec? Read(ParseContext ctx, JsonNode root)
    {
        const string owner = "the model description";
        if (root.Kind != JsonKind.Object)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, root, "(document)", owner, "an object", root.Describe());
            return null;
        }

        Dictionary<string, JsonMember> members = Members(ctx, root, owner, s_topLevelMembers);

        string? name = null;
        SourceSpan nameSpan = ctx.Document.Span(root.Start, root.Start + 1);
        if (RequireString(ctx, root, members, "model", owner) is { } modelMember)
        {
            name = modelMember.Value.Text ?? string.Empty;
            nameSpan = ctx.Document.Span(modelMember.Value);
            if (ModelNames.Validate(name) is { } problem)
            {
                ctx.Report(DiagnosticDescriptors.InvalidModelName, nameSpan, name, problem);
            }
        }

        string? ns = null;
        if (OptionalString(ctx, members, "namespace", owner) is { } nsMember)
        {
            ns = nsMember.Value.Text;
            if (!ModelNames.IsValidNamespace(ns))
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, nsMember.Value, "namespace", owner, "a dotted C# namespace name", nsMember.Value.Describe());
            }
        }

        string? description = OptionalString(ctx, members, "description", owner)?.Value.Text;

        string table = string.Empty;
        SourceSpan tableSpan = nameSpan;
        string? url = null;
        string? md5 = null;
        if (members.TryGetValue("weights", out JsonMember? weights))
        {
            if (weights.Value.Kind != JsonKind.Object)
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, weights.Value, "weights", owner, "an object", weights.Value.Describe());
            }
            else
            {
                Dictionary<string, JsonMember> w = Members(ctx, weights.Value, "'weights'", s_weightsMembers);
                if (RequireString(ctx, weights.Value, w, "table", "'weights'") is { } t)
                {
                    table = t.Value.Text ?? string.Empty;
                    tableSpan = ctx.Document.Span(t.Value);
                    if (table.Length == 0)
                    {
                        ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, t.Value, "table", "'weights'", "the path of a *.shapes.json file", "\"\"");
                    }
                }

                url = OptionalString(ctx, w, "url", "'weights'")?.Value.Text;
                md5 = OptionalString(ctx, w, "md5", "'weights'")?.Value.Text;
            }
        }
        else
        {
            ctx.Report(DiagnosticDescriptors.MissingAttribute, ctx.Document.Span(root.Start, root.Start + 1), "The model description", "weights");
        }

        ModelLabels labels = members.TryGetValue("labels", out JsonMember? labelsMember) ? LabelsReader.Read(ctx, labelsMember.Value) : ModelLabels.None;

        string? preprocessing = null;
        if (OptionalString(ctx, members, "preprocessing", owner) is { } preprocessingMember)
        {
            preprocessing = preprocessingMember.Value.Text;
            if (!PreprocessingModes.IsKnown(preprocessing))
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, preprocessingMember.Value, "preprocessing", owner,
                    "\"tf\", \"caffe\", \"torch\" or \"none\"", preprocessingMember.Value.Describe());
                preprocessing = null;
            }
        }

        var layers = new List<LayerSpec>();
        if (!members.TryGetValue("layers", out JsonMember? layersMember))
        {
            ctx.Report(DiagnosticDescriptors.MissingAttribute, ctx.Document.Span(root.Start, root.Start + 1), "The model description", "layers");
        }
        else if (layersMember.Value.Kind != JsonKind.Array)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, layersMember.Value, "layers", owner, "an array of layers", layersMember.Value.Describe());
        }
        else
        {
            List<LayerListEntry> entries = LayerListReader.Read(ctx, layersMember.Value, new List<string>());
            int budget = ModelParser.MaxLayers;
            RepeatExpansion.Expand(ctx, entries, new Dictionary<string, long>(StringComparer.Ordinal), layers, ref budget);
            LayerListReader.ResolveDefaultInputs(ctx, layers);
            if (layers.Count == 0 && !ctx.HasErrors)
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, layersMember.Value, "layers", owner, "at least one layer", "an empty array");
            }
        }

        if (name is null)
        {
            return null;
        }

        return new ModelSpec(ctx.FilePath, name, nameSpan, ns, description, table, tableSpan, url, md5, layers.ToEquatableArray()) { Labels = labels, Preprocessing = preprocessing };
    }
}
