using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>
/// Which activation a convolution step applies in its own store instead of in an activation step after it: a sigmoid
/// or swish (EfficientNet's 49 swish and 16 sigmoid layers) whose input only that step produces and nothing else
/// reads. Applied while the step's output is still in cache (Cpu: a vector pass over each tile just written; ILGPU:
/// the kernels' store), it saves a read and a write of the whole tensor per activation. The function then runs
/// after the step's bias, residual and ReLU, which is the order the graph has, because the planner stops fusing
/// at the activation: an add after it stays a step of its own.
/// </summary>
internal static class StoreActivationFusion
{
    /// <summary>Whether a step of <paramref name="kind"/> takes <paramref name="function"/> into its store.</summary>
    public static bool Fuses(StepKind kind, ActivationSpec? function) =>
        function is not null
        && function.Kind is ActivationKind.Sigmoid or ActivationKind.Swish
        && kind is StepKind.Conv2D or StepKind.SeparableConv or StepKind.DepthwiseConv;
}
