using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>
/// The 1×1 convolution with a channel prologue (issue 13): EfficientNetB0's projection reading the squeeze-and-
/// excitation scale, DenseNet121's bottleneck conv with BN + ReLU in its prologue. Each compiles to PTX for sm_90 and
/// assembles with ptxas without spills.
/// </summary>
public sealed class ChannelProloguePtxTests
{
    private static readonly Dictionary<string, KernelInstance> Instances = new[]
    {
        new KernelInstance("TiledPrologueConv2D 1x1 56x56x144->24 (EfficientNetB0 block2b_project_conv, SE scale) + residual", KernelCatalog.TiledPrologueConv2D,
            new Conv2DShape(56, 56, 144, 56, 56, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1)),
        new KernelInstance("TiledPrologueConv2D 1x1 28x28x256->128 relu-out (DenseNet121 conv3_block2_1_conv)", KernelCatalog.TiledPrologueConv2D,
            new Conv2DShape(28, 28, 256, 28, 28, 128, 1, 1, 1, 1, 0, 0, 0, 1, 0)),
        new KernelInstance("PrologueConv2D 1x1 28x28x256->128 relu-out (DenseNet121 conv3_block2_1_conv, the simple family)", KernelCatalog.PrologueConv2D,
            new Conv2DShape(28, 28, 256, 28, 28, 128, 1, 1, 1, 1, 0, 0, 0, 1, 0)),
    }.ToDictionary(i => i.Name);

    public static IEnumerable<object[]> Names() => Instances.Keys.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernel_AssemblesForSm90WithoutSpills(string name)
    {
        KernelAssembly.AssertAssemblesWithoutSpills(Instances[name]);
    }
}
