using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace Xception.Compiler.Runtime.Import;

/// <summary>
/// Turns a Keras graph into the flat layer list of a description: nested models are inlined in place
/// (their input layers bound to the tensors the outer model feeds them, their output standing for the
/// nested layer), layers keep Keras's names and config order, which is the order Keras loads weights in,
/// and identities at inference disappear.
/// </summary>
internal sealed class GraphFlattener
{
    private readonly string _source;
    private readonly bool _keras3;
    private readonly List<DescriptionLayer> _layers = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    private GraphFlattener(string source, bool keras3)
    {
        _source = source;
        _keras3 = keras3;
    }

    /// <summary>The description layers of <paramref name="graph"/>, an input layer first.</summary>
    /// <exception cref="ModelImportException">A layer cannot be compiled, or the graph has a shape the language lacks.</exception>
    /// <param name="keras3">Whether Keras 3 wrote the model (see <see cref="KerasLayerMapper.Map"/>).</param>
    public static IReadOnlyList<DescriptionLayer> Flatten(KerasGraph graph, string source, bool keras3 = false)
    {
        var flattener = new GraphFlattener(source, keras3);
        IReadOnlyList<string> outputs = flattener.Inline(graph, boundInputs: null);
        if (outputs.Count != 1)
        {
            throw new ModelImportException("Model file '" + source + "': model '" + graph.Name + "' has " + outputs.Count + " outputs; a description has exactly one.");
        }

        return flattener._layers;
    }

    /// <summary>Inlines one model; returns the description names of its outputs.</summary>
    /// <param name="boundInputs">The tensors that feed a nested model, or null for the outermost one.</param>
    private IReadOnlyList<string> Inline(KerasGraph graph, IReadOnlyList<string>? boundInputs)
        => graph.Kind == KerasGraphKind.Sequential ? InlineSequential(graph, boundInputs) : InlineFunctional(graph, boundInputs);

    private IReadOnlyList<string> InlineSequential(KerasGraph graph, IReadOnlyList<string>? boundInputs)
    {
        string? current = boundInputs is null ? null : Single(boundInputs, graph.Name);
        foreach (KerasLayer layer in graph.Layers)
        {
            if (layer.ClassName == "InputLayer")
            {
                current ??= AddInput(layer);
                continue;
            }

            // Older writers leave the InputLayer out and give the first layer batch_input_shape; Keras
            // names the input it creates "<layer>_input".
            current ??= AddInput(new KerasLayer(layer.Name + "_input", "InputLayer", null, layer.Config, Array.Empty<KerasCall>(), null));
            current = Single(Apply(layer, new[] { current }), layer.Name);
        }

        return current is null ? Array.Empty<string>() : new[] { current };
    }

    private IReadOnlyList<string> InlineFunctional(KerasGraph graph, IReadOnlyList<string>? boundInputs)
    {
        // Keras's name of a layer in this model -> the description name of the tensor it produces.
        var produced = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KerasLayer layer in graph.Layers)
        {
            if (layer.ClassName == "InputLayer")
            {
                if (boundInputs is null)
                {
                    produced[layer.Name] = AddInput(layer);
                    continue;
                }

                int index = graph.InputLayers.ToList().IndexOf(layer.Name);
                if (index < 0 || index >= boundInputs.Count)
                {
                    throw Unsupported(layer, "input of nested model '" + graph.Name + "' is not fed by the outer model");
                }

                produced[layer.Name] = boundInputs[index];
                continue;
            }

            if (layer.Calls.Count != 1)
            {
                throw Unsupported(layer, layer.Calls.Count == 0
                    ? "is not connected in model '" + graph.Name + "'"
                    : "is called " + layer.Calls.Count + " times (a shared layer); each layer of a description computes once");
            }

            KerasCall call = layer.Calls[0];
            if (call.Training)
            {
                throw Unsupported(layer, "is called with training=True, so Keras runs it in training mode even at inference; re-save the model calling it with training=False");
            }

            var inputs = new List<string>(call.Inputs.Count);
            foreach (KerasTensorRef reference in call.Inputs)
            {
                if (!produced.TryGetValue(reference.LayerName, out string? tensor))
                {
                    throw Unsupported(layer, "reads '" + reference.LayerName + "', which model '" + graph.Name + "' does not define before it");
                }

                inputs.Add(tensor);
            }

            produced[layer.Name] = Single(Apply(layer, inputs), layer.Name);
        }

        if (graph.InputLayers.Count > 1 || (boundInputs is null && graph.InputLayers.Count != 1))
        {
            throw new ModelImportException("Model file '" + _source + "': model '" + graph.Name + "' has " + graph.InputLayers.Count + " inputs; a description has exactly one.");
        }

        return graph.OutputLayers.Select(name => produced.TryGetValue(name, out string? tensor)
            ? tensor
            : throw new ModelImportException("Model file '" + _source + "': model '" + graph.Name + "' names output '" + name + "', which is not one of its layers.")).ToList();
    }

    /// <summary>Adds the description layers of one Keras layer (recursing into a nested model); returns the tensors it produces.</summary>
    private IReadOnlyList<string> Apply(KerasLayer layer, IReadOnlyList<string> inputs)
    {
        if (layer.Nested is { } nested)
        {
            return Inline(nested, inputs);
        }

        IReadOnlyList<DescriptionLayer> mapped = KerasLayerMapper.Map(layer, inputs, _source, _keras3);
        if (mapped.Count == 0)
        {
            return new[] { Single(inputs, layer.Name) };
        }

        foreach (DescriptionLayer description in mapped)
        {
            Add(description, layer);
        }

        return new[] { mapped[^1].Name };
    }

    private string AddInput(KerasLayer layer)
    {
        JsonObject c = layer.Config;
        // Keras 2 and tf.keras write batch_input_shape, Keras 3 batch_shape: [null, H, W, C].
        JsonArray? shape = (c["batch_shape"] ?? c["batch_input_shape"]) as JsonArray;
        int[]? dims = shape is { Count: 4 } && shape.Skip(1).All(d => d is JsonValue)
            ? shape.Skip(1).Select(d => (int)d!.GetValue<double>()).ToArray()
            : null;
        if (dims is null)
        {
            throw Unsupported(layer, "has input shape " + KerasLayerMapper.Describe(shape) + "; a description needs a static [batch, height, width, channels] input");
        }

        string? dtype = KerasConfigReader.Text(c, "dtype");
        if (dtype is not null && dtype != "float32")
        {
            throw Unsupported(layer, "has dtype '" + dtype + "'; only float32 inputs can be compiled");
        }

        Add(new DescriptionLayer(layer.Name, "input", Array.Empty<string>(), new[] { new DescriptionAttribute("shape", dims) }), layer);
        return layer.Name;
    }

    private void Add(DescriptionLayer description, KerasLayer from)
    {
        if (!_names.Add(description.Name))
        {
            throw Unsupported(from, "gives the name '" + description.Name + "' that another layer of the flattened model has");
        }

        _layers.Add(description);
    }

    private string Single(IReadOnlyList<string> tensors, string layerName)
    {
        if (tensors.Count != 1)
        {
            throw new ModelImportException("Model file '" + _source + "': layer '" + layerName + "' has " + tensors.Count + " inputs or outputs where one is needed.");
        }

        return tensors[0];
    }

    private ModelImportException Unsupported(KerasLayer layer, string detail)
        => new("Model file '" + _source + "': layer '" + layer.Name + "' (" + layer.ClassName + ") " + detail + ".");
}
