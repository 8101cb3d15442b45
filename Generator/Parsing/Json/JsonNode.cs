using System.Collections.Generic;
using System.Globalization;

namespace Xception.Compiler.Generator.Parsing.Json;

internal enum JsonKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// A JSON value with the character range it came from. Strings hold their unescaped value; numbers
/// keep their source text, converted only on request (so huge or fractional numbers are reported,
/// never thrown). Used inside the parsers only; nothing of it reaches the pipeline.
/// </summary>
internal sealed class JsonNode
{
    public JsonNode(JsonKind kind, int start)
    {
        Kind = kind;
        Start = start;
    }

    public JsonKind Kind { get; }

    public int Start { get; }

    public int End { get; set; }

    /// <summary>The unescaped value of a string, the source text of a number.</summary>
    public string? Text { get; set; }

    public List<JsonMember> Members { get; } = new();

    public List<JsonNode> Items { get; } = new();

    /// <summary>The first member of an object with that name, or null.</summary>
    public JsonMember? Member(string name)
    {
        foreach (JsonMember m in Members)
        {
            if (m.Name == name)
            {
                return m;
            }
        }

        return null;
    }

    public string KindName => Kind switch
    {
        JsonKind.Object => "an object",
        JsonKind.Array => "an array",
        JsonKind.String => "a string",
        JsonKind.Number => "a number",
        JsonKind.True or JsonKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>A short rendering of the value for messages ("found ...").</summary>
    public string Describe()
    {
        switch (Kind)
        {
            case JsonKind.String:
                string s = Text ?? string.Empty;
                return "\"" + (s.Length > 40 ? s.Substring(0, 40) + "…" : s) + "\"";
            case JsonKind.Number:
                string n = Text ?? string.Empty;
                return n.Length > 40 ? n.Substring(0, 40) + "…" : n;
            case JsonKind.True:
                return "true";
            case JsonKind.False:
                return "false";
            default:
                return KindName;
        }
    }

    /// <summary>The integer value, when the token is an integer literal that fits a 64-bit integer.</summary>
    public bool TryGetInt64(out long value)
    {
        value = 0;
        return Kind == JsonKind.Number && Text is not null
            && Text.IndexOfAny(new[] { '.', 'e', 'E' }) < 0
            && long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The value as a finite double.</summary>
    public bool TryGetFiniteDouble(out double value)
    {
        value = 0;
        if (Kind != JsonKind.Number || Text is null
            || !double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }

        return !double.IsNaN(value) && !double.IsInfinity(value);
    }
}

/// <summary>A member of a JSON object: its name, the range of the name token and its value.</summary>
internal sealed class JsonMember
{
    public JsonMember(string name, int nameStart, int nameEnd, JsonNode value)
    {
        Name = name;
        NameStart = nameStart;
        NameEnd = nameEnd;
        Value = value;
    }

    public string Name { get; }

    public int NameStart { get; }

    public int NameEnd { get; }

    public JsonNode Value { get; }
}
