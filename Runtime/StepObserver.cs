using System;

namespace Xception.Compiler.Runtime;

/// <summary>
/// Receives the output of one fused step of a generated model's <c>Trace</c>: the step number, the Keras
/// layer whose output the step ends with, that tensor's shape (H, W, C, or (N,) when flat) and its values.
/// </summary>
public delegate void StepObserver(int step, string layerName, ReadOnlySpan<int> shape, ReadOnlySpan<float> values);
