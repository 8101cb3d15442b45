using System;
using System.Diagnostics;
using System.Globalization;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>
/// Wraps a backend and times each step into a <see cref="StepProfiler"/> (see
/// <see cref="InferenceOptions.Profiler"/>): the step is queued on the inner backend, which is then
/// synchronized, so the time is the step's own. Shape strings are made once per step position and kept.
/// Arguments are checked twice, by this backend and by the inner one: a few compares per step.
/// </summary>
internal sealed class ProfilingBackend : ExecutionBackend
{
    private readonly ExecutionBackend inner;
    private readonly StepProfiler profiler;

    public ProfilingBackend(ExecutionBackend inner, StepProfiler profiler)
    {
        this.inner = inner;
        this.profiler = profiler;
    }

    public override string Name => inner.Name;

    public override int ChunkSize(int maxBatch) => inner.ChunkSize(maxBatch);

    protected override void AllocateBuffersCore(ReadOnlySpan<long> floatsPerImage, int maxBatch) => inner.AllocateBuffers(floatsPerImage, maxBatch);

    protected override WeightHandle UploadCore(ReadOnlySpan<float> values) => inner.Upload(values);

    protected override WeightHandle UploadMatrixCore(float[] values, int rows, int columns) => inner.UploadMatrix(values, rows, columns);

    protected override void WriteInputCore(int slot, ReadOnlySpan<float> values)
    {
        inner.WriteInput(slot, values);
        inner.Synchronize();
        profiler.BeginRun();
    }

    protected override void ReadOutputCore(int slot, Span<float> values) => inner.ReadOutput(slot, values);

    public override void Synchronize() => inner.Synchronize();

    protected override void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Conv2D(shape, batch, source, destination, residual, kernel, bias);
        Record(shape, batch, start);
    }

    protected override void Conv2DCore<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Conv2D<TStep>(batch, source, destination, residual, kernel, bias);
        Record(TStep.Shape, batch, start);
    }

    protected override void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Conv2D(shape, batch, source, destination, residual, kernel, bias, prologue);
        Record(shape, batch, start);
    }

    protected override void Conv2DCore<TStep>(int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Conv2D<TStep>(batch, source, destination, residual, kernel, bias, prologue);
        Record(TStep.Shape, batch, start);
    }

    protected override void SeparableConvCore(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        long start = Stopwatch.GetTimestamp();
        inner.SeparableConv(shape, batch, source, destination, residual, depthwise, pointwise, bias);
        Record(shape, batch, start);
    }

    protected override void SeparableConvCore<TStep>(int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        long start = Stopwatch.GetTimestamp();
        inner.SeparableConv<TStep>(batch, source, destination, residual, depthwise, pointwise, bias);
        Record(TStep.Shape, batch, start);
    }

    protected override void DepthwiseConvCore(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        long start = Stopwatch.GetTimestamp();
        inner.DepthwiseConv(shape, batch, source, destination, residual, kernel, bias);
        DepthwiseConvShape s = shape;
        Finish(start, "depthwise", s, static s => Invariant($"{s.InHeight}×{s.InWidth}×{s.Channels} {s.KernelHeight}×{s.KernelWidth}/{s.StrideHeight} → {s.OutHeight}×{s.OutWidth}"),
            2L * batch * s.OutHeight * s.OutWidth * s.Channels * s.KernelHeight * s.KernelWidth, 0);
    }

    protected override void MaxPoolCore(in MaxPoolShape shape, int batch, int source, int destination, int residual)
    {
        long start = Stopwatch.GetTimestamp();
        inner.MaxPool(shape, batch, source, destination, residual);
        MaxPoolShape s = shape;
        Finish(start, "maxpool", s, static s => Invariant($"{s.InHeight}×{s.InWidth}×{s.Channels} {s.PoolHeight}×{s.PoolWidth}/{s.StrideHeight} → {s.OutHeight}×{s.OutWidth}{Flags(s.ReluInput, s.ReluOutput, s.HasResidual)}"),
            (long)batch * s.OutHeight * s.OutWidth * s.Channels * s.PoolHeight * s.PoolWidth, 0);
    }

    protected override void AveragePoolCore(in AveragePoolShape shape, int batch, int source, int destination)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AveragePool(shape, batch, source, destination);
        AveragePoolShape s = shape;
        Finish(start, "avgpool", s, static s => Invariant($"{s.InHeight}×{s.InWidth}×{s.Channels} {s.PoolHeight}×{s.PoolWidth}/{s.StrideHeight} → {s.OutHeight}×{s.OutWidth}"),
            (long)batch * s.OutHeight * s.OutWidth * s.Channels * s.PoolHeight * s.PoolWidth, 0);
    }

    protected override void ElementwiseCore(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Elementwise(shape, batch, source, destination, residual, scale, shift);
        ElementwiseShape s = shape;
        Finish(start, "elementwise", s, static s => Invariant($"{s.Length} ({s.Channels} channels){Flags(s.ReluInput, s.ReluOutput, s.HasResidual)}"),
            2L * batch * s.Length, 0);
    }

    protected override void GlobalPoolCore(in GlobalPoolShape shape, int batch, int source, int destination)
    {
        long start = Stopwatch.GetTimestamp();
        inner.GlobalPool(shape, batch, source, destination);
        GlobalPoolShape s = shape;
        Finish(start, "globalpool", s, static s => Invariant($"{s.Height}×{s.Width}×{s.Channels} {(s.IsMax != 0 ? "max" : "avg")}"),
            (long)batch * s.Height * s.Width * s.Channels, 0);
    }

    protected override void DenseCore(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Dense(shape, batch, source, destination, kernel, bias);
        DenseShape s = shape;
        Finish(start, "dense", s, static s => Invariant($"{s.InFeatures} → {s.OutFeatures}"), 2L * batch * s.InFeatures * s.OutFeatures, 0);
    }

    protected override void SoftmaxCore(in SoftmaxShape shape, int batch, int source, int destination)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Softmax(shape, batch, source, destination);
        SoftmaxShape s = shape;
        Finish(start, "softmax", s, static s => Invariant($"{s.Length}"), 3L * batch * s.Length, 0);
    }

    protected override void ActivationCore(in ActivationShape shape, int batch, int source, int destination)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Activation(shape, batch, source, destination);
        ActivationShape s = shape;
        Finish(start, "activation", s, static s => Invariant($"{s.Length} {(ActivationFunction)s.Function}"), (long)batch * s.Length, 0);
    }

    protected override void ChannelSliceCore(in ChannelSliceShape shape, int batch, int source, int destination)
    {
        long start = Stopwatch.GetTimestamp();
        inner.ChannelSlice(shape, batch, source, destination);
        ChannelSliceShape s = shape;
        Finish(start, "concat-slice", s, static s => Invariant($"{s.Pixels}×{s.Channels} → channels {s.OutChannelOffset}.. of {s.OutChannels}"), 0, 0);
    }

    protected override void MultiplyCore(in MultiplyShape shape, int batch, int source, int factor, int destination)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Multiply(shape, batch, source, factor, destination);
        MultiplyShape s = shape;
        Finish(start, "multiply", s, static s => Invariant($"{s.Pixels}×{s.Channels}{(s.PerChannel != 0 ? " by channel" : string.Empty)}"), (long)batch * s.Pixels * s.Channels, 0);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
    }

    private void Record(in Conv2DShape shape, int batch, long start)
    {
        Conv2DShape s = shape;
        long macs = (long)batch * s.OutHeight * s.OutWidth * s.OutChannels * s.KernelHeight * s.KernelWidth * s.InChannels;
        bool pointwise = s.KernelHeight == 1 && s.KernelWidth == 1;
        Finish(start, "conv", s, static s => Invariant(
                $"{s.InHeight}×{s.InWidth}×{s.InChannels} {s.KernelHeight}×{s.KernelWidth}/{s.StrideHeight} → {s.OutHeight}×{s.OutWidth}×{s.OutChannels}{Flags(s.ReluInput, s.ReluOutput, s.HasResidual)}"),
            2 * macs, pointwise ? 2 * macs : 0);
    }

    private void Record(in SeparableConvShape shape, int batch, long start)
    {
        SeparableConvShape s = shape;
        long pixels = (long)batch * s.OutHeight * s.OutWidth;
        long depthwise = 2 * pixels * s.InChannels * s.KernelHeight * s.KernelWidth;
        long pointwise = 2 * pixels * s.InChannels * s.OutChannels;
        Finish(start, "separable", s, static s => Invariant(
                $"{s.InHeight}×{s.InWidth}×{s.InChannels} {s.KernelHeight}×{s.KernelWidth}/{s.StrideHeight} → {s.OutHeight}×{s.OutWidth}×{s.OutChannels}{Flags(s.ReluInput, s.ReluOutput, s.HasResidual)}"),
            depthwise + pointwise, pointwise);
    }

    /// <summary>Waits for the step and records it; <paramref name="describe"/> is static, so timing a step allocates nothing.</summary>
    private void Finish<TShape>(long start, string kind, TShape shape, Func<TShape, string> describe, long flops, long pointwiseFlops)
    {
        inner.Synchronize();
        long ticks = Stopwatch.GetTimestamp() - start;
        profiler.Add(kind, shape, describe, flops, pointwiseFlops, ticks);
    }

    private static string Flags(int reluInput, int reluOutput, int residual) =>
        (reluInput != 0 ? " relu-in" : "") + (residual != 0 ? " +res" : "") + (reluOutput != 0 ? " relu" : "");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
