using System;
using System.Collections.Generic;
using Xception.Compiler.Runtime.Preprocessing;

namespace Xception.Compiler.Sample.Images;

/// <summary>
/// How a model takes an image: 1 (grayscale) or 3 (RGB) channels, and the application's input scaling
/// (<see cref="ImagePreprocessing.None"/>: raw 0..255 values, for a model with its own Rescaling or Normalization).
/// </summary>
internal sealed record ImageLayout(int Channels, ImagePreprocessing Preprocessing)
{
    public static ImageLayout Xception { get; } = new(3, ImagePreprocessing.Tf);
}

/// <summary>Image files turned into one model input, as Keras's <c>load_img</c> + <c>preprocess_input</c> would.</summary>
internal static class ImageBatch
{
    /// <summary>
    /// Decodes every file, resizes it to <paramref name="height"/>×<paramref name="width"/> and preprocesses it
    /// (<c>x / 127.5 - 1</c>) into one NHWC float32 batch, in the order given.
    /// </summary>
    public static float[] Load(IReadOnlyList<string> paths, int height, int width, KerasInterpolation interpolation)
        => Load(paths, height, width, interpolation, ImageLayout.Xception);

    /// <summary>
    /// As <see cref="Load(IReadOnlyList{string}, int, int, KerasInterpolation)"/>, for any <paramref name="layout"/>:
    /// RGB images get the application's <see cref="KerasPreprocessing"/>. Grayscale is PIL's <c>convert('L')</c>
    /// (ITU-R 601-2 luma in its fixed point) of the resized image: the same as
    /// <c>load_img(color_mode='grayscale')</c>, which converts first, for the nearest filter (it picks whole
    /// pixels); within a grey level for bilinear. Only tf scaling or raw values have a one-channel meaning.
    /// </summary>
    public static float[] Load(IReadOnlyList<string> paths, int height, int width, KerasInterpolation interpolation, ImageLayout layout)
    {
        if (layout.Channels == 1 && layout.Preprocessing is not (ImagePreprocessing.Tf or ImagePreprocessing.None))
        {
            throw new ArgumentException(
                $"A 1-channel model takes tf-scaled or raw pixels; found the {KerasPreprocessing.Name(layout.Preprocessing)} preprocessing, which is defined for RGB.", nameof(layout));
        }

        int imageLength = height * width * layout.Channels;
        var batch = new float[paths.Count * imageLength];
        for (int i = 0; i < paths.Count; i++)
        {
            RgbImage image = ImageDecoder.Decode(paths[i]);
            Span<float> destination = batch.AsSpan(i * imageLength, imageLength);
            if (layout.Channels == 3)
            {
                KerasImage.LoadInput(image.Pixels, image.Width, image.Height, 3, width, height, interpolation, layout.Preprocessing, destination);
                continue;
            }

            byte[] rgb = KerasImage.Resize(KerasImage.ToRgb(image.Pixels, image.Width, image.Height, 3), image.Width, image.Height, width, height, interpolation);
            byte[] grey = Luma(rgb);
            if (layout.Preprocessing == ImagePreprocessing.None)
            {
                for (int j = 0; j < grey.Length; j++)
                {
                    destination[j] = grey[j];
                }
            }
            else
            {
                KerasImage.Preprocess(grey, destination);
            }
        }

        return batch;
    }

    private static byte[] Luma(byte[] rgb)
    {
        var grey = new byte[rgb.Length / 3];
        for (int i = 0; i < grey.Length; i++)
        {
            grey[i] = (byte)((rgb[3 * i] * 19595 + rgb[3 * i + 1] * 38470 + rgb[3 * i + 2] * 7471 + 0x8000) >> 16);
        }

        return grey;
    }
}
