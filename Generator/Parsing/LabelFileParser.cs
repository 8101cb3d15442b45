using System;
using System.Collections.Generic;
using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// Reads a labels file a description names in <c>labels</c>. <c>*.labels.txt</c>: one class name per line
/// (trailing blank lines ignored). <c>*.labels.json</c>: an array of names, or Keras's
/// <c>imagenet_class_index.json</c> shape <c>{"0": ["n01440764", "tench"], ...}</c> (keys 0..n-1, the name
/// last). Problems are XCS0027, located in the labels file.
/// </summary>
internal static class LabelFileParser
{
    public const string TextSuffix = ".labels.txt";
    public const string JsonSuffix = ".labels.json";

    public static bool IsLabelFile(string path) =>
        path.EndsWith(TextSuffix, StringComparison.OrdinalIgnoreCase) || path.EndsWith(JsonSuffix, StringComparison.OrdinalIgnoreCase);

    public static ParsedLabelFile Parse(string filePath, string text) =>
        filePath.EndsWith(JsonSuffix, StringComparison.OrdinalIgnoreCase) ? ParseJson(filePath, text) : ParseText(filePath, text);

    private static ParsedLabelFile ParseText(string filePath, string text)
    {
        List<(int Start, string Line)> lines = Lines(text);
        int count = lines.Count;
        while (count > 0 && lines[count - 1].Line.Trim().Length == 0)
        {
            count--;
        }

        var names = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            string name = lines[i].Line.Trim();
            if (name.Length == 0)
            {
                int start = lines[i].Start;
                var line = new SourceSpan(start, lines[i].Line.Length, i, 0, i, lines[i].Line.Length);
                return Failed(filePath, line, "line " + (i + 1).ToString(CultureInfo.InvariantCulture) + " is empty (one class name per line)");
            }

            names.Add(name);
        }

        return names.Count == 0
            ? Failed(filePath, SourceSpan.None, "it holds no class names")
            : new ParsedLabelFile(filePath, names.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>The lines of <paramref name="text"/> (\n, \r\n or \r) with the offset each starts at.</summary>
    private static List<(int Start, string Line)> Lines(string text)
    {
        var lines = new List<(int, string)>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] is '\n' or '\r')
            {
                lines.Add((start, text.Substring(start, i - start)));
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }
        }

        lines.Add((start, text.Substring(start)));
        return lines;
    }

    private static ParsedLabelFile ParseJson(string filePath, string text)
    {
        JsonDocument doc = JsonDocument.Parse(text);
        if (doc.Root is null)
        {
            return Failed(filePath, doc.Span(doc.ErrorStart, doc.ErrorEnd), "not valid JSON: " + doc.Error);
        }

        JsonNode root = doc.Root;
        var names = new List<string>();
        if (root.Kind == JsonKind.Array)
        {
            foreach (JsonNode item in root.Items)
            {
                if (item.Kind != JsonKind.String || string.IsNullOrWhiteSpace(item.Text))
                {
                    return Failed(filePath, doc.Span(item), "expected a non-empty string for each class, found " + item.Describe());
                }

                names.Add(item.Text!);
            }
        }
        else if (root.Kind == JsonKind.Object)
        {
            // Keras's class index: the keys are the class numbers, in any order, each present once.
            var byIndex = new string?[root.Members.Count];
            foreach (JsonMember member in root.Members)
            {
                SourceSpan nameSpan = doc.Span(member.NameStart, member.NameEnd);
                if (!int.TryParse(member.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= byIndex.Length)
                {
                    return Failed(filePath, nameSpan, "expected the keys to be the class numbers 0.." + (byIndex.Length - 1).ToString(CultureInfo.InvariantCulture) + ", found \"" + member.Name + "\"");
                }

                if (byIndex[index] is not null)
                {
                    return Failed(filePath, nameSpan, "class " + member.Name + " appears more than once");
                }

                JsonNode value = member.Value;
                JsonNode? last = value.Kind == JsonKind.Array && value.Items.Count > 0 ? value.Items[value.Items.Count - 1] : value;
                if (last.Kind != JsonKind.String || string.IsNullOrWhiteSpace(last.Text))
                {
                    return Failed(filePath, doc.Span(value), "expected a class name or [id, name] for class " + member.Name + ", found " + value.Describe());
                }

                byIndex[index] = last.Text;
            }

            foreach (string? name in byIndex)
            {
                names.Add(name!);
            }
        }
        else
        {
            return Failed(filePath, doc.Span(root), "expected an array of class names or an object {\"0\": [id, name], ...}, found " + root.Describe());
        }

        return names.Count == 0
            ? Failed(filePath, doc.Span(root), "it holds no class names")
            : new ParsedLabelFile(filePath, names.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty);
    }

    private static ParsedLabelFile Failed(string filePath, SourceSpan span, string problem) =>
        new(filePath, null, new[] { DiagnosticInfo.Create(DiagnosticDescriptors.UnusableLabelFile.Id, filePath, span, WeightTableParser.FileName(filePath), problem) }.ToEquatableArray());
}
