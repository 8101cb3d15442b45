using System;
using System.Collections.Generic;
using Xception.Compiler.Runtime.Preprocessing;

namespace Xception.Compiler.Sample.Images;

/// <summary>Image files turned into one model input, as Keras's <c>load_img</c> + <c>preprocess_input</c> would.</summary>
internal static class ImageBatch
{
    /// <summary>
    /// Decodes every file, resizes it to <paramref name="height"/>×<paramref name="width"/> and preprocesses it
    /// (<c>x / 127.5 - 1</c>) into one NHWC float32 batch, in the order given.
    /// </summary>
    public static float[] Load(IReadOnlyList<string> paths, int height, int width, KerasInterpolation interpolation)
        => Load(paths, height, width, interpolation, ImagePreprocessing.Tf);

    /// <summary>
    /// Decodes every file, resizes it to <paramref name="height"/>×<paramref name="width"/> and preprocesses it
    /// as the model's application does (<see cref="KerasPreprocessing"/>) into one NHWC float32 batch, in the order given.
    /// </summary>
    public static float[] Load(IReadOnlyList<string> paths, int height, int width, KerasInterpolation interpolation, ImagePreprocessing preprocessing)
    {
        int imageLength = height * width * 3;
        var batch = new float[paths.Count * imageLength];
        for (int i = 0; i < paths.Count; i++)
        {
            RgbImage image = ImageDecoder.Decode(paths[i]);
            KerasImage.LoadInput(image.Pixels, image.Width, image.Height, 3, width, height, interpolation, preprocessing,
                batch.AsSpan(i * imageLength, imageLength));
        }

        return batch;
    }
}
