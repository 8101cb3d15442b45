using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Xception.Compiler.Runtime.Import;

/// <summary>
/// Reads the class names <c>xception import --labels</c> copies into a description, in the formats the
/// generator accepts for a <c>labels</c> file: <c>.json</c> holds a list of names or Keras's class index
/// <c>{"0": ["n01440764", "tench"], ...}</c>; any other file holds one name per line (trailing blank lines ignored).
/// Teachable Machine's <c>labels.txt</c> prefixes each name with its class number (<c>0 Class 1</c>; its Keras
/// snippet prints <c>class_names[index][2:]</c>): when every line starts with its own number and a space, the
/// numbers are dropped.
/// </summary>
internal static class LabelFileReader
{
    /// <exception cref="ModelImportException">The file holds no names, an empty name, or JSON of another shape.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        string text = File.ReadAllText(path);
        IReadOnlyList<string> names = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ReadJson(path, text) : ReadLines(path, text);
        if (names.Count == 0)
        {
            throw Problem(path, "it holds no class names");
        }

        return names;
    }

    private static List<string> ReadLines(string path, string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        while (lines.Count > 0 && lines[^1].Trim().Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        for (int i = 0; i < lines.Count; i++)
        {
            lines[i] = lines[i].Trim();
            if (lines[i].Length == 0)
            {
                throw Problem(path, "line " + (i + 1).ToString(CultureInfo.InvariantCulture) + " is empty (one class name per line)");
            }
        }

        return WithoutIndexPrefixes(lines);
    }

    // Only when every line carries its own index: a single name that happens to start with a number stays as it is.
    private static List<string> WithoutIndexPrefixes(List<string> lines)
    {
        var names = new List<string>(lines.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            string prefix = i.ToString(CultureInfo.InvariantCulture);
            string line = lines[i];
            if (!line.StartsWith(prefix, StringComparison.Ordinal) || line.Length <= prefix.Length + 1 || !char.IsWhiteSpace(line[prefix.Length]))
            {
                return lines;
            }

            names.Add(line.Substring(prefix.Length).TrimStart());
        }

        return names;
    }

    private static List<string> ReadJson(string path, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw Problem(path, "not valid JSON: " + e.Message, e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                return root.EnumerateArray().Select((item, i) => Name(path, item, i.ToString(CultureInfo.InvariantCulture))).ToList();
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Problem(path, "expected a list of class names or an object {\"0\": [id, name], ...}, found " + root.ValueKind);
            }

            var entries = root.EnumerateObject().ToList();
            var names = new string?[entries.Count];
            foreach (JsonProperty entry in entries)
            {
                if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= names.Length || names[index] is not null)
                {
                    throw Problem(path, "expected the keys to be the class numbers 0.." + (names.Length - 1).ToString(CultureInfo.InvariantCulture) + ", each once, found \"" + entry.Name + "\"");
                }

                JsonElement value = entry.Value;
                names[index] = Name(path, value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 ? value[value.GetArrayLength() - 1] : value, entry.Name);
            }

            return names.Select(n => n!).ToList();
        }
    }

    private static string Name(string path, JsonElement item, string index) =>
        item.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(item.GetString())
            ? item.GetString()!
            : throw Problem(path, "expected a non-empty class name for class " + index + ", found " + item.GetRawText());

    private static ModelImportException Problem(string path, string problem, Exception? inner = null) =>
        new("Labels file '" + path + "' cannot be used: " + problem + ".", inner);
}
