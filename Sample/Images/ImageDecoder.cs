using System;
using System.IO;
using SkiaSharp;
using Xception.Compiler.Runtime.Preprocessing;

namespace Xception.Compiler.Sample.Images;

/// <summary>A decoded image: interleaved RGB bytes, row-major (HWC).</summary>
internal sealed record RgbImage(string Path, int Width, int Height, byte[] Pixels);

/// <summary>
/// Decodes JPEG, PNG and WebP (and GIF, BMP: whatever Skia's codecs read) to RGB8 the way Keras's
/// <c>load_img</c> sees a file through PIL: un-premultiplied, alpha dropped, the stored pixel order
/// (EXIF orientation is not applied), no colour management (embedded ICC profiles are ignored).
/// </summary>
internal static class ImageDecoder
{
    /// <summary>Decodes <paramref name="path"/> to RGB8.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable image or is damaged; the message names it.</exception>
    public static RgbImage Decode(string path)
    {
        byte[] rgba = DecodeRgba(path, out int width, out int height);
        return new RgbImage(path, width, height, KerasImage.ToRgb(rgba, width, height, 4));
    }

    /// <summary>Decodes an image held in memory (an upload), named <paramref name="name"/> in error messages, to RGB8.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a readable image or are damaged.</exception>
    public static RgbImage Decode(byte[] encoded, string name)
    {
        byte[] rgba = DecodeRgba(encoded, name, out int width, out int height);
        return new RgbImage(name, width, height, KerasImage.ToRgb(rgba, width, height, 4));
    }

    /// <summary>Decodes <paramref name="path"/> to un-premultiplied RGBA8 (what PIL's RGBA mode holds).</summary>
    public static byte[] DecodeRgba(string path, out int width, out int height)
    {
        ArgumentNullException.ThrowIfNull(path);
        return DecodeRgba(File.ReadAllBytes(path), path, out width, out height);
    }

    private static byte[] DecodeRgba(byte[] encoded, string path, out int width, out int height)
    {
        using SKData data = SKData.CreateCopy(encoded);
        using SKCodec? codec = SKCodec.Create(data);
        if (codec is null)
        {
            throw new InvalidDataException(
                $"Cannot decode '{path}': not an image format SkiaSharp reads (JPEG, PNG, WebP, GIF, BMP), or a damaged header.");
        }

        SKImageInfo source = codec.Info;
        if (source.Width < 1 || source.Height < 1)
        {
            throw new InvalidDataException($"Cannot decode '{path}': the {codec.EncodedFormat} header gives an empty size {source.Width}×{source.Height}.");
        }

        // RGBA8888 un-premultiplied, and no colour space: Skia then converts no colours, as PIL does not.
        var target = new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
        var rgba = new byte[target.BytesSize64];
        SKCodecResult result = codec.GetPixels(target, rgba);
        if (result != SKCodecResult.Success)
        {
            // IncompleteInput is a truncated file: PIL refuses those too ("image file is truncated").
            throw new InvalidDataException($"Cannot decode '{path}' ({codec.EncodedFormat}, {source.Width}×{source.Height}): {Describe(result)}.");
        }

        width = source.Width;
        height = source.Height;
        return rgba;
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.ErrorInInput => "the file is damaged",
        SKCodecResult.InvalidConversion => "its pixel format cannot be converted to RGB",
        _ => "the decoder reported " + result,
    };
}
