using System;
using System.Collections.Generic;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Sample.Images;

namespace Xception.Compiler.Sample;

/// <summary>What <c>classify --model NAME --weights W</c> was asked to do.</summary>
internal sealed record ModelClassificationRequest(string[] Images, string ModelName, string? WeightsPath)
{
    public int Top { get; init; } = 5;

    public Backend Backend { get; init; } = Backend.Auto;

    public bool Json { get; init; }

    public KerasInterpolation Interpolation { get; init; } = KerasInterpolation.Nearest;

    /// <summary>Feed 0..255 (a model that carries its own Rescaling or Normalization) rather than x/127.5 − 1.</summary>
    public bool RawPixels { get; init; }
}

/// <summary>
/// <c>classify</c> with a compiled model other than Xception: the images at the model's input size (grayscale
/// for a 1-channel model), and the model's own class names when its description declares them.
/// </summary>
internal static class ModelClassification
{
    public static int Run(ModelClassificationRequest request)
    {
        string weights = request.WeightsPath
            ?? throw new UsageException($"classify --model {request.ModelName} needs --weights (only Xception's ImageNet weights are downloaded).");
        CompiledModel model = CompiledModels.Select(request.ModelName, weights);
        if (model.InputChannels is not (1 or 3))
        {
            throw new UsageException($"Model {model.Name} takes {model.InputChannels} channels; images give 1 (grayscale) or 3 (RGB). Use predict with a .npy input.");
        }

        if (request.Top < 1 || request.Top > model.OutputLength)
        {
            throw new UsageException($"--top must be between 1 and {model.OutputLength}, found {request.Top}.");
        }

        float[] input = ImageBatch.Load(request.Images, model.InputHeight, model.InputWidth, request.Interpolation,
            new ImageLayout(model.InputChannels, request.RawPixels ? ImagePreprocessing.None : model.Preprocessing));
        var options = new InferenceOptions { Backend = request.Backend, MaxBatch = Math.Min(request.Images.Length, new InferenceOptions().MaxBatch) };
        using ICompiledModel loaded = model.Load(weights, options);
        var probabilities = new float[request.Images.Length * model.OutputLength];
        loaded.Predict(input, probabilities, request.Images.Length);

        var results = new ImageClassification[request.Images.Length];
        for (int i = 0; i < results.Length; i++)
        {
            ReadOnlySpan<float> image = probabilities.AsSpan(i * model.OutputLength, model.OutputLength);
            results[i] = new ImageClassification(request.Images[i], Rank(model, image, request.Top));
        }

        if (request.Json)
        {
            ClassificationReport.WriteJson(Console.Out, results);
        }
        else
        {
            ClassificationReport.WriteText(Console.Out, results);
        }

        return 0;
    }

    private static Prediction[] Rank(CompiledModel model, ReadOnlySpan<float> probabilities, int top)
    {
        int[] best = ImageNetLabels.TopIndices(probabilities, top);
        var predictions = new List<Prediction>();
        for (int r = 0; r < best.Length; r++)
        {
            int index = best[r];
            string label = model.Labels.Count > 0 ? model.Labels[index] : "class " + index;
            predictions.Add(new Prediction(r + 1, new ImageNetClass(index, string.Empty, label), probabilities[index]));
        }

        return predictions.ToArray();
    }
}
