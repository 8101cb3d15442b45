using System;
using System.Collections.Generic;
using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;
using static Xception.Compiler.Generator.Parsing.MemberReader;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// A <c>layers</c> array: its layers and repeat blocks as entries (nested blocks see the variables of
/// the blocks around them), and, once unrolled, the default input of each layer: the one before it.
/// </summary>
internal static class LayerListReader
{
    private static readonly string[] s_repeatMembers = { "repeat", "vars", "layers" };

    public static List<LayerListEntry> Read(ParseContext ctx, JsonNode array, List<string> scope)
    {
        var entries = new List<LayerListEntry>();
        for (int i = 0; i < array.Items.Count; i++)
        {
            JsonNode item = array.Items[i];
            string where = "layers[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            if (item.Kind != JsonKind.Object)
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, item, where, "the layer list", "a layer object or a repeat block", item.Describe());
                continue;
            }

            bool isRepeat = false;
            foreach (JsonMember m in item.Members)
            {
                if (m.Name == "repeat")
                {
                    isRepeat = true;
                }
            }

            LayerListEntry? entry = isRepeat ? ParseRepeat(ctx, item, scope) : LayerReader.Read(ctx, item, where, scope);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private static LayerListEntry? ParseRepeat(ParseContext ctx, JsonNode node, List<string> scope)
    {
        const string owner = "a repeat block";
        Dictionary<string, JsonMember> members = Members(ctx, node, owner, s_repeatMembers);
        JsonMember repeat = members["repeat"];
        int count = 0;
        if (!repeat.Value.TryGetInt64(out long n) || n < 1 || n > ModelParser.MaxLayers)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, repeat.Value, "repeat", owner, "an integer from 1 to " + ModelParser.MaxLayers.ToString(CultureInfo.InvariantCulture), repeat.Value.Describe());
        }
        else
        {
            count = (int)n;
        }

        var vars = new List<(string, long)>();
        var innerScope = new List<string>(scope);
        if (members.TryGetValue("vars", out JsonMember? varsMember))
        {
            if (varsMember.Value.Kind != JsonKind.Object)
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, varsMember.Value, "vars", owner, "an object of integer start values", varsMember.Value.Describe());
            }
            else
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonMember v in varsMember.Value.Members)
                {
                    if (!seen.Add(v.Name))
                    {
                        ctx.ReportName(DiagnosticDescriptors.DuplicateMember, v, v.Name, "'vars'");
                        continue;
                    }

                    if (!ModelNames.IsIdentifierLike(v.Name))
                    {
                        ctx.ReportName(DiagnosticDescriptors.InvalidAttributeValue, v, "vars", owner, "variable names made of letters, digits and '_'", "\"" + v.Name + "\"");
                        continue;
                    }

                    if (!v.Value.TryGetInt64(out long start) || start < int.MinValue || start > int.MaxValue - (long)Math.Max(count, 1))
                    {
                        ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, v.Value, v.Name, "'vars'", "an integer start value", v.Value.Describe());
                        continue;
                    }

                    vars.Add((v.Name, start));
                    innerScope.Add(v.Name);
                }
            }
        }

        List<LayerListEntry> children = new();
        if (!members.TryGetValue("layers", out JsonMember? layers))
        {
            ctx.Report(DiagnosticDescriptors.MissingAttribute, repeat.Value, "The repeat block", "layers");
        }
        else if (layers.Value.Kind != JsonKind.Array)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, layers.Value, "layers", owner, "an array of layers", layers.Value.Describe());
        }
        else
        {
            children = Read(ctx, layers.Value, innerScope);
        }

        return count == 0 ? null : new RepeatEntry(node, count, vars, children);
    }

    public static void ResolveDefaultInputs(ParseContext ctx, List<LayerSpec> layers)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec layer = layers[i];
            if (layer.Op == LayerOp.Input || layer.Inputs.Count > 0 || layer.Spans.Inputs.Count > 0)
            {
                continue;
            }

            if (i == 0)
            {
                ctx.Report(DiagnosticDescriptors.MissingAttribute, layer.Spans.Name, "Layer '" + layer.Name + "' (the first layer, so it has no previous layer to read)", "inputs");
                continue;
            }

            layers[i] = layer with { Inputs = new EquatableArray<string>(new[] { layers[i - 1].Name }) };
        }
    }
}
