using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace Xception.Compiler.Runtime.Import;

/// <summary>
/// Reads a model config (<c>{"class_name", "config"}</c>) in every dialect Keras has written into a
/// <see cref="KerasGraph"/>: Keras 2 / tf.keras list-form <c>inbound_nodes</c> and Keras 3 dict-form nodes
/// with <c>keras_history</c>, Sequential configs as a bare list (Keras 2.0-2.2.2) or a dict with
/// <c>layers</c>, and models nested as layers. See fixtures/KERAS_FORMATS.md sections 1.4, 2 and 4.2.
/// </summary>
internal static class KerasConfigReader
{
    /// <exception cref="ModelImportException">The config is not a Functional or Sequential model.</exception>
    public static KerasGraph Read(JsonObject modelConfig, string source)
    {
        string className = Text(modelConfig, "class_name") ?? string.Empty;
        if (!IsModelClass(className))
        {
            throw new ModelImportException("Model file '" + source + "': the model is a '" + className
                + "'; only Functional (Model) and Sequential models can be imported, not subclassed models.");
        }

        return ReadModel(className, modelConfig["config"], Text(modelConfig, "name") ?? "model", source);
    }

    /// <summary>Functional is tf.keras's later name for Model; both mean a graph of layers.</summary>
    public static bool IsModelClass(string className) => className is "Functional" or "Model" or "Sequential";

    private static KerasGraph ReadModel(string className, JsonNode? config, string fallbackName, string source)
    {
        if (className == "Sequential")
        {
            // Keras 2.0.0-2.2.2 write the layer list itself; later writers a dict holding it.
            JsonArray layers = config as JsonArray
                ?? (config as JsonObject)?["layers"] as JsonArray
                ?? throw Malformed(source, "Sequential model '" + fallbackName + "' has no layer list");
            string name = config is JsonObject o ? Text(o, "name") ?? fallbackName : fallbackName;
            var entries = new List<KerasLayer>();
            foreach (JsonNode? entry in layers)
            {
                entries.Add(ReadLayer(entry as JsonObject ?? throw Malformed(source, "a layer entry of '" + name + "' is not an object"), source, sequential: true));
            }

            return new KerasGraph(name, KerasGraphKind.Sequential, entries, Array.Empty<string>(), Array.Empty<string>());
        }

        JsonObject functional = config as JsonObject ?? throw Malformed(source, "model '" + fallbackName + "' has no config object");
        string graphName = Text(functional, "name") ?? fallbackName;
        var layersOut = new List<KerasLayer>();
        foreach (JsonNode? entry in functional["layers"] as JsonArray ?? throw Malformed(source, "model '" + graphName + "' has no 'layers' list"))
        {
            layersOut.Add(ReadLayer(entry as JsonObject ?? throw Malformed(source, "a layer entry of '" + graphName + "' is not an object"), source, sequential: false));
        }

        return new KerasGraph(graphName, KerasGraphKind.Functional, layersOut, EndpointNames(functional["input_layers"]), EndpointNames(functional["output_layers"]));
    }

    private static KerasLayer ReadLayer(JsonObject entry, string source, bool sequential)
    {
        string className = Text(entry, "class_name") ?? throw Malformed(source, "a layer entry has no 'class_name'");
        JsonObject config = entry["config"] as JsonObject ?? new JsonObject();
        string name = Text(entry, "name") ?? Text(config, "name") ?? throw Malformed(source, "a '" + className + "' layer has no name");
        KerasGraph? nested = IsModelClass(className) ? ReadModel(className, entry["config"], name, source) : null;
        IReadOnlyList<KerasCall> calls = sequential ? Array.Empty<KerasCall>() : ReadCalls(entry["inbound_nodes"], name, source);
        return new KerasLayer(name, className, Text(entry, "module"), config, calls, nested);
    }

    private static List<KerasCall> ReadCalls(JsonNode? nodes, string layerName, string source)
    {
        var calls = new List<KerasCall>();
        if (nodes is not JsonArray array)
        {
            return calls;
        }

        foreach (JsonNode? node in array)
        {
            var inputs = new List<KerasTensorRef>();
            bool training = false;
            if (node is JsonObject keras3)
            {
                // Keras 3: {"args": [...], "kwargs": {...}}, each tensor a __keras_tensor__ with keras_history.
                CollectKerasTensors(keras3["args"], inputs);
                training = IsTrue((keras3["kwargs"] as JsonObject)?["training"]);
            }
            else if (node is JsonArray keras2)
            {
                // Keras 2 / tf.keras: [[name, node_index, tensor_index, kwargs], ...]; kwargs may be missing.
                foreach (JsonNode? reference in keras2)
                {
                    if (reference is not JsonArray r || r.Count < 3 || Text(r[0]) is not { } producer)
                    {
                        throw Malformed(source, "layer '" + layerName + "' has an inbound node entry that is not [layer, node, tensor, kwargs]");
                    }

                    inputs.Add(new KerasTensorRef(producer));
                    training |= r.Count > 3 && IsTrue((r[3] as JsonObject)?["training"]);
                }
            }
            else
            {
                throw Malformed(source, "layer '" + layerName + "' has an inbound node that is neither a list nor an object");
            }

            calls.Add(new KerasCall(inputs, training));
        }

        return calls;
    }

    private static void CollectKerasTensors(JsonNode? node, List<KerasTensorRef> into)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (JsonNode? item in array)
                {
                    CollectKerasTensors(item, into);
                }

                break;
            case JsonObject o when Text(o, "class_name") == "__keras_tensor__":
                if ((o["config"] as JsonObject)?["keras_history"] is JsonArray history && history.Count > 0 && Text(history[0]) is { } producer)
                {
                    into.Add(new KerasTensorRef(producer));
                }

                break;
        }
    }

    /// <summary>
    /// The layer names of <c>input_layers</c>/<c>output_layers</c>: a list of triples (Keras 2, tf.keras)
    /// or a bare triple (Keras 3 with one tensor); node indices differ between the two and are not needed.
    /// </summary>
    private static List<string> EndpointNames(JsonNode? node)
    {
        var names = new List<string>();
        if (node is JsonArray array)
        {
            if (array.Count > 0 && Text(array[0]) is { } single)
            {
                names.Add(single);
                return names;
            }

            foreach (JsonNode? item in array)
            {
                names.AddRange(EndpointNames(item));
            }
        }
        else if (node is JsonObject structured)
        {
            foreach (KeyValuePair<string, JsonNode?> member in structured)
            {
                names.AddRange(EndpointNames(member.Value));
            }
        }

        return names;
    }

    private static bool IsTrue(JsonNode? node) => node is JsonValue v && v.TryGetValue(out bool b) && b;

    internal static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    internal static string? Text(JsonObject o, string member) => Text(o[member]);

    private static ModelImportException Malformed(string source, string detail)
        => new("Model file '" + source + "': the model config is malformed: " + detail + ".");
}
