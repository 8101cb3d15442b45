using System;
using System.Collections.Generic;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// The members of a description's objects: duplicates and members the owner does not allow are
/// reported (Keras attributes that would change the result as errors), strings are type-checked.
/// </summary>
internal static class MemberReader
{
    /// <summary>
    /// The members of an object by name. Reports duplicates (error) and, when <paramref name="allowed"/>
    /// is given, members not in it (warning).
    /// </summary>
    public static Dictionary<string, JsonMember> Members(ParseContext ctx, JsonNode node, string owner, string[]? allowed)
    {
        var map = new Dictionary<string, JsonMember>(StringComparer.Ordinal);
        foreach (JsonMember m in node.Members)
        {
            if (map.ContainsKey(m.Name))
            {
                ctx.ReportName(DiagnosticDescriptors.DuplicateMember, m, m.Name, owner);
                continue;
            }

            map.Add(m.Name, m);
            if (allowed is not null && Array.IndexOf(allowed, m.Name) < 0)
            {
                if (Array.IndexOf(s_unimplementedKerasAttributes, m.Name) >= 0)
                {
                    // Ignoring these would silently compute something else than Keras: an error, not a warning.
                    ctx.ReportName(DiagnosticDescriptors.UnimplementedKerasAttribute, m, m.Name, owner, UnimplementedAttributeAdvice(m.Name));
                }
                else
                {
                    ctx.ReportName(DiagnosticDescriptors.UnknownMember, m, m.Name, owner);
                }
            }
        }

        return map;
    }

    public static JsonMember? RequireString(ParseContext ctx, JsonNode owner, Dictionary<string, JsonMember> members, string name, string ownerText)
    {
        if (!members.TryGetValue(name, out JsonMember? m))
        {
            ctx.Report(DiagnosticDescriptors.MissingAttribute, ctx.Document.Span(owner.Start, owner.Start + 1), char.ToUpperInvariant(ownerText[0]) + ownerText.Substring(1), name);
            return null;
        }

        if (m.Value.Kind != JsonKind.String)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, m.Value, name, ownerText, "a string", m.Value.Describe());
            return null;
        }

        return m;
    }

    public static JsonMember? OptionalString(ParseContext ctx, Dictionary<string, JsonMember> members, string name, string ownerText)
    {
        if (!members.TryGetValue(name, out JsonMember? m))
        {
            return null;
        }

        if (m.Value.Kind != JsonKind.String)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, m.Value, name, ownerText, "a string", m.Value.Describe());
            return null;
        }

        return m;
    }

    /// <summary>Keras layer attributes that change what a layer computes and that this compiler does not implement yet.</summary>
    private static readonly string[] s_unimplementedKerasAttributes =
    {
        "activation", "dilation_rate", "data_format", "groups", "axis", "center", "scale", "pool_size", "kernel_size",
    };

    private static string UnimplementedAttributeAdvice(string attribute) => attribute switch
    {
        "activation" => "write the activation as its own layer (for example { \"op\": \"relu\" })",
        "pool_size" or "kernel_size" => "this language names it 'pool' or 'kernel'",
        _ => "it would change what the layer computes, so it is not ignored",
    };
}
