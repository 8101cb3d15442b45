using System;
using System.Collections.Generic;
using System.Reflection;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>One kernel with one shape: what ILGPU compiles (the shape becomes constants).</summary>
/// <param name="Name">A readable name, for example "SeparableConv 37x37x728->728 k3 s1".</param>
/// <param name="Kernel">A static kernel method whose second parameter is SpecializedValue&lt;shape&gt;.</param>
/// <param name="Shape">The shape value (a step shape record struct).</param>
public sealed record KernelInstance(string Name, MethodInfo Kernel, object Shape);

/// <summary>Every ILGPU kernel of the runtime, and the steps of Keras Xception at 299×299 as representative shapes.</summary>
public static class KernelCatalog
{
    public static MethodInfo Conv2D => Method(typeof(Conv2DKernels), nameof(Conv2DKernels.Conv2D));

    public static MethodInfo SeparableConv => Method(typeof(SeparableConvKernels), nameof(SeparableConvKernels.Fused));

    public static MethodInfo DepthwiseConv => Method(typeof(DepthwiseConvKernels), nameof(DepthwiseConvKernels.Depthwise));

    public static MethodInfo MaxPool => Method(typeof(PoolKernels), nameof(PoolKernels.MaxPool));

    public static MethodInfo GlobalPool => Method(typeof(PoolKernels), nameof(PoolKernels.GlobalPool));

    public static MethodInfo Elementwise => Method(typeof(ElementwiseKernels), nameof(ElementwiseKernels.Elementwise));

    public static MethodInfo Dense => Method(typeof(DenseKernels), nameof(DenseKernels.Dense));

    public static MethodInfo Softmax => Method(typeof(SoftmaxKernels), nameof(SoftmaxKernels.Softmax));

    /// <summary>
    /// One instance per kernel (several for the separable conv: 3×3 fast path, tail block, general
    /// taps), with Xception's shapes where Xception uses the kernel.
    /// </summary>
    public static IReadOnlyList<KernelInstance> Representative() => new KernelInstance[]
    {
        new("Conv2D block1_conv1 299x299x3->32 k3 s2 valid", Conv2D,
            new Conv2DShape(299, 299, 3, 149, 149, 32, 3, 3, 2, 2, 0, 0, 0, 1, 0)),
        new("Conv2D shortcut 147x147x64->128 k1 s2 same", Conv2D,
            new Conv2DShape(147, 147, 64, 74, 74, 128, 1, 1, 2, 2, 0, 0, 0, 0, 0)),
        new("SeparableConv block5 19x19x728->728 k3 relu-in residual", SeparableConv,
            new SeparableConvShape(19, 19, 728, 19, 19, 728, 3, 3, 1, 1, 1, 1, 1, 0, 1)),
        new("SeparableConv tail 37x37x64->91 k3", SeparableConv,
            new SeparableConvShape(37, 37, 64, 37, 37, 91, 3, 3, 1, 1, 1, 1, 0, 1, 0)),
        new("SeparableConv general 15x15x16->24 k5 s2", SeparableConv,
            new SeparableConvShape(15, 15, 16, 8, 8, 24, 5, 5, 2, 2, 2, 2, 1, 0, 0)),
        new("DepthwiseConv 19x19x728 k3", DepthwiseConv,
            new DepthwiseConvShape(19, 19, 728, 19, 19, 3, 3, 1, 1, 1, 1, 1, 0, 0)),
        new("MaxPool block2_pool 147x147x128 p3 s2 same + residual", MaxPool,
            new MaxPoolShape(147, 147, 128, 74, 74, 3, 3, 2, 2, 0, 0, 0, 0, 1)),
        new("GlobalPool avg 10x10x2048", GlobalPool, new GlobalPoolShape(10, 10, 2048, 0, 0)),
        new("GlobalPool max 10x10x2048", GlobalPool, new GlobalPoolShape(10, 10, 2048, 1, 0)),
        new("Elementwise 19x19x728 scale-shift relu residual", Elementwise,
            new ElementwiseShape(19 * 19 * 728, 728, 1, 1, 1, 1)),
        new("Dense predictions 2048->1000", Dense, new DenseShape(2048, 1000, 0, 0)),
        new("Softmax 1000", Softmax, new SoftmaxShape(1000)),
    };

    private static MethodInfo Method(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)
        ?? throw new InvalidOperationException($"Kernel {type.Name}.{name} not found.");
}
