using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Kernels;
using Xception.Compiler.Tests.Generator.Infrastructure;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>
/// Every kernel the generated full <see cref="Tests.Xception"/> launches, with the shape it launches it
/// with, compiled to PTX for sm_90 (ISA 7.8) with no GPU and assembled by NVIDIA's ptxas: each must
/// assemble and none may spill registers; the ptxas report of the heaviest kernels is a snapshot.
/// </summary>
public sealed class PtxAssemblyTests : IClassFixture<PtxAssemblyTests.AssembledKernels>
{
    private readonly AssembledKernels _kernels;
    private readonly ITestOutputHelper _output;

    public PtxAssemblyTests(AssembledKernels kernels, ITestOutputHelper output)
    {
        _kernels = kernels;
        _output = output;
    }

    [Fact]
    public void FullXception_EveryLaunchedKernel_AssemblesForSm90WithoutSpills()
    {
        // Keras Xception at 299×299: 2 stem convs, 34 separable blocks, 4 shortcut convs, 4 pools, global pool, dense, softmax.
        Assert.True(_kernels.StepCount >= 40, $"only {_kernels.StepCount} steps were recorded");
        Assert.NotEmpty(_kernels.Kernels);

        var failures = new List<string>();
        _output.WriteLine($"{_kernels.Kernels.Count} kernels for {_kernels.StepCount} steps, ptxas {_kernels.PtxasVersion}:");
        foreach (AssembledKernel kernel in _kernels.Kernels)
        {
            foreach (PtxasEntry entry in kernel.Ptxas.Entries)
            {
                _output.WriteLine($"  {kernel.Name}{Flags(kernel.Shape)}: {entry.Registers} registers, {entry.SharedBytes} smem, {entry.StackFrameBytes} stack, {entry.SpillStoreBytes}/{entry.SpillLoadBytes} spill");
            }

            if (kernel.Ptxas.ExitCode != 0)
            {
                failures.Add($"{kernel.Name}: ptxas exited with {kernel.Ptxas.ExitCode} (PTX kept at {kernel.PtxPath}):\n{kernel.Ptxas.Output.Trim()}");
                continue;
            }

            if (kernel.Ptxas.Entries.Count == 0)
            {
                failures.Add($"{kernel.Name}: no entry function in the ptxas report:\n{kernel.Ptxas.Output.Trim()}");
            }

            foreach (PtxasEntry entry in kernel.Ptxas.Entries.Where(e => e.Spills))
            {
                failures.Add($"{kernel.Name}: spills ({entry.SpillStoreBytes} bytes spill stores, {entry.SpillLoadBytes} bytes spill loads, {entry.Registers} registers)");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {_kernels.Kernels.Count} kernels failed:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void FullXception_HeaviestKernels_PtxasReport()
    {
        var heaviest = _kernels.Kernels.Where(k => IsHeavy(k.Shape)).ToList();
        Assert.NotEmpty(heaviest);

        var report = new StringBuilder();
        report.Append("# ptxas ").Append(_kernels.PtxasVersion).Append(" -arch=").Append(Ptxas.Architecture)
            .Append(" -O3, PTX ISA 7.8 from ILGPU; the heaviest kernels the generated Xception launches at 299x299\n");
        report.Append("# kernel: registers, shared memory, stack frame, spill stores/loads (bytes)\n");
        foreach (AssembledKernel kernel in heaviest)
        {
            foreach (PtxasEntry entry in kernel.Ptxas.Entries)
            {
                report.Append(kernel.Name).Append(Flags(kernel.Shape)).Append(": ")
                    .Append(entry.Registers.ToString(CultureInfo.InvariantCulture)).Append(" registers, ")
                    .Append(entry.SharedBytes.ToString(CultureInfo.InvariantCulture)).Append(" smem, ")
                    .Append(entry.StackFrameBytes.ToString(CultureInfo.InvariantCulture)).Append(" stack, ")
                    .Append(entry.SpillStoreBytes.ToString(CultureInfo.InvariantCulture)).Append('/')
                    .Append(entry.SpillLoadBytes.ToString(CultureInfo.InvariantCulture)).Append(" spill\n");
            }
        }

        Snapshot.Verify(nameof(FullXception_HeaviestKernels_PtxasReport), new[] { ("ptxas-report", report.ToString()) });
    }

    /// <summary>The fusion flags of a convolution step, which the kernel names leave out.</summary>
    private static string Flags(object shape) => shape switch
    {
        SeparableConvShape s => Flags(s.ReluInput, s.ReluOutput, s.HasResidual),
        Conv2DShape c => Flags(c.ReluInput, c.ReluOutput, c.HasResidual),
        _ => string.Empty,
    };

    private static string Flags(int reluInput, int reluOutput, int residual) =>
        (reluInput != 0 ? " relu-in" : string.Empty) + (reluOutput != 0 ? " relu-out" : string.Empty) + (residual != 0 ? " +residual" : string.Empty);

    /// <summary>The separable blocks at 147×147→128, 19×19×728→728 and 10×10×1536→2048, and the two stem convolutions.</summary>
    private static bool IsHeavy(object shape) => shape switch
    {
        SeparableConvShape s => (s.InHeight == 147 && s.OutChannels == 128)
            || (s.InHeight == 19 && s.InChannels == 728 && s.OutChannels == 728)
            || (s.InHeight == 10 && s.InChannels == 1536 && s.OutChannels == 2048),
        Conv2DShape c => c.InHeight is 299 or 149,
        _ => false,
    };

    internal sealed record AssembledKernel(string Name, object Shape, string PtxPath, PtxasResult Ptxas);

    /// <summary>
    /// Records the steps of one Predict of the generated class, asks <see cref="KernelCatalog.ForStep"/>
    /// for the kernels of each distinct step shape, compiles them to PTX and assembles each with ptxas
    /// (once for the class; the PTX files stay in a temporary folder while the tests run).
    /// </summary>
    public sealed class AssembledKernels : IDisposable
    {
        private readonly TempDirectory _directory = new();

        public AssembledKernels()
        {
            IReadOnlyList<object> steps = RecordingBackend.StepsOfFullXception();
            StepCount = steps.Count;

            var instances = new List<KernelInstance>();
            var seen = new HashSet<(string, object)>();
            foreach (object shape in steps.Distinct())
            {
                foreach (KernelInstance instance in KernelCatalog.ForStep(shape))
                {
                    if (seen.Add((instance.Kernel.DeclaringType + "." + instance.Kernel.Name, instance.Shape)))
                    {
                        instances.Add(instance);
                    }
                }
            }

            // ptxas is located first so a missing ptxas fails fast, before minutes of PTX generation.
            PtxasVersion = Ptxas.Version();

            var kernels = new AssembledKernel[instances.Count];
            var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) };
            Parallel.For(0, instances.Count, options, i =>
            {
                KernelInstance instance = instances[i];
                (string _, string ptx) = PtxCompiler.CompileAll(new[] { instance })[0];
                string path = _directory.File(i.ToString("D3", CultureInfo.InvariantCulture) + ".ptx");
                File.WriteAllText(path, ptx);
                kernels[i] = new AssembledKernel(instance.Name, instance.Shape, path, Ptxas.Assemble(path));
            });

            Kernels = kernels;
        }

        public int StepCount { get; }

        public string PtxasVersion { get; }

        internal IReadOnlyList<AssembledKernel> Kernels { get; }

        public void Dispose() => _directory.Dispose();
    }
}

/// <summary>The ptxas report parser alone (no ptxas needed).</summary>
public sealed class PtxasReportTests
{
    [Fact]
    public void PtxasReportParser_ReadsRegistersSharedMemoryAndSpills()
    {
        const string text =
            "ptxas info    : 0 bytes gmem\n" +
            "ptxas info    : Compiling entry function 'Kernel_A' for 'sm_90'\n" +
            "ptxas info    : Function properties for Kernel_A\n" +
            "    16 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads\n" +
            "ptxas info    : Used 255 registers, 8192 bytes smem, 400 bytes cmem[0]\n" +
            "ptxas info    : Compiling entry function 'Kernel_B' for 'sm_90'\n" +
            "ptxas info    : Function properties for Kernel_B\n" +
            "    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n" +
            "ptxas info    : Used 32 registers, 384 bytes cmem[0]\n";

        IReadOnlyList<PtxasEntry> entries = Ptxas.Parse(text);

        Assert.Equal(new[] { new PtxasEntry("Kernel_A", 255, 8192, 16, 8, 4), new PtxasEntry("Kernel_B", 32, 0, 0, 0, 0) }, entries);
        Assert.True(entries[0].Spills);
        Assert.False(entries[1].Spills);
    }
}
