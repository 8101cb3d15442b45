using System;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>Creates the backend an <see cref="InferenceOptions"/> asks for.</summary>
public static class ExecutionBackends
{
    /// <summary>Whether ILGPU finds a CUDA device here (probed once; never throws).</summary>
    public static bool IsCudaAvailable => IlgpuDevices.IsCudaAvailable;

    /// <summary>What ILGPU sees on this machine, for diagnostics ("CPU accelerator, CUDA: NVIDIA H100 ...").</summary>
    public static string DescribeDevices() => IlgpuDevices.DescribeDevices();

    /// <summary>
    /// Cpu → <see cref="CpuBackend"/>; Cuda, OpenCL, IlgpuCpu → <see cref="IlgpuBackend"/>;
    /// Auto → Cuda when a CUDA device exists, else Cpu.
    /// </summary>
    /// <exception cref="BackendUnavailableException">Cuda or OpenCL was requested and no such device exists.</exception>
    public static ExecutionBackend Create(InferenceOptions? options)
    {
        options ??= new InferenceOptions();
        options.Validate();
        ExecutionBackend backend = options.Backend switch
        {
            Backend.Cpu => CpuBackend.Create(options),
            Backend.Cuda or Backend.OpenCL or Backend.IlgpuCpu => new IlgpuBackend(options.Backend, options.IlgpuKernels),
            Backend.Auto => IsCudaAvailable && options.Precision == Precision.Fp32 && options.CalibrationRecorder is null
                ? new IlgpuBackend(Backend.Cuda, options.IlgpuKernels)
                : CpuBackend.Create(options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Backend, "Unknown backend."),
        };
        return options.Profiler is null ? backend : new ProfilingBackend(backend, options.Profiler);
    }
}
