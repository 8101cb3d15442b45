using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Xception.Compiler.Runtime.Import;

/// <summary>
/// The description layers of Keras's preprocessing and shape layers: <c>Rescaling</c> (<c>x·scale + offset</c>),
/// <c>Normalization</c> (<c>(x − mean)/max(√variance, 1e-7)</c>, adapted or with its mean and variance in the
/// config) and <c>Reshape</c>.
/// </summary>
internal static class KerasPreprocessingMapper
{
    public static IReadOnlyList<DescriptionLayer> Map(
        KerasLayer layer, IReadOnlyList<string> inputs, Action<bool, string, string> require, Func<string, ModelImportException> refuse)
    {
        JsonObject c = layer.Config;
        switch (layer.ClassName)
        {
            case "Rescaling":
            {
                // tf.keras 2.x keras/layers/preprocessing/image_preprocessing.py and Keras 3
                // keras/src/layers/preprocessing/rescaling.py: inputs * scale + offset, scalar or per channel.
                object scale = Numbers(c["scale"]) ?? throw refuse("its scale " + KerasLayerMapper.Describe(c["scale"]) + " is not a number or a list of numbers");
                object offset = c["offset"] is null || c["offset"]!.GetValueKind() == JsonValueKind.Null
                    ? 0.0
                    : Numbers(c["offset"]) ?? throw refuse("its offset " + KerasLayerMapper.Describe(c["offset"]) + " is not a number or a list of numbers");
                return KerasLayerMapper.One(layer, "rescaling", inputs, new DescriptionAttribute("scale", scale), new DescriptionAttribute("offset", offset));
            }

            case "Normalization":
            {
                require(KerasLayerMapper.IsChannelAxis(c["axis"]), "axis " + KerasLayerMapper.Describe(c["axis"]), "the channel axis (-1 or 3)");
                require(!KerasLayerMapper.Bool(c, "invert", false), "invert true", "invert false");
                JsonNode? mean = c["mean"];
                if (mean is null || mean.GetValueKind() == JsonValueKind.Null)
                {
                    // Adapted: mean, variance and count are weights of the layer.
                    return KerasLayerMapper.One(layer, "normalization", inputs);
                }

                object m = Numbers(mean) ?? throw refuse("its mean " + KerasLayerMapper.Describe(mean) + " is not a number or a list of numbers");
                object v = Numbers(c["variance"]) ?? throw refuse("its variance " + KerasLayerMapper.Describe(c["variance"]) + " is not a number or a list of numbers");
                return KerasLayerMapper.One(layer, "normalization", inputs, new DescriptionAttribute("mean", m), new DescriptionAttribute("variance", v));
            }

            default:
            {
                int[]? target = c["target_shape"] is JsonArray a && a.All(i => i is JsonValue)
                    ? a.Select(i => (int)i!.GetValue<double>()).ToArray()
                    : null;
                require(target is { Length: 1 or 3 }, "target_shape " + KerasLayerMapper.Describe(c["target_shape"]), "a target_shape of (features,) or (height, width, channels)");
                return KerasLayerMapper.One(layer, "reshape", inputs, new DescriptionAttribute("target_shape", target!));
            }
        }
    }

    /// <summary>A number (a double), or a list of them, nested lists flattened (a mean written with a broadcast shape); null otherwise.</summary>
    private static object? Numbers(JsonNode? node)
    {
        if (node is JsonValue v && v.TryGetValue(out double d))
        {
            return d;
        }

        var values = new List<double>();
        return node is JsonArray && Flatten(node, values) && values.Count > 0 ? values.ToArray() : null;
    }

    private static bool Flatten(JsonNode? node, List<double> values)
    {
        switch (node)
        {
            case JsonValue v when v.TryGetValue(out double d):
                values.Add(d);
                return true;
            case JsonArray a:
                return a.All(item => Flatten(item, values));
            default:
                return false;
        }
    }
}
