using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>
/// The kernels and shapes the Keras applications add and the full Xception never launches: average pooling, max
/// pooling over a folded ZeroPadding2D frame, asymmetric (1×7, 7×1) and 5×5 stride-2 kernels. Each compiles to PTX
/// for sm_90 and assembles with ptxas without spills.
/// </summary>
public sealed class PaddedWindowPtxTests
{
    private static readonly Dictionary<string, KernelInstance> Instances = new[]
    {
        new KernelInstance("AveragePool 3x3 s1 same 35x35x192 (InceptionV3)", KernelCatalog.AveragePool,
            new AveragePoolShape(35, 35, 192, 35, 35, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0)),
        new KernelInstance("AveragePool 2x2 s2 valid after ZeroPadding2D((0, 1), (1, 0))", KernelCatalog.AveragePool,
            new AveragePoolShape(15, 15, 64, 8, 8, 2, 2, 2, 2, 0, 1, 0, 1, 1, 0)),
        new KernelInstance("MaxPool 3x3 s2 after ZeroPadding2D(1) (ResNet50)", KernelCatalog.MaxPool,
            new MaxPoolShape(112, 112, 64, 56, 56, 3, 3, 2, 2, 1, 1, 0, 0, 0, 1, 1, 1, 1)),
        new KernelInstance("TiledConv2D 1x7 same 17x17x128->192 (InceptionV3)", KernelCatalog.TiledConv2D,
            new Conv2DShape(17, 17, 128, 17, 17, 192, 1, 7, 1, 1, 0, 3, 0, 1, 0)),
        new KernelInstance("TiledConv2D 7x1 same 17x17x128->192 (InceptionV3)", KernelCatalog.TiledConv2D,
            new Conv2DShape(17, 17, 128, 17, 17, 192, 7, 1, 1, 1, 3, 0, 0, 1, 0)),
        new KernelInstance("TiledConv2D 7x7/2 after ZeroPadding2D(3) 224x224x3->64 (ResNet50)", KernelCatalog.TiledConv2D,
            new Conv2DShape(224, 224, 3, 112, 112, 64, 7, 7, 2, 2, 3, 3, 0, 1, 0)),
        new KernelInstance("DepthwiseConv 5x5 s2 same 28x28x240 (EfficientNetB0)", KernelCatalog.DepthwiseConv,
            new DepthwiseConvShape(28, 28, 240, 14, 14, 5, 5, 2, 2, 1, 1, 0, 0, 0)),
        new KernelInstance("TiledSeparableConv 5x5 s2 15x15x16->24", KernelCatalog.TiledSeparableConv,
            new SeparableConvShape(15, 15, 16, 8, 8, 24, 5, 5, 2, 2, 2, 2, 1, 0, 0)),
    }.ToDictionary(i => i.Name);

    public static IEnumerable<object[]> Names() => Instances.Keys.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernel_AssemblesForSm90WithoutSpills(string name)
    {
        KernelAssembly.AssertAssemblesWithoutSpills(Instances[name]);
    }
}
