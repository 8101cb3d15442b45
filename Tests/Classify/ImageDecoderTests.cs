using System;
using System.Collections.Generic;
using System.IO;
using Xception.Compiler.Sample.Images;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Classify;

/// <summary>SkiaSharp's decoding (through the Sample's <see cref="ImageDecoder"/>) against PIL's <c>Image.open(...).convert('RGB')</c>.</summary>
public sealed class ImageDecoderTests
{
    [Theory]
    [InlineData("noise_37x23", "noise_37x23.png")]
    [InlineData("rgba_40x30", "rgba_40x30.png")]
    [InlineData("noise_24x16", "noise_24x16.webp")]
    public void LosslessFormats_DecodeExactlyAsPil(string reference, string file)
    {
        ByteImage expected = PillowReference.Read(reference)["decoded"];

        RgbImage image = ImageDecoder.Decode(PillowReference.ImagePath(file));

        Assert.Equal((expected.Width, expected.Height), (image.Width, image.Height));
        Assert.Equal(expected.Pixels, image.Pixels);
    }

    [Theory]
    [InlineData("gray_64x48", "gray_64x48.jpg", 0)]
    [InlineData("photo_160x120", "photo_160x120.jpg", 0)]
    public void Jpeg_DecodesWithinLibjpegVariance(string reference, string file, int tolerance)
    {
        ByteImage expected = PillowReference.Read(reference)["decoded"];

        RgbImage image = ImageDecoder.Decode(PillowReference.ImagePath(file));

        Assert.Equal((expected.Width, expected.Height), (image.Width, image.Height));
        (int differing, int worst) = Compare(expected.Pixels, image.Pixels);
        Assert.True(worst <= tolerance, $"{file}: {differing} of {image.Pixels.Length} bytes differ from PIL, by at most {worst} (allowed {tolerance}).");
    }

    [Fact]
    public void NotAnImage_ThrowsNamingTheFile()
    {
        using var folder = new TempDirectory();
        string path = Path.Combine(folder.Path, "notes.jpg");
        File.WriteAllText(path, "this is not a JPEG");

        var e = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedJpeg_ThrowsNamingTheFile()
    {
        using var folder = new TempDirectory();
        byte[] whole = File.ReadAllBytes(PillowReference.ImagePath("photo_160x120.jpg"));
        string path = Path.Combine(folder.Path, "cut.jpg");
        File.WriteAllBytes(path, whole.AsSpan(0, whole.Length / 2).ToArray());

        var e = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => ImageDecoder.Decode(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".png")));
    }

    private static (int Differing, int Worst) Compare(IReadOnlyList<byte> expected, IReadOnlyList<byte> actual)
    {
        int differing = 0, worst = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            int difference = Math.Abs(expected[i] - actual[i]);
            differing += difference != 0 ? 1 : 0;
            worst = Math.Max(worst, difference);
        }

        return (differing, worst);
    }
}
