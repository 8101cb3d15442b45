using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>
/// The kernels DenseNet121's shared dense-block buffers use with their strides: the stem's max pool and a transition's
/// average pool writing the first channels of the block's buffer, and a conv block's BN + ReLU reading a channel prefix
/// of it. Each compiles to PTX for sm_90 and assembles with ptxas without spills.
/// </summary>
public sealed class DenseBlockPtxTests
{
    private static readonly Dictionary<string, KernelInstance> Instances = new[]
    {
        new KernelInstance("MaxPool pool1 112x112x64 p3 s2, ZeroPadding2D(1) folded, into channels 0.. of 256", KernelCatalog.MaxPool,
            new MaxPoolShape(112, 112, 64, 56, 56, 3, 3, 2, 2, 1, 1, 0, 0, 0, ZeroPadTop: 1, ZeroPadBottom: 1, ZeroPadLeft: 1, ZeroPadRight: 1, OutPixelStride: 256)),
        new KernelInstance("AveragePool pool2_pool 56x56x128 p2 s2 into channels 0.. of 512", KernelCatalog.AveragePool,
            new AveragePoolShape(56, 56, 128, 28, 28, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, OutPixelStride: 512)),
        new KernelInstance("Elementwise conv2_block3_0_bn + relu, channels 0..127 of 256", KernelCatalog.Elementwise,
            new ElementwiseShape(56 * 56 * 128, 128, 1, 0, 1, 0, InPixelStride: 256)),
    }.ToDictionary(i => i.Name);

    public static IEnumerable<object[]> Names() => Instances.Keys.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernel_AssemblesForSm90WithoutSpills(string name)
    {
        KernelAssembly.AssertAssemblesWithoutSpills(Instances[name]);
    }
}
