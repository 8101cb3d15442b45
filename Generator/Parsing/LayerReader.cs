using System.Collections.Generic;
using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;
using static Xception.Compiler.Generator.Parsing.MemberReader;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// One layer object: its name and op first (later messages name the layer), its inputs, then the
/// attributes of its op, with Keras's defaults, into a <see cref="LayerSpec"/> template.
/// </summary>
internal static class LayerReader
{
    public static LayerListEntry? Read(ParseContext ctx, JsonNode node, string where, List<string> scope)
    {
        // First pass: name and op, so that later messages can name the layer.
        string name = where;
        SourceSpan nameSpan = ctx.Document.Span(node.Start, node.Start + 1);
        bool ok = true;
        JsonMember? nameMember = node.Member("name");
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
            if (RepeatExpansion.UnknownVariable(name, scope) is { } unknown)
            {
                ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, nameMember.Value, "name", "layer '" + name + "'", "only variables of an enclosing repeat block", unknown);
                ok = false;
            }
        }

        string owner = "layer '" + name + "'";
        LayerOp op = LayerOp.Unknown;
        JsonMember? opMember = node.Member("op");
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
        else if (!OpTable.TryFind(opMember.Value.Text ?? string.Empty, out op))
        {
            ctx.Report(DiagnosticDescriptors.UnknownOp, opMember.Value, name, opMember.Value.Text ?? string.Empty, OpTable.KnownNames);
            ok = false;
        }

        Dictionary<string, JsonMember> members = Members(ctx, node, owner, op == LayerOp.Unknown ? null : AllowedMembers(op));
        var reader = new LayerAttributeReader(ctx, members, owner, nameSpan, name);

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

                    if (RepeatExpansion.UnknownVariable(item.Text!, scope) is { } unknown)
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
                else if (op is LayerOp.Add or LayerOp.Concatenate && count < 2)
                {
                    ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, inputsMember.Value, "inputs", owner, "at least 2 layer names", count.ToString(CultureInfo.InvariantCulture));
                    ok = false;
                }
                else if (op == LayerOp.Multiply && count != 2)
                {
                    ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, inputsMember.Value, "inputs", owner, "exactly 2 layer names", count.ToString(CultureInfo.InvariantCulture));
                    ok = false;
                }
                else if (op is not (LayerOp.Add or LayerOp.Concatenate or LayerOp.Multiply or LayerOp.Input or LayerOp.Unknown) && count != 1)
                {
                    ctx.Report(DiagnosticDescriptors.InvalidAttributeValue, inputsMember.Value, "inputs", owner, "exactly 1 layer name", count.ToString(CultureInfo.InvariantCulture));
                    ok = false;
                }
            }
        }
        else if (op is LayerOp.Add or LayerOp.Concatenate or LayerOp.Multiply)
        {
            ctx.Report(DiagnosticDescriptors.MissingAttribute, nameSpan, OpTable.Get(op).KerasClass + " layer '" + name + "'", "inputs");
            ok = false;
        }

        int filters = 0, kh = 0, kw = 0, sh = 1, sw = 1, depthMultiplier = 1, units = 0, height = 0, width = 0, channels = 0, minSize = 0;
        Padding padding = Padding.Valid;
        bool useBias = true, center = true, scale = true;
        LayerPads pads = LayerPads.None;
        double epsilon = ModelParser.DefaultEpsilon;
        DenseActivation activation = DenseActivation.Linear;
        ActivationSpec function = ActivationSpec.Linear;
        SourceSpan shapeSpan = nameSpan;
        PreprocessingValues preprocessing = PreprocessingValues.None;
        EquatableArray<int> targetShape = EquatableArray<int>.Empty;
        bool keepDims = false;

        switch (op)
        {
            case LayerOp.Input:
                if (reader.Require("shape") is { } shape)
                {
                    shapeSpan = ctx.Document.Span(shape.Value);
                    if (shape.Value.Kind != JsonKind.Array || shape.Value.Items.Count != 3
                        || !LayerAttributeReader.TryPositive(shape.Value.Items[0], out height) || !LayerAttributeReader.TryPositive(shape.Value.Items[1], out width) || !LayerAttributeReader.TryPositive(shape.Value.Items[2], out channels))
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

                function = reader.FunctionValue("activation", ActivationSpec.Linear);
                break;
            case LayerOp.BatchNorm:
                epsilon = reader.PositiveNumber("epsilon", ModelParser.DefaultEpsilon);
                center = reader.Bool("center", true);
                scale = reader.Bool("scale", true);
                break;
            case LayerOp.ZeroPadding2D:
                pads = reader.ZeroPaddingValue();
                break;
            case LayerOp.MaxPool2D:
            case LayerOp.AvgPool2D:
                (kh, kw) = reader.RequiredPair("pool");
                (sh, sw) = reader.Pair("strides", kh, kw);
                padding = reader.PaddingValue();
                break;
            case LayerOp.Rescaling:
                preprocessing = new PreprocessingValues
                {
                    Scale = reader.Numbers("scale", required: true, positive: false),
                    Offset = reader.Numbers("offset", required: false, positive: false),
                    Span = reader.SpanOf("scale"),
                };
                break;
            case LayerOp.Normalization:
                preprocessing = new PreprocessingValues
                {
                    Mean = reader.Numbers("mean", required: members.ContainsKey("variance"), positive: false),
                    Variance = reader.Numbers("variance", required: members.ContainsKey("mean"), positive: true),
                    Span = reader.SpanOf("mean"),
                };
                break;
            case LayerOp.Reshape:
                targetShape = reader.TargetShape();
                break;
            case LayerOp.GlobalAvgPool:
            case LayerOp.GlobalMaxPool:
                keepDims = reader.Bool("keepdims", false);
                break;
            case LayerOp.Dense:
                units = reader.RequiredPositiveInt("units");
                useBias = reader.Bool("use_bias", true);
                (activation, function) = DenseActivationOf(reader.FunctionValue("activation", ActivationSpec.Linear));
                break;
            case LayerOp.Relu:
                function = ActivationSpec.ReluWith(
                    reader.Number("negative_slope", 0), reader.Number("max_value", double.PositiveInfinity, minimum: 0), reader.Number("threshold", 0));
                break;
            case LayerOp.LeakyRelu:
                function = ActivationSpec.ReluWith(reader.Number("alpha", 0.3), double.PositiveInfinity, 0);
                break;
            case LayerOp.Elu:
                function = new ActivationSpec(ActivationKind.Elu, reader.Number("alpha", 1.0));
                break;
            case LayerOp.Concatenate:
                // Keras's default axis is -1; in NHWC the channels are also axis 3. Other axes are not planned as slices.
                double axis = reader.Number("axis", -1);
                if (axis is not (-1 or 3) && members.TryGetValue("axis", out JsonMember? axisMember))
                {
                    ctx.Report(DiagnosticDescriptors.InvalidConcatenate, axisMember.Value, name,
                        "axis " + axis.ToString(CultureInfo.InvariantCulture) + " is not the channel axis (-1 or 3), the only one supported");
                    ok = false;
                }

                break;
            case LayerOp.Activation:
                if (reader.Require("activation") is not null)
                {
                    function = reader.FunctionValue("activation", ActivationSpec.Linear);
                }

                break;
        }

        if (!ok || reader.Failed)
        {
            return null;
        }

        var spec = new LayerSpec
        {
            Name = name,
            Op = ActivationOp(op, function),
            Inputs = inputs.ToEquatableArray(),
            Filters = filters,
            Window = new LayerWindow { KernelHeight = kh, KernelWidth = kw, StrideHeight = sh, StrideWidth = sw, Padding = padding },
            UseBias = useBias,
            DepthMultiplier = depthMultiplier,
            Epsilon = epsilon,
            Pads = pads,
            Center = center,
            Scale = scale,
            Units = units,
            Activation = activation,
            Function = function,
            Shape = new DeclaredInput { Height = height, Width = width, Channels = channels, MinSize = minSize },
            Preprocessing = preprocessing,
            TargetShape = targetShape,
            KeepDims = keepDims,
            Spans = new LayerSpans { Name = nameSpan, Inputs = inputSpans.ToEquatableArray(), Shape = shapeSpan },
        };
        return new LayerEntry(spec);
    }

    /// <summary>
    /// The layers that only apply a function are planned by one rule, as <see cref="LayerOp.Activation"/>; a plain
    /// ReLU and a softmax keep their own ops, whose steps and fusions (ReLU flags, the softmax step) compute them.
    /// </summary>
    private static LayerOp ActivationOp(LayerOp op, ActivationSpec function)
    {
        if (op is not (LayerOp.Relu or LayerOp.LeakyRelu or LayerOp.Elu or LayerOp.Activation))
        {
            return op;
        }

        return function.IsPlainRelu ? LayerOp.Relu : function.Kind == ActivationKind.Softmax ? LayerOp.Softmax : LayerOp.Activation;
    }

    /// <summary>A dense layer keeps its linear, relu, sigmoid and softmax heads as before; any other function is its epilogue.</summary>
    private static (DenseActivation, ActivationSpec) DenseActivationOf(ActivationSpec function)
    {
        if (function.IsPlainRelu)
        {
            return (DenseActivation.Relu, ActivationSpec.Linear);
        }

        return function.Kind switch
        {
            ActivationKind.Linear => (DenseActivation.Linear, ActivationSpec.Linear),
            ActivationKind.Sigmoid => (DenseActivation.Sigmoid, ActivationSpec.Linear),
            ActivationKind.Softmax => (DenseActivation.Softmax, ActivationSpec.Linear),
            _ => (DenseActivation.Linear, function),
        };
    }

    private static string[] AllowedMembers(LayerOp op) => op switch
    {
        LayerOp.Input => new[] { "name", "op", "inputs", "shape", "min_size" },
        LayerOp.Conv2D => new[] { "name", "op", "inputs", "filters", "kernel", "strides", "padding", "use_bias", "activation" },
        LayerOp.SeparableConv2D => new[] { "name", "op", "inputs", "filters", "kernel", "strides", "padding", "use_bias", "depth_multiplier", "activation" },
        LayerOp.DepthwiseConv2D => new[] { "name", "op", "inputs", "kernel", "strides", "padding", "use_bias", "depth_multiplier", "activation" },
        LayerOp.BatchNorm => new[] { "name", "op", "inputs", "epsilon", "center", "scale" },
        LayerOp.MaxPool2D or LayerOp.AvgPool2D => new[] { "name", "op", "inputs", "pool", "strides", "padding" },
        LayerOp.ZeroPadding2D => new[] { "name", "op", "inputs", "padding" },
        LayerOp.Dense => new[] { "name", "op", "inputs", "units", "use_bias", "activation" },
        LayerOp.Relu => new[] { "name", "op", "inputs", "max_value", "negative_slope", "threshold" },
        LayerOp.LeakyRelu or LayerOp.Elu => new[] { "name", "op", "inputs", "alpha" },
        LayerOp.Activation => new[] { "name", "op", "inputs", "activation" },
        LayerOp.Rescaling => new[] { "name", "op", "inputs", "scale", "offset" },
        LayerOp.Normalization => new[] { "name", "op", "inputs", "mean", "variance" },
        LayerOp.Reshape => new[] { "name", "op", "inputs", "target_shape" },
        LayerOp.GlobalAvgPool or LayerOp.GlobalMaxPool => new[] { "name", "op", "inputs", "keepdims" },
        LayerOp.Concatenate => new[] { "name", "op", "inputs", "axis" },
        _ => new[] { "name", "op", "inputs" },
    };
}
