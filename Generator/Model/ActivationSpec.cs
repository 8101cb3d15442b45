using System.Collections.Generic;

namespace Xception.Compiler.Generator.Model;

/// <summary>
/// The activation functions; the names match the runtime's <c>ActivationFunction</c> members, which the emitter
/// writes by name (Softmax excepted: it normalizes over a vector and is a step of its own).
/// </summary>
internal enum ActivationKind
{
    Linear,
    Relu,
    Sigmoid,
    Tanh,
    Elu,
    Selu,
    Swish,
    HardSigmoid,
    Gelu,
    GeluTanh,
    Softmax,
}

/// <summary>
/// One activation: the function and up to three parameters. Relu: negative slope, max value (+∞: none), threshold;
/// Elu: alpha; HardSigmoid: slope, offset. The others have none.
/// </summary>
internal sealed record ActivationSpec(ActivationKind Kind, double Parameter0 = 0, double Parameter1 = 0, double Parameter2 = 0)
{
    public static ActivationSpec Linear { get; } = new(ActivationKind.Linear);

    public static ActivationSpec PlainRelu { get; } = ReluWith(0, double.PositiveInfinity, 0);

    public static ActivationSpec ReluWith(double negativeSlope, double maxValue, double threshold) =>
        new(ActivationKind.Relu, negativeSlope, maxValue, threshold);

    public bool IsLinear => Kind == ActivationKind.Linear;

    /// <summary>max(x, 0): what the steps' ReLU flags compute.</summary>
    public bool IsPlainRelu => this == PlainRelu;

    /// <summary>How comments and messages name it: the description's name, with the parameters that differ from it.</summary>
    public string Text => Kind switch
    {
        ActivationKind.Relu when IsPlainRelu => "relu",
        ActivationKind.Relu when this == FromName("relu6") => "relu6",
        ActivationKind.Relu when double.IsPositiveInfinity(Parameter1) && Parameter2 == 0 => "leaky_relu(alpha " + Number(Parameter0) + ")",
        ActivationKind.Relu => "relu(negative_slope " + Number(Parameter0) + ", max_value " + (double.IsPositiveInfinity(Parameter1) ? "none" : Number(Parameter1))
            + ", threshold " + Number(Parameter2) + ")",
        ActivationKind.Elu => Parameter0 == 1.0 ? "elu" : "elu(alpha " + Number(Parameter0) + ")",
        ActivationKind.HardSigmoid when Parameter0 == 0.2 => "hard_sigmoid_keras2",
        ActivationKind.HardSigmoid => "hard_sigmoid",
        ActivationKind.GeluTanh => "gelu_tanh",
        ActivationKind.HardSigmoid or ActivationKind.Linear or ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.Selu
            or ActivationKind.Swish or ActivationKind.Gelu or ActivationKind.Softmax => Kind.ToString().ToLowerInvariant(),
        _ => Kind.ToString(),
    };

    private static string Number(double value) => ((float)value).ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The function a description (or an imported Keras config) names, with Keras's fixed parameters: relu6 is a
    /// ReLU with max 6; leaky_relu the Keras 3 function (slope 0.2); hard_sigmoid Keras 3's x/6 + 0.5, and
    /// hard_sigmoid_keras2 the 0.2·x + 0.5 of Keras 1/2 and tf.keras 2.x; swish and silu are one function.
    /// </summary>
    public static ActivationSpec? FromName(string name) => name switch
    {
        "linear" => Linear,
        "relu" => PlainRelu,
        "relu6" => ReluWith(0, 6, 0),
        "leaky_relu" => ReluWith(0.2, double.PositiveInfinity, 0),
        "sigmoid" => new(ActivationKind.Sigmoid),
        "tanh" => new(ActivationKind.Tanh),
        "elu" => new(ActivationKind.Elu, 1.0),
        "selu" => new(ActivationKind.Selu),
        "softmax" => new(ActivationKind.Softmax),
        "swish" or "silu" => new(ActivationKind.Swish),
        "hard_sigmoid" => new(ActivationKind.HardSigmoid, 1.0 / 6.0, 0.5),
        "hard_sigmoid_keras2" => new(ActivationKind.HardSigmoid, 0.2, 0.5),
        "gelu" => new(ActivationKind.Gelu),
        "gelu_tanh" => new(ActivationKind.GeluTanh),
        _ => null,
    };

    /// <summary>The names <see cref="FromName"/> knows, for messages.</summary>
    public static readonly string KnownNames = string.Join(", ", new List<string>
    {
        "elu", "gelu", "gelu_tanh", "hard_sigmoid", "hard_sigmoid_keras2", "leaky_relu", "linear", "relu", "relu6", "selu", "sigmoid", "silu", "softmax", "swish", "tanh",
    });
}
