using System.Collections.Generic;
using System.Linq;

namespace Xception.Compiler.Runtime.Import;

/// <summary>An attribute of a description layer, kept in the order a hand-written description states it.</summary>
/// <param name="Value">An int, a double, a bool, a string or an int[] (written as a JSON array).</param>
internal sealed record DescriptionAttribute(string Name, object Value);

/// <summary>
/// One layer of a <c>*.xcs.json</c> description: its name (Keras's), its op (a name of the description
/// language), the layers it reads and its attributes.
/// </summary>
internal sealed record DescriptionLayer(string Name, string Op, IReadOnlyList<string> Inputs, IReadOnlyList<DescriptionAttribute> Attributes)
{
    /// <summary>Ops whose layers Keras stores weights for: they take part in load-by-order.
    /// An adapted normalization has them (mean, variance, count); one whose mean is written inline has none.</summary>
    public bool HasWeights => Op is "conv2d" or "separable_conv2d" or "depthwise_conv2d" or "batch_norm" or "dense"
        || (Op == "normalization" && !Attributes.Any(a => a.Name == "mean"));
}
