using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>
/// The kernels Concatenate and Multiply add: a Conv2D writing its channel slice of InceptionV3's mixed0 (simple and
/// tiled), the slice copy of a branch no convolution produces, and EfficientNetB0's squeeze-and-excitation product.
/// Each compiles to PTX for sm_90 and assembles with ptxas without spills.
/// </summary>
public sealed class ConcatenateMultiplyPtxTests
{
    private static readonly Dictionary<string, KernelInstance> Instances = new[]
    {
        new KernelInstance("Conv2D 5x5 35x35x48->64 into channels 64.. of 256 (InceptionV3 mixed0)", KernelCatalog.Conv2D,
            new Conv2DShape(35, 35, 48, 35, 35, 64, 5, 5, 1, 1, 2, 2, 0, 1, 0, OutChannelOffset: 64, OutPixelStride: 256)),
        new KernelInstance("TiledConv2D 1x1 35x35x192->64 into channels 0.. of 256 (InceptionV3 mixed0)", KernelCatalog.TiledConv2D,
            new Conv2DShape(35, 35, 192, 35, 35, 64, 1, 1, 1, 1, 0, 0, 0, 1, 0, OutChannelOffset: 0, OutPixelStride: 256)),
        new KernelInstance("TiledConv2D 3x3 35x35x96->96 into channels 128.. of 256 (InceptionV3 mixed0)", KernelCatalog.TiledConv2D,
            new Conv2DShape(35, 35, 96, 35, 35, 96, 3, 3, 1, 1, 1, 1, 0, 1, 0, OutChannelOffset: 128, OutPixelStride: 256)),
        new KernelInstance("ChannelSlice 17x17x288 into channels 480.. of 768 (InceptionV3 mixed3 pool branch)", KernelCatalog.ChannelSlice,
            new ChannelSliceShape(17 * 17, 288, 768, 480)),
        new KernelInstance("Multiply 56x56x96 by channel (EfficientNetB0 block2a_se_excite)", KernelCatalog.Multiply,
            new MultiplyShape(56 * 56, 96, 1)),
        new KernelInstance("Multiply 14x14x480 same shapes", KernelCatalog.Multiply, new MultiplyShape(14 * 14, 480, 0)),
    }.ToDictionary(i => i.Name);

    public static IEnumerable<object[]> Names() => Instances.Keys.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernel_AssemblesForSm90WithoutSpills(string name)
    {
        KernelAssembly.AssertAssemblesWithoutSpills(Instances[name]);
    }
}
