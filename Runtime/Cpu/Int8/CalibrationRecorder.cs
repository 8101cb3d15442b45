using System;
using System.Collections.Generic;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Runtime.Cpu.Int8;

/// <summary>
/// Collects, over fp32 Predicts on the Cpu backend, the range of every tensor an int8 run quantizes (each separable
/// step's depthwise output), then turns them into an <see cref="Int8Calibration"/>. Pass it in
/// <see cref="InferenceOptions.CalibrationRecorder"/>. Min/max ranges: over a few hundred images this is what the
/// calibration step of most int8 toolchains starts from; percentile clipping is a possible refinement (docs/int8.md).
/// </summary>
public sealed class CalibrationRecorder
{
    private readonly List<(string Shape, float Min, float Max)> ranges = new();

    /// <summary>Separable steps seen so far (the length of the calibration).</summary>
    public int Steps => ranges.Count;

    /// <summary>Images counted with <see cref="CountImages"/>.</summary>
    public int Images { get; private set; }

    /// <summary>Adds <paramref name="count"/> to the images the ranges were measured on (the caller knows what it ran).</summary>
    public void CountImages(int count) => Images += count;

    internal void Add(int step, string shape, float min, float max)
    {
        if (step == ranges.Count)
        {
            ranges.Add((shape, min, max));
            return;
        }

        var (known, lo, hi) = ranges[step];
        if (!string.Equals(known, shape, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Separable step {step} quantizes {shape} now but {known} before: one recorder serves one model.");
        }

        ranges[step] = (shape, Math.Min(lo, min), Math.Max(hi, max));
    }

    /// <summary>The calibration of the ranges recorded so far, for the model with weight table <paramref name="table"/>.</summary>
    public Int8Calibration ToCalibration(WeightTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (ranges.Count == 0)
        {
            throw new InvalidOperationException("No separable step ran with this recorder: run Predict on the Cpu backend first (a model without separable steps has nothing to calibrate).");
        }

        var tensors = new CalibratedTensor[ranges.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            var (shape, min, max) = ranges[i];
            ActivationQuantization q = ActivationQuantization.FromRange(min, max);
            tensors[i] = new CalibratedTensor(i, shape, min, max, q.Scale, q.ZeroPoint);
        }

        return new Int8Calibration(table.ModelName, Int8Calibration.HashOf(table), Images, tensors);
    }
}
