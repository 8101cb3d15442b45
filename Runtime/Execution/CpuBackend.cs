using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Cpu.Jobs;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>
/// Managed SIMD steps on the CPU (AVX-512, AVX2 or scalar, chosen at load). Every convolution is a GEMM
/// over a tile of output pixels: the tile's depthwise outputs (separable steps) or gathered taps (Conv2D
/// with padding or an input ReLU; without, the taps are read in place from the input) go to a per-worker
/// scratch that stays in L2, then a register-blocked micro-kernel multiplies it by
/// weights packed into 32-column panels (at upload, or on first use of a handle uploaded raw), applying bias,
/// residual and ReLU while it stores. Tiles (and, for small layers, groups of panels) are spread over a
/// persistent <see cref="WorkerPool"/>. Slots, weights and scratch are pinned arrays allocated once, so
/// after the first call of each step a Predict allocates nothing. The per-call path (the step methods,
/// the jobs' Run, the pool) is marked AggressiveOptimization and reads its sizes from fields, so it is
/// compiled fully optimized on first use and never re-JITted by tiering: with tiering, background
/// re-JITs during Predict calls 5–40 of a process made some of them up to 2× slower.
/// </summary>
public sealed unsafe class CpuBackend : ExecutionBackend
{
    private readonly List<WeightEntry> weights = new();
    private readonly float[][] scratch;
    private readonly ConvolutionJob<RuntimeGeometry> convolution;
    private readonly Dictionary<Type, IParallelJob> specializedJobs = new();

    // Steps run as cached parallel jobs, one instance per kind: the pool runs one job at a time.
    private readonly DepthwiseJob depthwiseJob;
    private readonly MaxPoolJob maxPoolJob;
    private readonly ElementwiseJob elementwiseJob;
    private readonly GlobalPoolJob globalPoolJob;
    private readonly DenseJob denseJob;
    private float[][] slots = Array.Empty<float[]>();
    private int maxBatch;
    private bool disposed;

    /// <param name="threads">Worker threads; all cores when null.</param>
    public CpuBackend(int? threads = null)
        : this(threads, CpuIsas.Best)
    {
    }

    /// <summary>Forces an instruction set (tests run every path on one machine).</summary>
    internal CpuBackend(int? threads, CpuIsa isa)
    {
        if (threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "Threads must be at least 1 when set.");
        }

        if (!CpuIsas.IsSupported(isa))
        {
            throw new PlatformNotSupportedException($"This CPU does not run the {isa} path (best: {CpuIsas.Best}).");
        }

        Threads = threads ?? Environment.ProcessorCount;
        Isa = isa;
        Pool = new WorkerPool(Threads);
        scratch = new float[Threads][];
        convolution = new ConvolutionJob<RuntimeGeometry>(this);
        depthwiseJob = new DepthwiseJob(this);
        maxPoolJob = new MaxPoolJob(this);
        elementwiseJob = new ElementwiseJob(this);
        globalPoolJob = new GlobalPoolJob(this);
        denseJob = new DenseJob(this);
    }

    /// <summary>The most worker threads a step uses.</summary>
    public int Threads { get; }

    /// <summary>The instruction set the kernels use.</summary>
    internal CpuIsa Isa { get; }

    /// <summary>The persistent workers the jobs run on.</summary>
    internal WorkerPool Pool { get; }

    /// <summary>Bytes allocated so far on the worker threads (not the caller's), for allocation tests.</summary>
    internal long WorkerAllocatedBytes => Pool.WorkerAllocatedBytes;

    public override string Name => "cpu";

    /// <summary>
    /// One image at a time: each step's activations then stay in cache for the next, and the weights
    /// stream once per image either way. Measured on a 2-core AVX-512 machine: 8 images as eight chunks
    /// of one took 0.88–0.90× the time of one chunk of eight (same bits), and the buffers shrink 8×.
    /// </summary>
    public override int ChunkSize(int maxBatch) => 1;

    public override void AllocateBuffers(ReadOnlySpan<long> floatsPerImage, int maxBatch)
    {
        ThrowIfDisposed();
        if (maxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "maxBatch must be at least 1.");
        }

        var arrays = new float[floatsPerImage.Length][];
        for (int i = 0; i < arrays.Length; i++)
        {
            long length = floatsPerImage[i] * maxBatch;
            if (floatsPerImage[i] < 0 || length > Array.MaxLength)
            {
                throw new NotSupportedException(
                    $"Slot {i} needs {floatsPerImage[i]} floats per image × {maxBatch} images = {length} floats; " +
                    $"a managed array holds at most {Array.MaxLength}. Lower MaxBatch.");
            }

            arrays[i] = GC.AllocateArray<float>((int)length, pinned: true);
        }

        slots = arrays;
        this.maxBatch = maxBatch;
    }

    public override WeightHandle Upload(ReadOnlySpan<float> values)
    {
        ThrowIfDisposed();
        float[] copy = GC.AllocateUninitializedArray<float>(values.Length, pinned: true);
        values.CopyTo(copy);
        weights.Add(new WeightEntry { Raw = copy });
        return new WeightHandle(weights.Count - 1);
    }

    /// <summary>Packs the matrix into panels right away (the kernels read nothing else); <paramref name="values"/> is not kept.</summary>
    public override WeightHandle UploadMatrix(float[] values, int rows, int columns)
    {
        ThrowIfDisposed();
        CheckMatrix(values, rows, columns);
        weights.Add(new WeightEntry { Packed = PackedPanels.Pack(values, rows, columns) });
        return new WeightHandle(weights.Count - 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void WriteInput(int slot, ReadOnlySpan<float> values)
    {
        float[] buffer = Slot(slot);
        if (values.Length > buffer.Length)
        {
            throw new ArgumentException($"Slot {slot} holds {buffer.Length} floats; got {values.Length}.", nameof(values));
        }

        values.CopyTo(buffer);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void ReadOutput(int slot, Span<float> values)
    {
        float[] buffer = Slot(slot);
        if (values.Length > buffer.Length)
        {
            throw new ArgumentException($"Slot {slot} holds {buffer.Length} floats; {values.Length} were asked for.", nameof(values));
        }

        buffer.AsSpan(0, values.Length).CopyTo(values);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Conv2D(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        convolution.SetGeometry(new RuntimeGeometry(shape));
        RunConvolution(convolution, batch, source, destination, residual, WeightHandle.None, kernel, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Conv2D<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias) =>
        RunConvolution(Specialized<Conv2DGeometry<TStep>>(), batch, source, destination, residual, WeightHandle.None, kernel, bias);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void SeparableConv(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        convolution.SetGeometry(new RuntimeGeometry(shape));
        RunConvolution(convolution, batch, source, destination, residual, depthwise, pointwise, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void SeparableConv<TStep>(int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias) =>
        RunConvolution(Specialized<SeparableGeometry<TStep>>(), batch, source, destination, residual, depthwise, pointwise, bias);

    /// <summary>The cached job whose code the JIT specialized for one step type (created on the step's first run).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private ConvolutionJob<TGeometry> Specialized<TGeometry>()
        where TGeometry : struct, IConvolutionGeometry
    {
        ThrowIfDisposed();
        if (!specializedJobs.TryGetValue(typeof(TGeometry), out IParallelJob? job))
        {
            var created = new ConvolutionJob<TGeometry>(this);
            created.SetGeometry(default);
            job = created;
            specializedJobs.Add(typeof(TGeometry), job);
        }

        return (ConvolutionJob<TGeometry>)job;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void RunConvolution<TGeometry>(ConvolutionJob<TGeometry> job, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle kernel, WeightHandle bias)
        where TGeometry : struct, IConvolutionGeometry
    {
        CheckStep(batch, source, destination, job.HasResidual ? 1 : 0, residual, job.InputPerImage, job.OutputPerImage);
        job.Run(batch, slots[source], slots[destination], residual >= 0 ? slots[residual] : null,
            job.DepthwiseFloats > 0 ? Raw(depthwise, job.DepthwiseFloats) : null,
            Packed(kernel, job.K, job.OutChannels), BiasOrNull(bias, job.OutChannels));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void DepthwiseConv(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        DepthwiseConvShape s = shape;
        CheckStep(batch, source, destination, s.HasResidual, residual,
            (long)s.InHeight * s.InWidth * s.Channels, (long)s.OutHeight * s.OutWidth * s.Channels);
        depthwiseJob.Shape = s;
        depthwiseJob.Input = slots[source];
        depthwiseJob.Output = slots[destination];
        depthwiseJob.Residual = residual >= 0 ? slots[residual] : null;
        depthwiseJob.Kernel = Raw(kernel, s.KernelHeight * s.KernelWidth * s.Channels);
        depthwiseJob.Bias = BiasOrNull(bias, s.Channels);
        ReserveScratch(2 * s.KernelHeight * s.KernelWidth);
        Pool.Run(depthwiseJob, batch * s.OutHeight);
        depthwiseJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void MaxPool(in MaxPoolShape shape, int batch, int source, int destination, int residual)
    {
        MaxPoolShape s = shape;
        CheckStep(batch, source, destination, s.HasResidual, residual,
            (long)s.InHeight * s.InWidth * s.Channels, (long)s.OutHeight * s.OutWidth * s.Channels);
        maxPoolJob.Shape = s;
        maxPoolJob.Input = slots[source];
        maxPoolJob.Output = slots[destination];
        maxPoolJob.Residual = residual >= 0 ? slots[residual] : null;
        ReserveScratch(s.PoolHeight * s.PoolWidth);
        Pool.Run(maxPoolJob, batch * s.OutHeight);
        maxPoolJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Elementwise(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift)
    {
        ElementwiseShape s = shape;
        if (s.Channels < 1 || s.Length % s.Channels != 0)
        {
            throw new ArgumentException($"Length {s.Length} is not a multiple of Channels {s.Channels}.", nameof(shape));
        }

        CheckStep(batch, source, destination, s.HasResidual, residual, s.Length, s.Length, distinct: false);
        elementwiseJob.Shape = s;
        elementwiseJob.Pixels = batch * (s.Length / s.Channels);
        elementwiseJob.Input = slots[source];
        elementwiseJob.Output = slots[destination];
        elementwiseJob.Residual = residual >= 0 ? slots[residual] : null;
        elementwiseJob.Scale = s.HasScaleShift != 0 ? Raw(scale, s.Channels) : null;
        elementwiseJob.Shift = s.HasScaleShift != 0 ? Raw(shift, s.Channels) : null;
        Pool.Run(elementwiseJob, (elementwiseJob.Pixels + ElementwiseJob.PixelsPerTask - 1) / ElementwiseJob.PixelsPerTask);
        elementwiseJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void GlobalPool(in GlobalPoolShape shape, int batch, int source, int destination)
    {
        GlobalPoolShape s = shape;
        CheckStep(batch, source, destination, 0, -1, (long)s.Height * s.Width * s.Channels, s.Channels);
        globalPoolJob.Shape = s;
        globalPoolJob.Input = slots[source];
        globalPoolJob.Output = slots[destination];
        Pool.Run(globalPoolJob, batch);
        globalPoolJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Dense(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias)
    {
        DenseShape s = shape;
        CheckStep(batch, source, destination, 0, -1, s.InFeatures, s.OutFeatures);
        denseJob.Shape = s;
        denseJob.Batch = batch;
        denseJob.Input = slots[source];
        denseJob.Output = slots[destination];
        denseJob.Kernel = Packed(kernel, s.InFeatures, s.OutFeatures);
        denseJob.Bias = BiasOrNull(bias, s.OutFeatures);
        denseJob.Groups = Math.Min(Threads, denseJob.Kernel.Panels);
        ReserveScratch(denseJob.ScratchFloats);
        Pool.Run(denseJob, denseJob.Groups);
        denseJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Softmax(in SoftmaxShape shape, int batch, int source, int destination)
    {
        CheckBatch(batch);
        float[] input = Slot(source), output = Slot(destination);
        int length = shape.Length;
        CheckSlotLength(source, (long)batch * length);
        CheckSlotLength(destination, (long)batch * length);
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> x = input.AsSpan(n * length, length);
            Span<float> y = output.AsSpan(n * length, length);
            float max = float.NegativeInfinity;
            foreach (float v in x)
            {
                max = Math.Max(max, v);
            }

            double sum = 0;
            for (int i = 0; i < length; i++)
            {
                float e = MathF.Exp(x[i] - max);
                y[i] = e;
                sum += e;
            }

            float inverse = (float)(1.0 / sum);
            for (int i = 0; i < length; i++)
            {
                y[i] *= inverse;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        disposed = true;
        Pool.Dispose();
        slots = Array.Empty<float[]>();
        weights.Clear();
    }

    // ---- weights, slots, scratch --------------------------------------------------------------

    /// <summary>A handle's tensor as a K×N matrix in panels, packed on first use and cached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private PackedPanels Packed(WeightHandle handle, int k, int n)
    {
        WeightEntry entry = Entry(handle);
        if (entry.Packed is { } packed && packed.K == k && packed.N == n)
        {
            return packed;
        }

        float[] raw = Raw(handle, (long)k * n);
        if (raw.Length != (long)k * n)
        {
            throw new ArgumentException($"Weight handle {handle.Index} holds {raw.Length} floats; a {k}×{n} kernel needs {(long)k * n}.", nameof(handle));
        }

        bool wasPacked = entry.Packed is not null;
        entry.Packed = PackedPanels.Pack(raw, k, n);
        if (!wasPacked)
        {
            entry.Raw = null;
        }

        return entry.Packed;
    }

    /// <summary>A handle's tensor as uploaded, at least <paramref name="length"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[] Raw(WeightHandle handle, long length)
    {
        WeightEntry entry = Entry(handle);
        entry.Raw ??= entry.Packed!.Unpack();
        if (entry.Raw.Length < length)
        {
            throw new ArgumentException($"Weight handle {handle.Index} holds {entry.Raw.Length} floats; the step needs {length}.", nameof(handle));
        }

        return entry.Raw;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[]? BiasOrNull(WeightHandle bias, int length) => bias.IsNone ? null : Raw(bias, length);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private WeightEntry Entry(WeightHandle handle)
    {
        ThrowIfDisposed();
        if (handle.IsNone || handle.Index >= weights.Count)
        {
            throw new ArgumentException($"Weight handle {handle.Index} was not uploaded to this backend ({weights.Count} tensors).", nameof(handle));
        }

        return weights[handle.Index];
    }

    /// <summary>
    /// Grows every worker's scratch to <paramref name="floats"/> before a step's tasks are handed out: which
    /// worker takes which task varies from call to call, so growing lazily could allocate after warm-up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void ReserveScratch(long floats)
    {
        for (int worker = 0; worker < scratch.Length; worker++)
        {
            Scratch(worker, floats);
        }
    }

    /// <summary>Worker <paramref name="worker"/>'s pinned scratch, at least <paramref name="floats"/> long (see <see cref="ReserveScratch"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal float* Scratch(int worker, long floats)
    {
        float[]? buffer = scratch[worker];
        if (buffer is null || buffer.Length < floats)
        {
            buffer = GC.AllocateArray<float>((int)Math.Min(Array.MaxLength, ChannelMath.RoundUp((int)floats, 4096)), pinned: true);
            scratch[worker] = buffer;
        }

        return Pointer(buffer);
    }

    // ---- argument checks ------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckStep(int batch, int source, int destination, int hasResidual, int residual, long inputPerImage, long outputPerImage, bool distinct = true)
    {
        CheckBatch(batch);
        StepChecks.Residual(hasResidual, residual);
        CheckSlotLength(source, batch * inputPerImage);
        CheckSlotLength(destination, batch * outputPerImage);
        if (residual >= 0)
        {
            CheckSlotLength(residual, batch * outputPerImage);
        }

        if (distinct && source == destination)
        {
            throw new ArgumentException($"Step reads and writes slot {source}; this step needs distinct slots.", nameof(destination));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckSlotLength(int slot, long floats)
    {
        float[] buffer = Slot(slot);
        if (buffer.Length < floats)
        {
            throw new ArgumentException($"Slot {slot} holds {buffer.Length} floats; the step needs {floats}.", nameof(slot));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckBatch(int batch)
    {
        ThrowIfDisposed();
        if (batch < 1 || batch > maxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be between 1 and MaxBatch ({maxBatch}).");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[] Slot(int slot)
    {
        ThrowIfDisposed();
        if ((uint)slot >= (uint)slots.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"There are {slots.Length} slots (AllocateBuffers allocates them).");
        }

        return slots[slot];
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);
}
