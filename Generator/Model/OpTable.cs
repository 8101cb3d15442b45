using System;
using System.Collections.Generic;

namespace Xception.Compiler.Generator.Model;

/// <summary>
/// One op: the name a description writes, the Keras layer class that computes it (recorded in the
/// generated weight table) and whether Keras stores weights for it (it then takes part in load-by-order).
/// </summary>
internal sealed record OpInfo(LayerOp Op, string Name, string KerasClass, bool HasWeights);

/// <summary>The one table of ops: the parser, the planner and the emitter read names and traits from here.</summary>
internal static class OpTable
{
    private static readonly OpInfo[] s_ops =
    {
        new(LayerOp.Input, "input", "InputLayer", HasWeights: false),
        new(LayerOp.Conv2D, "conv2d", "Conv2D", HasWeights: true),
        new(LayerOp.SeparableConv2D, "separable_conv2d", "SeparableConv2D", HasWeights: true),
        new(LayerOp.DepthwiseConv2D, "depthwise_conv2d", "DepthwiseConv2D", HasWeights: true),
        new(LayerOp.BatchNorm, "batch_norm", "BatchNormalization", HasWeights: true),
        new(LayerOp.Relu, "relu", "ReLU", HasWeights: false),
        new(LayerOp.Softmax, "softmax", "Softmax", HasWeights: false),
        new(LayerOp.GlobalAvgPool, "global_avg_pool", "GlobalAveragePooling2D", HasWeights: false),
        new(LayerOp.GlobalMaxPool, "global_max_pool", "GlobalMaxPooling2D", HasWeights: false),
        new(LayerOp.MaxPool2D, "max_pool2d", "MaxPooling2D", HasWeights: false),
        new(LayerOp.Add, "add", "Add", HasWeights: false),
        new(LayerOp.Dense, "dense", "Dense", HasWeights: true),
        new(LayerOp.Flatten, "flatten", "Flatten", HasWeights: false),
        new(LayerOp.Activation, "activation", "Activation", HasWeights: false),
        new(LayerOp.LeakyRelu, "leaky_relu", "LeakyReLU", HasWeights: false),
        new(LayerOp.Elu, "elu", "ELU", HasWeights: false),
        new(LayerOp.Rescaling, "rescaling", "Rescaling", HasWeights: false),
        new(LayerOp.Normalization, "normalization", "Normalization", HasWeights: true),
        new(LayerOp.Reshape, "reshape", "Reshape", HasWeights: false),
        new(LayerOp.ZeroPadding2D, "zero_padding2d", "ZeroPadding2D", HasWeights: false),
        new(LayerOp.AvgPool2D, "avg_pool2d", "AveragePooling2D", HasWeights: false),
        new(LayerOp.Concatenate, "concatenate", "Concatenate", HasWeights: false),
        new(LayerOp.Multiply, "multiply", "Multiply", HasWeights: false),
    };

    // A layer whose op was rejected still flows through messages; it names itself "unknown".
    private static readonly OpInfo s_unknown = new(LayerOp.Unknown, "unknown", "Unknown", HasWeights: false);

    /// <summary>The op names a description may use, sorted and comma-separated, for the unknown-op message.</summary>
    public static readonly string KnownNames = SortedNames();

    public static IReadOnlyList<OpInfo> All => s_ops;

    public static OpInfo Get(LayerOp op)
    {
        foreach (OpInfo info in s_ops)
        {
            if (info.Op == op)
            {
                return info;
            }
        }

        return s_unknown;
    }

    /// <summary>The op a description names; false (and <see cref="LayerOp.Unknown"/>) when it names none.</summary>
    public static bool TryFind(string name, out LayerOp op)
    {
        foreach (OpInfo info in s_ops)
        {
            if (string.Equals(info.Name, name, StringComparison.Ordinal))
            {
                op = info.Op;
                return true;
            }
        }

        op = LayerOp.Unknown;
        return false;
    }

    private static string SortedNames()
    {
        var names = new List<string>();
        foreach (OpInfo info in s_ops)
        {
            names.Add(info.Name);
        }

        names.Sort(StringComparer.Ordinal);
        return string.Join(", ", names);
    }
}
