using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Xception.Compiler.Runtime.Cpu;

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
    private readonly WorkerPool pool;
    private readonly List<WeightEntry> weights = new();
    private readonly float[][] scratch;
    private readonly ConvolutionJob<RuntimeGeometry> convolution;
    private readonly Dictionary<Type, IParallelJob> specializedJobs = new();
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
        pool = new WorkerPool(Threads);
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

    /// <summary>Bytes allocated so far on the worker threads (not the caller's), for allocation tests.</summary>
    internal long WorkerAllocatedBytes => pool.WorkerAllocatedBytes;

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
        pool.Run(depthwiseJob, batch * s.OutHeight);
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
        pool.Run(maxPoolJob, batch * s.OutHeight);
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
        pool.Run(elementwiseJob, (elementwiseJob.Pixels + ElementwiseJob.PixelsPerTask - 1) / ElementwiseJob.PixelsPerTask);
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
        pool.Run(globalPoolJob, batch);
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
        pool.Run(denseJob, denseJob.Groups);
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

    protected override void Dispose(bool disposing)
    {
        disposed = true;
        pool.Dispose();
        slots = Array.Empty<float[]>();
        weights.Clear();
    }

    // ---- weights, slots, scratch --------------------------------------------------------------

    private sealed class WeightEntry
    {
        /// <summary>The tensor as uploaded; dropped once packed (the packed copy is what the kernels read).</summary>
        public float[]? Raw;

        public PackedPanels? Packed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Pointer(float[]? array) =>
        array is null ? null : (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

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
    private void ReserveScratch(long floats)
    {
        for (int worker = 0; worker < scratch.Length; worker++)
        {
            Scratch(worker, floats);
        }
    }

    /// <summary>Worker <paramref name="worker"/>'s pinned scratch, at least <paramref name="floats"/> long (see <see cref="ReserveScratch"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float* Scratch(int worker, long floats)
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

    // ---- steps as cached parallel jobs (one instance per kind: the pool runs one job at a time) ----

    /// <summary>
    /// Conv2D and SeparableConv: for a tile of output pixels, build A (gathered taps, or the depthwise
    /// outputs) in scratch, or point at its rows in the input, then GEMM it with the packed kernel. Small layers also split the output panels
    /// into groups so both cores get work (the depthwise tile is then recomputed per group: it is cheap).
    /// Generic over the step's geometry: for a generated step type every dimension and flag below is a
    /// JIT constant (one compiled copy per step shape); for <see cref="RuntimeGeometry"/> they are fields.
    /// </summary>
    private sealed class ConvolutionJob<TGeometry> : IParallelJob
        where TGeometry : struct, IConvolutionGeometry
    {
        private readonly CpuBackend owner;
        private float[]? input, output, residual, depthwise, bias;
        private PackedPanels? kernel;
        private int pixels, tiles, groups;

        public ConvolutionJob(CpuBackend owner) => this.owner = owner;

        /// <summary>The step's shape (set per call for <see cref="RuntimeGeometry"/>; empty for generated step types).</summary>
        private TGeometry Geometry;

        /// <summary>
        /// The sizes the per-call code needs, computed once when the geometry is set: the code around the
        /// kernel then reads fields instead of inlining the geometry's members (the JIT's inline budget runs
        /// out in the callers, and members left as calls would be re-JITted by tiering during the first Predicts).
        /// </summary>
        public int K, Lda, OutChannels, PixelsPerImage, Taps;

        public long InputPerImage, OutputPerImage, DepthwiseFloats;

        public bool HasResidual;

        public void SetGeometry(TGeometry g)
        {
            Geometry = g;
            Taps = g.KernelHeight * g.KernelWidth;

            // The GEMM's inner dimension: the depthwise outputs (separable) or the taps (conv) of a pixel;
            // rows of A are K rounded up for aligned loads.
            K = g.Separable ? g.InChannels : Taps * g.InChannels;
            Lda = ChannelMath.RoundUp(K, 16);
            OutChannels = g.OutChannels;
            PixelsPerImage = g.OutHeight * g.OutWidth;
            InputPerImage = (long)g.InHeight * g.InWidth * g.InChannels;
            OutputPerImage = (long)PixelsPerImage * g.OutChannels;
            DepthwiseFloats = g.Separable ? (long)Taps * g.InChannels : 0;
            HasResidual = g.HasResidual;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int batch, float[] input, float[] output, float[]? residual, float[]? depthwise, PackedPanels kernel, float[]? bias)
        {
            (this.input, this.output, this.residual, this.depthwise, this.kernel, this.bias) = (input, output, residual, depthwise, kernel, bias);
            pixels = batch * PixelsPerImage;
            int tile;
            (tile, tiles, groups) = ConvolutionTiling.Plan(pixels, Lda, kernel.Panels, owner.Threads);
            owner.ReserveScratch(ScratchFloats(tile));
            owner.pool.Run(this, tiles * groups);
            this.input = this.output = this.residual = this.depthwise = this.bias = null;
            this.kernel = null;
        }

        /// <summary>A tile's A rows (whole micro-tiles), one raw micro-tile, the tap offsets, and a row pointer per pixel.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long ScratchFloats(int pixelsInTile) =>
            (long)ChannelMath.RoundUp(pixelsInTile, Gemm.Rows) * (Lda + sizeof(nint) / sizeof(float)) + Gemm.TileFloats + 2 * Taps;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task, int worker)
        {
            TGeometry g = Geometry;
            int inH = g.InHeight, inW = g.InWidth, inC = g.InChannels, outH = g.OutHeight, outW = g.OutWidth, outC = g.OutChannels;
            int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, padTop = g.PadTop, padLeft = g.PadLeft;
            bool separable = g.Separable, reluIn = g.ReluInput, reluOut = g.ReluOutput;
            int lda = ChannelMath.RoundUp(separable ? inC : kh * kw * inC, 16);   // = Lda, but a constant here
            int tileIndex = task / groups, group = task % groups;

            // Tiles split the micro-tiles evenly (sizes differ by at most one micro-tile, none larger than
            // the planned tile), so the threads finish together instead of one waiting on a full tile.
            int microTiles = (pixels + Gemm.Rows - 1) / Gemm.Rows;
            int q0 = (int)((long)tileIndex * microTiles / tiles) * Gemm.Rows;
            int count = Math.Min((int)((long)(tileIndex + 1) * microTiles / tiles) * Gemm.Rows, pixels) - q0;
            int panels = kernel!.Panels;
            int panelStart = group * panels / groups, panelEnd = (group + 1) * panels / groups;
            int taps = kh * kw;
            CpuIsa isa = owner.Isa;

            float* a = owner.Scratch(worker, ScratchFloats(count));
            float* microTile = a + (long)ChannelMath.RoundUp(count, Gemm.Rows) * lda;
            int* tapX = (int*)(microTile + Gemm.TileFloats), tapW = tapX + taps;
            float** rowTable = (float**)(tapW + taps);
            float* x = Pointer(input), w = Pointer(depthwise);
            int imagePixels = outH * outW;
            long inImage = (long)inH * inW * inC;

            // A convolution with no padding and no input ReLU reads its A rows in place: a pixel's taps are kh
            // runs of kw·inC contiguous input floats, one input row apart, so nothing is gathered (conv1, conv2 and
            // the 1×1 shortcuts of Xception; in-process A/B: the model 0.991x the time with it).
            bool inPlace = !separable && !reluIn && padTop == 0 && padLeft == 0
                && (outH - 1) * sh + kh <= inH && (outW - 1) * sw + kw <= inW;
            ARows aRows = inPlace ? new ARows(rowTable, kh, kw * inC, (nint)inW * inC) : new ARows(a, lda, K);
            for (int row = 0; inPlace && row < count; row++)
            {
                int q = q0 + row;
                int n = q / imagePixels, rem = q % imagePixels;
                rowTable[row] = x + n * inImage + ((long)(rem / outW) * sh * inW + (long)(rem % outW) * sw) * inC;
            }

            bool runs = separable && kh == 3 && kw == 3;
            int lastInteriorX = (inW - kw + padLeft) / sw;
            for (int row = 0; !inPlace && row < count; row++)
            {
                int q = q0 + row;
                int n = q / imagePixels, rem = q % imagePixels;
                int oy = rem / outW, ox = rem % outW;
                float* image = x + n * inImage;
                float* dst = a + (long)row * lda;
                if (runs && ox * sw - padLeft >= 0 && ox <= lastInteriorX)
                {
                    // The pixels of this output row whose taps need no left/right padding, in one pass.
                    int length = Math.Min(Math.Min(outW, lastInteriorX + 1) - ox, count - row);
                    float* first = image + (ox * sw - padLeft) * inC;
                    int iy0 = oy * sh - padTop;
                    ChannelMath.Depthwise3x3Run(isa,
                        (uint)iy0 < (uint)inH ? first + (long)iy0 * inW * inC : null,
                        (uint)(iy0 + 1) < (uint)inH ? first + (long)(iy0 + 1) * inW * inC : null,
                        (uint)(iy0 + 2) < (uint)inH ? first + (long)(iy0 + 2) * inW * inC : null,
                        w, inC, length, sw * inC, lda, dst, reluIn);
                    row += length - 1;
                }
                else if (separable)
                {
                    int valid = 0;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int iy = oy * sh - padTop + ky;
                        if ((uint)iy >= (uint)inH)
                        {
                            continue;
                        }

                        for (int kx = 0; kx < kw; kx++)
                        {
                            int ix = ox * sw - padLeft + kx;
                            if ((uint)ix < (uint)inW)
                            {
                                tapX[valid] = (iy * inW + ix) * inC;
                                tapW[valid] = (ky * kw + kx) * inC;
                                valid++;
                            }
                        }
                    }

                    ChannelMath.DepthwisePixel(isa, image, tapX, tapW, valid, w, dst, inC, reluIn);
                }
                else
                {
                    int ix0 = ox * sw - padLeft;
                    bool rowInside = ix0 >= 0 && ix0 + kw <= inW;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int iy = oy * sh - padTop + ky;
                        if (rowInside && (uint)iy < (uint)inH)
                        {
                            // NHWC: a kernel row's taps are kw·inC contiguous floats, in the order A's columns take.
                            ChannelMath.Copy(isa, dst + ky * kw * inC, image + (iy * inW + ix0) * inC, kw * inC, reluIn);
                            continue;
                        }

                        for (int kx = 0; kx < kw; kx++)
                        {
                            int ix = ox * sw - padLeft + kx;
                            float* column = dst + (ky * kw + kx) * inC;
                            if ((uint)iy < (uint)inH && (uint)ix < (uint)inW)
                            {
                                ChannelMath.Copy(isa, column, image + (iy * inW + ix) * inC, inC, reluIn);
                            }
                            else
                            {
                                new Span<float>(column, inC).Clear();
                            }
                        }
                    }
                }
            }

            // Each worker starts at a different panel: on a step's first tiles the weights come from DRAM, and
            // threads fetching different panels at once overlap those misses (measured ~1.5% of a batch-1 run).
            Gemm.Multiply(isa, aRows, count, kernel, panelStart, panelEnd,
                Pointer(output) + (long)q0 * outC, outC, Pointer(bias),
                g.HasResidual ? Pointer(residual) + (long)q0 * outC : null, reluOut, microTile,
                rotate: worker * (panelEnd - panelStart) / owner.Threads);
        }
    }

    private sealed class DepthwiseJob : IParallelJob
    {
        private readonly CpuBackend owner;
        public DepthwiseConvShape Shape;
        public float[]? Input, Output, Residual, Kernel, Bias;

        public DepthwiseJob(CpuBackend owner) => this.owner = owner;

        public void Clear() => Input = Output = Residual = Kernel = Bias = null;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task, int worker)
        {
            DepthwiseConvShape s = Shape;
            int n = task / s.OutHeight, oy = task % s.OutHeight;
            int taps = s.KernelHeight * s.KernelWidth;
            int* tapX = (int*)owner.Scratch(worker, 2 * taps), tapW = tapX + taps;
            float* image = Pointer(Input) + (long)n * s.InHeight * s.InWidth * s.Channels;
            for (int ox = 0; ox < s.OutWidth; ox++)
            {
                int valid = 0;
                for (int ky = 0; ky < s.KernelHeight; ky++)
                {
                    int iy = oy * s.StrideHeight - s.PadTop + ky;
                    for (int kx = 0; kx < s.KernelWidth; kx++)
                    {
                        int ix = ox * s.StrideWidth - s.PadLeft + kx;
                        if ((uint)iy < (uint)s.InHeight && (uint)ix < (uint)s.InWidth)
                        {
                            tapX[valid] = (iy * s.InWidth + ix) * s.Channels;
                            tapW[valid] = (ky * s.KernelWidth + kx) * s.Channels;
                            valid++;
                        }
                    }
                }

                long at = (((long)n * s.OutHeight + oy) * s.OutWidth + ox) * s.Channels;
                float* dst = Pointer(Output) + at;
                ChannelMath.DepthwisePixel(owner.Isa, image, tapX, tapW, valid, Pointer(Kernel), dst, s.Channels, s.ReluInput != 0);
                ChannelMath.Finish(owner.Isa, dst, dst, Pointer(Bias), Residual is null ? null : Pointer(Residual) + at, s.Channels, s.ReluOutput != 0);
            }
        }
    }

    private sealed class MaxPoolJob : IParallelJob
    {
        private readonly CpuBackend owner;
        public MaxPoolShape Shape;
        public float[]? Input, Output, Residual;

        public MaxPoolJob(CpuBackend owner) => this.owner = owner;

        public void Clear() => Input = Output = Residual = null;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task, int worker)
        {
            MaxPoolShape s = Shape;
            int n = task / s.OutHeight, oy = task % s.OutHeight;
            int* tapX = (int*)owner.Scratch(worker, s.PoolHeight * s.PoolWidth);
            float* image = Pointer(Input) + (long)n * s.InHeight * s.InWidth * s.Channels;
            for (int ox = 0; ox < s.OutWidth; ox++)
            {
                int taps = 0;
                for (int ky = 0; ky < s.PoolHeight; ky++)
                {
                    int iy = oy * s.StrideHeight - s.PadTop + ky;
                    for (int kx = 0; kx < s.PoolWidth; kx++)
                    {
                        int ix = ox * s.StrideWidth - s.PadLeft + kx;
                        if ((uint)iy < (uint)s.InHeight && (uint)ix < (uint)s.InWidth)
                        {
                            tapX[taps++] = (iy * s.InWidth + ix) * s.Channels;
                        }
                    }
                }

                // max(relu(x)) = relu(max(x)): the input ReLU is applied once, after the max.
                long at = (((long)n * s.OutHeight + oy) * s.OutWidth + ox) * s.Channels;
                ChannelMath.MaxPoolPixel(owner.Isa, image, tapX, taps, Residual is null ? null : Pointer(Residual) + at,
                    Pointer(Output) + at, s.Channels, s.ReluInput != 0, s.ReluOutput != 0);
            }
        }
    }

    private sealed class ElementwiseJob : IParallelJob
    {
        public const int PixelsPerTask = 256;
        private readonly CpuBackend owner;
        public ElementwiseShape Shape;
        public int Pixels;
        public float[]? Input, Output, Residual, Scale, Shift;

        public ElementwiseJob(CpuBackend owner) => this.owner = owner;

        public void Clear() => Input = Output = Residual = Scale = Shift = null;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task, int worker)
        {
            ElementwiseShape s = Shape;
            CpuIsa isa = owner.Isa;
            int end = Math.Min(Pixels, (task + 1) * PixelsPerTask);
            for (int p = task * PixelsPerTask; p < end; p++)
            {
                long at = (long)p * s.Channels;
                float* y = Pointer(Output) + at;
                ChannelMath.Copy(isa, y, Pointer(Input) + at, s.Channels, s.ReluInput != 0);
                if (Scale is not null)
                {
                    ChannelMath.Multiply(isa, y, Pointer(Scale), 0f, s.Channels);
                }

                ChannelMath.Finish(isa, y, y, Pointer(Shift), Residual is null ? null : Pointer(Residual) + at, s.Channels, s.ReluOutput != 0);
            }
        }
    }

    private sealed class GlobalPoolJob : IParallelJob
    {
        private readonly CpuBackend owner;
        public GlobalPoolShape Shape;
        public float[]? Input, Output;

        public GlobalPoolJob(CpuBackend owner) => this.owner = owner;

        public void Clear() => Input = Output = null;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task, int worker)
        {
            GlobalPoolShape s = Shape;
            CpuIsa isa = owner.Isa;
            int pixels = s.Height * s.Width;
            float* result = Pointer(Output) + (long)task * s.Channels;
            float* image = Pointer(Input) + (long)task * pixels * s.Channels;
            if (s.IsMax == 0)
            {
                WideSums.GlobalAverage(isa, image, pixels, s.Channels, s.ReluInput != 0, result);
                return;
            }

            new Span<float>(result, s.Channels).Fill(float.NegativeInfinity);
            for (int p = 0; p < pixels; p++)
            {
                ChannelMath.Max(isa, result, image + (long)p * s.Channels, s.Channels);
            }

            ChannelMath.Copy(isa, result, result, s.Channels, s.ReluInput != 0);
        }
    }

    /// <summary>A fully connected layer: the batch's rows by the packed kernel, summed in float64; tasks are groups of panels.</summary>
    private sealed class DenseJob : IParallelJob
    {
        private readonly CpuBackend owner;
        public DenseShape Shape;
        public int Batch, Groups;
        public float[]? Input, Output, Bias;
        public PackedPanels? Kernel;

        public DenseJob(CpuBackend owner) => this.owner = owner;

        /// <summary>None: <see cref="WideSums.Dense"/> reads the input rows in place.</summary>
        public long ScratchFloats => 0;

        public void Clear()
        {
            Input = Output = Bias = null;
            Kernel = null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task, int worker)
        {
            DenseShape s = Shape;
            int panels = Kernel!.Panels;
            WideSums.Dense(owner.Isa, Pointer(Input), Batch, Kernel,
                task * panels / Groups, (task + 1) * panels / Groups,
                Pointer(Output), s.OutFeatures, Pointer(Bias), s.ReluInput != 0, s.ReluOutput != 0);
        }
    }
}
