using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu.Jobs;
using Xception.Compiler.Runtime.Cpu;
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
/// re-JITs competed with the workers for the cores and made some of the early Predict calls much slower
/// (Benchmarks/RESULTS.md, "Tiering").
/// </summary>
public sealed unsafe partial class CpuBackend : ExecutionBackend
{
    private readonly List<WeightEntry> weights = new();
    private readonly BackgroundPacking packing = new();
    private readonly float[][] scratch;
    private readonly ConvolutionJob<RuntimeGeometry> convolution;
    private readonly Dictionary<Type, IParallelJob> specializedJobs = new();

    // Steps run as cached parallel jobs, one instance per kind: the pool runs one job at a time.
    private readonly DepthwiseJob depthwiseJob;
    private readonly MaxPoolJob maxPoolJob;
    private readonly ElementwiseJob elementwiseJob;
    private readonly GlobalPoolJob globalPoolJob;
    private readonly DenseJob denseJob;
    private readonly ActivationJob activationJob;
    private readonly AveragePoolJob averagePoolJob;
    private readonly ChannelSliceJob channelSliceJob = new();
    private readonly MultiplyJob multiplyJob = new();
    private float[][] slots = Array.Empty<float[]>();

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
        averagePoolJob = new AveragePoolJob(this);
        activationJob = new ActivationJob(isa);
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
    /// stream once per image either way. Eight chunks of one image beat one chunk of eight, with the same
    /// bits (Benchmarks/RESULTS.md), and the buffers shrink by the batch.
    /// </summary>
    public override int ChunkSize(int maxBatch) => 1;

    protected override void AllocateBuffersCore(ReadOnlySpan<long> floatsPerImage, int maxBatch)
    {
        slots = Array.Empty<float[]>();
        var arrays = new float[floatsPerImage.Length][];
        for (int i = 0; i < arrays.Length; i++)
        {
            long length = floatsPerImage[i] * maxBatch;
            if (length > Array.MaxLength)
            {
                throw new NotSupportedException(
                    $"Slot {i} needs {floatsPerImage[i]} floats per image × {maxBatch} images = {length} floats; " +
                    $"a managed array holds at most {Array.MaxLength}. Lower MaxBatch.");
            }

            arrays[i] = GC.AllocateArray<float>((int)length, pinned: true);
        }

        slots = arrays;
    }

    protected override WeightHandle UploadCore(ReadOnlySpan<float> values)
    {
        float[] copy = GC.AllocateUninitializedArray<float>(values.Length, pinned: true);
        values.CopyTo(copy);
        weights.Add(new WeightEntry { Raw = copy });
        return new WeightHandle(weights.Count - 1);
    }

    /// <summary>
    /// Packs the matrix into panels on the other core while the load goes on (the kernels read nothing else);
    /// <paramref name="values"/> is not kept once packed.
    /// </summary>
    protected override WeightHandle UploadMatrixCore(float[] values, int rows, int columns)
    {
        var entry = new WeightEntry();
        weights.Add(entry);
        packing.Start(entry, values, rows, columns);
        return new WeightHandle(weights.Count - 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void WriteInputCore(int slot, ReadOnlySpan<float> values)
    {
        values.CopyTo(slots[slot]);
        separableStep = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ReadOutputCore(int slot, Span<float> values) => slots[slot].AsSpan(0, values.Length).CopyTo(values);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        convolution.SetGeometry(new ConvolutionGeometry(shape));
        RunConvolution(convolution, batch, source, destination, residual, WeightHandle.None, kernel, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Conv2DCore<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias) =>
        RunConvolution(Specialized<Conv2DGeometry<TStep>>(), batch, source, destination, residual, WeightHandle.None, kernel, bias);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void SeparableConvCore(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        if (int8Job is not null && TryRunInt8(new ConvolutionGeometry(shape), batch, source, destination, residual, depthwise, pointwise, bias))
        {
            return;
        }

        convolution.SetGeometry(new ConvolutionGeometry(shape));
        RunConvolution(convolution, batch, source, destination, residual, depthwise, pointwise, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void SeparableConvCore<TStep>(int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        if (int8Job is not null && TryRunInt8(SeparableGeometry<TStep>.Geometry, batch, source, destination, residual, depthwise, pointwise, bias))
        {
            return;
        }

        RunConvolution(Specialized<SeparableGeometry<TStep>>(), batch, source, destination, residual, depthwise, pointwise, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue)
    {
        convolution.SetGeometry(new ConvolutionGeometry(shape));
        RunConvolution(convolution, batch, source, destination, residual, kernel, bias, prologue);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Conv2DCore<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue) =>
        RunConvolution(Specialized<Conv2DGeometry<TStep>>(), batch, source, destination, residual, kernel, bias, prologue);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void RunConvolution<TGeometry>(ConvolutionJob<TGeometry> job, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue)
        where TGeometry : struct, IGeometrySource
    {
        job.SetPrologue(prologue.HasFactor ? slots[prologue.Factor] : null, BiasOrNull(prologue.Scale), BiasOrNull(prologue.Shift), prologue.Relu != 0, prologue.InPixelStride);
        try
        {
            RunConvolution(job, batch, source, destination, residual, WeightHandle.None, kernel, bias);
        }
        finally
        {
            job.ClearPrologue();
        }
    }

    /// <summary>The cached job whose code the JIT specialized for one step type (created on the step's first run).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private ConvolutionJob<TGeometry> Specialized<TGeometry>()
        where TGeometry : struct, IGeometrySource
    {
        if (!specializedJobs.TryGetValue(typeof(TGeometry), out IParallelJob? job))
        {
            var created = new ConvolutionJob<TGeometry>(this);
            created.SetGeometry(TGeometry.Geometry);
            job = created;
            specializedJobs.Add(typeof(TGeometry), job);
        }

        return (ConvolutionJob<TGeometry>)job;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void RunConvolution<TGeometry>(ConvolutionJob<TGeometry> job, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle kernel, WeightHandle bias)
        where TGeometry : struct, IGeometrySource
    {
        job.Run(batch, slots[source], slots[destination], residual >= 0 ? slots[residual] : null,
            job.DepthwiseFloats > 0 ? Raw(depthwise) : null,
            Packed(kernel, job.K, job.OutChannels), BiasOrNull(bias));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DepthwiseConvCore(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        DepthwiseConvShape s = shape;
        depthwiseJob.Shape = s;
        depthwiseJob.Input = slots[source];
        depthwiseJob.Output = slots[destination];
        depthwiseJob.Residual = residual >= 0 ? slots[residual] : null;
        depthwiseJob.Kernel = Raw(kernel);
        depthwiseJob.Bias = BiasOrNull(bias);
        ReserveScratch(2 * s.KernelHeight * s.KernelWidth);
        Pool.Run(depthwiseJob, batch * s.OutHeight);
        depthwiseJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void MaxPoolCore(in MaxPoolShape shape, int batch, int source, int destination, int residual)
    {
        MaxPoolShape s = shape;
        maxPoolJob.Shape = s;
        maxPoolJob.Input = slots[source];
        maxPoolJob.Output = slots[destination];
        maxPoolJob.Residual = residual >= 0 ? slots[residual] : null;
        ReserveScratch(s.PoolHeight * s.PoolWidth);
        Pool.Run(maxPoolJob, batch * s.OutHeight);
        maxPoolJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void AveragePoolCore(in AveragePoolShape shape, int batch, int source, int destination)
    {
        AveragePoolShape s = shape;
        averagePoolJob.Shape = s;
        averagePoolJob.Input = slots[source];
        averagePoolJob.Output = slots[destination];
        ReserveScratch(AveragePoolJob.ScratchFloats(s));
        Pool.Run(averagePoolJob, batch * s.OutHeight);
        averagePoolJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ElementwiseCore(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift)
    {
        ElementwiseShape s = shape;
        elementwiseJob.Shape = s;
        elementwiseJob.Pixels = batch * (s.Length / s.Channels);
        elementwiseJob.Input = slots[source];
        elementwiseJob.Output = slots[destination];
        elementwiseJob.Residual = residual >= 0 ? slots[residual] : null;
        elementwiseJob.Scale = s.HasScaleShift != 0 ? Raw(scale) : null;
        elementwiseJob.Shift = s.HasScaleShift != 0 ? Raw(shift) : null;
        if (s.Channels < PeriodicChannelMath.MaxChannels)
        {
            ReserveScratch(2 * PeriodicChannelMath.Period(s.Channels));
        }

        Pool.Run(elementwiseJob, (elementwiseJob.Pixels + ElementwiseJob.PixelsPerTask - 1) / ElementwiseJob.PixelsPerTask);
        elementwiseJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void GlobalPoolCore(in GlobalPoolShape shape, int batch, int source, int destination)
    {
        GlobalPoolShape s = shape;
        globalPoolJob.Shape = s;
        globalPoolJob.Input = slots[source];
        globalPoolJob.Output = slots[destination];
        Pool.Run(globalPoolJob, batch);
        globalPoolJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DenseCore(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias)
    {
        DenseShape s = shape;
        denseJob.Shape = s;
        denseJob.Batch = batch;
        denseJob.Input = slots[source];
        denseJob.Output = slots[destination];
        denseJob.Kernel = Packed(kernel, s.InFeatures, s.OutFeatures);
        denseJob.Bias = BiasOrNull(bias);
        denseJob.Groups = Math.Min(Threads, denseJob.Kernel.Panels);
        Pool.Run(denseJob, denseJob.Groups);
        denseJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void SoftmaxCore(in SoftmaxShape shape, int batch, int source, int destination)
    {
        float[] input = slots[source], output = slots[destination];
        int length = shape.Length;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> x = input.AsSpan(n * length, length);
            Span<float> y = output.AsSpan(n * length, length);
            float max = float.NegativeInfinity;
            foreach (float v in x)
            {
                max = Math.Max(max, v);
            }

            // In float64 and rounded once, so that the probabilities add no error of their own to the logits'; the
            // exponentials are computed twice rather than stored, which needs no float64 scratch.
            double sum = 0;
            for (int i = 0; i < length; i++)
            {
                sum += Math.Exp((double)x[i] - max);
            }

            double inverse = 1.0 / sum;
            for (int i = 0; i < length; i++)
            {
                y[i] = (float)(Math.Exp((double)x[i] - max) * inverse);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ActivationCore(in ActivationShape shape, int batch, int source, int destination)
    {
        activationJob.Shape = shape;
        activationJob.Count = batch * shape.Length;
        activationJob.Input = slots[source];
        activationJob.Output = slots[destination];
        Pool.Run(activationJob, (activationJob.Count + ActivationJob.ValuesPerTask - 1) / ActivationJob.ValuesPerTask);
        activationJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ChannelSliceCore(in ChannelSliceShape shape, int batch, int source, int destination)
    {
        channelSliceJob.Shape = shape;
        channelSliceJob.Pixels = batch * shape.Pixels;
        channelSliceJob.Input = slots[source];
        channelSliceJob.Output = slots[destination];
        Pool.Run(channelSliceJob, (channelSliceJob.Pixels + ChannelSliceJob.PixelsPerTask - 1) / ChannelSliceJob.PixelsPerTask);
        channelSliceJob.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void MultiplyCore(in MultiplyShape shape, int batch, int source, int factor, int destination)
    {
        multiplyJob.Shape = shape;
        multiplyJob.Pixels = batch * shape.Pixels;
        multiplyJob.Input = slots[source];
        multiplyJob.Factor = slots[factor];
        multiplyJob.Output = slots[destination];
        Pool.Run(multiplyJob, (multiplyJob.Pixels + MultiplyJob.PixelsPerTask - 1) / MultiplyJob.PixelsPerTask);
        multiplyJob.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        Pool.Dispose();
        slots = Array.Empty<float[]>();
        weights.Clear();
    }

    // ---- weights, slots, scratch --------------------------------------------------------------

    /// <summary>A handle's tensor as a K×N matrix in panels, packed on first use and cached (the size was checked by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private PackedPanels Packed(WeightHandle handle, int k, int n)
    {
        if (packing.IsPending)
        {
            packing.Finish();
        }

        WeightEntry entry = weights[handle.Index];
        if (entry.Packed is { } packed && packed.K == k && packed.N == n)
        {
            return packed;
        }

        float[] raw = Raw(handle);
        bool wasPacked = entry.Packed is not null;
        entry.Packed = PackedPanels.Pack(raw, k, n);
        if (!wasPacked)
        {
            entry.Raw = null;
        }

        return entry.Packed;
    }

    /// <summary>A handle's tensor as uploaded (the length was checked by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[] Raw(WeightHandle handle)
    {
        if (packing.IsPending)
        {
            packing.Finish();
        }

        WeightEntry entry = weights[handle.Index];
        return entry.Raw ??= entry.Packed!.Unpack();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[]? BiasOrNull(WeightHandle bias) => bias.IsNone ? null : Raw(bias);

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
}
