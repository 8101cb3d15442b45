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

    /// <summary>
    /// The arithmetic of the convolutions: <see cref="Precision.Fp32"/> by default. <see cref="Precision.Int8"/> runs the
    /// separable steps' pointwise products in int8 on the <see cref="Backend.Cpu"/> backend and needs <see cref="Calibration"/>.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>
    /// The activation ranges of an int8 run (the <c>xception calibrate</c> command writes them); checked at load against the
    /// model's name and weight shapes. Passed as an option for now; the generator is to emit them as constants later (docs/int8.md).
    /// </summary>
    public Cpu.Int8.Int8Calibration? Calibration { get; init; }

    /// <summary>
    /// When set (fp32 runs on the <see cref="Backend.Cpu"/> backend), the range of every tensor an int8 step would quantize
    /// is added to it on every Predict: what <c>xception calibrate</c> runs.
    /// </summary>
    public Cpu.Int8.CalibrationRecorder? CalibrationRecorder { get; init; }

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

        if (Precision is not (Precision.Fp32 or Precision.Int8))
        {
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "Precision must be Fp32 or Int8.");
        }

        if (Precision == Precision.Int8 && Calibration is null)
        {
            throw new ArgumentException("Precision Int8 needs a Calibration (xception calibrate writes one); none was given.", nameof(Calibration));
        }

        if (Precision == Precision.Int8 && CalibrationRecorder is not null)
        {
            throw new ArgumentException("A CalibrationRecorder records fp32 ranges; it cannot be combined with Precision Int8.", nameof(CalibrationRecorder));
        }

        if ((Precision == Precision.Int8 || CalibrationRecorder is not null) && Backend is not (Backend.Cpu or Backend.Auto))
        {
            throw new ArgumentException($"Int8 runs and calibration run on the Cpu backend only; Backend is {Backend}.", nameof(Backend));
        }
    }
}

/// <summary>The arithmetic a model's convolutions run in.</summary>
public enum Precision
{
    /// <summary>float32 throughout (the default).</summary>
    Fp32,

    /// <summary>
    /// The separable steps' pointwise products in int8 (u8 activations from a calibration, 7-bit per-channel weights); depthwise,
    /// bias, residual and ReLU in float. Cpu backend only; the other steps stay fp32.
    /// </summary>
    Int8,
}
