using System.IO;
using Xception.Compiler.Runtime.Kernels;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>
/// The check every kernel-family PTX test makes: one catalog kernel with its shape, compiled to PTX for
/// <see cref="Ptxas.Architecture"/>, assembled by ptxas, and no entry spilling registers.
/// </summary>
internal static class KernelAssembly
{
    public static void AssertAssemblesWithoutSpills(KernelInstance instance)
    {
        using var directory = new TempDirectory();
        string path = directory.File("kernel.ptx");
        File.WriteAllText(path, PtxCompiler.CompileAll(new[] { instance })[0].Ptx);

        PtxasResult result = Ptxas.Assemble(path);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.NotEmpty(result.Entries);
        Assert.All(result.Entries, e => Assert.False(e.Spills, result.Output));
    }
}
