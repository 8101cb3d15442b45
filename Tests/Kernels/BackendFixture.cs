using System;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// One CpuBackend and one IlgpuBackend on ILGPU's CPU accelerator, shared by the kernel test classes
/// (a context and its compiled kernels are costly to build). The collection runs its classes one at a time.
/// </summary>
public sealed class BackendFixture : IDisposable
{
    public const string Cpu = "cpu";
    public const string IlgpuCpu = "ilgpu-cpu";

    /// <summary>ILGPU's CPU accelerator running the GPU's shared-memory tiled kernels (<see cref="KernelFamily.Tiled"/>).</summary>
    public const string IlgpuCpuTiled = "ilgpu-cpu-tiled";

    private readonly CpuBackend cpu = new(threads: 2);
    private readonly Lazy<IlgpuBackend> ilgpu = new(() => new IlgpuBackend(Backend.IlgpuCpu, KernelFamily.Simple));
    private readonly Lazy<IlgpuBackend> ilgpuTiled = new(() => new IlgpuBackend(Backend.IlgpuCpu, KernelFamily.Tiled));

    public ExecutionBackend Get(string name) => name switch
    {
        Cpu => cpu,
        IlgpuCpu => ilgpu.Value,
        IlgpuCpuTiled => ilgpuTiled.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "cpu, ilgpu-cpu or ilgpu-cpu-tiled"),
    };

    /// <summary>
    /// Runs one step over fresh slots: 0 = input, 1 = output, 2 = residual (when given).
    /// Returns the output (batch × <paramref name="outputPerImage"/>).
    /// </summary>
    public float[] Run(string backendName, int batch, float[] input, int outputPerImage, float[]? residual,
        Action<ExecutionBackend, int, int, int> step)
    {
        ExecutionBackend backend = Get(backendName);
        int inputPerImage = input.Length / batch;
        backend.AllocateBuffers(new long[] { inputPerImage, outputPerImage, outputPerImage }, batch);
        backend.WriteInput(0, input);
        if (residual is not null)
        {
            backend.WriteInput(2, residual);
        }

        step(backend, 0, 1, residual is null ? -1 : 2);
        var output = new float[batch * outputPerImage];
        backend.ReadOutput(1, output);
        return output;
    }

    public void Dispose()
    {
        cpu.Dispose();
        if (ilgpu.IsValueCreated)
        {
            ilgpu.Value.Dispose();
        }

        if (ilgpuTiled.IsValueCreated)
        {
            ilgpuTiled.Value.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BackendCollection : ICollectionFixture<BackendFixture>
{
    public const string Name = "Kernel backends";
}
