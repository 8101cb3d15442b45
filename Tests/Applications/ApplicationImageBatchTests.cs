using System;
using System.IO;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Sample.Images;
using Xception.Compiler.Tests.Classify;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// What <c>classify --model NAME</c> feeds a model: files decoded, resized as Pillow does (the fixtures' own
/// Pillow output) and preprocessed in the application's mode, checked against Keras's formulas in float64.
/// </summary>
public sealed class ApplicationImageBatchTests
{
    [Theory]
    [InlineData(ImagePreprocessing.Caffe)]
    [InlineData(ImagePreprocessing.Torch)]
    [InlineData(ImagePreprocessing.None)]
    [InlineData(ImagePreprocessing.Tf)]
    public void ImageBatch_InApplicationMode_MatchesPillowResizeThenKerasFormula(ImagePreprocessing mode)
    {
        string[] names = ["photo_160x120", "noise_37x23"];
        string[] files = [PillowReference.ImagePath("photo_160x120.jpg"), PillowReference.ImagePath("noise_37x23.png")];

        float[] batch = ImageBatch.Load(files, 11, 17, KerasInterpolation.Bilinear, new ImageLayout(3, mode));

        const int ImageLength = 11 * 17 * 3;
        Assert.Equal(2 * ImageLength, batch.Length);
        for (int n = 0; n < 2; n++)
        {
            byte[] pillow = PillowReference.Read(names[n])["bilinear_17x11"].Pixels;
            for (int i = 0; i < ImageLength; i += 3)
            {
                for (int c = 0; c < 3; c++)
                {
                    double want = Keras(mode, pillow[i], pillow[i + 1], pillow[i + 2], c);
                    double found = batch[n * ImageLength + i + c];
                    double tolerance = mode == ImagePreprocessing.Caffe ? 2e-5 : 1e-6 * Math.Max(1.0, Math.Abs(want));
                    if (!(Math.Abs(found - want) <= tolerance))
                    {
                        Assert.Fail($"{mode}, image {n} ({Path.GetFileName(files[n])}), pixel {i / 3}, channel {c}: expected {want}, found {found}");
                    }
                }
            }
        }
    }

    // keras/src/applications/imagenet_utils.py _preprocess_numpy_input, channels last, in float64.
    private static double Keras(ImagePreprocessing mode, double r, double g, double b, int channel) => mode switch
    {
        ImagePreprocessing.Tf => new[] { r, g, b }[channel] / 127.5 - 1.0,
        ImagePreprocessing.Caffe => new[] { b, g, r }[channel] - new[] { 103.939, 116.779, 123.68 }[channel],
        ImagePreprocessing.Torch => (new[] { r, g, b }[channel] / 255.0 - new[] { 0.485, 0.456, 0.406 }[channel]) / new[] { 0.229, 0.224, 0.225 }[channel],
        _ => new[] { r, g, b }[channel],
    };
}
