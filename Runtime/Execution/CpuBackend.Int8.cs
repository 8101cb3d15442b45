using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Runtime.Cpu.Jobs;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>
/// The Cpu backend's int8 and calibration modes (<see cref="InferenceOptions.Precision"/>,
/// <see cref="InferenceOptions.CalibrationRecorder"/>): separable steps are numbered in run order from each
/// chunk's input, and step k runs through <see cref="Int8SeparableJob"/> with calibration entry k. Everything else,
/// and every step of a plain fp32 backend, runs as before.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    private Int8Calibration? calibration;
    private CalibrationRecorder? recorder;
    private Int8SeparableJob? int8Job;
    private readonly List<QuantizedPanels?> quantizedSteps = new();
    private int separableStep;

    /// <summary>The int8 GEMM's instruction set (the best this machine runs).</summary>
    internal Int8Isa Int8Isa { get; private set; } = Int8Isas.Best;

    /// <summary>The backend <paramref name="options"/> asks for on the CPU, in int8 or recording mode when they say so.</summary>
    internal static CpuBackend Create(InferenceOptions options)
    {
        var backend = new CpuBackend(options.Threads);
        if (options.Precision == Precision.Int8)
        {
            backend.calibration = options.Calibration;
            backend.int8Job = new Int8SeparableJob(backend);
        }
        else if (options.CalibrationRecorder is { } r)
        {
            backend.recorder = r;
            backend.int8Job = new Int8SeparableJob(backend);
        }

        return backend;
    }

    /// <summary>Forces the int8 instruction set (tests run the scalar path against the vector one).</summary>
    internal void UseInt8Isa(Int8Isa isa)
    {
        if (!Int8Isas.IsSupported(isa))
        {
            throw new PlatformNotSupportedException($"This CPU does not run the {isa} int8 path (best: {Int8Isas.Best}).");
        }

        Int8Isa = isa;
    }

    /// <summary>Whether a separable step ran here (int8 or recording); false: the fp32 job runs it as usual.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private bool TryRunInt8(in ConvolutionGeometry g, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias)
    {
        int step = separableStep++;
        if (!Int8SeparableJob.Supports(g))
        {
            // Recorded as an empty range, so that the numbering stays that of every separable step; int8 runs it in fp32.
            recorder?.Add(step, ShapeOf(g), 0f, 0f);
            return false;
        }

        float[]? residualSlot = residual >= 0 ? slots[residual] : null;
        if (recorder is not null)
        {
            var (min, max) = int8Job!.RunRecording(g, batch, slots[source], slots[destination], residualSlot, Raw(depthwise),
                Packed(pointwise, g.InChannels, g.OutChannels), BiasOrNull(bias));
            recorder.Add(step, ShapeOf(g), min, max);
            return true;
        }

        int8Job!.RunInt8(g, batch, slots[source], slots[destination], residualSlot, Raw(depthwise), QuantizedStep(step, g, pointwise), BiasOrNull(bias));
        return true;
    }

    /// <summary>
    /// Step <paramref name="step"/>'s weights quantized per output channel for its calibrated input, on its first run
    /// (after BN folding, which happened at load: the uploaded matrix is already folded).
    /// </summary>
    private QuantizedPanels QuantizedStep(int step, in ConvolutionGeometry g, WeightHandle pointwise)
    {
        while (quantizedSteps.Count <= step)
        {
            quantizedSteps.Add(null);
        }

        if (quantizedSteps[step] is { } known && known.K == g.InChannels && known.N == g.OutChannels)
        {
            return known;
        }

        CalibratedTensor tensor = calibration!.For(step, ShapeOf(g));
        float[] kn = Packed(pointwise, g.InChannels, g.OutChannels).Unpack();
        QuantizedPanels panels = QuantizedPanels.Pack(kn, g.InChannels, g.OutChannels, tensor.Quantization);
        quantizedSteps[step] = panels;
        return panels;
    }

    /// <summary>The quantized tensor's shape per image: the depthwise output, H×W×C_in.</summary>
    private static string ShapeOf(in ConvolutionGeometry g) =>
        string.Create(CultureInfo.InvariantCulture, $"{g.OutHeight}x{g.OutWidth}x{g.InChannels}");
}
