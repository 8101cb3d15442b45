using System.Collections.Generic;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>
/// What a 1×1 convolution applies per channel as it loads its input (its channel prologue), by layer index:
/// the tensor it reads (<see cref="Input"/>), a squeeze-and-excitation scale of one value per channel and image
/// (<see cref="Factor"/>, the Multiply <see cref="Multiply"/> is fused away), and a BatchNormalization with the ReLU
/// after it (<see cref="BatchNorm"/>, <see cref="Relu"/>); -1 for each part it does not have. <see cref="Layer"/> is
/// the layer the convolution reads in the description (the Multiply, or the ReLU).
/// </summary>
internal sealed record ChannelPrologueSource(int Layer, int Input, int Multiply, int Factor, int BatchNorm, int Relu);

/// <summary>
/// The fusion rule of the channel prologue (issue 13): a per-channel transform whose only reader is a 1×1
/// convolution with stride 1 and no padding becomes part of that convolution's A-operand load, so its full-size
/// output is never written:
/// <list type="bullet">
/// <item>EfficientNet's SE: x · s, a Multiply whose second input is (1, 1, C), one scale per channel of each image,
/// read by the block's projection conv;</item>
/// <item>DenseNet's BN → ReLU before each bottleneck and transition conv: relu(x · scale + shift), the BatchNormalization
/// folded to a scale and shift at load (x is then read straight from the dense block's buffer).</item>
/// </list>
/// Pure function of the graph; the step planner checks that the inputs are computed when it applies it.
/// </summary>
internal static class ChannelPrologueFusion
{
    /// <summary>The prologue <paramref name="layer"/> (a Multiply or a BatchNormalization) starts, or null when it cannot be one.</summary>
    public static ChannelPrologueSource? Find(ModelGraph graph, LayerGeometry[] geometry, int layer)
    {
        LayerSpec spec = graph.Layers[layer];
        int[] inputs = graph.Inputs[layer];
        if (spec.Op == LayerOp.Multiply && inputs.Length == 2 && inputs[0] != inputs[1])
        {
            TensorShape x = geometry[inputs[0]].Output;
            TensorShape factor = geometry[inputs[1]].Output;
            bool perChannel = !x.IsFlat && !factor.IsFlat && factor.Height == 1 && factor.Width == 1 && factor.Channels == x.Channels;
            return perChannel && IsPointwiseReader(graph, geometry, layer)
                ? new ChannelPrologueSource(layer, inputs[0], layer, inputs[1], -1, -1)
                : null;
        }

        if (spec.Op == LayerOp.BatchNorm && inputs.Length == 1 && !geometry[layer].Output.IsFlat && graph.Consumers[layer].Count == 1)
        {
            int relu = graph.Consumers[layer][0];
            LayerSpec r = graph.Layers[relu];
            return r.Op == LayerOp.Relu && IsPointwiseReader(graph, geometry, relu)
                ? new ChannelPrologueSource(relu, inputs[0], -1, -1, layer, relu)
                : null;
        }

        return null;
    }

    // The layer's only reader is a Conv2D reading it as its main input with a 1×1 kernel, stride 1 and no pads.
    private static bool IsPointwiseReader(ModelGraph graph, LayerGeometry[] geometry, int layer)
    {
        List<int> consumers = graph.Consumers[layer];
        if (consumers.Count != 1)
        {
            return false;
        }

        int conv = consumers[0];
        LayerSpec c = graph.Layers[conv];
        LayerGeometry g = geometry[conv];
        return c.Op == LayerOp.Conv2D && graph.Inputs[conv][0] == layer
            && c.Window.KernelHeight == 1 && c.Window.KernelWidth == 1 && c.Window.StrideHeight == 1 && c.Window.StrideWidth == 1
            && g.PadTop == 0 && g.PadBottom == 0 && g.PadLeft == 0 && g.PadRight == 0;
    }
}
