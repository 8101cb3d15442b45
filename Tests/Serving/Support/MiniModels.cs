using System;
using Xception.Compiler.Runtime;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Serving.Support;

/// <summary>The fixtures' mini Xception at 71×71 (fast on the CPU path) and distinct inputs for it.</summary>
internal static class MiniModels
{
    public const string WeightsFile = "mini_xception_w0125_top10.h5";

    public static MiniXception71 Load(int maxBatch = 8, Backend backend = Backend.Cpu) =>
        MiniXception71.Load(TestPaths.Fixture(WeightsFile), new InferenceOptions { Backend = backend, MaxBatch = maxBatch });

    /// <summary><paramref name="count"/> different images in [-1, 1], each from its own seed.</summary>
    public static float[][] Images(int count, int seed)
    {
        var images = new float[count][];
        for (int i = 0; i < count; i++)
        {
            var random = new Random(seed + i);
            images[i] = new float[MiniXception71.InputLength];
            for (int j = 0; j < images[i].Length; j++)
            {
                images[i][j] = (float)(random.NextDouble() * 2 - 1);
            }
        }

        return images;
    }

    /// <summary>Each image through its own single-image Predict: what every served answer must equal bit for bit.</summary>
    public static float[][] SinglePredictions(ICompiledModel model, float[][] images)
    {
        var outputs = new float[images.Length][];
        for (int i = 0; i < images.Length; i++)
        {
            outputs[i] = model.Predict(images[i], 1);
        }

        return outputs;
    }
}
