using System;

namespace Xception.Compiler.Runtime;

/// <summary>Where a generated model runs its kernels.</summary>
public enum Backend
{
    /// <summary>CUDA when an NVIDIA GPU is present, else <see cref="Cpu"/>.</summary>
    Auto,

    /// <summary>Managed C# kernels on the CPU, spread over the cores.</summary>
    Cpu,

    /// <summary>ILGPU kernels on an NVIDIA GPU.</summary>
    Cuda,

    /// <summary>ILGPU kernels through OpenCL.</summary>
    OpenCL,

    /// <summary>ILGPU kernels on ILGPU's CPU accelerator (slow; used to test the GPU kernels without a GPU).</summary>
    IlgpuCpu,
}

/// <summary>Options for <c>Load</c> of a generated model.</summary>
public sealed class InferenceOptions
{
    /// <summary>The backend to run on; <see cref="Backend.Auto"/> by default.</summary>
    public Backend Backend { get; init; } = Backend.Auto;

    /// <summary>Worker threads of the CPU backend; all cores when null.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// The most images per kernel launch. Activation buffers are sized for one chunk at load; a larger
    /// batch passed to <c>Predict</c> runs in chunks. The backend picks the chunk size up to this: the GPU
    /// backends take MaxBatch images at once, the <c>Cpu</c> backend one (faster there, see
    /// <c>CpuBackend.ChunkSize</c>).
    /// </summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>
    /// When set, every step's time is added to this profiler (each step waits for the device before
    /// the next starts). For finding where the time goes; leave it null otherwise.
    /// </summary>
    public StepProfiler? Profiler { get; init; }

    /// <summary>
    /// Which ILGPU kernels run the convolutions: null picks the shared-memory tiled GEMMs on GPUs and the
    /// simple kernels on ILGPU's CPU accelerator (where every group barrier is slow). The tests set it to run
    /// the GPU kernels on <see cref="Backend.IlgpuCpu"/>, for checking them without a GPU; a kernel-catalog
    /// detail, so not part of the public options.
    /// </summary>
    internal Kernels.KernelFamily? IlgpuKernels { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when an option is out of range.</summary>
    public void Validate()
    {
        if (MaxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "MaxBatch must be at least 1.");
        }

        if (Threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 1 when set.");
        }
    }
}
