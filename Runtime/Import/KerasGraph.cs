using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace Xception.Compiler.Runtime.Import;

/// <summary>A tensor a layer reads: the layer that produced it (node and tensor indices are not needed once shared layers are refused).</summary>
internal sealed record KerasTensorRef(string LayerName);

/// <summary>One call of a layer inside its model: the tensors it reads, and whether it was called with <c>training=True</c>.</summary>
internal sealed record KerasCall(IReadOnlyList<KerasTensorRef> Inputs, bool Training);

/// <summary>
/// One entry of a model config's <c>layers</c>: Keras's name and class, its own config, its calls in this
/// model, and, for a model used as a layer (Functional, Model, Sequential), the nested graph.
/// </summary>
internal sealed record KerasLayer(string Name, string ClassName, string? Module, JsonObject Config, IReadOnlyList<KerasCall> Calls, KerasGraph? Nested);

/// <summary>The kinds of model config: a graph of named layers, or a plain stack.</summary>
internal enum KerasGraphKind
{
    Functional,
    Sequential,
}

/// <summary>
/// A Keras model's graph as its config states it: the layers in config order (Keras's <c>model.layers</c>
/// order, inputs first), and the names of its input and output layers (Functional only).
/// </summary>
internal sealed record KerasGraph(string Name, KerasGraphKind Kind, IReadOnlyList<KerasLayer> Layers, IReadOnlyList<string> InputLayers, IReadOnlyList<string> OutputLayers);
