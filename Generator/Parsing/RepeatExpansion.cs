using System;
using System.Collections.Generic;
using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// Unrolls repeat blocks: each pass gives the block's variables their next value and writes them into
/// the names and inputs of its layers (<c>block{n}_sepconv1</c>), within a budget of layers.
/// </summary>
internal static class RepeatExpansion
{
    public static void Expand(ParseContext ctx, List<LayerListEntry> entries, Dictionary<string, long> env, List<LayerSpec> output, ref int budget)
    {
        foreach (LayerListEntry entry in entries)
        {
            if (budget < 0)
            {
                return;
            }

            if (entry is LayerEntry layer)
            {
                if (--budget < 0)
                {
                    ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, layer.Template.Spans.Name, "layers", "the model description", "at most " + ModelParser.MaxLayers.ToString(CultureInfo.InvariantCulture) + " layers after expanding repeat blocks", "more");
                    return;
                }

                output.Add(env.Count == 0 ? layer.Template : Substitute(layer.Template, env));
                continue;
            }

            var repeat = (RepeatEntry)entry;
            for (int i = 0; i < repeat.Count && budget >= 0; i++)
            {
                var inner = new Dictionary<string, long>(env, StringComparer.Ordinal);
                foreach ((string name, long start) in repeat.Vars)
                {
                    inner[name] = start + i;
                }

                Expand(ctx, repeat.Children, inner, output, ref budget);
            }
        }
    }

    private static LayerSpec Substitute(LayerSpec template, Dictionary<string, long> env)
    {
        var inputs = new string[template.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = SubstituteText(template.Inputs[i], env);
        }

        return template with { Name = SubstituteText(template.Name, env), Inputs = new EquatableArray<string>(inputs) };
    }

    private static string SubstituteText(string text, Dictionary<string, long> env)
    {
        if (text.IndexOf('{') < 0)
        {
            return text;
        }

        var sb = new System.Text.StringBuilder();
        int p = 0;
        while (p < text.Length)
        {
            int open = text.IndexOf('{', p);
            int close = open < 0 ? -1 : text.IndexOf('}', open + 1);
            if (open < 0 || close < 0)
            {
                sb.Append(text, p, text.Length - p);
                break;
            }

            sb.Append(text, p, open - p);
            string var = text.Substring(open + 1, close - open - 1);
            if (env.TryGetValue(var, out long value))
            {
                sb.Append(value.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(text, open, close - open + 1);
            }

            p = close + 1;
        }

        return sb.ToString();
    }

    // Variables a name uses that no enclosing repeat block defines.
    public static string? UnknownVariable(string text, List<string> scope)
    {
        int p = 0;
        while (p < text.Length)
        {
            int open = text.IndexOf('{', p);
            if (open < 0)
            {
                return null;
            }

            int close = text.IndexOf('}', open + 1);
            if (close < 0)
            {
                return text.Substring(open);
            }

            string var = text.Substring(open + 1, close - open - 1);
            if (!scope.Contains(var))
            {
                return "{" + var + "}";
            }

            p = close + 1;
        }

        return null;
    }
}
