using System;
using Xception.Compiler.Runtime.Preprocessing;

namespace Xception.Compiler.Sample.Images;

/// <summary>
/// The server's <c>classify</c> preprocessing for an uploaded file: the same decoder and Keras preprocessing as the
/// <c>classify</c> command (<see cref="ImageBatch"/>), with its default resize filter (nearest, as Keras's).
/// </summary>
internal static class UploadedImage
{
    /// <summary>Matches <c>Xception.Compiler.Serving.ImagePreprocessor</c>.</summary>
    /// <exception cref="System.IO.InvalidDataException">The bytes are not an image Skia decodes.</exception>
    public static void Preprocess(ReadOnlySpan<byte> encoded, int height, int width, Span<float> destination)
    {
        RgbImage image = ImageDecoder.Decode(encoded.ToArray(), "the upload");
        KerasImage.LoadInput(image.Pixels, image.Width, image.Height, 3, width, height, KerasInterpolation.Nearest, destination);
    }
}
