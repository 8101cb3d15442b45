using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
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
        Assert.Contains(KernelCatalog.TiledConv2D, covered);
        Assert.Contains(KernelCatalog.TiledSeparableConv, covered);
        Assert.Contains(KernelCatalog.AveragePool, covered);
        Assert.Contains(KernelCatalog.ChannelSlice, covered);
        Assert.Contains(KernelCatalog.Multiply, covered);
    }

    [Fact]
    public void CompileAll_TiledKernels_StageTilesInSharedMemoryWithBarriers()
    {
        var kernels = KernelCatalog.Representative()
            .Where(k => k.Kernel == KernelCatalog.TiledConv2D || k.Kernel == KernelCatalog.TiledSeparableConv)
            .ToList();

        var results = PtxCompiler.CompileAll(kernels);

        Assert.NotEmpty(results);
        Assert.All(results, r =>
        {
            Assert.Contains(".shared", r.Ptx);
            Assert.Contains("bar.sync", r.Ptx);
        });
    }

    public static IEnumerable<object[]> StepShapes() => new object[][]
    {
        new object[] { new Conv2DShape(299, 299, 3, 149, 149, 32, 3, 3, 2, 2, 0, 0, 0, 1, 0), KernelCatalog.TiledConv2D },
        new object[] { new SeparableConvShape(19, 19, 728, 19, 19, 728, 3, 3, 1, 1, 1, 1, 1, 0, 1), KernelCatalog.TiledSeparableConv },
        new object[] { new DepthwiseConvShape(19, 19, 728, 19, 19, 3, 3, 1, 1, 1, 1, 1, 0, 0), KernelCatalog.DepthwiseConv },
        new object[] { new MaxPoolShape(147, 147, 128, 74, 74, 3, 3, 2, 2, 0, 0, 0, 0, 1), KernelCatalog.MaxPool },
        new object[] { new ElementwiseShape(100, 10, 1, 0, 1, 0), KernelCatalog.Elementwise },
        new object[] { new GlobalPoolShape(10, 10, 2048, 0, 0), KernelCatalog.GlobalPool },
        new object[] { new DenseShape(2048, 1000, 0, 0), KernelCatalog.Dense },
        new object[] { new SoftmaxShape(1000), KernelCatalog.Softmax },
    };

    [Theory]
    [MemberData(nameof(StepShapes))]
    public void ForStep_EachStepShape_ReturnsTheGpuKernelAndCompilesToPtx(object shape, System.Reflection.MethodInfo expected)
    {
        IReadOnlyList<KernelInstance> kernels = KernelCatalog.ForStep(shape);

        KernelInstance kernel = Assert.Single(kernels);
        Assert.Equal(expected, kernel.Kernel);
        Assert.Equal(shape, kernel.Shape);
        Assert.Contains(".entry", Assert.Single(PtxCompiler.CompileAll(kernels)).Ptx);
    }

    [Fact]
    public void ForStep_SimpleFamily_ReturnsTheOneThreadPerPixelKernels()
    {
        var separable = new SeparableConvShape(8, 8, 16, 8, 8, 24, 3, 3, 1, 1, 1, 1, 0, 0, 0);
        var conv = new Conv2DShape(8, 8, 16, 8, 8, 24, 3, 3, 1, 1, 1, 1, 0, 0, 0);

        Assert.Equal(KernelCatalog.SeparableConv, KernelCatalog.ForStep(separable, KernelFamily.Simple)[0].Kernel);
        Assert.Equal(KernelCatalog.Conv2D, KernelCatalog.ForStep(conv, KernelFamily.Simple)[0].Kernel);
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
