using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>Every kernel compiles to PTX for sm_90 on a machine without a GPU.</summary>
public sealed class PtxCompilerTests
{
    [Fact]
    public void CompileAll_EveryRepresentativeKernel_ProducesSm90PtxWithAnEntry()
    {
        IReadOnlyList<KernelInstance> kernels = KernelCatalog.Representative();

        IReadOnlyList<(string Name, string Ptx)> results = PtxCompiler.CompileAll(kernels);

        Assert.Equal(kernels.Select(k => k.Name), results.Select(r => r.Name));
        Assert.All(results, r =>
        {
            Assert.Contains(".target sm_90", r.Ptx);
            Assert.Contains(".version 7.8", r.Ptx);
            Assert.Contains(".entry", r.Ptx);
        });
    }

    [Fact]
    public void CompileAll_CoversEveryKernelMethod()
    {
        var covered = KernelCatalog.Representative().Select(k => k.Kernel).ToHashSet();

        Assert.Contains(KernelCatalog.Conv2D, covered);
        Assert.Contains(KernelCatalog.SeparableConv, covered);
        Assert.Contains(KernelCatalog.DepthwiseConv, covered);
        Assert.Contains(KernelCatalog.MaxPool, covered);
        Assert.Contains(KernelCatalog.GlobalPool, covered);
        Assert.Contains(KernelCatalog.Elementwise, covered);
        Assert.Contains(KernelCatalog.Dense, covered);
        Assert.Contains(KernelCatalog.Softmax, covered);
    }

    [Fact]
    public void CompileAll_SameKernelTwoShapes_SpecializesShapeIntoThePtx()
    {
        var small = new SeparableConvShape(8, 8, 16, 8, 8, 24, 3, 3, 1, 1, 1, 1, 0, 0, 0);
        var large = small with { InChannels = 728, OutChannels = 728, ReluInput = 1, HasResidual = 1 };

        var results = PtxCompiler.CompileAll(new[]
        {
            new KernelInstance("small", KernelCatalog.SeparableConv, small),
            new KernelInstance("large", KernelCatalog.SeparableConv, large),
        });

        Assert.NotEqual(results[0].Ptx, results[1].Ptx);
        // 728 as an immediate operand, not as part of a label such as L_100870728 (whose numbers vary).
        var immediate728 = new System.Text.RegularExpressions.Regex(@"(?<![\w.$])728(?![\w.])");
        Assert.Matches(immediate728, results[1].Ptx);
        Assert.DoesNotMatch(immediate728, results[0].Ptx);
    }
}
