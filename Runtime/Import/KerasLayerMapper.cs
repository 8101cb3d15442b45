using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;

namespace Xception.Compiler.Runtime.Import;

/// <summary>
/// Maps one Keras layer to the description layers that compute it at inference: usually one, none for
/// layers that are the identity at inference (Dropout and kin, <c>Activation("linear")</c>), two for a
/// convolution with a fused activation. A layer or setting the language cannot express is refused with a
/// one-line <see cref="ModelImportException"/>; settings that only matter in training are ignored.
/// </summary>
internal static class KerasLayerMapper
{
    /// <summary>The Keras classes an import can compile, for the refusal message.</summary>
    public const string SupportedClasses = "Activation, Add, AveragePooling2D, BatchNormalization, Conv2D, Dense, DepthwiseConv2D, ELU, "
        + "Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D, InputLayer, LeakyReLU, MaxPooling2D, Normalization, ReLU, Rescaling, Reshape, SeparableConv2D, Softmax, ZeroPadding2D, "
        + "Concatenate (channel axis), Multiply, "
        + "nested Functional/Sequential models, and the inference identities Dropout, SpatialDropout2D, GaussianNoise, GaussianDropout, ActivityRegularization, "
        + "RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomBrightness";

    /// <summary>The Keras activation functions an import can compile, for the refusal message.</summary>
    public const string SupportedFunctions = "elu, gelu, hard_sigmoid, leaky_relu, linear, relu, relu6, selu, sigmoid, silu, softmax, swish, tanh";

    private static readonly HashSet<string> s_identities = new(StringComparer.Ordinal)
    {
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",

        // Augmentation inside the model (the flower tutorials' data_augmentation block): each returns its input unless training.
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
    };

    /// <summary>The description layers of <paramref name="layer"/>, the last of which produces its output; empty for an identity.</summary>
    /// <param name="inputs">The description names of the tensors the layer reads.</param>
    /// <exception cref="ModelImportException">The layer cannot be compiled.</exception>
    /// <param name="keras3">Whether Keras 3 wrote the model (its hard_sigmoid is x/6 + 0.5, Keras 1/2's 0.2·x + 0.5).</param>
    public static IReadOnlyList<DescriptionLayer> Map(KerasLayer layer, IReadOnlyList<string> inputs, string source, bool keras3 = false)
    {
        var context = new LayerContext(layer, source, keras3);
        context.CheckCommon();
        if (s_identities.Contains(layer.ClassName))
        {
            return Array.Empty<DescriptionLayer>();
        }

        JsonObject c = layer.Config;
        switch (layer.ClassName)
        {
            case "Conv2D":
            case "Convolution2D":
                context.Require(IntPair(c, "dilation_rate", 1) == (1, 1), "dilation_rate " + Describe(c["dilation_rate"]), "dilation_rate 1");
                context.Require(Int(c, "groups", 1) == 1, "groups " + Describe(c["groups"]), "groups 1");
                return WithActivation(context, inputs, Convolution(context, "conv2d", inputs, filters: true));
            case "SeparableConv2D":
            case "SeparableConvolution2D":
                context.Require(IntPair(c, "dilation_rate", 1) == (1, 1), "dilation_rate " + Describe(c["dilation_rate"]), "dilation_rate 1");
                context.Require(Int(c, "depth_multiplier", 1) == 1, "depth_multiplier " + Describe(c["depth_multiplier"]), "depth_multiplier 1");
                return WithActivation(context, inputs, Convolution(context, "separable_conv2d", inputs, filters: true));
            case "DepthwiseConv2D":
                context.Require(IntPair(c, "dilation_rate", 1) == (1, 1), "dilation_rate " + Describe(c["dilation_rate"]), "dilation_rate 1");
                context.Require(Int(c, "depth_multiplier", 1) == 1, "depth_multiplier " + Describe(c["depth_multiplier"]), "depth_multiplier 1");
                return WithActivation(context, inputs, Convolution(context, "depthwise_conv2d", inputs, filters: false));
            case "BatchNormalization":
                context.Require(IsChannelAxis(c["axis"]), "axis " + Describe(c["axis"]), "the channel axis (-1 or 3)");
                context.Require(!Bool(c, "renorm", false), "renorm", "no renorm");
                return One(layer, "batch_norm", inputs, BatchNormAttributes(c));
            case "Activation":
                return ActivationLayers(context, inputs, layer.Name, ActivationName(c));
            case "ReLU":
            {
                // keras/src/layers/activations/relu.py (Keras 3) and tf_keras/layers/activation/relu.py: max_value None, negative_slope 0, threshold 0.
                var attributes = new List<DescriptionAttribute>();
                if (c["max_value"] is JsonValue max && max.TryGetValue(out double maxValue))
                {
                    context.Require(maxValue >= 0, "max_value " + Describe(max), "max_value of at least 0");
                    attributes.Add(new DescriptionAttribute("max_value", maxValue));
                }

                if (Double(c, "negative_slope", 0) is var slope && slope != 0)
                {
                    attributes.Add(new DescriptionAttribute("negative_slope", slope));
                }

                if (Double(c, "threshold", 0) is var threshold && threshold != 0)
                {
                    attributes.Add(new DescriptionAttribute("threshold", threshold));
                }

                return One(layer, "relu", inputs, attributes.ToArray());
            }

            case "LeakyReLU":
                // tf.keras 2.x writes alpha, Keras 3 negative_slope; both default to 0.3.
                return One(layer, "leaky_relu", inputs, new DescriptionAttribute("alpha", Double(c, "negative_slope", Double(c, "alpha", 0.3))));
            case "ELU":
                return One(layer, "elu", inputs, new DescriptionAttribute("alpha", Double(c, "alpha", 1.0)));

            case "Softmax":
                context.Require(IsLastAxis(c["axis"]), "axis " + Describe(c["axis"]), "axis -1");
                return One(layer, "softmax", inputs);
            case "MaxPooling2D":
            case "MaxPool2D":
            {
                (int ph, int pw) = IntPair(c, "pool_size", 2);
                (int sh, int sw) = c["strides"] is null || c["strides"]!.GetValueKind() == System.Text.Json.JsonValueKind.Null ? (ph, pw) : IntPair(c, "strides", 1);
                return One(layer, "max_pool2d", inputs,
                    new DescriptionAttribute("pool", new[] { ph, pw }), new DescriptionAttribute("strides", new[] { sh, sw }),
                    new DescriptionAttribute("padding", context.Padding()));
            }

            case "AveragePooling2D":
            case "AvgPool2D":
            {
                (int ph, int pw) = IntPair(c, "pool_size", 2);
                (int sh, int sw) = c["strides"] is null || c["strides"]!.GetValueKind() == System.Text.Json.JsonValueKind.Null ? (ph, pw) : IntPair(c, "strides", 1);
                return One(layer, "avg_pool2d", inputs,
                    new DescriptionAttribute("pool", new[] { ph, pw }), new DescriptionAttribute("strides", new[] { sh, sw }),
                    new DescriptionAttribute("padding", context.Padding()));
            }

            case "ZeroPadding2D":
                return One(layer, "zero_padding2d", inputs, new DescriptionAttribute("padding", ZeroPadding(context)));
            case "Flatten":
                return One(layer, "flatten", inputs);
            case "Add":
                context.Require(inputs.Count >= 2, inputs.Count + " input", "2 or more inputs");
                return One(layer, "add", inputs);
            case "Concatenate":
            {
                // Keras's default axis is -1; NHWC's channel axis is also 3. The compiler joins channels only.
                int axis = Int(c, "axis", -1);
                context.Require(axis is -1 or 3, "axis " + Describe(c["axis"]), "axis -1 (the channels)");
                context.Require(inputs.Count >= 2, inputs.Count + " input", "2 or more inputs");
                return One(layer, "concatenate", inputs);
            }

            case "Multiply":
                context.Require(inputs.Count == 2, inputs.Count + " inputs", "2 inputs (x and its factor)");
                return One(layer, "multiply", inputs);
            case "GlobalAveragePooling2D":
            case "GlobalAvgPool2D":
                return GlobalPool(layer, "global_avg_pool", inputs);
            case "GlobalMaxPooling2D":
            case "GlobalMaxPool2D":
                return GlobalPool(layer, "global_max_pool", inputs);
            case "Rescaling":
            case "Normalization":
            case "Reshape":
                return KerasPreprocessingMapper.Map(layer, inputs, context.Require, why => context.Refuse(why));
            case "Dense":
            {
                string activation = context.FunctionName(ActivationName(c));
                var attributes = new List<DescriptionAttribute> { new("units", Int(c, "units", 0)), new("use_bias", Bool(c, "use_bias", true)) };
                if (activation != "linear")
                {
                    attributes.Add(new DescriptionAttribute("activation", activation));
                }

                return new[] { new DescriptionLayer(layer.Name, "dense", inputs, attributes) };
            }

            case "TFOpLambda":
            case "SlicingOpLambda":
            case "ClassMethod":
            case "InstanceMethod":
            case "InstanceProperty":
                throw context.Refuse("the model applies raw TensorFlow ops ('" + (KerasConfigReader.Text(c, "function") ?? KerasConfigReader.Text(c, "cls_symbol") ?? "?") + "'), which have no description");
            case "Lambda":
                throw context.Refuse("a Lambda layer holds Python bytecode, which has no description");
            default:
                throw context.Refuse(null);
        }
    }

    // center and scale are written only when off, so descriptions of ordinary BatchNormalizations stay as they were.
    private static DescriptionAttribute[] BatchNormAttributes(JsonObject c)
    {
        var attributes = new List<DescriptionAttribute> { new("epsilon", Double(c, "epsilon", 1e-3)) };
        if (!Bool(c, "center", true))
        {
            attributes.Add(new DescriptionAttribute("center", false));
        }

        if (!Bool(c, "scale", true))
        {
            attributes.Add(new DescriptionAttribute("scale", false));
        }

        return attributes.ToArray();
    }

    /// <summary>
    /// ZeroPadding2D's padding: Keras's get_config writes ((top, bottom), (left, right)); older configs may hold an
    /// int or (h, w). Written in the shortest form the description accepts.
    /// </summary>
    private static object ZeroPadding(LayerContext context)
    {
        JsonNode? node = context.Layer.Config["padding"];
        int top, bottom, left, right;
        if (node is JsonArray { Count: 2 } a && a[0] is JsonArray && a[1] is JsonArray && Ints(a[0]) is { Length: 2 } rows && Ints(a[1]) is { Length: 2 } columns)
        {
            (top, bottom, left, right) = (rows[0], rows[1], columns[0], columns[1]);
        }
        else if (Ints(node) is { } values && values.Length is 1 or 2)
        {
            (top, left) = (values[0], values[^1]);
            (bottom, right) = (top, left);
        }
        else
        {
            (top, bottom, left, right) = node is null ? (1, 1, 1, 1) : (-1, -1, -1, -1);
        }

        context.Require(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, "padding " + Describe(node), "an int, (h, w) or ((top, bottom), (left, right)) of non-negative ints");
        if (top == bottom && left == right)
        {
            return top == left ? top : new[] { top, left };
        }

        return new[] { new[] { top, bottom }, new[] { left, right } };
    }

    private static DescriptionLayer Convolution(LayerContext context, string op, IReadOnlyList<string> inputs, bool filters)
    {
        JsonObject c = context.Layer.Config;
        var attributes = new List<DescriptionAttribute>();
        if (filters)
        {
            attributes.Add(new DescriptionAttribute("filters", Int(c, "filters", 0)));
        }

        (int kh, int kw) = IntPair(c, "kernel_size", 1);
        (int sh, int sw) = IntPair(c, "strides", 1);
        attributes.Add(new DescriptionAttribute("kernel", new[] { kh, kw }));
        attributes.Add(new DescriptionAttribute("strides", new[] { sh, sw }));
        attributes.Add(new DescriptionAttribute("padding", context.Padding()));
        attributes.Add(new DescriptionAttribute("use_bias", Bool(c, "use_bias", true)));
        return new DescriptionLayer(context.Layer.Name, op, inputs, attributes);
    }

    // A convolution's own activation becomes a layer after it, named <layer>_<activation>, so that the
    // convolution keeps Keras's name (the weight table records it) and the description stays one op per layer.
    private static IReadOnlyList<DescriptionLayer> WithActivation(LayerContext context, IReadOnlyList<string> inputs, DescriptionLayer convolution)
    {
        var layers = new List<DescriptionLayer> { convolution };
        layers.AddRange(ActivationLayers(context, new[] { convolution.Name }, convolution.Name + "_" + ActivationName(context.Layer.Config), ActivationName(context.Layer.Config)));
        return layers;
    }

    private static IReadOnlyList<DescriptionLayer> ActivationLayers(LayerContext context, IReadOnlyList<string> inputs, string name, string activation)
    {
        switch (context.FunctionName(activation))
        {
            case "linear":
                return Array.Empty<DescriptionLayer>();
            case "relu":
            case "softmax":
                return new[] { new DescriptionLayer(name, activation, inputs, Array.Empty<DescriptionAttribute>()) };
            case var function:
                return new[] { new DescriptionLayer(name, "activation", inputs, new[] { new DescriptionAttribute("activation", function) }) };
        }
    }

    private static IReadOnlyList<DescriptionLayer> GlobalPool(KerasLayer layer, string op, IReadOnlyList<string> inputs)
        => Bool(layer.Config, "keepdims", false) ? One(layer, op, inputs, new DescriptionAttribute("keepdims", true)) : One(layer, op, inputs);

    internal static IReadOnlyList<DescriptionLayer> One(KerasLayer layer, string op, IReadOnlyList<string> inputs, params DescriptionAttribute[] attributes)
        => new[] { new DescriptionLayer(layer.Name, op, inputs, attributes) };

    /// <summary>An activation as a string (every writer) or a serialized function object (Keras 3 custom): its name.</summary>
    private static string ActivationName(JsonObject c)
    {
        JsonNode? node = c["activation"];
        string name = KerasConfigReader.Text(node)
            ?? (node is JsonObject o ? KerasConfigReader.Text(o, "config") ?? KerasConfigReader.Text(o, "class_name") : null)
            ?? "linear";
        return name;
    }

    internal static bool IsChannelAxis(JsonNode? axis)
    {
        int[]? values = Ints(axis);
        return values is null || (values.Length == 1 && values[0] is -1 or 3);
    }

    private static bool IsLastAxis(JsonNode? axis)
    {
        int[]? values = Ints(axis);
        return values is null || (values.Length == 1 && values[0] is -1 or 3);
    }

    internal static int Int(JsonObject c, string member, int fallback)
        => c[member] is JsonValue v && v.TryGetValue(out double d) ? (int)d : fallback;

    private static double Double(JsonObject c, string member, double fallback)
        => c[member] is JsonValue v && v.TryGetValue(out double d) ? d : fallback;

    internal static bool Bool(JsonObject c, string member, bool fallback)
        => c[member] is JsonValue v && v.TryGetValue(out bool b) ? b : fallback;

    /// <summary>An int or a list of ints (Keras writes pairs as lists; an int means the same for both).</summary>
    private static (int, int) IntPair(JsonObject c, string member, int fallback)
    {
        int[]? values = Ints(c[member]);
        return values switch
        {
            null or { Length: 0 } => (fallback, fallback),
            { Length: 1 } => (values[0], values[0]),
            _ => (values[0], values[1]),
        };
    }

    private static int[]? Ints(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue(out double d) => new[] { (int)d },
        JsonArray a when a.All(i => i is JsonValue) => a.Select(i => (int)i!.GetValue<double>()).ToArray(),
        _ => null,
    };

    internal static string Describe(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>A layer being mapped, with the checks every class shares and the refusal messages.</summary>
    private sealed class LayerContext(KerasLayer layer, string source, bool keras3)
    {
        public KerasLayer Layer { get; } = layer;

        /// <summary>
        /// The description's name of a Keras activation function (keras/src/activations/activations.py; tf_keras/activations.py,
        /// which adds leaky_relu, relu6 and silu from tf.nn): the same name, except hard_sigmoid, whose definition changed in
        /// Keras 3, so a file Keras 1/2 or tf.keras wrote gets hard_sigmoid_keras2. Anything else is refused.
        /// </summary>
        public string FunctionName(string activation) => activation switch
        {
            "hard_sigmoid" => keras3 ? "hard_sigmoid" : "hard_sigmoid_keras2",
            "linear" or "relu" or "relu6" or "leaky_relu" or "sigmoid" or "tanh" or "elu" or "selu" or "softmax" or "swish" or "silu" or "gelu" => activation,
            _ => throw Refuse("activation '" + activation + "' has no description (supported: " + SupportedFunctions + ")"),
        };

        public void CheckCommon()
        {
            JsonObject c = Layer.Config;
            if (KerasConfigReader.Text(c, "data_format") is { } format && format != "channels_last")
            {
                throw Refuse("data_format '" + format + "' is not supported (only channels_last)");
            }

            // tf.keras writes a dtype string, or a Policy dict for a mixed policy; Keras 3 a DTypePolicy dict.
            string? dtype = DTypeName(c["dtype"]);
            if (dtype is not null && dtype != "float32")
            {
                throw Refuse("compute dtype '" + dtype + "' is not supported (only float32; re-save the model with the float32 policy)");
            }

            if (Layer.Module is { } module && module.StartsWith("keras.src.ops", StringComparison.Ordinal))
            {
                throw Refuse("a keras.ops operation (" + module + ") has no description");
            }
        }

        public string Padding()
        {
            string padding = KerasConfigReader.Text(Layer.Config, "padding") ?? "valid";
            Require(padding is "valid" or "same", "padding '" + padding + "'", "padding valid or same");
            return padding;
        }

        public void Require(bool condition, string found, string supported)
        {
            if (!condition)
            {
                throw new ModelImportException(Prefix() + "has " + found + "; only " + supported + " can be compiled.");
            }
        }

        public ModelImportException Refuse(string? why)
            => new(Prefix() + "cannot be compiled" + (why is null ? string.Empty : ": " + why)
                + (why is null ? ". Supported layers: " + SupportedClasses + "." : "."));

        private string Prefix() => "Model file '" + source + "': layer '" + Layer.Name + "' (" + Layer.ClassName + ") ";

        private static string? DTypeName(JsonNode? node) => node switch
        {
            JsonValue v => v.TryGetValue(out string? s) ? s : null,
            JsonObject o => KerasConfigReader.Text(o["config"] as JsonObject ?? new JsonObject(), "name"),
            _ => null,
        };
    }
}
