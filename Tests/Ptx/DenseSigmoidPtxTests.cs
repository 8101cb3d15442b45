using System.IO;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Kernels;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>
/// The dense kernel with its sigmoid epilogue (a binary classifier's head), which the full Xception never
/// launches: its float64 exp must compile to PTX for sm_90 and assemble with ptxas without spills.
/// </summary>
public sealed class DenseSigmoidPtxTests
{
    [Fact]
    public void DenseSigmoidEpilogue_AssemblesForSm90WithoutSpills()
    {
        var instance = new KernelInstance("Dense 2048->1 sigmoid", KernelCatalog.Dense, new DenseShape(2048, 1, 0, 0, SigmoidOutput: 1));
        using var directory = new TempDirectory();
        string path = directory.File("dense_sigmoid.ptx");
        File.WriteAllText(path, PtxCompiler.CompileAll(new[] { instance })[0].Ptx);

        PtxasResult result = Ptxas.Assemble(path);

        Assert.True(result.ExitCode == 0, result.Output);
        PtxasEntry entry = Assert.Single(result.Entries);
        Assert.False(entry.Spills, result.Output);
    }
}
