using System.Collections.Generic;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>The attributes of the preprocessing and shape ops: constants per channel, a target shape.</summary>
internal sealed partial class LayerAttributeReader
{
    /// <summary>
    /// A number or a non-empty array of numbers that fit a float (Keras writes a scalar, or a list for
    /// per-channel values); empty when the member is absent and not <paramref name="required"/>.
    /// </summary>
    public EquatableArray<double> Numbers(string member, bool required, bool positive)
    {
        JsonMember? m = required ? Require(member) : _members.TryGetValue(member, out JsonMember? found) ? found : null;
        if (m is null)
        {
            return EquatableArray<double>.Empty;
        }

        string expected = positive ? "a positive number or a non-empty array of them" : "a number or a non-empty array of numbers";
        var values = new List<double>();
        IEnumerable<JsonNode> items = m.Value.Kind == JsonKind.Array ? m.Value.Items : new[] { m.Value };
        foreach (JsonNode item in items)
        {
            // Variance may be 0 (a constant channel); Keras then divides by its epsilon.
            if (!item.TryGetFiniteDouble(out double v) || float.IsInfinity((float)v) || (positive && v < 0))
            {
                Invalid(m, expected);
                return EquatableArray<double>.Empty;
            }

            values.Add(v);
        }

        if (values.Count == 0)
        {
            Invalid(m, expected);
        }

        return values.ToEquatableArray();
    }

    /// <summary>Where a member's value is written (the layer's name when it is absent).</summary>
    public SourceSpan SpanOf(string member) =>
        _members.TryGetValue(member, out JsonMember? m) ? _ctx.Document.Span(m.Value) : _nameSpan;

    /// <summary>Reshape's target: positive integers, at most one −1 (inferred, as Keras allows).</summary>
    public EquatableArray<int> TargetShape()
    {
        JsonMember? m = Require("target_shape");
        if (m is null)
        {
            return EquatableArray<int>.Empty;
        }

        var dims = new List<int>();
        int inferred = 0;
        if (m.Value.Kind == JsonKind.Array && m.Value.Items.Count > 0)
        {
            foreach (JsonNode item in m.Value.Items)
            {
                if (TryPositive(item, out int d))
                {
                    dims.Add(d);
                }
                else if (item.TryGetInt64(out long minusOne) && minusOne == -1)
                {
                    dims.Add(-1);
                    inferred++;
                }
                else
                {
                    inferred = int.MaxValue;
                    break;
                }
            }
        }

        if (dims.Count != m.Value.Items.Count || dims.Count == 0 || inferred > 1)
        {
            Invalid(m, "an array of positive integers (one of them may be -1)");
            return EquatableArray<int>.Empty;
        }

        return dims.ToEquatableArray();
    }
}
