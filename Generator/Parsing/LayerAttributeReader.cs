using System.Collections.Generic;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>Reads op attributes of one layer, reporting wrong types and ranges.</summary>
internal sealed partial class LayerAttributeReader
{
    private readonly ParseContext _ctx;
    private readonly Dictionary<string, JsonMember> _members;
    private readonly string _owner;
    private readonly SourceSpan _nameSpan;
    private readonly string _name;

    public LayerAttributeReader(ParseContext ctx, Dictionary<string, JsonMember> members, string owner, SourceSpan nameSpan, string name)
    {
        _ctx = ctx;
        _members = members;
        _owner = owner;
        _nameSpan = nameSpan;
        _name = name;
    }

    public bool Failed { get; private set; }

    public JsonMember? Require(string member)
    {
        if (_members.TryGetValue(member, out JsonMember? m))
        {
            return m;
        }

        _ctx.Report(DiagnosticDescriptors.MissingAttribute, _nameSpan, "Layer '" + _name + "'", member);
        Failed = true;
        return null;
    }

    public void Invalid(JsonMember member, string expected)
    {
        _ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, member.Value, member.Name, _owner, expected, member.Value.Describe());
        Failed = true;
    }

    public int RequiredPositiveInt(string member)
    {
        JsonMember? m = Require(member);
        if (m is null)
        {
            return 0;
        }

        if (!TryPositive(m.Value, out int value))
        {
            Invalid(m, "a positive integer");
        }

        return value;
    }

    public int PositiveInt(string member, int defaultValue)
    {
        if (!_members.TryGetValue(member, out JsonMember? m))
        {
            return defaultValue;
        }

        if (!TryPositive(m.Value, out int value))
        {
            Invalid(m, "a positive integer");
            return defaultValue;
        }

        return value;
    }

    public (int, int) RequiredPair(string member)
    {
        JsonMember? m = Require(member);
        return m is null ? (0, 0) : ReadPair(m);
    }

    public (int, int) Pair(string member, int h, int w) =>
        _members.TryGetValue(member, out JsonMember? m) ? ReadPair(m) : (h, w);

    private (int, int) ReadPair(JsonMember m)
    {
        if (TryPositive(m.Value, out int single))
        {
            return (single, single);
        }

        if (m.Value.Kind == JsonKind.Array && m.Value.Items.Count == 2
            && TryPositive(m.Value.Items[0], out int h) && TryPositive(m.Value.Items[1], out int w))
        {
            return (h, w);
        }

        Invalid(m, "[height, width] of positive integers");
        return (1, 1);
    }

    public bool Bool(string member, bool defaultValue)
    {
        if (!_members.TryGetValue(member, out JsonMember? m))
        {
            return defaultValue;
        }

        if (m.Value.Kind is JsonKind.True or JsonKind.False)
        {
            return m.Value.Kind == JsonKind.True;
        }

        Invalid(m, "true or false");
        return defaultValue;
    }

    public double PositiveNumber(string member, double defaultValue)
    {
        if (!_members.TryGetValue(member, out JsonMember? m))
        {
            return defaultValue;
        }

        if (!m.Value.TryGetFiniteDouble(out double value) || value <= 0 || (float)value <= 0 || float.IsInfinity((float)value))
        {
            Invalid(m, "a positive number that fits a float");
            return defaultValue;
        }

        return value;
    }

    public Padding PaddingValue()
    {
        if (!_members.TryGetValue("padding", out JsonMember? m))
        {
            return Padding.Valid;
        }

        switch (m.Value.Kind == JsonKind.String ? m.Value.Text : null)
        {
            case "valid":
                return Padding.Valid;
            case "same":
                return Padding.Same;
            default:
                Invalid(m, "\"valid\" or \"same\"");
                return Padding.Valid;
        }
    }

    /// <summary>
    /// ZeroPadding2D's <c>padding</c> as Keras accepts it: n (every side), [h, w] (symmetric) or
    /// [[top, bottom], [left, right]]; Keras's default is 1.
    /// </summary>
    public LayerPads ZeroPaddingValue()
    {
        if (!_members.TryGetValue("padding", out JsonMember? m))
        {
            return new LayerPads { Top = 1, Bottom = 1, Left = 1, Right = 1 };
        }

        JsonNode v = m.Value;
        if (TryNonNegative(v, out int all))
        {
            return new LayerPads { Top = all, Bottom = all, Left = all, Right = all };
        }

        if (v.Kind == JsonKind.Array && v.Items.Count == 2)
        {
            if (TryNonNegative(v.Items[0], out int h) && TryNonNegative(v.Items[1], out int w))
            {
                return new LayerPads { Top = h, Bottom = h, Left = w, Right = w };
            }

            if (TryNonNegativePair(v.Items[0], out int top, out int bottom) && TryNonNegativePair(v.Items[1], out int left, out int right))
            {
                return new LayerPads { Top = top, Bottom = bottom, Left = left, Right = right };
            }
        }

        Invalid(m, "n, [height, width] or [[top, bottom], [left, right]] of non-negative integers");
        return LayerPads.None;
    }

    private static bool TryNonNegativePair(JsonNode node, out int first, out int second)
    {
        first = second = 0;
        return node.Kind == JsonKind.Array && node.Items.Count == 2 && TryNonNegative(node.Items[0], out first) && TryNonNegative(node.Items[1], out second);
    }

    // Pads are bounded well below int.MaxValue so that a padded side still fits an int after adding both.
    private static bool TryNonNegative(JsonNode node, out int value)
    {
        value = 0;
        if (node.TryGetInt64(out long v) && v >= 0 && v <= 1 << 20)
        {
            value = (int)v;
            return true;
        }

        return false;
    }

    /// <summary>A function name (<see cref="ActivationSpec.FromName"/>); <paramref name="fallback"/> when absent or wrong.</summary>
    public ActivationSpec FunctionValue(string member, ActivationSpec fallback)
    {
        if (!_members.TryGetValue(member, out JsonMember? m))
        {
            return fallback;
        }

        if (m.Value.Kind != JsonKind.String)
        {
            Invalid(m, "a string naming an activation function");
            return fallback;
        }

        if (ActivationSpec.FromName(m.Value.Text ?? string.Empty) is { } spec)
        {
            return spec;
        }

        _ctx.Report(DiagnosticDescriptors.UnknownActivation, m.Value, _name, m.Value.Text ?? string.Empty, ActivationSpec.KnownNames);
        Failed = true;
        return fallback;
    }

    /// <summary>A finite number that fits a float (negative slopes and thresholds may be negative or 0).</summary>
    public double Number(string member, double defaultValue, double minimum = double.NegativeInfinity)
    {
        if (!_members.TryGetValue(member, out JsonMember? m))
        {
            return defaultValue;
        }

        if (!m.Value.TryGetFiniteDouble(out double value) || value < minimum || float.IsInfinity((float)value))
        {
            Invalid(m, minimum == 0 ? "a number of at least 0 that fits a float" : "a finite number that fits a float");
            return defaultValue;
        }

        return value;
    }

    /// <summary>A positive integer that fits an <see cref="int"/>.</summary>
    public static bool TryPositive(JsonNode node, out int value)
    {
        value = 0;
        if (node.TryGetInt64(out long v) && v >= 1 && v <= int.MaxValue)
        {
            value = (int)v;
            return true;
        }

        return false;
    }
}
