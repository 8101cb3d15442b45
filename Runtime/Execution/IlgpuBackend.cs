using System;
using System.Collections.Generic;
using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Kernels;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>
/// Runs the steps as ILGPU kernels (CUDA, OpenCL, or ILGPU's CPU accelerator). One context and one
/// accelerator per backend; every kernel is loaded once, on first use, and ILGPU compiles one
/// specialized version per distinct shape value (its <see cref="SpecializedValue{T}"/> cache), so a
/// model's steps compile during the first inference and never again. All steps go to the default
/// stream in order; <see cref="ReadOutput"/> synchronizes once.
/// Separable blocks and Conv2D run as shared-memory tiled GEMMs (<see cref="PointwiseConvKernels"/>)
/// unless the backend's <see cref="Family"/> is <see cref="KernelFamily.Simple"/>, the default on ILGPU's
/// CPU accelerator: there a group barrier is a rendezvous of 256 OS threads and the tiled kernels run the
/// mini fixture models several times slower (Benchmarks/RESULTS.md). Which kernel a step gets is decided in
/// <see cref="KernelCatalog"/> (<see cref="KernelCatalog.ForStep"/> lists the same ones for PTX checks).
/// </summary>
public sealed class IlgpuBackend : ExecutionBackend
{
    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly List<MemoryBuffer1D<float, Stride1D.Dense>> weights = new();
    private MemoryBuffer1D<float, Stride1D.Dense>[] slots = Array.Empty<MemoryBuffer1D<float, Stride1D.Dense>>();
    private MemoryBuffer1D<float, Stride1D.Dense>? zeros;

    private Action<Index1D, SpecializedValue<Conv2DShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? conv2D;
    private Action<Index1D, SpecializedValue<SeparableConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? separableConv;
    private Action<KernelConfig, SpecializedValue<Conv2DShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? tiledConv2D;
    private Action<KernelConfig, SpecializedValue<SeparableConvShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? tiledSeparableConv;
    private Action<KernelConfig, SpecializedValue<Conv2DShape>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? tiledPrologueConv2D;
    private Action<Index1D, SpecializedValue<Conv2DShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? prologueConv2D;
    private Action<Index1D, SpecializedValue<DepthwiseConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? depthwiseConv;
    private Action<Index1D, SpecializedValue<MaxPoolShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? maxPool;
    private Action<Index1D, SpecializedValue<AveragePoolShape>, ArrayView<float>, ArrayView<float>>? averagePool;
    private Action<Index1D, SpecializedValue<ElementwiseShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? elementwise;
    private Action<Index1D, SpecializedValue<GlobalPoolShape>, ArrayView<float>, ArrayView<float>>? globalPool;
    private Action<Index1D, SpecializedValue<DenseShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? dense;
    private Action<Index1D, SpecializedValue<SoftmaxShape>, ArrayView<float>, ArrayView<float>>? softmax;
    private Action<Index1D, SpecializedValue<ActivationShape>, ArrayView<float>, ArrayView<float>>? activation;
    private Action<Index1D, SpecializedValue<ChannelSliceShape>, ArrayView<float>, ArrayView<float>>? channelSlice;
    private Action<Index1D, SpecializedValue<MultiplyShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? multiply;

    /// <summary>Creates a backend on the first device of the given kind (Cuda, OpenCL or IlgpuCpu).</summary>
    /// <param name="kind">Cuda, OpenCL or IlgpuCpu.</param>
    /// <exception cref="BackendUnavailableException">No such device.</exception>
    public IlgpuBackend(Backend kind)
        : this(kind, null)
    {
    }

    /// <summary>Creates a backend that runs the given convolution kernels (tests run the GPU's on the CPU accelerator).</summary>
    /// <param name="kind">Cuda, OpenCL or IlgpuCpu.</param>
    /// <param name="family">
    /// The convolution kernels; by default <see cref="KernelFamily.Tiled"/> on GPUs and
    /// <see cref="KernelFamily.Simple"/> on ILGPU's CPU accelerator, where group barriers are thread
    /// rendezvous and the tiled kernels are many times slower (they are tested there on small shapes).
    /// </param>
    /// <exception cref="BackendUnavailableException">No such device.</exception>
    internal IlgpuBackend(Backend kind, KernelFamily? family)
    {
        Family = family ?? DefaultFamily(kind);
        // ILGPU's default CPU device runs groups of at most 16 threads; the tiled kernels need 256.
        (context, accelerator) = IlgpuDevices.Open(kind, Family == KernelFamily.Tiled ? PointwiseConvKernels.GroupSize : 0);
        Kind = kind;
    }

    /// <summary>Which ILGPU accelerator this backend runs on.</summary>
    public Backend Kind { get; }

    /// <summary>Which convolution kernels this backend launches (see <see cref="KernelCatalog.ForStep"/>).</summary>
    internal KernelFamily Family { get; }

    /// <summary>The kernel family a backend of this kind uses unless told otherwise.</summary>
    internal static KernelFamily DefaultFamily(Backend kind) =>
        kind == Backend.IlgpuCpu ? KernelFamily.Simple : KernelFamily.Tiled;

    /// <summary>The accelerator's device name, for logs and benchmarks.</summary>
    public string DeviceName => accelerator.Name;

    public override string Name => Kind switch
    {
        Backend.Cuda => "cuda",
        Backend.OpenCL => "opencl",
        _ => "ilgpu-cpu",
    };

    protected override void AllocateBuffersCore(ReadOnlySpan<long> floatsPerImage, int maxBatch)
    {
        FreeSlots();
        var buffers = new MemoryBuffer1D<float, Stride1D.Dense>[floatsPerImage.Length];
        for (int i = 0; i < floatsPerImage.Length; i++)
        {
            long length = floatsPerImage[i] * maxBatch;
            // Kernels index with int: a slot must stay below 2^31 floats (batch 64 at 299×299 does).
            if (length > int.MaxValue)
            {
                throw new NotSupportedException(
                    $"Slot {i} needs {floatsPerImage[i]} floats per image × {maxBatch} images = {length} floats; " +
                    $"the ILGPU kernels index with int and support at most {int.MaxValue}. Lower MaxBatch.");
            }

            buffers[i] = accelerator.Allocate1D<float>(Math.Max(length, 1));
        }

        slots = buffers;
    }

    protected override WeightHandle UploadCore(ReadOnlySpan<float> values)
    {
        var buffer = accelerator.Allocate1D<float>(Math.Max(values.Length, 1));
        if (values.Length > 0)
        {
            ((ArrayView<float>)buffer.View).SubView(0, values.Length).CopyFromCPU(values);
        }

        weights.Add(buffer);
        return new WeightHandle(weights.Count - 1);
    }

    protected override void WriteInputCore(int slot, ReadOnlySpan<float> values)
    {
        if (values.Length > 0)
        {
            SlotView(slot).SubView(0, values.Length).CopyFromCPU(values);
        }
    }

    public override void Synchronize()
    {
        ThrowIfDisposed();
        accelerator.Synchronize();
    }

    protected override void ReadOutputCore(int slot, Span<float> values)
    {
        accelerator.Synchronize();
        if (values.Length > 0)
        {
            SlotView(slot).SubView(0, values.Length).CopyToCPU(values);
        }
    }

    protected override void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        // A concatenation's slice starts at its channel offset; the kernels step OutputPixelFloats per pixel from there.
        var slot = SlotView(destination);
        var output = shape.OutChannelOffset == 0 ? slot : slot.SubView(shape.OutChannelOffset, slot.Length - shape.OutChannelOffset);
        if (KernelCatalog.ForConv2D(Family) == KernelCatalog.TiledConv2D)
        {
            tiledConv2D ??= accelerator.LoadStreamKernel<SpecializedValue<Conv2DShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(PointwiseConvKernels.Conv);
            int pixels = Pixels(batch, shape.OutHeight, shape.OutWidth);
            tiledConv2D(
                PointwiseConvKernels.Config(pixels, shape.OutChannels),
                SpecializedValue.New(shape), pixels,
                SlotView(source), Weight(kernel), BiasOrZeros(bias, shape.OutChannels), ResidualOr(residual, output), output);
            return;
        }

        conv2D ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<Conv2DShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Conv2DKernels.Conv2D);
        conv2D(
            Extent(batch, (long)shape.OutHeight * shape.OutWidth * KernelBlocks(shape.OutChannels)),
            SpecializedValue.New(shape),
            SlotView(source), Weight(kernel), BiasOrZeros(bias, shape.OutChannels), ResidualOr(residual, output), output);
    }

    // The prologue is applied where the kernel loads A (into shared memory, for the tiled one).
    protected override void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue)
    {
        var slot = SlotView(destination);
        var output = shape.OutChannelOffset == 0 ? slot : slot.SubView(shape.OutChannelOffset, slot.Length - shape.OutChannelOffset);
        var input = SlotView(source);
        int parts = (prologue.HasFactor ? PointwiseConvKernels.PrologueFactor : 0) | (prologue.Scale.IsNone ? 0 : PointwiseConvKernels.PrologueScale)
            | (prologue.Shift.IsNone ? 0 : PointwiseConvKernels.PrologueShift) | (prologue.Relu != 0 ? PointwiseConvKernels.PrologueRelu : 0)
            | (prologue.InPixelStride == 0 ? shape.InChannels : prologue.InPixelStride) << PointwiseConvKernels.ProloguePixelShift;
        int pixels = Pixels(batch, shape.OutHeight, shape.OutWidth);
        ArrayView<float> factor = prologue.HasFactor ? SlotView(prologue.Factor) : input;
        ArrayView<float> scale = prologue.Scale.IsNone ? input : Weight(prologue.Scale);
        ArrayView<float> shift = prologue.Shift.IsNone ? input : Weight(prologue.Shift);
        if (KernelCatalog.ForPrologueConv2D(Family) == KernelCatalog.TiledPrologueConv2D)
        {
            tiledPrologueConv2D ??= accelerator.LoadStreamKernel<SpecializedValue<Conv2DShape>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(
                PointwiseConvKernels.ConvWithPrologue);
            tiledPrologueConv2D(
                PointwiseConvKernels.Config(pixels, shape.OutChannels),
                SpecializedValue.New(shape), pixels, parts, input, factor, scale, shift,
                Weight(kernel), BiasOrZeros(bias, shape.OutChannels), ResidualOr(residual, output), output);
            return;
        }

        prologueConv2D ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<Conv2DShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(
            PointwiseConvKernels.SimpleConvWithPrologue);
        prologueConv2D(
            Extent(batch, (long)shape.OutHeight * shape.OutWidth * shape.OutChannels),
            SpecializedValue.New(shape), parts, input, factor, scale, shift,
            Weight(kernel), BiasOrZeros(bias, shape.OutChannels), ResidualOr(residual, output), output);
    }

    protected override void SeparableConvCore(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        var output = SlotView(destination);
        if (KernelCatalog.ForSeparableConv(Family) == KernelCatalog.TiledSeparableConv)
        {
            tiledSeparableConv ??= accelerator.LoadStreamKernel<SpecializedValue<SeparableConvShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(PointwiseConvKernels.Separable);
            int pixels = Pixels(batch, shape.OutHeight, shape.OutWidth);
            tiledSeparableConv(
                PointwiseConvKernels.Config(pixels, shape.OutChannels),
                SpecializedValue.New(shape), pixels,
                SlotView(source), Weight(depthwise), Weight(pointwise), BiasOrZeros(bias, shape.OutChannels), ResidualOr(residual, output), output);
            return;
        }

        separableConv ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<SeparableConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(SeparableConvKernels.Fused);
        separableConv(
            Extent(batch, (long)shape.OutHeight * shape.OutWidth * KernelBlocks(shape.OutChannels)),
            SpecializedValue.New(shape),
            SlotView(source), Weight(depthwise), Weight(pointwise), BiasOrZeros(bias, shape.OutChannels), ResidualOr(residual, output), output);
    }

    protected override void DepthwiseConvCore(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        depthwiseConv ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<DepthwiseConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(DepthwiseConvKernels.Depthwise);
        var output = SlotView(destination);
        depthwiseConv(
            Extent(batch, (long)shape.OutHeight * shape.OutWidth * shape.Channels),
            SpecializedValue.New(shape),
            SlotView(source), Weight(kernel), BiasOrZeros(bias, shape.Channels), ResidualOr(residual, output), output);
    }

    protected override void MaxPoolCore(in MaxPoolShape shape, int batch, int source, int destination, int residual)
    {
        maxPool ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<MaxPoolShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(PoolKernels.MaxPool);
        var output = SlotView(destination);
        maxPool(
            Extent(batch, (long)shape.OutHeight * shape.OutWidth * shape.Channels),
            SpecializedValue.New(shape),
            SlotView(source), ResidualOr(residual, output), output);
    }

    protected override void AveragePoolCore(in AveragePoolShape shape, int batch, int source, int destination)
    {
        averagePool ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<AveragePoolShape>, ArrayView<float>, ArrayView<float>>(AveragePoolKernels.AveragePool);
        averagePool(
            Extent(batch, (long)shape.OutHeight * shape.OutWidth * shape.Channels),
            SpecializedValue.New(shape),
            SlotView(source), SlotView(destination));
    }

    protected override void ElementwiseCore(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift)
    {
        elementwise ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<ElementwiseShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Elementwise);
        var output = SlotView(destination);
        var zero = Zeros(1);
        elementwise(
            Extent(batch, shape.Length),
            SpecializedValue.New(shape),
            SlotView(source),
            shape.HasScaleShift != 0 ? Weight(scale) : zero,
            shape.HasScaleShift != 0 ? Weight(shift) : zero,
            ResidualOr(residual, output),
            output);
    }

    protected override void GlobalPoolCore(in GlobalPoolShape shape, int batch, int source, int destination)
    {
        globalPool ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<GlobalPoolShape>, ArrayView<float>, ArrayView<float>>(PoolKernels.GlobalPool);
        globalPool(Extent(batch, shape.Channels), SpecializedValue.New(shape), SlotView(source), SlotView(destination));
    }

    protected override void DenseCore(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias)
    {
        dense ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<DenseShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(DenseKernels.Dense);
        dense(
            Extent(batch, shape.OutFeatures),
            SpecializedValue.New(shape),
            SlotView(source), Weight(kernel), BiasOrZeros(bias, shape.OutFeatures), SlotView(destination));
    }

    protected override void SoftmaxCore(in SoftmaxShape shape, int batch, int source, int destination)
    {
        softmax ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<SoftmaxShape>, ArrayView<float>, ArrayView<float>>(SoftmaxKernels.Softmax);
        softmax(new Index1D(batch), SpecializedValue.New(shape), SlotView(source), SlotView(destination));
    }

    protected override void ActivationCore(in ActivationShape shape, int batch, int source, int destination)
    {
        activation ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<ActivationShape>, ArrayView<float>, ArrayView<float>>(ActivationKernels.Activation);
        activation(Extent(batch, shape.Length), SpecializedValue.New(shape), SlotView(source), SlotView(destination));
    }

    protected override void ChannelSliceCore(in ChannelSliceShape shape, int batch, int source, int destination)
    {
        channelSlice ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<ChannelSliceShape>, ArrayView<float>, ArrayView<float>>(ConcatenateKernels.ChannelSlice);
        channelSlice(Extent(batch, (long)shape.Pixels * shape.Channels), SpecializedValue.New(shape), SlotView(source), SlotView(destination));
    }

    protected override void MultiplyCore(in MultiplyShape shape, int batch, int source, int factor, int destination)
    {
        multiply ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<MultiplyShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(MultiplyKernels.Multiply);
        multiply(Extent(batch, (long)shape.Pixels * shape.Channels), SpecializedValue.New(shape), SlotView(source), SlotView(factor), SlotView(destination));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            FreeSlots();
            foreach (var buffer in weights)
            {
                buffer.Dispose();
            }

            weights.Clear();
            zeros?.Dispose();
            zeros = null;
            accelerator.Dispose();
            context.Dispose();
        }
    }

    private static long KernelBlocks(int channels) => (channels + KernelMath.ChannelBlock - 1) / KernelMath.ChannelBlock;

    private static int Pixels(int batch, int height, int width)
    {
        long pixels = (long)batch * height * width;
        if (pixels > int.MaxValue)
        {
            throw new NotSupportedException($"A step of {pixels} pixels exceeds the int index space of the ILGPU kernels; lower MaxBatch.");
        }

        return (int)pixels;
    }

    private static Index1D Extent(int batch, long perImage)
    {
        long total = batch * perImage;
        if (total > int.MaxValue)
        {
            throw new NotSupportedException($"A step of {total} threads exceeds the int index space of the ILGPU kernels; lower MaxBatch.");
        }

        return new Index1D((int)total);
    }

    /// <summary>A slot the caller has checked (<see cref="ExecutionBackend"/> does, before every step).</summary>
    private ArrayView<float> SlotView(int slot) => slots[slot].View;

    private ArrayView<float> ResidualOr(int residual, ArrayView<float> unused) =>
        residual >= 0 ? SlotView(residual) : unused; // never read when HasResidual is 0

    /// <summary>A handle the caller has checked.</summary>
    private ArrayView<float> Weight(WeightHandle handle) => weights[handle.Index].View;

    private ArrayView<float> BiasOrZeros(WeightHandle bias, int channels) =>
        bias.IsNone ? Zeros(channels) : Weight(bias);

    private ArrayView<float> Zeros(int length)
    {
        if (zeros is null || zeros.Length < length)
        {
            if (zeros is not null)
            {
                accelerator.Synchronize(); // queued kernels may still read the smaller buffer
                zeros.Dispose();
            }

            zeros = accelerator.Allocate1D<float>(Math.Max(length, 1));
            zeros.MemSetToZero();
        }

        return zeros.View;
    }

    private void FreeSlots()
    {
        foreach (var buffer in slots)
        {
            buffer.Dispose();
        }

        slots = Array.Empty<MemoryBuffer1D<float, Stride1D.Dense>>();
    }
}
