using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// Reads a model description (<c>*.xcs.json</c>) into a <see cref="ModelSpec"/>: checks every member's
/// type and range, applies Keras's defaults, unrolls repeat blocks and resolves default inputs.
/// Graph-level checks (names, cycles, shapes, weights) belong to the planner.
/// </summary>
internal static class ModelParser
{
    /// <summary>The most layers a description may expand to.</summary>
    public const int MaxLayers = 100_000;

    public const double DefaultEpsilon = 0.001;

    private static readonly string[] s_topLevelMembers = { "$schema", "model", "namespace", "description", "weights", "layers" };
    private static readonly string[] s_weightsMembers = { "table", "url", "md5" };
    private static readonly string[] s_repeatMembers = { "repeat", "vars", "layers" };

    private static readonly Dictionary<string, LayerOp> s_ops = new(StringComparer.Ordinal)
    {
        ["input"] = LayerOp.Input,
        ["conv2d"] = LayerOp.Conv2D,
        ["separable_conv2d"] = LayerOp.SeparableConv2D,
        ["depthwise_conv2d"] = LayerOp.DepthwiseConv2D,
        ["batch_norm"] = LayerOp.BatchNorm,
        ["relu"] = LayerOp.Relu,
        ["softmax"] = LayerOp.Softmax,
        ["global_avg_pool"] = LayerOp.GlobalAvgPool,
        ["global_max_pool"] = LayerOp.GlobalMaxPool,
        ["max_pool2d"] = LayerOp.MaxPool2D,
        ["add"] = LayerOp.Add,
        ["dense"] = LayerOp.Dense,
    };

    private static readonly string s_knownOps = string.Join(", ", SortedOps());

    public static ParsedModel Parse(string filePath, string text)
    {
        JsonDocument doc = JsonDocument.Parse(text);
        var ctx = new ParseContext(filePath, doc);
        if (doc.Root is null)
        {
            ctx.Report(DiagnosticDescriptors.MalformedJson, doc.Span(doc.ErrorStart, doc.ErrorEnd), doc.Error ?? "unknown error");
            return new ParsedModel(filePath, null, ctx.Diagnostics.ToEquatableArray());
        }

        ModelSpec? spec = ParseModel(ctx, doc.Root);
        return new ParsedModel(filePath, ctx.HasErrors ? null : spec, ctx.Diagnostics.ToEquatableArray());
    }

    private static ModelSpec? ParseModel(ParseContext ctx, JsonNode root)
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
            List<Entry> entries = ParseEntries(ctx, layersMember.Value, new List<string>());
            int budget = MaxLayers;
            Expand(ctx, entries, new Dictionary<string, long>(StringComparer.Ordinal), layers, ref budget);
            ResolveDefaultInputs(ctx, layers);
            if (layers.Count == 0 && !ctx.HasErrors)
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, layersMember.Value, "layers", owner, "at least one layer", "an empty array");
            }
        }

        if (name is null)
        {
            return null;
        }

        return new ModelSpec(ctx.FilePath, name, nameSpan, ns, description, table, tableSpan, url, md5, layers.ToEquatableArray());
    }

    // ---- entries and repeat blocks ----

    private abstract class Entry
    {
    }

    private sealed class LayerEntry : Entry
    {
        public LayerEntry(LayerSpec template)
        {
            Template = template;
        }

        public LayerSpec Template { get; }
    }

    private sealed class RepeatEntry : Entry
    {
        public RepeatEntry(JsonNode node, int count, List<(string Name, long Start)> vars, List<Entry> children)
        {
            Node = node;
            Count = count;
            Vars = vars;
            Children = children;
        }

        public JsonNode Node { get; }

        public int Count { get; }

        public List<(string Name, long Start)> Vars { get; }

        public List<Entry> Children { get; }
    }

    private static List<Entry> ParseEntries(ParseContext ctx, JsonNode array, List<string> scope)
    {
        var entries = new List<Entry>();
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

            Entry? entry = isRepeat ? ParseRepeat(ctx, item, scope) : ParseLayer(ctx, item, where, scope);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private static Entry? ParseRepeat(ParseContext ctx, JsonNode node, List<string> scope)
    {
        const string owner = "a repeat block";
        Dictionary<string, JsonMember> members = Members(ctx, node, owner, s_repeatMembers);
        JsonMember repeat = members["repeat"];
        int count = 0;
        if (!repeat.Value.TryGetInt64(out long n) || n < 1 || n > MaxLayers)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, repeat.Value, "repeat", owner, "an integer from 1 to " + MaxLayers.ToString(CultureInfo.InvariantCulture), repeat.Value.Describe());
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

        List<Entry> children = new();
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
            children = ParseEntries(ctx, layers.Value, innerScope);
        }

        return count == 0 ? null : new RepeatEntry(node, count, vars, children);
    }

    private static void Expand(ParseContext ctx, List<Entry> entries, Dictionary<string, long> env, List<LayerSpec> output, ref int budget)
    {
        foreach (Entry entry in entries)
        {
            if (budget < 0)
            {
                return;
            }

            if (entry is LayerEntry layer)
            {
                if (--budget < 0)
                {
                    ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, layer.Template.Spans.Name, "layers", "the model description", "at most " + MaxLayers.ToString(CultureInfo.InvariantCulture) + " layers after expanding repeat blocks", "more");
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
    private static string? UnknownVariable(string text, List<string> scope)
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

    private static void ResolveDefaultInputs(ParseContext ctx, List<LayerSpec> layers)
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

    // ---- one layer ----

    private static Entry? ParseLayer(ParseContext ctx, JsonNode node, string where, List<string> scope)
    {
        // First pass: name and op, so that later messages can name the layer.
        string name = where;
        SourceSpan nameSpan = ctx.Document.Span(node.Start, node.Start + 1);
        bool ok = true;
        JsonMember? nameMember = FindMember(node, "name");
        if (nameMember is null)
        {
            ctx.Report(DiagnosticDescriptors.MissingAttribute, nameSpan, "The layer at " + where, "name");
            ok = false;
        }
        else if (nameMember.Value.Kind != JsonKind.String || string.IsNullOrEmpty(nameMember.Value.Text))
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, nameMember.Value, "name", "the layer at " + where, "a non-empty string", nameMember.Value.Describe());
            ok = false;
        }
        else
        {
            name = nameMember.Value.Text!;
            nameSpan = ctx.Document.Span(nameMember.Value);
            if (UnknownVariable(name, scope) is { } unknown)
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, nameMember.Value, "name", "layer '" + name + "'", "only variables of an enclosing repeat block", unknown);
                ok = false;
            }
        }

        string owner = "layer '" + name + "'";
        LayerOp op = LayerOp.Unknown;
        JsonMember? opMember = FindMember(node, "op");
        if (opMember is null)
        {
            ctx.Report(DiagnosticDescriptors.MissingAttribute, nameSpan, "Layer '" + name + "'", "op");
            ok = false;
        }
        else if (opMember.Value.Kind != JsonKind.String)
        {
            ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, opMember.Value, "op", owner, "a string naming an op", opMember.Value.Describe());
            ok = false;
        }
        else if (!s_ops.TryGetValue(opMember.Value.Text ?? string.Empty, out op))
        {
            ctx.Report(DiagnosticDescriptors.UnknownOp, opMember.Value, name, opMember.Value.Text ?? string.Empty, s_knownOps);
            ok = false;
        }

        Dictionary<string, JsonMember> members = Members(ctx, node, owner, op == LayerOp.Unknown ? null : AllowedMembers(op));
        var reader = new AttributeReader(ctx, members, owner, nameSpan, name);

        // inputs
        var inputs = new List<string>();
        var inputSpans = new List<SourceSpan>();
        if (members.TryGetValue("inputs", out JsonMember? inputsMember))
        {
            if (inputsMember.Value.Kind != JsonKind.Array)
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, inputsMember.Value, "inputs", owner, "an array of layer names", inputsMember.Value.Describe());
                ok = false;
            }
            else
            {
                foreach (JsonNode item in inputsMember.Value.Items)
                {
                    if (item.Kind != JsonKind.String || string.IsNullOrEmpty(item.Text))
                    {
                        ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, item, "inputs", owner, "a layer name", item.Describe());
                        ok = false;
                        continue;
                    }

                    if (UnknownVariable(item.Text!, scope) is { } unknown)
                    {
                        ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, item, "inputs", owner, "only variables of an enclosing repeat block", unknown);
                        ok = false;
                        continue;
                    }

                    inputs.Add(item.Text!);
                    inputSpans.Add(ctx.Document.Span(item));
                }

                int count = inputsMember.Value.Items.Count;
                if (op == LayerOp.Input && count > 0)
                {
                    ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, inputsMember.Value, "inputs", owner, "no inputs (an input layer reads the model input)", count.ToString(CultureInfo.InvariantCulture) + " names");
                    ok = false;
                }
                else if (op == LayerOp.Add && count < 2)
                {
                    ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, inputsMember.Value, "inputs", owner, "at least 2 layer names", count.ToString(CultureInfo.InvariantCulture));
                    ok = false;
                }
                else if (op != LayerOp.Add && op != LayerOp.Input && op != LayerOp.Unknown && count != 1)
                {
                    ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, inputsMember.Value, "inputs", owner, "exactly 1 layer name", count.ToString(CultureInfo.InvariantCulture));
                    ok = false;
                }
            }
        }
        else if (op == LayerOp.Add)
        {
            ctx.Report(DiagnosticDescriptors.MissingAttribute, nameSpan, "Add layer '" + name + "'", "inputs");
            ok = false;
        }

        int filters = 0, kh = 0, kw = 0, sh = 1, sw = 1, depthMultiplier = 1, units = 0, height = 0, width = 0, channels = 0, minSize = 0;
        Padding padding = Padding.Valid;
        bool useBias = true;
        double epsilon = DefaultEpsilon;
        DenseActivation activation = DenseActivation.Linear;
        SourceSpan shapeSpan = nameSpan;

        switch (op)
        {
            case LayerOp.Input:
                if (reader.Require("shape") is { } shape)
                {
                    shapeSpan = ctx.Document.Span(shape.Value);
                    if (shape.Value.Kind != JsonKind.Array || shape.Value.Items.Count != 3
                        || !TryPositive(shape.Value.Items[0], out height) || !TryPositive(shape.Value.Items[1], out width) || !TryPositive(shape.Value.Items[2], out channels))
                    {
                        reader.Invalid(shape, "[height, width, channels] of positive integers");
                    }
                }

                minSize = reader.PositiveInt("min_size", 0);
                break;
            case LayerOp.Conv2D:
            case LayerOp.SeparableConv2D:
            case LayerOp.DepthwiseConv2D:
                if (op != LayerOp.DepthwiseConv2D)
                {
                    filters = reader.RequiredPositiveInt("filters");
                }

                (kh, kw) = reader.RequiredPair("kernel");
                (sh, sw) = reader.Pair("strides", 1, 1);
                padding = reader.PaddingValue();
                useBias = reader.Bool("use_bias", true);
                if (op != LayerOp.Conv2D)
                {
                    depthMultiplier = reader.PositiveInt("depth_multiplier", 1);
                    if (depthMultiplier > 1 && members.TryGetValue("depth_multiplier", out JsonMember? dm))
                    {
                        ctx.Report(DiagnosticDescriptors.UnsupportedFeature, dm.Value, name, "depth_multiplier " + depthMultiplier.ToString(CultureInfo.InvariantCulture), "only depth_multiplier 1 is");
                    }
                }

                break;
            case LayerOp.BatchNorm:
                epsilon = reader.PositiveNumber("epsilon", DefaultEpsilon);
                break;
            case LayerOp.MaxPool2D:
                (kh, kw) = reader.RequiredPair("pool");
                (sh, sw) = reader.Pair("strides", kh, kw);
                padding = reader.PaddingValue();
                break;
            case LayerOp.Dense:
                units = reader.RequiredPositiveInt("units");
                useBias = reader.Bool("use_bias", true);
                activation = reader.ActivationValue();
                break;
        }

        if (!ok || reader.Failed)
        {
            return null;
        }

        var spec = new LayerSpec
        {
            Name = name,
            Op = op,
            Inputs = inputs.ToEquatableArray(),
            Filters = filters,
            Window = new LayerWindow { KernelHeight = kh, KernelWidth = kw, StrideHeight = sh, StrideWidth = sw, Padding = padding },
            UseBias = useBias,
            DepthMultiplier = depthMultiplier,
            Epsilon = epsilon,
            Units = units,
            Activation = activation,
            Shape = new DeclaredInput { Height = height, Width = width, Channels = channels, MinSize = minSize },
            Spans = new LayerSpans { Name = nameSpan, Inputs = inputSpans.ToEquatableArray(), Shape = shapeSpan },
        };
        return new LayerEntry(spec);
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

    private static string[] AllowedMembers(LayerOp op) => op switch
    {
        LayerOp.Input => new[] { "name", "op", "inputs", "shape", "min_size" },
        LayerOp.Conv2D => new[] { "name", "op", "inputs", "filters", "kernel", "strides", "padding", "use_bias" },
        LayerOp.SeparableConv2D => new[] { "name", "op", "inputs", "filters", "kernel", "strides", "padding", "use_bias", "depth_multiplier" },
        LayerOp.DepthwiseConv2D => new[] { "name", "op", "inputs", "kernel", "strides", "padding", "use_bias", "depth_multiplier" },
        LayerOp.BatchNorm => new[] { "name", "op", "inputs", "epsilon" },
        LayerOp.MaxPool2D => new[] { "name", "op", "inputs", "pool", "strides", "padding" },
        LayerOp.Dense => new[] { "name", "op", "inputs", "units", "use_bias", "activation" },
        _ => new[] { "name", "op", "inputs" },
    };

    private static bool TryPositive(JsonNode node, out int value)
    {
        value = 0;
        if (node.TryGetInt64(out long v) && v >= 1 && v <= int.MaxValue)
        {
            value = (int)v;
            return true;
        }

        return false;
    }

    /// <summary>Reads op attributes of one layer, reporting wrong types and ranges.</summary>
    private sealed class AttributeReader
    {
        private readonly ParseContext _ctx;
        private readonly Dictionary<string, JsonMember> _members;
        private readonly string _owner;
        private readonly SourceSpan _nameSpan;
        private readonly string _name;

        public AttributeReader(ParseContext ctx, Dictionary<string, JsonMember> members, string owner, SourceSpan nameSpan, string name)
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

        public DenseActivation ActivationValue()
        {
            if (!_members.TryGetValue("activation", out JsonMember? m))
            {
                return DenseActivation.Linear;
            }

            switch (m.Value.Kind == JsonKind.String ? m.Value.Text : null)
            {
                case "linear":
                    return DenseActivation.Linear;
                case "relu":
                    return DenseActivation.Relu;
                case "softmax":
                    return DenseActivation.Softmax;
                default:
                    Invalid(m, "\"linear\", \"relu\" or \"softmax\"");
                    return DenseActivation.Linear;
            }
        }
    }

    // ---- shared helpers ----

    /// <summary>
    /// The members of an object by name. Reports duplicates (error) and, when <paramref name="allowed"/>
    /// is given, members not in it (warning).
    /// </summary>
    internal static Dictionary<string, JsonMember> Members(ParseContext ctx, JsonNode node, string owner, string[]? allowed)
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

    private static JsonMember? FindMember(JsonNode node, string name)
    {
        foreach (JsonMember m in node.Members)
        {
            if (m.Name == name)
            {
                return m;
            }
        }

        return null;
    }

    private static JsonMember? RequireString(ParseContext ctx, JsonNode owner, Dictionary<string, JsonMember> members, string name, string ownerText)
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

    private static JsonMember? OptionalString(ParseContext ctx, Dictionary<string, JsonMember> members, string name, string ownerText)
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

    private static List<string> SortedOps()
    {
        var names = new List<string>(s_ops.Keys);
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}

/// <summary>Checks on the C# names a description contributes (class name, namespace).</summary>
internal static class ModelNames
{
    /// <summary>
    /// The longest class name or namespace accepted, in UTF-8 bytes: metadata holds names of at most 1024 bytes
    /// (CS7013), and the hint name and file paths derive from the class name, so stay well below.
    /// </summary>
    public const int MaxNameBytes = 512;

    /// <summary>Null when <paramref name="name"/> can be the generated class name, else why not.</summary>
    public static string? Validate(string name)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            return "it is longer than " + MaxNameBytes.ToString(CultureInfo.InvariantCulture) + " bytes";
        }

        if (!SyntaxFacts.IsValidIdentifier(name))
        {
            return "it is not a valid C# identifier";
        }

        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None)
        {
            return "it is a C# keyword";
        }

        bool lowerAscii = true;
        foreach (char c in name)
        {
            if (!(c >= 'a' && c <= 'z'))
            {
                lowerAscii = false;
            }
        }

        if (lowerAscii)
        {
            return "all-lowercase ASCII type names are reserved for future C# keywords (CS8981)";
        }

        if (Emitting.GeneratedMembers.IsReserved(name))
        {
            return "the generated class has a member of that name";
        }

        return null;
    }

    public static bool IsValidNamespace(string? ns)
    {
        if (string.IsNullOrEmpty(ns) || System.Text.Encoding.UTF8.GetByteCount(ns) > MaxNameBytes)
        {
            return false;
        }

        foreach (string part in ns!.Split('.'))
        {
            if (!SyntaxFacts.IsValidIdentifier(part) || SyntaxFacts.GetKeywordKind(part) != SyntaxKind.None || part == "global")
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsIdentifierLike(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
