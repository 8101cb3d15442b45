using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>
/// Managed C# steps: Parallel.For over output rows, System.Numerics SIMD over channels. Each slot of
/// the arena is one float[] allocated once; weights are float[] per handle; per-thread scratch is
/// reused across calls, so steady-state steps allocate only Parallel.For's own bookkeeping.
/// A generated, shape-specialized CPU path replaces this for speed; this one stays the simple baseline.
/// </summary>
public sealed class CpuBackend : ExecutionBackend
{
    // Pixels per register block of the pointwise micro-kernel.
    private const int PixelBlock = 4;

    [ThreadStatic]
    private static float[]? threadScratch;

    private readonly ParallelOptions parallel;
    private readonly List<float[]> weights = new();
    private float[][] slots = Array.Empty<float[]>();
    private int maxBatch;
    private bool disposed;

    /// <param name="threads">Worker threads; all cores when null.</param>
    public CpuBackend(int? threads = null)
    {
        if (threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "Threads must be at least 1 when set.");
        }

        Threads = threads ?? Environment.ProcessorCount;
        parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
    }

    /// <summary>The most worker threads a step uses.</summary>
    public int Threads { get; }

    public override string Name => "cpu";

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

            arrays[i] = new float[length];
        }

        slots = arrays;
        this.maxBatch = maxBatch;
    }

    public override WeightHandle Upload(ReadOnlySpan<float> values)
    {
        ThrowIfDisposed();
        weights.Add(values.ToArray());
        return new WeightHandle(weights.Count - 1);
    }

    public override void WriteInput(int slot, ReadOnlySpan<float> values)
    {
        float[] buffer = Slot(slot);
        if (values.Length > buffer.Length)
        {
            throw new ArgumentException($"Slot {slot} holds {buffer.Length} floats; got {values.Length}.", nameof(values));
        }

        values.CopyTo(buffer);
    }

    public override void ReadOutput(int slot, Span<float> values)
    {
        float[] buffer = Slot(slot);
        if (values.Length > buffer.Length)
        {
            throw new ArgumentException($"Slot {slot} holds {buffer.Length} floats; {values.Length} were asked for.", nameof(values));
        }

        buffer.AsSpan(0, values.Length).CopyTo(values);
    }

    public override void Conv2D(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        CheckStep(batch, source, destination, shape.HasResidual, residual);
        Conv2DShape s = shape;
        float[] input = slots[source], output = slots[destination], w = Weight(kernel);
        float[]? b = BiasOrNull(bias), res = residual >= 0 ? slots[residual] : null;

        Parallel.For(0, batch * s.OutHeight, parallel, row =>
        {
            int n = row / s.OutHeight, oy = row % s.OutHeight;
            Span<float> acc = Scratch(s.OutChannels);
            for (int ox = 0; ox < s.OutWidth; ox++)
            {
                acc.Clear();
                for (int ky = 0; ky < s.KernelHeight; ky++)
                {
                    int iy = oy * s.StrideHeight - s.PadTop + ky;
                    if ((uint)iy >= (uint)s.InHeight)
                    {
                        continue;
                    }

                    for (int kx = 0; kx < s.KernelWidth; kx++)
                    {
                        int ix = ox * s.StrideWidth - s.PadLeft + kx;
                        if ((uint)ix >= (uint)s.InWidth)
                        {
                            continue;
                        }

                        int pixel = ((n * s.InHeight + iy) * s.InWidth + ix) * s.InChannels;
                        int tap = (ky * s.KernelWidth + kx) * s.InChannels;
                        for (int ci = 0; ci < s.InChannels; ci++)
                        {
                            float x = Relu(input[pixel + ci], s.ReluInput);
                            if (x != 0f)
                            {
                                AddScaled(acc, x, w.AsSpan((tap + ci) * s.OutChannels, s.OutChannels));
                            }
                        }
                    }
                }

                int at = ((n * s.OutHeight + oy) * s.OutWidth + ox) * s.OutChannels;
                Finish(output.AsSpan(at, s.OutChannels), acc, b, res, at, s.ReluOutput);
            }
        });
    }

    public override void SeparableConv(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        CheckStep(batch, source, destination, shape.HasResidual, residual);
        SeparableConvShape s = shape;
        float[] input = slots[source], output = slots[destination], dw = Weight(depthwise), pw = Weight(pointwise);
        float[]? b = BiasOrNull(bias), res = residual >= 0 ? slots[residual] : null;
        int channels = s.InChannels, outChannels = s.OutChannels;

        Parallel.For(0, batch * s.OutHeight, parallel, row =>
        {
            int n = row / s.OutHeight, oy = row % s.OutHeight;
            Span<float> scratch = Scratch(s.OutWidth * (channels + outChannels));
            Span<float> depthRow = scratch.Slice(0, s.OutWidth * channels);
            Span<float> acc = scratch.Slice(s.OutWidth * channels, s.OutWidth * outChannels);

            // The depthwise output of this row stays in the thread's scratch (in cache) for the pointwise pass.
            depthRow.Clear();
            for (int ox = 0; ox < s.OutWidth; ox++)
            {
                Span<float> d = depthRow.Slice(ox * channels, channels);
                for (int ky = 0; ky < s.KernelHeight; ky++)
                {
                    int iy = oy * s.StrideHeight - s.PadTop + ky;
                    if ((uint)iy >= (uint)s.InHeight)
                    {
                        continue;
                    }

                    for (int kx = 0; kx < s.KernelWidth; kx++)
                    {
                        int ix = ox * s.StrideWidth - s.PadLeft + kx;
                        if ((uint)ix >= (uint)s.InWidth)
                        {
                            continue;
                        }

                        int pixel = ((n * s.InHeight + iy) * s.InWidth + ix) * channels;
                        AddProduct(d, dw.AsSpan((ky * s.KernelWidth + kx) * channels, channels),
                            input.AsSpan(pixel, channels), s.ReluInput);
                    }
                }
            }

            int rowBase = (n * s.OutHeight + oy) * s.OutWidth;
            Pointwise(depthRow, s.OutWidth, channels, pw, outChannels, acc);
            for (int ox = 0; ox < s.OutWidth; ox++)
            {
                int at = (rowBase + ox) * outChannels;
                Finish(output.AsSpan(at, outChannels), acc.Slice(ox * outChannels, outChannels), b, res, at, s.ReluOutput);
            }
        });
    }

    public override void DepthwiseConv(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias)
    {
        CheckStep(batch, source, destination, shape.HasResidual, residual);
        DepthwiseConvShape s = shape;
        float[] input = slots[source], output = slots[destination], w = Weight(kernel);
        float[]? b = BiasOrNull(bias), res = residual >= 0 ? slots[residual] : null;

        Parallel.For(0, batch * s.OutHeight, parallel, row =>
        {
            int n = row / s.OutHeight, oy = row % s.OutHeight;
            Span<float> acc = Scratch(s.Channels);
            for (int ox = 0; ox < s.OutWidth; ox++)
            {
                acc.Clear();
                for (int ky = 0; ky < s.KernelHeight; ky++)
                {
                    int iy = oy * s.StrideHeight - s.PadTop + ky;
                    if ((uint)iy >= (uint)s.InHeight)
                    {
                        continue;
                    }

                    for (int kx = 0; kx < s.KernelWidth; kx++)
                    {
                        int ix = ox * s.StrideWidth - s.PadLeft + kx;
                        if ((uint)ix >= (uint)s.InWidth)
                        {
                            continue;
                        }

                        int pixel = ((n * s.InHeight + iy) * s.InWidth + ix) * s.Channels;
                        AddProduct(acc, w.AsSpan((ky * s.KernelWidth + kx) * s.Channels, s.Channels),
                            input.AsSpan(pixel, s.Channels), s.ReluInput);
                    }
                }

                int at = ((n * s.OutHeight + oy) * s.OutWidth + ox) * s.Channels;
                Finish(output.AsSpan(at, s.Channels), acc, b, res, at, s.ReluOutput);
            }
        });
    }

    public override void MaxPool(in MaxPoolShape shape, int batch, int source, int destination, int residual)
    {
        CheckStep(batch, source, destination, shape.HasResidual, residual);
        MaxPoolShape s = shape;
        float[] input = slots[source], output = slots[destination];
        float[]? res = residual >= 0 ? slots[residual] : null;

        Parallel.For(0, batch * s.OutHeight, parallel, row =>
        {
            int n = row / s.OutHeight, oy = row % s.OutHeight;
            for (int ox = 0; ox < s.OutWidth; ox++)
            {
                int at = ((n * s.OutHeight + oy) * s.OutWidth + ox) * s.Channels;
                Span<float> best = output.AsSpan(at, s.Channels);
                best.Fill(float.NegativeInfinity);
                for (int ky = 0; ky < s.PoolHeight; ky++)
                {
                    int iy = oy * s.StrideHeight - s.PadTop + ky;
                    if ((uint)iy >= (uint)s.InHeight)
                    {
                        continue;
                    }

                    for (int kx = 0; kx < s.PoolWidth; kx++)
                    {
                        int ix = ox * s.StrideWidth - s.PadLeft + kx;
                        if ((uint)ix >= (uint)s.InWidth)
                        {
                            continue;
                        }

                        MaxInto(best, input.AsSpan(((n * s.InHeight + iy) * s.InWidth + ix) * s.Channels, s.Channels));
                    }
                }

                // max(relu(x)) = relu(max(x)): the input ReLU is applied once, after the max.
                if (s.ReluInput != 0)
                {
                    ReluInPlace(best);
                }

                Finish(best, best, null, res, at, s.ReluOutput);
            }
        });
    }

    public override void Elementwise(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift)
    {
        CheckBatch(batch);
        StepChecks.Residual(shape.HasResidual, residual);
        Slot(source);
        Slot(destination);
        ElementwiseShape s = shape;
        if (s.Channels < 1 || s.Length % s.Channels != 0)
        {
            throw new ArgumentException($"Length {s.Length} is not a multiple of Channels {s.Channels}.", nameof(shape));
        }

        float[] input = slots[source], output = slots[destination];
        float[]? res = residual >= 0 ? Slot(residual) : null;
        float[]? scales = s.HasScaleShift != 0 ? Weight(scale) : null;
        float[]? shifts = s.HasScaleShift != 0 ? Weight(shift) : null;
        int pixels = batch * (s.Length / s.Channels);
        const int PixelsPerTask = 256;

        Parallel.For(0, (pixels + PixelsPerTask - 1) / PixelsPerTask, parallel, chunk =>
        {
            int end = Math.Min(pixels, (chunk + 1) * PixelsPerTask);
            for (int p = chunk * PixelsPerTask; p < end; p++)
            {
                int at = p * s.Channels;
                Span<float> y = output.AsSpan(at, s.Channels);
                input.AsSpan(at, s.Channels).CopyTo(y);
                if (s.ReluInput != 0)
                {
                    ReluInPlace(y);
                }

                if (scales is not null)
                {
                    MultiplyInPlace(y, scales);
                }

                Finish(y, y, shifts, res, at, s.ReluOutput);
            }
        });
    }

    public override void GlobalPool(in GlobalPoolShape shape, int batch, int source, int destination)
    {
        CheckStep(batch, source, destination, 0, -1);
        GlobalPoolShape s = shape;
        float[] input = slots[source], output = slots[destination];
        int pixels = s.Height * s.Width;

        Parallel.For(0, batch, parallel, n =>
        {
            Span<float> result = output.AsSpan(n * s.Channels, s.Channels);
            result.Fill(s.IsMax != 0 ? float.NegativeInfinity : 0f);
            for (int p = 0; p < pixels; p++)
            {
                ReadOnlySpan<float> x = input.AsSpan((n * pixels + p) * s.Channels, s.Channels);
                if (s.IsMax != 0)
                {
                    MaxInto(result, x);
                }
                else
                {
                    AddProduct(result, default, x, s.ReluInput);
                }
            }

            if (s.IsMax != 0 && s.ReluInput != 0)
            {
                ReluInPlace(result);
            }
            else if (s.IsMax == 0)
            {
                ScaleInPlace(result, 1f / pixels);
            }
        });
    }

    public override void Dense(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias)
    {
        CheckStep(batch, source, destination, 0, -1);
        DenseShape s = shape;
        float[] input = slots[source], output = slots[destination], w = Weight(kernel);
        float[]? b = BiasOrNull(bias);
        const int OutputsPerTask = 256;
        int blocks = (s.OutFeatures + OutputsPerTask - 1) / OutputsPerTask;

        Parallel.For(0, batch * blocks, parallel, task =>
        {
            int n = task / blocks, o0 = task % blocks * OutputsPerTask;
            int count = Math.Min(OutputsPerTask, s.OutFeatures - o0);
            Span<float> acc = Scratch(count);
            acc.Clear();
            for (int i = 0; i < s.InFeatures; i++)
            {
                float x = Relu(input[n * s.InFeatures + i], s.ReluInput);
                if (x != 0f)
                {
                    AddScaled(acc, x, w.AsSpan(i * s.OutFeatures + o0, count));
                }
            }

            int at = n * s.OutFeatures + o0;
            Finish(output.AsSpan(at, count), acc, b is null ? null : b, null, at, s.ReluOutput, biasOffset: o0);
        });
    }

    public override void Softmax(in SoftmaxShape shape, int batch, int source, int destination)
    {
        CheckBatch(batch);
        float[] input = Slot(source), output = Slot(destination);
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

            double sum = 0;
            for (int i = 0; i < length; i++)
            {
                float e = MathF.Exp(x[i] - max);
                y[i] = e;
                sum += e;
            }

            ScaleInPlace(y, (float)(1.0 / sum));
        }
    }

    protected override void Dispose(bool disposing)
    {
        disposed = true;
        slots = Array.Empty<float[]>();
        weights.Clear();
    }

    // ---- SIMD helpers over channel spans -------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Relu(float x, int enabled) => enabled != 0 && x < 0f ? 0f : x;

    /// <summary>acc += scale · w.</summary>
    private static void AddScaled(Span<float> acc, float scale, ReadOnlySpan<float> w)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var s = new Vector<float>(scale);
            Span<Vector<float>> a = MemoryMarshal.Cast<float, Vector<float>>(acc);
            ReadOnlySpan<Vector<float>> b = MemoryMarshal.Cast<float, Vector<float>>(w.Slice(0, acc.Length));
            for (int v = 0; v < a.Length; v++)
            {
                a[v] += s * b[v];
            }

            i = a.Length * Vector<float>.Count;
        }

        for (; i < acc.Length; i++)
        {
            acc[i] += scale * w[i];
        }
    }

    /// <summary>acc += w · reluIn(x) (w empty: acc += reluIn(x)).</summary>
    private static void AddProduct(Span<float> acc, ReadOnlySpan<float> w, ReadOnlySpan<float> x, int reluInput)
    {
        bool weighted = !w.IsEmpty;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<float>> a = MemoryMarshal.Cast<float, Vector<float>>(acc);
            ReadOnlySpan<Vector<float>> xs = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(0, acc.Length));
            ReadOnlySpan<Vector<float>> ws = weighted
                ? MemoryMarshal.Cast<float, Vector<float>>(w.Slice(0, acc.Length))
                : default;
            for (int v = 0; v < a.Length; v++)
            {
                Vector<float> xv = reluInput != 0 ? Vector.Max(xs[v], Vector<float>.Zero) : xs[v];
                a[v] += weighted ? ws[v] * xv : xv;
            }

            i = a.Length * Vector<float>.Count;
        }

        for (; i < acc.Length; i++)
        {
            float xv = Relu(x[i], reluInput);
            acc[i] += weighted ? w[i] * xv : xv;
        }
    }

    /// <summary>
    /// Pointwise sums of a row: acc[p, o] = Σc depth[p, c] · pw[c, o]. Output channels go in tiles of
    /// two vectors, outermost, so a tile's column of pw (C × 2 vectors) stays in L2 while every pixel
    /// of the row uses it; inside, 4 pixels × 2 vectors are accumulated in registers.
    /// </summary>
    private static void Pointwise(ReadOnlySpan<float> depth, int pixels, int channels, float[] pw, int outChannels, Span<float> acc)
    {
        int vc = Vector<float>.Count;
        int tile = 2 * vc;
        int tiled = Vector.IsHardwareAccelerated ? outChannels / tile * tile : 0;
        for (int o = 0; o < tiled; o += tile)
        {
            int p = 0;
            for (; p + PixelBlock <= pixels; p += PixelBlock)
            {
                PointwiseTile4(depth.Slice(p * channels, PixelBlock * channels), channels, pw, outChannels, o, acc.Slice(p * outChannels));
            }

            for (; p < pixels; p++)
            {
                ReadOnlySpan<float> d = depth.Slice(p * channels, channels);
                Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero;
                for (int c = 0; c < channels; c++)
                {
                    var w0 = new Vector<float>(pw, c * outChannels + o);
                    var w1 = new Vector<float>(pw, c * outChannels + o + vc);
                    a0 += w0 * d[c];
                    a1 += w1 * d[c];
                }

                a0.CopyTo(acc.Slice(p * outChannels + o));
                a1.CopyTo(acc.Slice(p * outChannels + o + vc));
            }
        }

        // Output channels past the last full tile (for example 91 = 5·16 + 11 with 8-wide vectors).
        for (int p = 0; p < pixels; p++)
        {
            ReadOnlySpan<float> d = depth.Slice(p * channels, channels);
            for (int o = tiled; o < outChannels; o++)
            {
                float sum = 0f;
                for (int c = 0; c < channels; c++)
                {
                    sum += d[c] * pw[c * outChannels + o];
                }

                acc[p * outChannels + o] = sum;
            }
        }
    }

    /// <summary>The register-blocked core: 4 pixels × 2 vectors of output channels starting at <paramref name="o"/>.</summary>
    private static void PointwiseTile4(ReadOnlySpan<float> depth, int channels, float[] pw, int outChannels, int o, Span<float> acc)
    {
        int vc = Vector<float>.Count;
        Vector<float> a00 = Vector<float>.Zero, a01 = Vector<float>.Zero, a10 = Vector<float>.Zero, a11 = Vector<float>.Zero;
        Vector<float> a20 = Vector<float>.Zero, a21 = Vector<float>.Zero, a30 = Vector<float>.Zero, a31 = Vector<float>.Zero;
        ReadOnlySpan<float> d0 = depth.Slice(0, channels), d1 = depth.Slice(channels, channels);
        ReadOnlySpan<float> d2 = depth.Slice(2 * channels, channels), d3 = depth.Slice(3 * channels, channels);
        for (int c = 0; c < channels; c++)
        {
            var w0 = new Vector<float>(pw, c * outChannels + o);
            var w1 = new Vector<float>(pw, c * outChannels + o + vc);
            float x0 = d0[c], x1 = d1[c], x2 = d2[c], x3 = d3[c];
            a00 += w0 * x0;
            a01 += w1 * x0;
            a10 += w0 * x1;
            a11 += w1 * x1;
            a20 += w0 * x2;
            a21 += w1 * x2;
            a30 += w0 * x3;
            a31 += w1 * x3;
        }

        a00.CopyTo(acc.Slice(o));
        a01.CopyTo(acc.Slice(o + vc));
        a10.CopyTo(acc.Slice(outChannels + o));
        a11.CopyTo(acc.Slice(outChannels + o + vc));
        a20.CopyTo(acc.Slice(2 * outChannels + o));
        a21.CopyTo(acc.Slice(2 * outChannels + o + vc));
        a30.CopyTo(acc.Slice(3 * outChannels + o));
        a31.CopyTo(acc.Slice(3 * outChannels + o + vc));
    }

    /// <summary>dst = reluOut(acc + bias[biasOffset..] + residual[at..]); bias and residual optional.</summary>
    private static void Finish(Span<float> dst, ReadOnlySpan<float> acc, float[]? bias, float[]? residual, int at, int reluOutput, int biasOffset = 0)
    {
        ReadOnlySpan<float> b = bias is null ? default : bias.AsSpan(biasOffset, dst.Length);
        ReadOnlySpan<float> r = residual is null ? default : residual.AsSpan(at, dst.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<float>> d = MemoryMarshal.Cast<float, Vector<float>>(dst);
            ReadOnlySpan<Vector<float>> a = MemoryMarshal.Cast<float, Vector<float>>(acc.Slice(0, dst.Length));
            ReadOnlySpan<Vector<float>> bv = b.IsEmpty ? default : MemoryMarshal.Cast<float, Vector<float>>(b);
            ReadOnlySpan<Vector<float>> rv = r.IsEmpty ? default : MemoryMarshal.Cast<float, Vector<float>>(r);
            for (int v = 0; v < d.Length; v++)
            {
                Vector<float> y = a[v];
                if (!bv.IsEmpty)
                {
                    y += bv[v];
                }

                if (!rv.IsEmpty)
                {
                    y += rv[v];
                }

                d[v] = reluOutput != 0 ? Vector.Max(y, Vector<float>.Zero) : y;
            }

            i = d.Length * Vector<float>.Count;
        }

        for (; i < dst.Length; i++)
        {
            float y = acc[i];
            if (!b.IsEmpty)
            {
                y += b[i];
            }

            if (!r.IsEmpty)
            {
                y += r[i];
            }

            dst[i] = Relu(y, reluOutput);
        }
    }

    private static void MaxInto(Span<float> best, ReadOnlySpan<float> x)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<float>> b = MemoryMarshal.Cast<float, Vector<float>>(best);
            ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(0, best.Length));
            for (int v = 0; v < b.Length; v++)
            {
                b[v] = Vector.Max(b[v], xv[v]);
            }

            i = b.Length * Vector<float>.Count;
        }

        for (; i < best.Length; i++)
        {
            best[i] = Math.Max(best[i], x[i]);
        }
    }

    private static void ReluInPlace(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Relu(values[i], 1);
        }
    }

    private static void MultiplyInPlace(Span<float> values, ReadOnlySpan<float> factors)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= factors[i];
        }
    }

    private static void ScaleInPlace(Span<float> values, float factor)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }

    /// <summary>This thread's scratch, at least <paramref name="length"/> floats, reused across steps.</summary>
    private static Span<float> Scratch(int length)
    {
        float[]? scratch = threadScratch;
        if (scratch is null || scratch.Length < length)
        {
            scratch = new float[Math.Max(length, 1024)];
            threadScratch = scratch;
        }

        return scratch.AsSpan(0, length);
    }

    // ---- argument checks ------------------------------------------------------------------------

    private void CheckStep(int batch, int source, int destination, int hasResidual, int residual)
    {
        CheckBatch(batch);
        StepChecks.Residual(hasResidual, residual);
        Slot(source);
        Slot(destination);
        if (residual >= 0)
        {
            Slot(residual);
        }

        if (source == destination)
        {
            throw new ArgumentException($"Step reads and writes slot {source}; this step needs distinct slots.", nameof(destination));
        }
    }

    private void CheckBatch(int batch)
    {
        ThrowIfDisposed();
        if (batch < 1 || batch > maxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be between 1 and MaxBatch ({maxBatch}).");
        }
    }

    private float[] Slot(int slot)
    {
        ThrowIfDisposed();
        if ((uint)slot >= (uint)slots.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"There are {slots.Length} slots (AllocateBuffers allocates them).");
        }

        return slots[slot];
    }

    private float[] Weight(WeightHandle handle)
    {
        ThrowIfDisposed();
        if (handle.IsNone || handle.Index >= weights.Count)
        {
            throw new ArgumentException($"Weight handle {handle.Index} was not uploaded to this backend ({weights.Count} tensors).", nameof(handle));
        }

        return weights[handle.Index];
    }

    private float[]? BiasOrNull(WeightHandle bias) => bias.IsNone ? null : Weight(bias);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);
}
