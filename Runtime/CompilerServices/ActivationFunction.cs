using System.ComponentModel;

namespace Xception.Compiler.Runtime.CompilerServices;

/// <summary>
/// An activation function, exactly as Keras defines it (keras/src/activations/activations.py in Keras 3,
/// keras/activations.py and keras/backend.py in tf.keras 2.x). Up to three float parameters travel with it in
/// <see cref="ActivationShape"/>; softmax is not here: it normalizes over a whole vector and is its own step.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum ActivationFunction
{
    /// <summary>f(x) = x.</summary>
    Linear = 0,

    /// <summary>
    /// Keras's ReLU layer and relu(x, negative_slope, max_value, threshold): x kept above the threshold (else 0),
    /// clipped to [0, max_value] when a max is given, minus negative_slope·max(threshold − x, 0).
    /// Parameters: negative slope, max value (+∞: none), threshold. relu6 is max value 6, LeakyReLU a negative slope.
    /// </summary>
    Relu = 1,

    /// <summary>1 / (1 + e^−x).</summary>
    Sigmoid = 2,

    /// <summary>tanh x.</summary>
    Tanh = 3,

    /// <summary>x for x &gt; 0, else alpha·(e^x − 1). Parameter: alpha.</summary>
    Elu = 4,

    /// <summary>scale·elu(x, alpha) with Keras's fixed alpha 1.6732632… and scale 1.0507009….</summary>
    Selu = 5,

    /// <summary>swish / silu: x·sigmoid(x).</summary>
    Swish = 6,

    /// <summary>
    /// clip(slope·x + offset, 0, 1). Parameters: slope, offset: 1/6 and 0.5 in Keras 3, 0.2 and 0.5 in Keras 1/2
    /// and tf.keras 2.x (the description names the two hard_sigmoid and hard_sigmoid_keras2).
    /// </summary>
    HardSigmoid = 7,

    /// <summary>The exact gelu (Keras's default approximate=False): x·Φ(x) = 0.5·x·(1 + erf(x/√2)).</summary>
    Gelu = 8,

    /// <summary>gelu(approximate=True): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    GeluTanh = 9,
}
