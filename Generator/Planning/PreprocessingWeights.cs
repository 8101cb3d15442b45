using System.Globalization;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>
/// The per-channel scale and shift of a rescaling or normalization step: constants written in the
/// description, or (an adapted normalization) the mean and variance datasets of the weight file.
/// </summary>
internal sealed record PreprocessingWeights
{
    /// <summary>The layer the constants belong to.</summary>
    public required string Layer { get; init; }

    public required bool IsNormalization { get; init; }

    /// <summary>The channels the scale and shift are broadcast to.</summary>
    public required int Channels { get; init; }

    /// <summary>Rescaling's scale and offset, or an inline normalization's mean and variance.</summary>
    public EquatableArray<double> First { get; init; } = EquatableArray<double>.Empty;

    public EquatableArray<double> Second { get; init; } = EquatableArray<double>.Empty;

    /// <summary>An adapted normalization's position in the weight table (datasets mean, variance, count); -1: inline.</summary>
    public int WeightLayer { get; init; } = -1;

    public static StepWeights Of(LayerSpec layer, int number, int weightLayer, int channels)
    {
        string n = number.ToString(CultureInfo.InvariantCulture);
        PreprocessingValues v = layer.Preprocessing;
        bool normalization = layer.Op == LayerOp.Normalization;
        return new StepWeights
        {
            ScaleField = StepWeights.ScalePrefix + n,
            ShiftField = StepWeights.ShiftPrefix + n,
            Preprocessing = new PreprocessingWeights
            {
                Layer = layer.Name,
                IsNormalization = normalization,
                Channels = channels,
                First = normalization ? v.Mean : v.Scale,
                Second = normalization ? v.Variance : v.Offset,
                WeightLayer = normalization && layer.HasWeights ? weightLayer : -1,
            },
        };
    }
}
