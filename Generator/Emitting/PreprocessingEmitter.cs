using System.Collections.Generic;
using System.Globalization;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Planning;
using static Xception.Compiler.Generator.Emitting.Literals;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>
/// The uploads of a rescaling or normalization step: the per-channel scale and shift the elementwise step
/// applies, computed at load by the runtime from the description's constants (emitted as double literals,
/// so the float rounding happens once, after the division) or from the adapted mean and variance datasets.
/// </summary>
internal static class PreprocessingEmitter
{
    private const string Folding = ModelEmitter.CompilerServices + ".PreprocessingFolding";

    public static void WriteUpload(SourceWriter w, PlannedStep s, PreprocessingWeights p)
    {
        string call;
        if (!p.IsNormalization)
        {
            w.WriteLine("// [" + Int(s.Number) + "] " + Comment(p.Layer) + ": rescaling as a per-channel scale and shift.");
            call = Folding + ".Rescaling(" + Doubles(p.First) + ", " + Doubles(p.Second) + ", " + Int(p.Channels) + ")";
        }
        else if (p.WeightLayer < 0)
        {
            w.WriteLine("// [" + Int(s.Number) + "] " + Comment(p.Layer) + ": normalization by the description's mean and variance, as a per-channel scale and shift.");
            call = Folding + ".Normalization(" + Doubles(p.First) + ", " + Doubles(p.Second) + ", " + Int(p.Channels) + ")";
        }
        else
        {
            w.WriteLine("// [" + Int(s.Number) + "] " + Comment(p.Layer) + ": normalization by the adapted mean and variance, as a per-channel scale and shift.");
            call = Folding + ".Normalization(weights[" + Int(p.WeightLayer) + ", 0], weights[" + Int(p.WeightLayer) + ", 1])";
        }

        using (w.Scope())
        {
            w.WriteLine("var (scale, shift) = " + call + ";");
            w.WriteLine(s.Weights.ScaleField + " = backend.Upload(scale);");
            w.WriteLine(s.Weights.ShiftField + " = backend.Upload(shift);");
        }
    }

    public static string Describe(PreprocessingWeights p) => p.IsNormalization
        ? "normalization" + (p.WeightLayer < 0 ? " (mean, variance inline)" : " (adapted mean, variance)") + " as scale/shift"
        : "rescaling ×" + Values(p.First) + (p.Second.Count > 0 ? " + " + Values(p.Second) : string.Empty);

    private static string Doubles(EquatableArray<double> values)
    {
        if (values.Count == 0)
        {
            return "global::System.Array.Empty<double>()";
        }

        var parts = new List<string>();
        foreach (double v in values)
        {
            parts.Add(v.ToString("R", CultureInfo.InvariantCulture) + "d");
        }

        return "new double[] { " + string.Join(", ", parts) + " }";
    }

    private static string Values(EquatableArray<double> values)
    {
        if (values.Count != 1)
        {
            return "per channel";
        }

        return values[0].ToString("G6", CultureInfo.InvariantCulture);
    }
}
